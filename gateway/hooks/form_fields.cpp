#include "gateway/hooks/form_fields.hpp"

#include "gateway/api/query.hpp"

namespace eventbot::gateway::hooks {

namespace {
constexpr std::size_t kMaxFields = 256;
}

Expected<FormFields, std::string> parse_form(std::string_view text) {
  FormFields fields;
  while (!text.empty()) {
    auto amp = text.find('&');
    auto term = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (term.empty()) continue;
    if (fields.size() == kMaxFields) {
      return unexpected("more than " + std::to_string(kMaxFields) + " form fields");
    }
    auto eq = term.find('=');
    auto name = api::url_decode(term.substr(0, eq));
    auto value =
        api::url_decode(eq == std::string_view::npos ? std::string_view() : term.substr(eq + 1));
    if (!name || !value) return unexpected(std::string("malformed percent-encoding in a form"));
    fields.emplace_back(std::move(*name), std::move(*value));
  }
  return fields;
}

std::optional<std::string> first_value(const FormFields& fields, std::string_view name) {
  for (const auto& [key, value] : fields) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string media_type(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  auto type = content_type.substr(0, semicolon);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  std::string out(type);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace eventbot::gateway::hooks
