#pragma once
// The query options of a /api/v2 collection, as Buildbot's data API reads them:
// `limit`, `offset`, `order` (`-field` descending; repeated or comma-separated),
// `field` (the fields to answer), `property` (build properties to add), and filters
// `name=value` (repeated: any of the values), `name__eq|ne|lt|le|gt|ge|contains=value`.
// parse_query reads the text; apply_query filters, orders and pages a collection whose
// entries are JSON objects with the fields `fields` names. Pure: no I/O.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace eventbot::gateway::api {

inline constexpr std::uint64_t kMaxLimit = 1'000'000'000;  // any larger limit is a 400
inline constexpr std::size_t kMaxQueryTerms = 64;          // key=value pairs

struct Filter {
  enum class Op { eq, ne, lt, le, gt, ge, contains };
  std::string field;
  Op op = Op::eq;
  std::vector<std::string> values;  // eq/ne: any of them; the others: one
};

struct OrderKey {
  std::string field;
  bool descending = false;
};

struct Query {
  std::optional<std::uint64_t> limit;
  std::uint64_t offset = 0;
  std::vector<OrderKey> order;
  std::vector<Filter> filters;
  std::vector<std::string> fields;      // empty: all
  std::vector<std::string> properties;  // property=NAME ("*" for all)
  // Other options the resource reads itself (logs/N/contents' offset and limit are
  // taken from limit/offset above).
};

// Percent-decoding (and '+' as a space) of one query component; nothing if malformed.
std::optional<std::string> url_decode(std::string_view text);

// The query text after '?'; the error says what is wrong, for a 400.
Expected<Query, std::string> parse_query(std::string_view text);

// Checks that every filter, order and field names one of `fields`; the error for a 400.
Expected<Ok, std::string> check_fields(const Query& query, const std::vector<std::string>& fields);

// Filters, orders and pages `entries`; the number left after filtering goes to `total`.
// Entries whose field is missing or of another type never match a comparison.
Expected<nlohmann::json, std::string> apply_query(const Query& query, nlohmann::json entries,
                                                  std::uint64_t& total);

// The page apply_query would give of `count` entries, without their JSON: when the query
// has no filters and orders only by integer fields that every entry has, the places
// (0-based, in the collection's order) of the page's entries, in page order. `column`
// fills in a field's integer for every entry, in the collection's order, or answers false
// for a field it does not give so (then the answer is nothing: build the entries' JSON
// and call apply_query). A page of 50 out of 10 000 builds is then a selection of places
// (linear), not 10 000 JSON objects.
using IntegerColumn =
    std::function<bool(const std::string& field, std::vector<std::int64_t>& values)>;
std::optional<std::vector<std::size_t>> page_by_integers(const Query& query, std::size_t count,
                                                         const IntegerColumn& column);

// The fields of an entry `query.fields` keeps (all when empty).
nlohmann::json select_fields(const Query& query, nlohmann::json entry);

}  // namespace eventbot::gateway::api
