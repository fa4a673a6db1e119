// Actions as JSON-RPC 2.0 calls: parsing a call and reading the action it asks for.
#include "gateway/actions/json_rpc.hpp"

#include <gtest/gtest.h>

namespace eventbot::gateway::actions {
namespace {

using json = nlohmann::json;

RpcCall call(const std::string& body) {
  auto parsed = parse_call(body);
  EXPECT_TRUE(parsed) << body;
  return parsed ? *parsed : RpcCall{};
}

TEST(JsonRpc, ParsesACall) {
  auto c = call(R"({"jsonrpc":"2.0","method":"force","params":{"reason":"r"},"id":7})");
  EXPECT_EQ(c.method, "force");
  EXPECT_EQ(c.params["reason"], "r");
  EXPECT_EQ(c.id, 7);
  auto no_params = call(R"({"jsonrpc":"2.0","method":"stop","id":"x"})");
  EXPECT_TRUE(no_params.params.is_object());
  EXPECT_EQ(no_params.id, "x");
}

TEST(JsonRpc, RefusesMalformedCalls) {
  auto code_of = [](const std::string& body) {
    auto parsed = parse_call(body);
    return parsed ? 0 : parsed.error().code;
  };
  EXPECT_EQ(code_of("{"), kParseError);
  EXPECT_EQ(code_of("[]"), kInvalidRequest);
  EXPECT_EQ(code_of(R"({"method":"force"})"), kInvalidRequest);
  EXPECT_EQ(code_of(R"({"jsonrpc":"1.0","method":"force"})"), kInvalidRequest);
  EXPECT_EQ(code_of(R"({"jsonrpc":"2.0","method":5})"), kInvalidRequest);
  EXPECT_EQ(code_of(R"({"jsonrpc":"2.0","method":"force","id":{}})"), kInvalidRequest);
  EXPECT_EQ(code_of(R"({"jsonrpc":"2.0","method":"force","params":[1]})"), kInvalidParams);
}

TEST(JsonRpc, AnswersInJsonRpcShape) {
  auto result = json::parse(result_text(1, "done"));
  EXPECT_EQ(result, (json{{"jsonrpc", "2.0"}, {"result", "done"}, {"id", 1}}));
  auto error = json::parse(error_text(nullptr, kNotAuthorised, "no"));
  EXPECT_EQ(error["error"]["code"], kNotAuthorised);
  EXPECT_EQ(error["error"]["message"], "no");
  EXPECT_TRUE(error["id"].is_null());
}

TEST(JsonRpcAction, ForceTakesTheFormFieldsAndPropertiesOfAnyOtherField) {
  auto c = call(R"({"jsonrpc":"2.0","method":"force","id":1,"params":{
      "reason":"why","branch":"main","revision":"abc","repository":"r","project":"p",
      "builderNames":["b1"],"builderid":3,"username":"ignored","owner":"ignored",
      "properties":{"n":1},"extra":"x"}})");
  auto action = action_of({"forceschedulers", "force"}, c);
  ASSERT_TRUE(action) << action.error().message;
  EXPECT_EQ(action->kind, ActionKind::force);
  EXPECT_EQ(action->authz, "force_build");
  EXPECT_EQ(action->target, "force");
  EXPECT_EQ(action->reason, "why");
  EXPECT_EQ(action->branch, "main");
  EXPECT_EQ(action->revision, "abc");
  EXPECT_EQ(action->repository, "r");
  EXPECT_EQ(action->project, "p");
  EXPECT_EQ(action->builder_names, std::vector<std::string>{"b1"});
  EXPECT_EQ(action->builder_ids, std::vector<std::uint64_t>{3});
  EXPECT_EQ(action->properties,
            (std::map<std::string, std::string>{{"n", "1"}, {"extra", "\"x\""}}));
}

TEST(JsonRpcAction, EachResourceHasItsMethods) {
  struct Case {
    std::vector<std::string> path;
    std::string method;
    ActionKind kind;
    std::string authz;
  };
  for (const auto& c : std::vector<Case>{
           {{"builds", "12"}, "stop", ActionKind::stop_build, "stop_build"},
           {{"builds", "12"}, "rebuild", ActionKind::rebuild, "force_build"},
           {{"buildrequests", "4"}, "cancel", ActionKind::cancel_request, "cancel_pending_build"},
           {{"workers", "1"},
            "graceful_shutdown",
            ActionKind::graceful_shutdown,
            "graceful_shutdown"},
           {{"slaves", "s1"},
            "graceful_shutdown",
            ActionKind::graceful_shutdown,
            "graceful_shutdown"},
       }) {
    auto action = action_of(c.path, call(R"({"jsonrpc":"2.0","method":")" + c.method +
                                         R"(","params":{"reason":"r"}})"));
    ASSERT_TRUE(action) << c.method;
    EXPECT_EQ(action->kind, c.kind);
    EXPECT_EQ(action->authz, c.authz);
    EXPECT_EQ(action->target, c.path[1]);
    EXPECT_EQ(action->reason, "r");
  }
}

TEST(JsonRpcAction, RefusesUnknownMethodsPathsAndBadParams) {
  auto error_of = [](std::vector<std::string> path, const std::string& body) {
    auto action = action_of(path, call(body));
    return action ? RpcError{0, 0, ""} : action.error();
  };
  auto stop = R"({"jsonrpc":"2.0","method":"stop"})";
  auto e = error_of({"builds", "1"}, R"({"jsonrpc":"2.0","method":"explode"})");
  EXPECT_EQ(e.code, kMethodNotFound);
  EXPECT_EQ(e.status, 404u);
  EXPECT_EQ(error_of({"builds", "x"}, stop).status, 404u);
  EXPECT_EQ(error_of({"builds"}, stop).status, 404u);
  EXPECT_EQ(error_of({"changes", "1"}, stop).status, 404u);
  EXPECT_EQ(
      error_of({"builds", "1"}, R"({"jsonrpc":"2.0","method":"stop","params":{"reason":5}})").code,
      kInvalidParams);
  EXPECT_EQ(error_of({"forceschedulers", "f"},
                     R"({"jsonrpc":"2.0","method":"force","params":{"builderNames":"b"}})")
                .code,
            kInvalidParams);
  EXPECT_EQ(error_of({"forceschedulers", "f"},
                     R"({"jsonrpc":"2.0","method":"force","params":{"builderid":-1}})")
                .code,
            kInvalidParams);
}

TEST(JsonRpcTest, ForceAndRebuildAnswerWithTheBuildsetAndEachBuildersRequestAsBuildbot) {
  auto result = submitted_result(7, {{1, 12}, {3, 13}});
  EXPECT_EQ(result, nlohmann::json::parse(R"([7, {"1": 12, "3": 13}])"));
  auto text = nlohmann::json::parse(result_text(5, result));
  EXPECT_EQ(text["result"][0], 7);
  EXPECT_EQ(text["result"][1]["3"], 13);
  EXPECT_EQ(text["id"], 5);
}

}  // namespace
}  // namespace eventbot::gateway::actions
