#include "gateway/api/query.hpp"

#include <algorithm>
#include <charconv>

namespace eventbot::gateway::api {
namespace {

using nlohmann::json;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::uint64_t> whole_number(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

struct Suffix {
  std::string_view text;
  Filter::Op op;
};
constexpr Suffix kSuffixes[] = {
    {"__eq", Filter::Op::eq},
    {"__ne", Filter::Op::ne},
    {"__lt", Filter::Op::lt},
    {"__le", Filter::Op::le},
    {"__gt", Filter::Op::gt},
    {"__ge", Filter::Op::ge},
    {"__contains", Filter::Op::contains},
};

// The filter's text as a value of the entry's field type: Buildbot types the values by
// the field (numbers, booleans, strings; "null" for a field that is unset).
std::optional<json> typed(const json& field, const std::string& text) {
  if (text == "null") return json(nullptr);
  if (field.is_boolean()) {
    if (text == "true" || text == "1" || text == "yes" || text == "on") return json(true);
    if (text == "false" || text == "0" || text == "no" || text == "off") return json(false);
    return std::nullopt;
  }
  if (field.is_number()) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return json(value);
  }
  return json(text);
}

bool matches(const Filter& filter, const json& entry) {
  auto it = entry.find(filter.field);
  if (it == entry.end()) return false;
  const json& field = *it;
  if (filter.op == Filter::Op::contains) {
    if (field.is_string()) {
      return field.get_ref<const std::string&>().find(filter.values.front()) != std::string::npos;
    }
    if (field.is_array()) {
      for (const auto& element : field) {
        if (element.is_string() && element.get_ref<const std::string&>() == filter.values.front()) {
          return true;
        }
      }
    }
    return false;
  }
  if (filter.op == Filter::Op::eq || filter.op == Filter::Op::ne) {
    bool any = false;
    for (const auto& text : filter.values) {
      auto value = typed(field, text);
      if (value && ((field.is_null() && value->is_null()) || *value == field)) any = true;
    }
    return filter.op == Filter::Op::eq ? any : !any;
  }
  auto value = typed(field, filter.values.front());
  if (!value || value->is_null() || field.is_null()) return false;
  if (value->is_number() != field.is_number() || value->is_string() != field.is_string()) {
    return false;
  }
  switch (filter.op) {
    case Filter::Op::lt:
      return field < *value;
    case Filter::Op::le:
      return field <= *value;
    case Filter::Op::gt:
      return field > *value;
    case Filter::Op::ge:
      return field >= *value;
    default:
      return false;
  }
}

// null sorts first, as Buildbot's (Python's None-first) ordering of unset fields.
bool less(const json& a, const json& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && !b.is_null();
  if (a.is_number() && b.is_number()) return a.get<double>() < b.get<double>();
  if (a.type() != b.type()) return a.type() < b.type();
  return a < b;
}

}  // namespace

std::optional<std::string> url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Expected<Query, std::string> parse_query(std::string_view text) {
  Query query;
  std::size_t terms = 0;
  while (!text.empty()) {
    auto amp = text.find('&');
    auto term = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (term.empty()) continue;
    if (++terms > kMaxQueryTerms) {
      return unexpected("too many query options (at most " + std::to_string(kMaxQueryTerms) + ")");
    }
    auto eq = term.find('=');
    auto key = url_decode(term.substr(0, eq));
    auto value =
        url_decode(eq == std::string_view::npos ? std::string_view() : term.substr(eq + 1));
    if (!key || !value) return unexpected(std::string("malformed percent-encoding in the query"));
    if (key->empty()) return unexpected(std::string("a query option without a name"));
    if (*key == "limit" || *key == "offset") {
      auto number = whole_number(*value);
      if (!number || *number > kMaxLimit) {
        return unexpected(*key + " must be a whole number from 0 to " + std::to_string(kMaxLimit) +
                          ", got \"" + *value + "\"");
      }
      if (*key == "limit") {
        query.limit = *number;
      } else {
        query.offset = *number;
      }
    } else if (*key == "order") {
      if (value->empty()) return unexpected(std::string("order names no field"));
      std::string_view rest = *value;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        auto word = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        OrderKey order;
        if (!word.empty() && word.front() == '-') {
          order.descending = true;
          word.remove_prefix(1);
        }
        if (word.empty()) return unexpected(std::string("order names no field"));
        order.field = std::string(word);
        query.order.push_back(std::move(order));
      }
    } else if (*key == "field") {
      query.fields.push_back(*value);
    } else if (*key == "property") {
      query.properties.push_back(*value);
    } else {
      Filter filter;
      filter.field = *key;
      for (const auto& suffix : kSuffixes) {
        if (key->size() > suffix.text.size() && key->ends_with(suffix.text)) {
          filter.field = key->substr(0, key->size() - suffix.text.size());
          filter.op = suffix.op;
          break;
        }
      }
      auto same = std::find_if(query.filters.begin(), query.filters.end(), [&](const Filter& f) {
        return f.field == filter.field && f.op == filter.op &&
               (f.op == Filter::Op::eq || f.op == Filter::Op::ne);
      });
      if (same != query.filters.end()) {
        same->values.push_back(*value);
      } else {
        filter.values.push_back(*value);
        query.filters.push_back(std::move(filter));
      }
    }
  }
  return query;
}

