#pragma once
// Serves the web pages: `/` (and `/index.html`) is the single page, `/static/PATH` its
// modules, styles and images, from files held in memory (the embedded ones in the
// master). Pure: a request's method, path and If-None-Match to a reply with the content
// type, a strong ETag (the file's SHA-256), `Cache-Control: no-cache` (the browser asks
// again and gets a 304 while the file is unchanged) and a strict Content-Security-Policy
// (everything from this origin only, no inline script, no outside fonts or scripts).
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "gateway/api/reply.hpp"
#include "gateway/web/embedded_files.hpp"

namespace eventbot::gateway::web {

// The Content-Security-Policy every page answer carries.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// The MIME type for a file name's extension (application/octet-stream if unknown).
std::string_view content_type_of(std::string_view path);

// The pages' own requests say `X-Requested-With: XMLHttpRequest`: their 401s lose
// `WWW-Authenticate` (which would make the browser ask for a Basic login itself instead
// of letting the page show its own login).
void quiet_challenge(std::string_view requested_with, api::Reply& reply);

class StaticFiles {
 public:
  explicit StaticFiles(std::span<const EmbeddedFile> files);

  // The reply for `path` ("/", "/static/js/app.js"), or nothing when the path is not the
  // pages' (the caller answers it). GET and HEAD only (else 405); an unknown file under
  // /static/ is a 404; `if_none_match` holding the file's ETag is a 304.
  std::optional<api::Reply> serve(std::string_view method, std::string_view path,
                                  std::string_view if_none_match) const;

 private:
  std::map<std::string, EmbeddedFile, std::less<>> files_;
};

}  // namespace eventbot::gateway::web
