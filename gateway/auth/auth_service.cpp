#include "gateway/auth/auth_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "actors/auth/credentials.hpp"
#include "actors/auth/web_password.hpp"
#include "common/file_mode.hpp"
#include "gateway/auth/http_credentials.hpp"

namespace eventbot::gateway::auth {
namespace {

using json = nlohmann::json;

// 32 random bytes as 64 hex digits (RAND_bytes through auth::random_bytes).
std::string random_hex() {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : eventbot::auth::random_bytes(32)) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

bool state_changing(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

api::Reply unauthorised(const std::string& message) {
  auto reply = api::error_reply(401, message);
  reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"eventbot\", charset=\"UTF-8\"");
  return reply;
}

api::Reply too_many(Clock::duration wait) {
  auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
  auto reply = api::error_reply(429, "too many failed logins from this address; try again in " +
                                         std::to_string(seconds) + " s");
  reply.headers.emplace_back("Retry-After", std::to_string(std::max<long long>(1, seconds)));
  return reply;
}

}  // namespace

std::string client_of(const http::HttpRequest& request) {
  return request.client.empty() ? address_of(request.remote) : request.client;
}

std::string address_of(const std::string& remote) {
  auto colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

AuthService::AuthService(AuthOptions options)
    : options_(std::move(options)),
      sessions_(options_.max_sessions, options_.session_lifetime),
      limiter_(options_.max_failures, options_.failure_window, options_.limiter_capacity) {}

void AuthService::configure(const config::WebConfig& web) {
  std::lock_guard lock(mutex_);
  // A user no longer configured is logged out.
  for (const auto& old : web_.users) {
    if (std::none_of(web.users.begin(), web.users.end(),
                     [&](const auto& u) { return u.name == old.name; })) {
      sessions_.close_user(old.name);
    }
  }
  web_ = web;
}

AuthService::Checked AuthService::check_password(const std::string& address,
                                                 const std::string& user,
                                                 const std::string& password) {
  config::WebUser account;
  {
    std::lock_guard lock(mutex_);
    if (!limiter_.allowed(address, Clock::now())) return {false, true};
    auto it = std::find_if(web_.users.begin(), web_.users.end(),
                           [&](const auto& u) { return u.name == user; });
    if (it != web_.users.end()) account = *it;
  }
  // The slow hash runs outside the lock.
  const bool ok =
      !account.name.empty() && eventbot::auth::verify_web_password(account.name, account.password,
                                                                   account.password_hash, password);
  std::lock_guard lock(mutex_);
  if (ok) {
    limiter_.succeeded(address);
  } else {
    limiter_.failed(address, Clock::now());
  }
  return {ok, false};
}

std::optional<std::string> AuthService::token_user(const std::string& token) {
  if (options_.token_file.empty()) return std::nullopt;
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(options_.token_file, ec);
  const auto size = ec ? 0 : std::filesystem::file_size(options_.token_file, ec);
  std::lock_guard lock(mutex_);
  if (ec) {
    tokens_ = TokenStore();  // no file: no tokens
    tokens_read_ = false;
  } else if (!tokens_read_ || mtime != tokens_mtime_ || size != tokens_size_) {
    tokens_ = TokenStore();
    tokens_read_ = true;
    tokens_mtime_ = mtime;
    tokens_size_ = size;
    if (auto open = mode_open_to_others(options_.token_file)) {
      spdlog::error(
          "gateway: {} has mode {}: others may read it; its API tokens are refused "
          "until `chmod 600 {}`",
          options_.token_file.string(), *open, options_.token_file.string());
    } else {
      std::ifstream in(options_.token_file, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      auto parsed = TokenStore::parse(text.str());
      if (parsed) {
        tokens_ = std::move(*parsed);
      } else {
        spdlog::error("gateway: {}: {}; its API tokens are refused", options_.token_file.string(),
                      parsed.error());
      }
    }
  }
  auto user = tokens_.user_of(token);
  // A token of a user no longer in web.users counts for nothing.
  if (user && std::none_of(web_.users.begin(), web_.users.end(),
                           [&](const auto& u) { return u.name == *user; })) {
    return std::nullopt;
  }
  return user;
}

Expected<Identity, api::Reply> AuthService::identify(const http::HttpRequest& request) {
  const auto address = client_of(request);
  auto authorization = parse_authorization(request.header("Authorization"));
  if (std::holds_alternative<MalformedAuthorization>(authorization)) {
    return unexpected(unauthorised("the Authorization header is neither Basic nor Bearer"));
  }
  if (auto* basic = std::get_if<BasicCredentials>(&authorization)) {
    auto checked = check_password(address, basic->user, basic->password);
    if (checked.limited) {
      std::lock_guard lock(mutex_);
      return unexpected(too_many(limiter_.retry_after(address, Clock::now())));
    }
    if (!checked.ok) {
      spdlog::warn("gateway: HTTP Basic login as '{}' from {} failed", basic->user.substr(0, 64),
                   address);
      return unexpected(unauthorised("wrong user name or password"));
    }
    return Identity{basic->user, Identity::Via::basic};
  }
  if (auto* bearer = std::get_if<BearerToken>(&authorization)) {
    {
      std::lock_guard lock(mutex_);
      if (!limiter_.allowed(address, Clock::now())) {
        return unexpected(too_many(limiter_.retry_after(address, Clock::now())));
      }
    }
    if (auto user = token_user(bearer->token)) return Identity{*user, Identity::Via::bearer};
    {
      std::lock_guard lock(mutex_);
      limiter_.failed(address, Clock::now());
    }
    spdlog::warn("gateway: an unknown or revoked API token from {}", address);
    return unexpected(unauthorised("unknown or revoked API token"));
  }
  auto id = cookie_value(request.header("Cookie"), kSessionCookie);
  if (!id || id->empty()) return Identity{};
  std::optional<Session> session;
  {
    std::lock_guard lock(mutex_);
    session = sessions_.find(*id, Clock::now());
  }
  if (!session) return Identity{};  // expired or unknown: anonymous (the page logs in again)
  if (state_changing(request.method) &&
      !same_secret(request.header("X-CSRF-Token"), session->csrf)) {
    return unexpected(api::error_reply(
        403, "a request that changes something needs the session's X-CSRF-Token header"));
  }
  return Identity{session->user, Identity::Via::session};
}

bool AuthService::may(const Identity& who, const std::string& action) const {
  std::lock_guard lock(mutex_);
  if ((action == "view" || action == "metrics") && !web_.authz.contains(action)) return true;
  return options_.authorised && options_.authorised(web_, who.user, action);
}

api::Reply AuthService::refusal(const Identity& who, const std::string& what) {
  if (who.user.empty()) {
    return unauthorised("anonymous users may not " + what +
                        " (web.authz): log in, or give HTTP Basic or an API token");
  }
  return api::error_reply(403, "user '" + who.user + "' may not " + what + " (web.authz)");
}

api::Reply AuthService::me(const Identity& who, const std::string& csrf) const {
  json body = {{"user", who.user.empty() ? json(nullptr) : json(who.user)},
               {"roles", json::array()}};
  {
    std::lock_guard lock(mutex_);
    for (const auto& user : web_.users) {
      if (user.name == who.user) body["roles"] = user.roles;
    }
  }
  body["via"] = who.via == Identity::Via::session  ? "session"
                : who.via == Identity::Via::basic  ? "basic"
                : who.via == Identity::Via::bearer ? "token"
                                                   : "none";
  if (!csrf.empty()) body["csrf_token"] = csrf;
  // What the pages may offer this user (the server still checks every action).
  json may = json::object();
  for (const char* action :
       {"view", "force_build", "stop_build", "cancel_pending_build", "graceful_shutdown"}) {
    may[action] = this->may(who, action);
  }
  body["may"] = std::move(may);
  return api::json_reply(200, body);
}

api::Reply AuthService::handle(const http::HttpRequest& request, std::string_view path) {
  const auto address = client_of(request);
  const bool post = request.method == "POST";
  if (path == "/auth/login") {
    if (!post) {
      auto reply = api::error_reply(405, "log in with a POST of the form's username and password");
      reply.headers.emplace_back("Allow", "POST");
      return reply;
    }
    auto fields = parse_form(request.body);
    if (!fields || !fields->contains("username") || !fields->contains("password")) {
      return api::error_reply(400, "expected a form with username and password");
    }
    const auto& user = (*fields)["username"];
    auto checked = check_password(address, user, (*fields)["password"]);
    if (checked.limited) {
      std::lock_guard lock(mutex_);
      return too_many(limiter_.retry_after(address, Clock::now()));
    }
    if (!checked.ok) {
      spdlog::warn("gateway: login as '{}' from {} failed", user.substr(0, 64), address);
      return api::error_reply(401, "wrong user name or password");
    }
    Session session;
    {
      std::lock_guard lock(mutex_);
      session = sessions_.open(random_hex(), user, random_hex(), Clock::now());
    }
    spdlog::info("gateway: {} logged in from {}", user, address);
    auto reply = me(Identity{user, Identity::Via::session}, session.csrf);
    const auto max_age = std::chrono::duration_cast<std::chrono::seconds>(sessions_.lifetime());
    reply.headers.emplace_back(
        "Set-Cookie", session_cookie(session.id, static_cast<long>(max_age.count()), request.tls));
    return reply;
  }
  if (path == "/auth/logout") {
    if (!post) {
      auto reply = api::error_reply(405, "log out with a POST");
      reply.headers.emplace_back("Allow", "POST");
      return reply;
    }
    auto who = identify(request);
    if (!who) return who.error();
    if (auto id = cookie_value(request.header("Cookie"), kSessionCookie);
        id && who->via == Identity::Via::session) {
      std::lock_guard lock(mutex_);
      sessions_.close(*id);
    }
    auto reply = api::json_reply(200, {{"user", nullptr}});
    reply.headers.emplace_back("Set-Cookie", session_cookie("", 0, request.tls));
    return reply;
  }
  if (path == "/auth/me") {
    if (request.method != "GET" && request.method != "HEAD") {
      auto reply = api::error_reply(405, "/auth/me answers GET");
      reply.headers.emplace_back("Allow", "GET, HEAD");
      return reply;
    }
    auto who = identify(request);
    if (!who) return who.error();
    std::string csrf;
    if (who->via == Identity::Via::session) {
      auto id = cookie_value(request.header("Cookie"), kSessionCookie);
      std::lock_guard lock(mutex_);
      if (auto session = sessions_.find(*id, Clock::now())) csrf = session->csrf;
    }
    return me(*who, csrf);
  }
  return api::error_reply(404, "nothing here: /auth/login, /auth/logout, /auth/me");
}

}  // namespace eventbot::gateway::auth
