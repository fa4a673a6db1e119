#include "gateway/auth/http_credentials.hpp"

#include <array>

#include "gateway/api/query.hpp"

namespace eventbot::gateway::auth {
namespace {

bool equal_no_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  static const auto kValues = [] {
    std::array<int, 256> values{};
    values.fill(-1);
    const std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
      values[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
    }
    return values;
  }();
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int padding = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + static_cast<std::size_t>(k)];
      const bool last_group = i + 4 == text.size();
      if (c == '=' && last_group && k >= 2) {
        v[k] = 0;
        ++padding;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after '='
      v[k] = kValues[static_cast<unsigned char>(c)];
      if (v[k] < 0) return std::nullopt;
    }
    const unsigned bits = (static_cast<unsigned>(v[0]) << 18) |
                          (static_cast<unsigned>(v[1]) << 12) | (static_cast<unsigned>(v[2]) << 6) |
                          static_cast<unsigned>(v[3]);
    out += static_cast<char>((bits >> 16) & 0xff);
    if (padding < 2) out += static_cast<char>((bits >> 8) & 0xff);
    if (padding < 1) out += static_cast<char>(bits & 0xff);
  }
  return out;
}

Authorization parse_authorization(std::string_view header) {
  header = trim(header);
  if (header.empty()) return std::monostate{};
  auto space = header.find(' ');
  if (space == std::string_view::npos) return MalformedAuthorization{};
  const auto scheme = header.substr(0, space);
  const auto rest = trim(header.substr(space + 1));
  if (equal_no_case(scheme, "Basic")) {
    auto decoded = base64_decode(rest);
    if (!decoded) return MalformedAuthorization{};
    auto colon = decoded->find(':');
    if (colon == std::string::npos || colon == 0) return MalformedAuthorization{};
    return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
  }
  if (equal_no_case(scheme, "Bearer")) {
    if (rest.empty() || rest.find(' ') != std::string_view::npos) return MalformedAuthorization{};
    return BearerToken{std::string(rest)};
  }
  return MalformedAuthorization{};
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto end = header.find(';');
    auto pair = trim(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    auto equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (trim(pair.substr(0, equals)) == name) return std::string(trim(pair.substr(equals + 1)));
  }
  return std::nullopt;
}

std::optional<std::map<std::string, std::string>> parse_form(std::string_view body) {
  std::map<std::string, std::string> fields;
  while (!body.empty()) {
    auto end = body.find('&');
    auto pair = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    if (pair.empty()) continue;
    auto equals = pair.find('=');
    std::string key(pair.substr(0, equals));
    std::string value(equals == std::string_view::npos ? std::string_view()
                                                       : pair.substr(equals + 1));
    auto k = api::url_decode(key);
    auto v = api::url_decode(value);
    if (!k || !v) return std::nullopt;
    fields.insert_or_assign(std::move(*k), std::move(*v));
  }
  return fields;
}

std::string session_cookie(const std::string& id, long max_age_seconds, bool secure) {
  std::string cookie =
      std::string(kSessionCookie) + "=" + id +
      "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_seconds);
  if (secure) cookie += "; Secure";
  return cookie;
}

}  // namespace eventbot::gateway::auth
