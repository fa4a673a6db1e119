// The gateway's query options: any query text is parsed, checked against a resource's
// fields and applied to a small collection without crashing, and what it answers is a
// page no longer than its limit, of entries the collection has.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/api/query.hpp"

using nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace eventbot::gateway::api;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto query = parse_query(text);
  if (!query) return 0;
  static const std::vector<std::string> fields = {"buildid",  "number",       "results",
                                                  "complete", "state_string", "tags"};
  if (!check_fields(*query, fields)) return 0;
  json builds = json::array({
      {{"buildid", 1},
       {"number", 0},
       {"results", 0},
       {"complete", true},
       {"state_string", "ok"},
       {"tags", {"a"}}},
      {{"buildid", 2},
       {"number", 1},
       {"results", nullptr},
       {"complete", false},
       {"state_string", "building"},
       {"tags", json::array()}},
      {{"buildid", 3},
       {"number", 2},
       {"results", 2},
       {"complete", true},
       {"state_string", "failed"},
       {"tags", {"a", "b"}}},
  });
  std::uint64_t total = 0;
  auto page = apply_query(*query, builds, total);
  if (!page || total > 3 || page->size() > total) std::abort();
  if (query->limit && page->size() > *query->limit) std::abort();
  return 0;
}
