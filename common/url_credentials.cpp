#include "common/url_credentials.hpp"

#include <cctype>

namespace eventbot {
namespace {

bool is_scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

// The end of a URL's authority ("user:pass@host:port"): the first character that ends
// it in RFC 3986 (path, query, fragment) or that cannot be in a URL written in text.
std::size_t authority_end(std::string_view text, std::size_t start) {
  std::size_t end = start;
  while (end < text.size()) {
    const char c = text[end];
    if (c == '/' || c == '?' || c == '#' || c == '\'' || c == '"' || c == '<' || c == '>' ||
        c == '`' || std::isspace(static_cast<unsigned char>(c))) {
      break;
    }
    ++end;
  }
  return end;
}

bool is_ssh(std::string_view scheme) {
  std::string lowered;
  for (char c : scheme) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lowered == "ssh" || lowered == "git+ssh" || lowered == "ssh+git";
}

}  // namespace

std::string redact_url_credentials(std::string_view text) {
  std::string out;
  std::size_t copied = 0;  // text[0, copied) is in `out`
  std::size_t search = 0;
  while (true) {
    const std::size_t separator = text.find("://", search);
    if (separator == std::string_view::npos) break;
    std::size_t scheme_start = separator;
    while (scheme_start > 0 && is_scheme_char(text[scheme_start - 1])) --scheme_start;
    const std::size_t start = separator + 3;
    const std::size_t end = authority_end(text, start);
    search = start;  // "a://b://u:p@h": the next URL may start inside this one's text
    if (scheme_start == separator) continue;  // "://" without a scheme
    // The last '@' of the authority: a password may hold an unescaped '@'.
    const std::size_t at = text.substr(start, end - start).rfind('@');
    if (at == std::string_view::npos) continue;
    const std::string_view userinfo = text.substr(start, at);
    const std::size_t colon = userinfo.find(':');
    std::string kept;  // what stays of the userinfo
    if (colon != std::string_view::npos) {
      kept = std::string(userinfo.substr(0, colon)) + ":" + std::string(kRedactedCredentials);
    } else if (is_ssh(text.substr(scheme_start, separator - scheme_start))) {
      continue;  // an ssh account name, no secret
    } else {
      kept = std::string(kRedactedCredentials);
    }
    if (kept == userinfo) continue;
    out.append(text.substr(copied, start - copied));
    out += kept;
    copied = start + at;  // from the '@' on
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace eventbot
