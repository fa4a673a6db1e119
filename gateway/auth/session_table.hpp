#pragma once
// The gateway's logged-in browsers: sessions in memory, each with its user, a CSRF token
// and an expiry; at most `capacity` at once (the one that would expire first makes room).
// Ids and tokens come from the caller (random bytes in the shell), so the table is pure.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

namespace eventbot::gateway::auth {

using Clock = std::chrono::steady_clock;

struct Session {
  std::string id;    // the cookie's value
  std::string user;  // a web.users name
  std::string csrf;  // what X-CSRF-Token must carry on state-changing requests
  Clock::time_point expires;
};

class SessionTable {
 public:
  SessionTable(std::size_t capacity, Clock::duration lifetime)
      : capacity_(capacity), lifetime_(lifetime) {}

  // A new session for `user` with the given id and CSRF token (both random, from the
  // caller), expiring `lifetime` after `now`; expired sessions go first, then, at
  // capacity, the one closest to its expiry.
  const Session& open(std::string id, std::string user, std::string csrf, Clock::time_point now);
  // The session with this id, if it has not expired (an expired one is forgotten).
  std::optional<Session> find(const std::string& id, Clock::time_point now);
  // Logout; false if there was no such session.
  bool close(const std::string& id);
  // Ends every session of `user` (a user removed from web.users).
  void close_user(const std::string& user);

  std::size_t size() const { return sessions_.size(); }
  Clock::duration lifetime() const { return lifetime_; }

 private:
  void forget_expired(Clock::time_point now);

  std::size_t capacity_;
  Clock::duration lifetime_;
  std::map<std::string, Session> sessions_;
};

// Whether two secrets are equal, in time that depends only on their lengths.
bool same_secret(const std::string& a, const std::string& b);

}  // namespace eventbot::gateway::auth
