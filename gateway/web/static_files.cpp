#include "gateway/web/static_files.hpp"

#include <array>
#include <utility>

namespace eventbot::gateway::web {
namespace {

// Whether an If-None-Match value ("*", or a list of quoted tags) names `etag`.
bool matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  std::size_t at = 0;
  while (at < if_none_match.size()) {
    auto comma = if_none_match.find(',', at);
    auto tag = if_none_match.substr(at, comma == std::string_view::npos ? comma : comma - at);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return false;
}

void add_security_headers(api::Reply& reply) {
  reply.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply.headers.emplace_back("Referrer-Policy", "no-referrer");
  reply.headers.emplace_back("X-Frame-Options", "DENY");
}

}  // namespace

std::string_view content_type_of(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".ico", "image/x-icon"},
  }};
  for (const auto& [extension, type] : kTypes) {
    if (path.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

void quiet_challenge(std::string_view requested_with, api::Reply& reply) {
  if (requested_with != "XMLHttpRequest" || reply.status != 401) return;
  std::erase_if(reply.headers,
                [](const auto& header) { return header.first == "WWW-Authenticate"; });
}

StaticFiles::StaticFiles(std::span<const EmbeddedFile> files) {
  for (const auto& file : files) files_.emplace(std::string(file.path), file);
}

std::optional<api::Reply> StaticFiles::serve(std::string_view method, std::string_view path,
                                             std::string_view if_none_match) const {
  constexpr std::string_view kStatic = "/static/";
  std::string_view name;
  if (path == "/" || path == "/index.html") {
    name = "index.html";
  } else if (path.starts_with(kStatic)) {
    name = path.substr(kStatic.size());
  } else {
    return std::nullopt;
  }
  if (method != "GET" && method != "HEAD") {
    auto reply = api::error_reply(405, "the pages answer GET and HEAD");
    reply.headers.emplace_back("Allow", "GET, HEAD");
    return reply;
  }
  auto found = files_.find(name);
  if (found == files_.end() || name.find("..") != std::string_view::npos) {
    return api::error_reply(404, "no such file under /static/");
  }
  const auto& file = found->second;
  const std::string etag = "\"" + std::string(file.sha256.substr(0, 32)) + "\"";
  api::Reply reply;
  reply.content_type = std::string(content_type_of(file.path));
  reply.headers.emplace_back("ETag", etag);
  reply.headers.emplace_back("Cache-Control", "no-cache");
  add_security_headers(reply);
  if (matches(if_none_match, etag)) {
    reply.status = 304;
    return reply;
  }
  reply.body = std::string(file.bytes);
  return reply;
}

}  // namespace eventbot::gateway::web
