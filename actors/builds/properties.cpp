#include "actors/builds/properties.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/utf8.hpp"

namespace eventbot::builds {
namespace {

constexpr std::array<std::string_view, 7> kRanked = {kSourceGlobal, kSourceScheduler, kSourceChange,
                                                     kSourceForce,  kSourceSlave,     kSourceBuild,
                                                     kSourceBuilder};

// Python's repr of a str: single quotes unless the text holds ' and no ".
std::string python_repr(const std::string& text) {
  const bool double_quotes =
      text.find('\'') != std::string::npos && text.find('"') == std::string::npos;
  const char quote = double_quotes ? '"' : '\'';
  std::string out(1, quote);
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c == quote) {
          out += '\\';
          out += c;
        } else {
          out += c;
        }
    }
  }
  out += quote;
  return out;
}

std::string repr(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "None";
    case nlohmann::json::value_t::string:
      return python_repr(value.get<std::string>());
    case nlohmann::json::value_t::array: {
      std::string out = "[";
      bool first = true;
      for (const auto& element : value) {
        if (!first) out += ", ";
        first = false;
        out += repr(element);
      }
      return out + "]";
    }
    case nlohmann::json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, element] : value.items()) {  // nlohmann keeps keys sorted
        if (!first) out += ", ";
        first = false;
        out += python_repr(key) + ": " + repr(element);
      }
      return out + "}";
    }
    default:
      return render_value(value);
  }
}

bool is_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool all_word(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), is_word);
}

// One %(...)s key, parsed.
struct Key {
  std::string name;
  char op = 0;  // 0, '-', '~', '+'
  std::string text;
};

Expected<Key, std::string> parse_key(std::string_view key) {
  std::string_view rest = key;
  if (rest.substr(0, 5) == "prop:") rest.remove_prefix(5);
  Key out;
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    if (rest.empty()) return unexpected(std::string("names no property"));
    out.name = std::string(rest);
    return out;
  }
  out.name = std::string(rest.substr(0, colon));
  const std::string_view after = rest.substr(colon + 1);
  if (after.empty() || (after[0] != '-' && after[0] != '~' && after[0] != '+')) {
    const std::string selector(rest.substr(0, colon));
    if (key.substr(0, 5) != "prop:" && !selector.empty() && all_word(selector) && !after.empty() &&
        is_word(after[0])) {
      return unexpected("uses the selector \"" + selector +
                        ":\", which is not supported; only prop: is");
    }
    return unexpected(std::string("has an unknown operator after ':' (use :-, :~ or :+)"));
  }
  if (!all_word(out.name)) {
    return unexpected("has the property name \"" + out.name +
                      "\"; with :-, :~ and :+ a name is letters, digits and '_'");
  }
  out.op = after[0];
  out.text = std::string(after.substr(1));
  return out;
}

// Walks `text`, calling `on_key` for each %(...)s; returns the first syntax error.
template <class OnLiteral, class OnKey>
std::optional<InterpolationError> scan(std::string_view text, OnLiteral on_literal, OnKey on_key) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t percent = text.find('%', i);
    if (percent == std::string_view::npos) {
      on_literal(text.substr(i));
      break;
    }
    on_literal(text.substr(i, percent - i));
    const std::string where = "at offset " + std::to_string(percent);
    if (percent + 1 >= text.size()) {
      return InterpolationError{percent,
                                "a lone '%' ends the text " + where + "; write %% for a literal %"};
    }
    const char next = text[percent + 1];
    if (next == '%') {
      on_literal("%");
      i = percent + 2;
      continue;
    }
    if (next != '(') {
      return InterpolationError{percent, std::string("'%") + next + "' " + where +
                                             " is not a substitution; write %(name)s for a "
                                             "property or %% for a literal %"};
    }
    const std::size_t close = text.find(')', percent + 2);
    if (close == std::string_view::npos) {
      return InterpolationError{percent, "'%(' " + where + " has no closing ')s'"};
    }
    if (close + 1 >= text.size() || text[close + 1] != 's') {
      return InterpolationError{
          percent, "'%(" + std::string(text.substr(percent + 2, close - percent - 2)) + ")' " +
                       where + " is not followed by 's'; write %(name)s"};
    }
    const std::string_view key = text.substr(percent + 2, close - percent - 2);
    auto parsed = parse_key(key);
    if (!parsed) {
      return InterpolationError{percent,
                                "'%(" + std::string(key) + ")s' " + where + " " + parsed.error()};
    }
    if (auto problem = on_key(*parsed, percent)) return problem;
    i = close + 2;
  }
  return std::nullopt;
}

}  // namespace