Expected<Ok, std::string> check_fields(const Query& query, const std::vector<std::string>& fields) {
  auto known = [&](const std::string& name) {
    return std::find(fields.begin(), fields.end(), name) != fields.end();
  };
  for (const auto& filter : query.filters) {
    if (!known(filter.field)) return unexpected("no field \"" + filter.field + "\" to filter on");
  }
  for (const auto& order : query.order) {
    if (!known(order.field)) return unexpected("no field \"" + order.field + "\" to order by");
  }
  for (const auto& field : query.fields) {
    if (!known(field)) return unexpected("no field \"" + field + "\" to select");
  }
  return Ok{};
}

Expected<json, std::string> apply_query(const Query& query, json entries, std::uint64_t& total) {
  json kept = json::array();
  for (auto& entry : entries) {
    bool keep = std::all_of(query.filters.begin(), query.filters.end(),
                            [&](const Filter& filter) { return matches(filter, entry); });
    if (keep) kept.push_back(std::move(entry));
  }
  total = kept.size();
  if (!query.order.empty()) {
    std::stable_sort(kept.begin(), kept.end(), [&](const json& a, const json& b) {
      for (const auto& key : query.order) {
        static const json kNull;
        const json& x = a.contains(key.field) ? a[key.field] : kNull;
        const json& y = b.contains(key.field) ? b[key.field] : kNull;
        if (less(x, y)) return !key.descending;
        if (less(y, x)) return key.descending;
      }
      return false;
    });
  }
  json page = json::array();
  const std::uint64_t end =
      query.limit ? std::min<std::uint64_t>(total, query.offset + *query.limit) : total;
  for (std::uint64_t i = query.offset; i < end; ++i) {
    page.push_back(select_fields(query, std::move(kept[i])));
  }
  return page;
}

std::optional<std::vector<std::size_t>> page_by_integers(const Query& query, std::size_t count,
                                                         const IntegerColumn& column) {
  if (!query.filters.empty()) return std::nullopt;
  std::vector<std::vector<std::int64_t>> keys(query.order.size());
  for (std::size_t k = 0; k < keys.size(); ++k) {
    keys[k].reserve(count);
    if (!column(query.order[k].field, keys[k]) || keys[k].size() != count) return std::nullopt;
  }
  std::vector<std::size_t> places(count);
  for (std::size_t i = 0; i < count; ++i) places[i] = i;
  // apply_query's stable sort: equal keys keep the collection's order.
  auto before = [&](std::size_t a, std::size_t b) {
    for (std::size_t k = 0; k < keys.size(); ++k) {
      const auto x = keys[k][a], y = keys[k][b];
      if (x != y) return query.order[k].descending ? x > y : x < y;
    }
    return a < b;
  };
  const std::uint64_t offset = std::min<std::uint64_t>(query.offset, count);
  const std::uint64_t end =
      query.limit ? std::min<std::uint64_t>(count, offset + *query.limit) : count;
  const auto last = places.begin() + static_cast<std::ptrdiff_t>(end);
  if (last != places.end()) std::nth_element(places.begin(), last, places.end(), before);
  std::sort(places.begin(), last, before);
  return std::vector<std::size_t>(places.begin() + static_cast<std::ptrdiff_t>(offset), last);
}

json select_fields(const Query& query, json entry) {
  if (query.fields.empty()) return entry;
  json out = json::object();
  for (const auto& field : query.fields) {
    if (entry.contains(field)) out[field] = std::move(entry[field]);
  }
  return out;
}

}  // namespace eventbot::gateway::api
