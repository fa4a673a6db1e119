#pragma once
// What a forced build submitted: its buildset and one build request per builder. The
// web's JSON-RPC `force` answers with them, as Buildbot's data API does
// (`[bsid, {"<builderid>": brid, ...}]`).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace eventbot::master {

struct ForcedBuildset {
  std::uint64_t buildset_id = 0;                                // 0: nothing was submitted
  std::vector<std::pair<std::string, std::uint64_t>> requests;  // builder, request id
};

}  // namespace eventbot::master