int source_rank(std::string_view source) {
  for (std::size_t i = 0; i < kRanked.size(); ++i) {
    if (kRanked[i] == source) return static_cast<int>(i);
  }
  if (source == "Slave" || source == "slave") return 4;
  return static_cast<int>(kRanked.size());
}

void Properties::set(const std::string& name, nlohmann::json value, std::string source) {
  values_[name] = PropertyValue{std::move(value), std::move(source)};
}

void Properties::set_json(const std::string& name, std::string_view value_json,
                          std::string source) {
  auto parsed = nlohmann::json::parse(value_json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) parsed = std::string(value_json);
  set(name, std::move(parsed), std::move(source));
}

const nlohmann::json* Properties::get(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second.value;
}

std::optional<std::string> Properties::source(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second.source;
}

std::string Properties::text(const std::string& name) const {
  const auto* value = get(name);
  return value ? render_value(*value) : std::string();
}

Properties Properties::layered(const std::vector<events::Property>& list) {
  std::vector<const events::Property*> ordered;
  for (const auto& p : list) ordered.push_back(&p);
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
    return source_rank(a->source()) < source_rank(b->source());
  });
  Properties out;
  for (const auto* p : ordered) out.apply(*p);
  return out;
}

void Properties::apply(const events::Property& property) {
  set_json(property.name(), property.value_json(), property.source());
}

std::vector<events::Property> Properties::to_events() const {
  std::vector<events::Property> out;
  for (const auto& [name, value] : values_) {
    out.push_back(make_property(name, value.value, value.source));
  }
  return out;
}

events::Property make_property(const std::string& name, const nlohmann::json& value,
                               std::string_view source) {
  events::Property p;
  // Every property a build records passes here: text a program produced (a command's
  // output, a parser's capture) may not be UTF-8, and an event string must be, so
  // invalid bytes become U+FFFD instead of an exception (nlohmann's dump throws).
  p.set_name(to_valid_utf8(name));
  p.set_value_json(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  p.set_source(std::string(source));
  return p;
}

std::string render_value(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "";
    case nlohmann::json::value_t::string:
      return value.get<std::string>();
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? "True" : "False";
    case nlohmann::json::value_t::array:
    case nlohmann::json::value_t::object:
      return repr(value);
    default:
      return value.dump();  // numbers: nlohmann prints 1.0 and 2.5 as Python does
  }
}

bool truthy(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return false;
    case nlohmann::json::value_t::boolean:
      return value.get<bool>();
    case nlohmann::json::value_t::string:
      return !value.get<std::string>().empty();
    case nlohmann::json::value_t::array:
    case nlohmann::json::value_t::object:
      return !value.empty();
    case nlohmann::json::value_t::number_float:
      return value.get<double>() != 0.0;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return value.get<std::int64_t>() != 0;
    default:
      return false;
  }
}

void set_standard_properties(Properties& properties, const StandardProperties& standard) {
  const std::string source(kSourceBuild);
  properties.set("buildername", standard.builder, source);
  properties.set("buildnumber", standard.build_number, source);
  properties.set("slavename", standard.slave, source);
  properties.set("workdir", standard.workdir, source);
  auto or_null = [](const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  };
  const events::SourceStamp ss = standard.sourcestamp.value_or(events::SourceStamp{});
  properties.set("branch", or_null(ss.branch()), source);
  properties.set("revision", or_null(ss.revision()), source);
  properties.set("repository", ss.repository(), source);
  properties.set("project", ss.project(), source);
}

Expected<std::string, InterpolationError> interpolate(std::string_view text,
                                                      const Properties& properties) {
  std::string out;
  auto problem = scan(
      text, [&](std::string_view literal) { out.append(literal); },
      [&](const Key& key, std::size_t percent) -> std::optional<InterpolationError> {
        const nlohmann::json* value = properties.get(key.name);
        switch (key.op) {
          case '-':
            out += value ? render_value(*value) : key.text;
            break;
          case '~':
            out += value && truthy(*value) ? render_value(*value) : key.text;
            break;
          case '+':
            out += value ? key.text : "";
            break;
          default:
            if (!value) {
              return InterpolationError{
                  percent, "property \"" + key.name + "\" (at offset " + std::to_string(percent) +
                               ") is not set; give a default with %(" + key.name + ":-default)s"};
            }
            out += render_value(*value);
        }
        return std::nullopt;
      });
  if (problem) return unexpected(std::move(*problem));
  return out;
}

std::optional<InterpolationError> check_interpolation(std::string_view text) {
  return scan(
      text, [](std::string_view) {},
      [](const Key&, std::size_t) -> std::optional<InterpolationError> { return std::nullopt; });
}

}  // namespace eventbot::builds
