#pragma once
// Who sends a request, and what they may do: logins with web.users' passwords (a session
// cookie and its CSRF token, /auth/login, /auth/logout, /auth/me), HTTP Basic and API
// tokens (`Authorization: Bearer`, DIR/api_tokens) for scripts, failed logins limited per
// address, and web.authz's rules (`view` for reading: anyone unless set). Passwords and
// tokens are never logged or answered.
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "actors/config/master_config.hpp"
#include "common/expected.hpp"
#include "gateway/api/reply.hpp"
#include "gateway/auth/login_limiter.hpp"
#include "gateway/auth/session_table.hpp"
#include "gateway/auth/token_store.hpp"
#include "gateway/http/http_server.hpp"

namespace eventbot::gateway::auth {

// The master's web.authz check (master::authorised): whether `user` ("" anonymous) may
// take `action` under `web`.
using AuthzCheck = std::function<bool(const config::WebConfig& web, const std::string& user,
                                      const std::string& action)>;

struct AuthOptions {
  std::filesystem::path token_file;  // DIR/api_tokens; empty: no tokens
  AuthzCheck authorised;             // unset: every action refused
  std::size_t max_sessions = 10000;
  Clock::duration session_lifetime = std::chrono::hours(8);
  std::size_t max_failures = 5;  // failed logins per address within the window
  Clock::duration failure_window = std::chrono::minutes(1);
  std::size_t limiter_capacity = 4096;  // addresses remembered
};

struct Identity {
  enum class Via { none, session, basic, bearer };
  std::string user;  // "": anonymous
  Via via = Via::none;
};

class AuthService {
 public:
  explicit AuthService(AuthOptions options);

  void configure(const config::WebConfig& web);

  // /auth/login, /auth/logout, /auth/me.
  api::Reply handle(const http::HttpRequest& request, std::string_view path);

  // Who sends `request`, or the reply refusing it: 401 for wrong credentials (Basic, a
  // token), 429 while its address is locked out, 403 for a state-changing request that
  // carries the session cookie without its X-CSRF-Token.
  Expected<Identity, api::Reply> identify(const http::HttpRequest& request);

  // Whether `who` may take web.authz `action`; "view" and "metrics" are anyone's unless
  // configured.
  bool may(const Identity& who, const std::string& action) const;

  // A 403 (or 401 for an anonymous client) saying `who` may not `what`.
  static api::Reply refusal(const Identity& who, const std::string& what);

 private:
  struct Checked {
    bool ok = false;
    bool limited = false;
  };
  // Checks a password against web.users, counting failures against `address`.
  Checked check_password(const std::string& address, const std::string& user,
                         const std::string& password);
  std::optional<std::string> token_user(const std::string& token);
  api::Reply me(const Identity& who, const std::string& csrf) const;

  AuthOptions options_;
  mutable std::mutex mutex_;
  config::WebConfig web_;
  SessionTable sessions_;
  LoginLimiter limiter_;
  // The token file as last read, and what it was when read.
  TokenStore tokens_;
  std::filesystem::file_time_type tokens_mtime_{};
  std::uintmax_t tokens_size_ = 0;
  bool tokens_read_ = false;
};

// The client's address without its port ("127.0.0.1:5312" -> "127.0.0.1").
std::string address_of(const std::string& remote);
// Who sent `request` (its `client`, a trusted proxy's X-Forwarded-For), else its peer.
std::string client_of(const http::HttpRequest& request);

}  // namespace eventbot::gateway::auth
