// The gateway's logins, pure parts: sessions, the failed-login limiter, the API token
// store, and reading Authorization, Cookie and form data.
#include "gateway/auth/session_table.hpp"

#include <gtest/gtest.h>

#include "gateway/auth/http_credentials.hpp"
#include "gateway/auth/login_limiter.hpp"
#include "gateway/auth/token_store.hpp"

namespace eventbot::gateway::auth {
namespace {

using namespace std::chrono_literals;
const Clock::time_point t0{};

TEST(SessionTable, FindsAnOpenSessionUntilItExpires) {
  SessionTable table(10, 1h);
  table.open("id1", "alice", "csrf1", t0);
  auto found = table.find("id1", t0 + 59min);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user, "alice");
  EXPECT_EQ(found->csrf, "csrf1");
  EXPECT_FALSE(table.find("id1", t0 + 1h));
  EXPECT_EQ(table.size(), 0u);  // the expired one is forgotten
  EXPECT_FALSE(table.find("other", t0));
}

TEST(SessionTable, CloseEndsASession) {
  SessionTable table(10, 1h);
  table.open("id1", "alice", "c", t0);
  EXPECT_TRUE(table.close("id1"));
  EXPECT_FALSE(table.close("id1"));
  EXPECT_FALSE(table.find("id1", t0));
}

TEST(SessionTable, AtCapacityTheOneClosestToExpiryMakesRoom) {
  SessionTable table(2, 1h);
  table.open("a", "alice", "c", t0);
  table.open("b", "bob", "c", t0 + 1min);
  table.open("c", "carol", "c", t0 + 2min);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_FALSE(table.find("a", t0 + 2min));
  EXPECT_TRUE(table.find("b", t0 + 2min));
  EXPECT_TRUE(table.find("c", t0 + 2min));
}

TEST(SessionTable, ExpiredSessionsGoBeforeLiveOnes) {
  SessionTable table(2, 1h);
  table.open("a", "alice", "c", t0);
  table.open("b", "bob", "c", t0 + 30min);
  table.open("c", "carol", "c", t0 + 61min);  // a has expired: b stays
  EXPECT_TRUE(table.find("b", t0 + 61min));
  EXPECT_TRUE(table.find("c", t0 + 61min));
}

TEST(SessionTable, CloseUserEndsAllItsSessions) {
  SessionTable table(10, 1h);
  table.open("a", "alice", "c", t0);
  table.open("b", "alice", "c", t0);
  table.open("c", "bob", "c", t0);
  table.close_user("alice");
  EXPECT_EQ(table.size(), 1u);
  EXPECT_TRUE(table.find("c", t0));
}

TEST(SameSecret, ComparesWholeStrings) {
  EXPECT_TRUE(same_secret("abc", "abc"));
  EXPECT_FALSE(same_secret("abc", "abd"));
  EXPECT_FALSE(same_secret("abc", "ab"));
  EXPECT_FALSE(same_secret("", "a"));
}

TEST(LoginLimiter, LocksAnAddressOutAfterMaxFailuresWithinTheWindow) {
  LoginLimiter limiter(3, 1min, 100);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.allowed("10.0.0.1", t0));
    limiter.failed("10.0.0.1", t0 + std::chrono::seconds(i));
  }
  EXPECT_FALSE(limiter.allowed("10.0.0.1", t0 + 10s));
  EXPECT_EQ(limiter.retry_after("10.0.0.1", t0 + 10s), 50s);
  EXPECT_TRUE(limiter.allowed("10.0.0.2", t0 + 10s));   // another address is not affected
  EXPECT_TRUE(limiter.allowed("10.0.0.1", t0 + 1min));  // the window has passed
}

TEST(LoginLimiter, ASuccessClearsTheFailures) {
  LoginLimiter limiter(2, 1min, 100);
  limiter.failed("a", t0);
  limiter.succeeded("a");
  limiter.failed("a", t0);
  EXPECT_TRUE(limiter.allowed("a", t0));
}

TEST(LoginLimiter, TheTableIsBounded) {
  LoginLimiter limiter(1, 1min, 3);
  for (int i = 0; i < 10; ++i)
    limiter.failed("addr" + std::to_string(i), t0 + std::chrono::seconds(i));
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_FALSE(limiter.allowed("addr9", t0 + 10s));  // the newest are kept
  EXPECT_TRUE(limiter.allowed("addr0", t0 + 10s));
}

