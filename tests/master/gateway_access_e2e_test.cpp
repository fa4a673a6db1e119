// The web gateway's access and operation end to end, against the real master daemon
// (the fixture of build_e2e_fixture.hpp): web.authz `view` for the live updates (/ws,
// /sse/), `metrics` for /metrics and every figure it shows; `force` answered with the
// buildset and requests as Buildbot's; the change hooks' larger body limit; logins and
// reads answered together.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <future>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "gateway/hooks/hook_secrets.hpp"
#include "tests/gateway/hook_fixtures.hpp"
#include "tests/master/build_e2e_fixture.hpp"
#include "tests/support/http_auth_client.hpp"
#include "tests/support/websocket_client.hpp"

namespace eventbot::testing {
namespace {

// An SSE stream held open: the request sent, the answer's head read (its status and
// Content-Type); the body is left unread.
struct SseStream {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket{io};
  int status = 0;
  std::string head;

  bool open(unsigned short port, const std::string& target,
            const std::map<std::string, std::string>& headers) {
    boost::system::error_code ec;
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return false;
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "\r\n";
    boost::asio::write(socket, boost::asio::buffer(request), ec);
    if (ec) return false;
    // The head is small and comes at once; a read that blocks is ended by the test's
    // deadline (the socket is closed by the master's refusal or stays open).
    while (head.find("\r\n\r\n") == std::string::npos) {
      char data[512];
      auto n = socket.read_some(boost::asio::buffer(data), ec);
      head.append(data, n);
      if (ec) break;
    }
    if (head.size() < 12 || !head.starts_with("HTTP/1.1 ")) return false;
    status = std::stoi(head.substr(9, 3));
    return true;
  }
};

// Users admin (role admin) and dev (no role); builder `quick` builds every change on
// slave s1; `idle` has no slave attached, so what is forced for it stays pending.
class GatewayAccessE2E : public BuildE2E {
 protected:
  void start_web_master(const std::string& authz) {
    ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
  - {name: s2, password: pw2}
schedulers:
  - {type: any_branch, name: all, builders: [quick]}
  - {type: force, name: force, builders: [quick, idle]}
builders:
  - name: quick
    slaves: [s1]
    steps:
      - {type: shell, name: say, command: "echo hello from quick; echo and more"}
  - name: idle
    slaves: [s2]
    steps:
      - {type: shell, name: never, command: "true"}
web:
  change_hooks:
    github: {secret: gh-secret}
  users:
    - {name: admin, password: admin-secret, roles: [admin]}
    - {name: dev, password: dev-secret}
  authz:
    force_build: [admin]
)" + authz));
    start_slave("s1", "pw1");
    ASSERT_TRUE(wait_attached({"s1"}));
  }

  HttpAnswer send(const std::string& method, const std::string& target, const std::string& body,
                  std::map<std::string, std::string> headers) {
    auto answer = http_send(web_port_, method, target, body, headers);
    EXPECT_TRUE(answer) << method << " " << target;
    return answer ? *answer : HttpAnswer{};
  }

