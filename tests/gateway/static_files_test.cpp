// The web pages' file server: paths to files, content types, ETags and 304s, the
// security headers, what it leaves to the rest of the gateway; and the embedded pages
// themselves (index.html loads only modules that are embedded, no outside address).
#include "gateway/web/static_files.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace eventbot::gateway::web {
namespace {

std::string header(const api::Reply& reply, const std::string& name) {
  for (const auto& [key, value] : reply.headers) {
    if (key == name) return value;
  }
  return {};
}

const std::vector<EmbeddedFile> kFiles = {
    {"index.html", "<!doctype html><p>hi</p>", "aa11bb22cc33dd44ee55ff6677889900aabbccdd"},
    {"js/app.js", "export const x = 1;\n", "0123456789abcdef0123456789abcdef01234567"},
    {"style.css", "body{}", "fedcba9876543210fedcba9876543210fedcba98"},
};

TEST(StaticFilesTest, RootIsTheIndexAndStaticPathsAreTheFilesWithTheirTypes) {
  StaticFiles files(kFiles);
  auto index = files.serve("GET", "/", "");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200u);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index->body, "<!doctype html><p>hi</p>");
  EXPECT_EQ(files.serve("GET", "/index.html", "")->body, index->body);

  auto script = files.serve("GET", "/static/js/app.js", "");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(script->body, "export const x = 1;\n");
  EXPECT_EQ(files.serve("GET", "/static/style.css", "")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(content_type_of("a.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_of("a.bin"), "application/octet-stream");
}

TEST(StaticFilesTest, OtherPathsAreLeftToTheGatewayAndUnknownFilesAre404) {
  StaticFiles files(kFiles);
  EXPECT_FALSE(files.serve("GET", "/api/v2/builds", ""));
  EXPECT_FALSE(files.serve("GET", "/healthz", ""));
  EXPECT_FALSE(files.serve("GET", "/staticfoo", ""));
  EXPECT_EQ(files.serve("GET", "/static/nope.js", "")->status, 404u);
  EXPECT_EQ(files.serve("GET", "/static/../index.html", "")->status, 404u);
  EXPECT_EQ(files.serve("GET", "/static/", "")->status, 404u);
  auto post = files.serve("POST", "/", "");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405u);
  EXPECT_EQ(header(*post, "Allow"), "GET, HEAD");
  EXPECT_EQ(files.serve("HEAD", "/static/style.css", "")->status, 200u);
}

TEST(StaticFilesTest, EtagIsTheContentsHashAndAMatchingIfNoneMatchIsA304) {
  StaticFiles files(kFiles);
  auto first = files.serve("GET", "/static/js/app.js", "");
  const auto etag = header(*first, "ETag");
  EXPECT_EQ(etag, "\"0123456789abcdef0123456789abcdef\"");
  EXPECT_EQ(header(*first, "Cache-Control"), "no-cache");
  auto again = files.serve("GET", "/static/js/app.js", etag);
  EXPECT_EQ(again->status, 304u);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(header(*again, "ETag"), etag);
  EXPECT_EQ(files.serve("GET", "/static/js/app.js", "\"other\", W/" + etag)->status, 304u);
  EXPECT_EQ(files.serve("GET", "/static/js/app.js", "*")->status, 304u);
  EXPECT_EQ(files.serve("GET", "/static/js/app.js", "\"other\"")->status, 200u);
  // Another file's tag is not this one's.
  EXPECT_EQ(files.serve("GET", "/static/style.css", etag)->status, 200u);
}

TEST(StaticFilesTest, EveryAnswerCarriesAStrictContentSecurityPolicy) {
  StaticFiles files(kFiles);
  for (const char* path : {"/", "/static/js/app.js", "/static/style.css"}) {
    auto reply = files.serve("GET", path, "");
    const auto csp = header(*reply, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << path;
    EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << path;
    EXPECT_EQ(csp.find("http"), std::string::npos) << path;
    EXPECT_EQ(header(*reply, "X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(header(*reply, "X-Frame-Options"), "DENY") << path;
  }
}

TEST(StaticFilesTest, ThePagesOwnRequestsGetA401WithoutTheBrowsersLoginPrompt) {
  auto refused = [] {
    auto reply = api::error_reply(401, "log in");
    reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"eventbot\"");
    reply.headers.emplace_back("X-Other", "kept");
    return reply;
  };
  auto page = refused();
  quiet_challenge("XMLHttpRequest", page);
  EXPECT_EQ(header(page, "WWW-Authenticate"), "");
  EXPECT_EQ(header(page, "X-Other"), "kept");
  EXPECT_EQ(page.status, 401u);
  auto script = refused();
  quiet_challenge("", script);
  EXPECT_EQ(header(script, "WWW-Authenticate"), "Basic realm=\"eventbot\"");
  auto forbidden = api::error_reply(403, "no");
  forbidden.headers.emplace_back("WWW-Authenticate", "x");
  quiet_challenge("XMLHttpRequest", forbidden);
  EXPECT_EQ(header(forbidden, "WWW-Authenticate"), "x");
}

TEST(StaticFilesTest, TheEmbeddedPagesLoadOnlyEmbeddedFilesFromThisOrigin) {
  StaticFiles files(embedded_files());
  auto index = files.serve("GET", "/", "");
  ASSERT_TRUE(index);
  ASSERT_EQ(index->status, 200u);
  EXPECT_EQ(index->body.find("http://"), std::string::npos);
  EXPECT_EQ(index->body.find("https://"), std::string::npos);
  EXPECT_EQ(index->body.find("<script>"), std::string::npos) << "inline scripts break the CSP";
  // Every src/href of index.html and every module import is an embedded file.
  std::vector<std::string> wanted;
  auto quoted_after = [](const std::string& text, const std::string& marker, char quote,
                         const std::string& prefix, std::vector<std::string>& out) {
    for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
      const auto start = at + marker.size();
      const auto end = text.find(quote, start);
      if (end != std::string::npos) out.push_back(prefix + text.substr(start, end - start));
    }
  };
  quoted_after(index->body, "src=\"/", '"', "/", wanted);
  quoted_after(index->body, "href=\"/", '"', "/", wanted);
  ASSERT_GE(wanted.size(), 2u);
  for (const auto& file : embedded_files()) {
    if (!file.path.ends_with(".js")) continue;
    const std::string text(file.bytes);
    const auto dir = std::string(file.path.substr(0, file.path.rfind('/') + 1));
    quoted_after(text, "from './", '\'', "/static/" + dir, wanted);
    if (dir.size() > 1) {  // "js/pages/" -> "js/"
      const auto up = dir.substr(0, dir.rfind('/', dir.size() - 2) + 1);
      quoted_after(text, "from '../", '\'', "/static/" + up, wanted);
    }
    EXPECT_EQ(text.find("http://"), std::string::npos) << file.path;
  }
  for (const auto& path : wanted) {
    auto reply = files.serve("GET", path, "");
    ASSERT_TRUE(reply) << path;
    EXPECT_EQ(reply->status, 200u) << path;
  }
}

}  // namespace
}  // namespace eventbot::gateway::web