TEST(TokenStore, KeepsOnlyHashesAndFindsTheUser) {
  const auto token = TokenStore::token_from(std::string(32, '\x01'));
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += "01";
  EXPECT_EQ(token, "ebt_" + hex);
  TokenStore store;
  store.add("alice", TokenStore::hash_of(token));
  EXPECT_EQ(store.user_of(token), "alice");
  EXPECT_FALSE(store.user_of(token + "0"));
  EXPECT_FALSE(store.user_of("ebt_" + std::string(64, '0')));
  EXPECT_EQ(store.text().find(token), std::string::npos);
  EXPECT_NE(store.text().find(TokenStore::hash_of(token)), std::string::npos);
}

TEST(TokenStore, ParsesWhatItWritesAndRevokes) {
  TokenStore store;
  const auto a = TokenStore::hash_of("ebt_a");
  const auto b = TokenStore::hash_of("ebt_b");
  store.add("alice", a);
  store.add("alice", b);
  store.add("bob", TokenStore::hash_of("ebt_c"));
  auto parsed = TokenStore::parse(store.text());
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->entries(), store.entries());
  EXPECT_EQ(parsed->revoke("alice", TokenStore::id_of(b)), 1u);
  EXPECT_EQ(parsed->user_of("ebt_a"), "alice");
  EXPECT_FALSE(parsed->user_of("ebt_b"));
  EXPECT_EQ(parsed->revoke("alice"), 1u);
  EXPECT_EQ(parsed->revoke("alice"), 0u);
  EXPECT_EQ(parsed->user_of("ebt_c"), "bob");
}

TEST(TokenStore, RefusesMalformedLines) {
  EXPECT_FALSE(TokenStore::parse("alice\n"));
  EXPECT_FALSE(TokenStore::parse("alice 1234\n"));
  EXPECT_FALSE(TokenStore::parse("alice " + std::string(64, 'G') + "\n"));
  EXPECT_TRUE(TokenStore::parse("# comment\n\nalice " + std::string(64, 'a') + "\n"));
}

TEST(HttpCredentials, ReadsBasicAndBearer) {
  // "alice:pa:ss" in base64
  auto basic = parse_authorization("Basic YWxpY2U6cGE6c3M=");
  ASSERT_TRUE(std::holds_alternative<BasicCredentials>(basic));
  EXPECT_EQ(std::get<BasicCredentials>(basic).user, "alice");
  EXPECT_EQ(std::get<BasicCredentials>(basic).password, "pa:ss");
  auto bearer = parse_authorization("bearer ebt_x");
  ASSERT_TRUE(std::holds_alternative<BearerToken>(bearer));
  EXPECT_EQ(std::get<BearerToken>(bearer).token, "ebt_x");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(parse_authorization("")));
  for (auto bad : {"Basic", "Basic !!!!", "Basic YWxpY2U=", "Digest abc", "Bearer a b"}) {
    EXPECT_TRUE(std::holds_alternative<MalformedAuthorization>(parse_authorization(bad))) << bad;
  }
}

TEST(HttpCredentials, Base64) {
  EXPECT_EQ(base64_decode("YQ=="), "a");
  EXPECT_EQ(base64_decode("YWI="), "ab");
  EXPECT_EQ(base64_decode("YWJj"), "abc");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_FALSE(base64_decode("YQ="));
  EXPECT_FALSE(base64_decode("Y=Q="));
  EXPECT_FALSE(base64_decode("YW=j"));
}

TEST(HttpCredentials, CookiesAndForms) {
  EXPECT_EQ(cookie_value("a=1; eventbot_session=abc; b=2", kSessionCookie), "abc");
  EXPECT_FALSE(cookie_value("a=1", kSessionCookie));
  auto form = parse_form("username=al%20ice&password=p%2Bw+d&x");
  ASSERT_TRUE(form);
  EXPECT_EQ((*form)["username"], "al ice");
  EXPECT_EQ((*form)["password"], "p+w d");
  EXPECT_FALSE(parse_form("a=%zz"));
}

TEST(HttpCredentials, SessionCookieFlags) {
  const auto plain = session_cookie("abc", 3600, false);
  EXPECT_EQ(plain, "eventbot_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600");
  EXPECT_EQ(session_cookie("abc", 3600, true), plain + "; Secure");
}

}  // namespace
}  // namespace eventbot::gateway::auth