  // Logs in with the form; the session cookie's "name=value".
  std::string session_of(const std::string& user, const std::string& password) {
    auto logged = send("POST", "/auth/login", "username=" + user + "&password=" + password,
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(logged.status, 200) << logged.body;
    for (const auto& cookie : logged.set_cookies) {
      if (cookie.starts_with("eventbot_session=")) return cookie.substr(0, cookie.find(';'));
    }
    return {};
  }

  // A WebSocket with `headers` on its handshake answers a ping; refused, `refused` is
  // the status the same handshake is answered with.
  bool websocket_answers(const std::map<std::string, std::string>& headers,
                         int* refused = nullptr) {
    WebSocketClient ws;
    if (!ws.connect(web_port_, "/ws", 0, headers)) {
      if (refused) {
        auto upgrade = headers;
        upgrade["Connection"] = "Upgrade";
        upgrade["Upgrade"] = "websocket";
        upgrade["Sec-WebSocket-Version"] = "13";
        upgrade["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ==";
        *refused = send("GET", "/ws", "", upgrade).status;
      }
      return false;
    }
    if (!ws.send(R"({"cmd": "ping", "_id": 7})")) return false;
    auto answer = ws.receive();
    if (!answer) return false;
    auto parsed = json::parse(*answer, nullptr, false);
    return parsed.is_object() && parsed["msg"] == "pong" && parsed["_id"] == 7;
  }

  std::string metrics(const std::map<std::string, std::string>& headers, int status = 200) {
    auto answer = send("GET", "/metrics", "", headers);
    EXPECT_EQ(answer.status, status) << answer.body;
    return answer.body;
  }

  // A JSON-RPC call with `headers` (Content-Type added).
  HttpAnswer rpc(const std::string& path, const std::string& method, const json& params,
                 std::map<std::string, std::string> headers) {
    headers["Content-Type"] = "application/json";
    const json call = {{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", 1}};
    return send("POST", "/api/v2/" + path, call.dump(), headers);
  }

  int builder_id(const std::string& name) {
    auto answer = send("GET", "/api/v2/builders/" + name, "", {});
    EXPECT_EQ(answer.status, 200) << answer.body;
    return json::parse(answer.body)["builders"][0]["builderid"];
  }

  // The value of the sample `name` (with its labels) in a /metrics text; -1 if absent.
  static double sample(const std::string& text, const std::string& name) {
    auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + name.size() + 2));
  }
};

TEST_F(GatewayAccessE2E, LiveUpdatesNeedTheViewRightAsReadsDo) {
  ASSERT_NO_FATAL_FAILURE(start_web_master("    view: authenticated\n"));
  // Anonymous: refused as /api/v2's reads are, on both paths.
  int refused = 0;
  EXPECT_FALSE(websocket_answers({}, &refused));
  EXPECT_EQ(refused, 401);
  auto sse = send("GET", "/sse/builds/*/new", "", {});
  EXPECT_EQ(sse.status, 401) << sse.body;
  EXPECT_EQ(send("GET", "/api/v2/builds", "", {}).status, 401);
  // A wrong password is refused too (and not taken as anonymous).
  refused = 0;
  EXPECT_FALSE(
      websocket_answers({{"Authorization", basic_authorization("dev", "guess")}}, &refused));
  EXPECT_EQ(refused, 401);

  // A session cookie, HTTP Basic and an API token are each accepted.
  const auto cookie = session_of("dev", "dev-secret");
  ASSERT_FALSE(cookie.empty());
  EXPECT_TRUE(websocket_answers({{"Cookie", cookie}}));
  EXPECT_TRUE(websocket_answers({{"Authorization", basic_authorization("admin", "admin-secret")}}));
  auto created = run_process({eventbot(), "create-token", "dev", "-d", master_dir().string()});
  ASSERT_EQ(created.exit_code, 0) << describe(created);
  const auto token = created.out.substr(0, created.out.find('\n'));
  EXPECT_TRUE(websocket_answers({{"Authorization", "Bearer " + token}}));

  SseStream with_cookie;
  ASSERT_TRUE(with_cookie.open(web_port_, "/sse/builds/*/new", {{"Cookie", cookie}}));
  EXPECT_EQ(with_cookie.status, 200) << with_cookie.head;
  EXPECT_NE(with_cookie.head.find("text/event-stream"), std::string::npos) << with_cookie.head;
  SseStream with_token;
  ASSERT_TRUE(
      with_token.open(web_port_, "/sse/builds/*/new", {{"Authorization", "Bearer " + token}}));
  EXPECT_EQ(with_token.status, 200) << with_token.head;
  SseStream anonymous;
  ASSERT_TRUE(anonymous.open(web_port_, "/sse/builds/*/new", {}));
  EXPECT_EQ(anonymous.status, 401) << anonymous.head;
}

TEST_F(GatewayAccessE2E, LiveUpdatesNeedARoleWhenViewNamesOne) {
  ASSERT_NO_FATAL_FAILURE(start_web_master("    view: [admin]\n"));
  int refused = 0;
  EXPECT_FALSE(
      websocket_answers({{"Authorization", basic_authorization("dev", "dev-secret")}}, &refused));
  EXPECT_EQ(refused, 403);
  EXPECT_EQ(send("GET", "/sse/builds/*/new", "",
                 {{"Authorization", basic_authorization("dev", "dev-secret")}})
                .status,
            403);
  EXPECT_TRUE(websocket_answers({{"Authorization", basic_authorization("admin", "admin-secret")}}));
}

TEST_F(GatewayAccessE2E, MetricsAreDecidedByAuthzAndShowEveryFigure) {
  ASSERT_NO_FATAL_FAILURE(start_web_master("    metrics: [admin]\n"));
  const std::map<std::string, std::string> admin = {
      {"Authorization", basic_authorization("admin", "admin-secret")}};
  // One build with output, then one request that stays pending (idle's slave is away).
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);
  ASSERT_TRUE(wait_for([&] { return finished("quick", 0); }));
  auto forced =
      send("POST", "/api/v2/forceschedulers/force",
           json({{"jsonrpc", "2.0"},
                 {"method", "force"},
                 {"id", 1},
                 {"params", {{"builderNames", {"idle"}}}}})
               .dump(),
           {{"Authorization", admin.at("Authorization")}, {"Content-Type", "application/json"}});
  ASSERT_EQ(forced.status, 200) << forced.body;

  // /healthz stays open; /metrics is web.authz's `metrics`.
  EXPECT_EQ(send("GET", "/healthz", "", {}).status, 200);
  EXPECT_EQ(send("GET", "/metrics", "", {}).status, 401);
  EXPECT_EQ(
      send("GET", "/metrics", "", {{"Authorization", basic_authorization("dev", "dev-secret")}})
          .status,
      403);

  // A WebSocket and an SSE stream are open while /metrics is read.
  WebSocketClient ws;
  ASSERT_TRUE(ws.connect(web_port_)) << ws.error;
  SseStream sse;
  ASSERT_TRUE(sse.open(web_port_, "/sse/builds/*/finished", {}));
  ASSERT_EQ(sse.status, 200);
  std::string text;
  ASSERT_TRUE(wait_for([&] {
    text = metrics(admin);
    return sample(text, "eventbot_builds_finished_total{result=\"success\"}") == 1 &&
           sample(text, "eventbot_build_requests_pending") == 1;
  })) << text;
  EXPECT_EQ(sample(text, "eventbot_builds_running"), 0) << text;
  EXPECT_GT(sample(text, "eventbot_build_requests_oldest_pending_seconds"), 0) << text;
  // "hello from quick\nand more\n" at least, with the shell step's header.
  EXPECT_GE(sample(text, "eventbot_log_bytes_total"), 26) << text;
  EXPECT_EQ(sample(text, "eventbot_slaves_attached"), 1) << text;
  EXPECT_GT(sample(text, "eventbot_store_size_bytes"), 0) << text;
  const auto writes = sample(text, "eventbot_store_write_seconds_count");
  EXPECT_GT(writes, 0) << text;
  EXPECT_EQ(sample(text, "eventbot_store_write_seconds_bucket{le=\"+Inf\"}"), writes) << text;
  EXPECT_GT(sample(text, "eventbot_store_write_seconds_sum"), 0) << text;
  EXPECT_NE(text.find("# TYPE eventbot_store_write_seconds histogram\n"), std::string::npos);
  EXPECT_GE(sample(text, "eventbot_gateway_clients{kind=\"http\"}"), 1) << text;
  EXPECT_EQ(sample(text, "eventbot_gateway_clients{kind=\"websocket\"}"), 1) << text;
  EXPECT_EQ(sample(text, "eventbot_gateway_clients{kind=\"sse\"}"), 1) << text;
}

TEST_F(GatewayAccessE2E, ForceAndRebuildAnswerWithTheBuildsetAndItsRequestsAsBuildbot) {
  ASSERT_NO_FATAL_FAILURE(start_web_master(""));
  const auto admin = basic_authorization("admin", "admin-secret");
  auto forced = rpc("forceschedulers/force", "force", {{"builderNames", {"quick", "idle"}}},
                    {{"Authorization", admin}});
  ASSERT_EQ(forced.status, 200) << forced.body;
  // [bsid, {"<builderid>": brid, ...}], the ids the log gave them.
  const auto result = json::parse(forced.body)["result"];
  ASSERT_TRUE(result.is_array() && result.size() == 2) << forced.body;
  log_.refresh();
  auto buildsets = select(&Envelope::has_buildset_submitted);
  ASSERT_EQ(buildsets.size(), 1u);
  EXPECT_EQ(result[0], buildsets[0].buildset_submitted().buildset_id());
  std::map<std::string, std::uint64_t> requests;
  for (const auto& e : select(&Envelope::has_build_request_submitted)) {
    requests[e.build_request_submitted().builder()] = e.build_request_submitted().request_id();
  }
  ASSERT_EQ(requests.size(), 2u);
  const json expected = {{std::to_string(builder_id("quick")), requests["quick"]},
                         {std::to_string(builder_id("idle")), requests["idle"]}};
  EXPECT_EQ(result[1], expected) << forced.body;
  // The same ids through the REST API.
  auto buildset = send("GET", "/api/v2/buildsets/" + result[0].dump(), "", {});
  EXPECT_EQ(buildset.status, 200) << buildset.body;

  // rebuild answers in the same shape, with the new buildset.
  ASSERT_TRUE(wait_for([&] { return finished("quick", 0); }));
  ASSERT_TRUE(wait_for([&] {
    auto b = send("GET", "/api/v2/builders/quick/builds/0", "", {});
    return b.status == 200 && json::parse(b.body)["builds"][0]["complete"] == true;
  }));
  const int buildid = json::parse(
      send("GET", "/api/v2/builders/quick/builds/0", "", {}).body)["builds"][0]["buildid"];
  auto rebuilt = rpc("builds/" + std::to_string(buildid), "rebuild", json::object(),
                     {{"Authorization", admin}});
  ASSERT_EQ(rebuilt.status, 200) << rebuilt.body;
  const auto again = json::parse(rebuilt.body)["result"];
  ASSERT_TRUE(again.is_array() && again.size() == 2) << rebuilt.body;
  EXPECT_GT(again[0].get<std::uint64_t>(), result[0].get<std::uint64_t>());
  ASSERT_EQ(again[1].size(), 1u) << rebuilt.body;
  EXPECT_TRUE(again[1].contains(std::to_string(builder_id("quick")))) << rebuilt.body;
}

TEST_F(GatewayAccessE2E, AChangeHookTakesABodyOfMegabytesAndRefusesOneOverItsLimit) {
  ASSERT_NO_FATAL_FAILURE(start_web_master(""));
  // GitHub's documented push, with four commits of 50 KiB messages: 200 KiB, over the
  // 64 KiB every other request may send.
  auto push = json::parse(gateway::hooks::testing::fixture("github_push.json"));
  const auto commit = push["commits"][0];
  push["commits"] = json::array();
  for (int i = 0; i < 4; ++i) {
    auto c = commit;
    c["id"] = std::string(39, 'a') + std::to_string(i);
    c["message"] = "commit " + std::to_string(i) + " " + std::string(50 * 1024, 'x');
    push["commits"].push_back(c);
  }
  const auto body = push.dump();
  ASSERT_GT(body.size(), 200u * 1024);
  auto post = [&](const std::string& text) {
    return send("POST", "/change_hook/github", text,
                {{"Content-Type", "application/json"},
                 {"X-GitHub-Event", "push"},
                 {"X-Hub-Signature-256", gateway::hooks::github_signature("gh-secret", text)}});
  };
  auto answer = post(body);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(json::parse(answer.body)["changes"].size(), 4u) << answer.body;
  log_.refresh();
  EXPECT_EQ(select(&Envelope::has_change_added).size(), 4u);
  // The rest of the API keeps its 64 KiB.
  EXPECT_EQ(send("POST", "/api/v2/builds", std::string(100 * 1024, 'x'),
                 {{"Content-Type", "application/json"}})
                .status,
            413);
  // Over 5 MiB: 413 from the declared length, before any of the body is read; nothing
  // recorded.
  auto refused = http_raw(web_port_,
                          "POST /change_hook/github HTTP/1.1\r\nHost: x\r\n"
                          "Content-Type: application/json\r\nX-GitHub-Event: push\r\n"
                          "Content-Length: " +
                              std::to_string(5 * 1024 * 1024 + 1) + "\r\n\r\n");
  EXPECT_TRUE(refused.received.starts_with("HTTP/1.1 413")) << refused.received;
  EXPECT_NE(refused.received.find(std::to_string(5 * 1024 * 1024)), std::string::npos)
      << refused.received;
  log_.refresh();
  EXPECT_EQ(select(&Envelope::has_change_added).size(), 4u);
}

TEST_F(GatewayAccessE2E, ManyLoginsAndReadsAtOnceAreAllAnsweredRightly) {
  ASSERT_NO_FATAL_FAILURE(start_web_master("    view: authenticated\n"));
  // Logins, Basic reads (each an Argon2id check, on the gateway's workers) and cookie
  // reads, from 12 clients at once: each gets its own right answer.
  std::vector<std::future<std::string>> clients;
  for (int i = 0; i < 12; ++i) {
    clients.push_back(std::async(std::launch::async, [this, i]() -> std::string {
      const std::string user = i % 2 ? "admin" : "dev";
      const std::string password = user + "-secret";
      auto logged =
          http_send(web_port_, "POST", "/auth/login", "username=" + user + "&password=" + password,
                    {{"Content-Type", "application/x-www-form-urlencoded"}});
      if (!logged || logged->status != 200) return "login " + std::to_string(i) + " failed";
      if (json::parse(logged->body)["user"] != user) return "login answered another user";
      auto basic = http_send(web_port_, "GET", "/auth/me", "",
                             {{"Authorization", basic_authorization(user, password)}});
      if (!basic || basic->status != 200 || json::parse(basic->body)["user"] != user) {
        return "Basic " + std::to_string(i) + " failed";
      }
      std::string cookie;
      for (const auto& c : logged->set_cookies) {
        if (c.starts_with("eventbot_session=")) cookie = c.substr(0, c.find(';'));
      }
      auto read = http_send(web_port_, "GET", "/api/v2/builders", "", {{"Cookie", cookie}});
      if (!read || read->status != 200) return "read " + std::to_string(i) + " failed";
      auto anonymous = http_send(web_port_, "GET", "/api/v2/builders", "", {});
      if (!anonymous || anonymous->status != 401) return "anonymous read not refused";
      return "";
    }));
  }
  for (auto& client : clients) EXPECT_EQ(client.get(), "");
  // A wrong password is still refused, and counted.
  EXPECT_EQ(
      send("GET", "/auth/me", "", {{"Authorization", basic_authorization("dev", "guess")}}).status,
      401);
}

}  // namespace
}  // namespace eventbot::testing
