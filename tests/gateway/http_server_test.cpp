// The gateway's HTTP server on a real socket: what would block its I/O thread (Offload)
// runs on a worker while other requests are answered, and the body limit follows the
// target (the change hooks' larger one).
#include "gateway/http/http_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_auth_client.hpp"
#include "tests/support/http_client.hpp"

namespace eventbot::gateway::http {
namespace {

using testing::http_request;

// A gate the test opens: prepare() waits at it, the test sees it is waiting.
struct Gate {
  std::mutex mutex;
  std::condition_variable changed;
  bool entered = false;
  bool open = false;

  void wait_here() {
    std::unique_lock lock(mutex);
    entered = true;
    changed.notify_all();
    changed.wait(lock, [&] { return open; });
  }
  bool wait_entered() {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), [&] { return entered; });
  }
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    changed.notify_all();
  }
};

api::Reply text(const std::string& body) {
  api::Reply reply;
  reply.content_type = "text/plain";
  reply.body = body;
  return reply;
}

TEST(HttpServerTest, ASlowRequestRunsOnAWorkerWhileAnotherIsAnswered) {
  Gate gate;
  std::atomic<std::thread::id> io_thread{};
  std::atomic<std::thread::id> prepare_thread{};
  Offload offload;
  offload.slow = [](const HttpRequest& r) { return r.target == "/slow"; };
  offload.prepare = [&](HttpRequest& r) -> std::optional<api::Reply> {
    prepare_thread = std::this_thread::get_id();
    gate.wait_here();  // as a password's hash or a durable append would
    r.prepared = std::string("prepared on a worker");
    return std::nullopt;
  };
  auto server = HttpServer::start(
      "127.0.0.1", 0, HttpLimits{},
      [&](const HttpRequest& r) {
        io_thread = std::this_thread::get_id();
        if (const auto* found = std::any_cast<std::string>(&r.prepared)) return text(*found);
        return text("fast");
      },
      {}, offload);
  ASSERT_TRUE(server) << server.error();
  const auto port = (*server)->port();

  auto slow = std::async(std::launch::async, [&] { return http_request(port, "GET", "/slow"); });
  ASSERT_TRUE(gate.wait_entered());
  // The slow request is known to be held in prepare(): the I/O thread still answers.
  auto fast = http_request(port, "GET", "/fast");
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->status, 200);
  EXPECT_EQ(fast->body, "fast");
  EXPECT_NE(slow.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  gate.release();
  auto answered = slow.get();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->status, 200);
  EXPECT_EQ(answered->body, "prepared on a worker");  // the handler saw what prepare found
  EXPECT_NE(prepare_thread.load(), io_thread.load());
  (*server)->stop();
}

TEST(HttpServerTest, PrepareMayAnswerTheRequestItselfAndManyAtOnceAllGetTheirAnswer) {
  Offload offload;
  offload.slow = [](const HttpRequest& r) { return r.target.starts_with("/login/"); };
  offload.prepare = [](HttpRequest& r) -> std::optional<api::Reply> {
    return text("hello " + r.target.substr(7));
  };
  auto server = HttpServer::start(
      "127.0.0.1", 0, HttpLimits{}, [](const HttpRequest& r) { return text("get " + r.target); },
      {}, offload);
  ASSERT_TRUE(server) << server.error();
  const auto port = (*server)->port();
  std::vector<std::future<bool>> clients;
  for (int i = 0; i < 32; ++i) {
    clients.push_back(std::async(std::launch::async, [port, i] {
      const auto n = std::to_string(i);
      auto login = http_request(port, "POST", "/login/" + n, "{}");
      auto get = http_request(port, "GET", "/read/" + n);
      return login && login->body == "hello " + n && get && get->body == "get /read/" + n;
    }));
  }
  for (auto& client : clients) EXPECT_TRUE(client.get());
  (*server)->stop();
}

TEST(HttpServerTest, TheBodyLimitFollowsTheTarget) {
  HttpLimits limits;
  limits.body_limit = 1024;
  limits.large_body_prefix = "/change_hook/";
  limits.large_body_limit = 64 * 1024;
  auto server = HttpServer::start("127.0.0.1", 0, limits, [](const HttpRequest& r) {
    return text(std::to_string(r.body.size()));
  });
  ASSERT_TRUE(server) << server.error();
  const auto port = (*server)->port();
  auto small = http_request(port, "POST", "/api/v2/builds", std::string(1024, 'x'));
  ASSERT_TRUE(small);
  EXPECT_EQ(small->body, "1024");
  auto over = http_request(port, "POST", "/api/v2/builds", std::string(1025, 'x'));
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 413);
  auto hook = http_request(port, "POST", "/change_hook/github", std::string(60 * 1024, 'x'));
  ASSERT_TRUE(hook);
  EXPECT_EQ(hook->status, 200);
  EXPECT_EQ(hook->body, std::to_string(60 * 1024));
  auto hook_over =
      http_request(port, "POST", "/change_hook/github", std::string(64 * 1024 + 1, 'x'));
  ASSERT_TRUE(hook_over);
  EXPECT_EQ(hook_over->status, 413);
  EXPECT_NE(hook_over->body.find(std::to_string(64 * 1024)), std::string::npos) << hook_over->body;
  // Not a prefix of the path alone: /api/v2/change_hook/ keeps the small limit.
  auto elsewhere = http_request(port, "POST", "/api/v2/change_hook/x", std::string(2048, 'x'));
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 413);
  (*server)->stop();
}

// The handler's view of who sent a request with X-Forwarded-* headers, through a server
// that trusts `trusted`.
std::string seen_through(const std::vector<std::string>& trusted) {
  auto proxies = TrustedProxies::parse(trusted);
  EXPECT_TRUE(proxies);
  auto server = HttpServer::start(
      "127.0.0.1", 0, HttpLimits{},
      [](const HttpRequest& r) { return text(r.client + (r.tls ? " https" : " http")); }, {}, {},
      *proxies);
  EXPECT_TRUE(server);
  auto answer = testing::http_send(
      (*server)->port(), "GET", "/", "",
      {{"X-Forwarded-For", "198.51.100.7, 203.0.113.5"}, {"X-Forwarded-Proto", "https"}});
  (*server)->stop();
  return answer ? answer->body : "no answer";
}

TEST(HttpServerTest, ForwardedHeadersCountOnlyFromATrustedPeer) {
  EXPECT_EQ(seen_through({}), "127.0.0.1 http");
  EXPECT_EQ(seen_through({"10.0.0.0/8"}), "127.0.0.1 http");
  EXPECT_EQ(seen_through({"127.0.0.0/8"}), "203.0.113.5 https");
}

}  // namespace
}  // namespace eventbot::gateway::http
