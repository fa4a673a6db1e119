#pragma once
// Why an actor's request failed, as a `caf::error` of the category "eventbot": a caller
// tells the reasons apart by code (`error.code()`), and a person reads them through
// `actor_system::render` (the master registers the category with `register_errors`).
// Replies that succeed carry their value (or nothing); replies that fail carry one of these,
// with the details a person needs as the error's context.
#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <cstdint>
#include <string>
#include <utility>

namespace eventbot {

enum class ec : std::uint8_t {
  // 0 is "no error" for caf::error.
  unspecified = 1,
  // The request waited past its deadline (a lock, a slave's answer, a fold).
  timeout,
  // A stop or cancel ended the wait: the caller's work is over, not failed.
  cancelled,
  // The caller named something the receiver does not know (a scheduler, a build, a lock).
  unknown_target,
  // The receiver refuses the request in its state (a second owner, a slave busy or gone).
  refused,
  // The store did not take an append (a conflict, a refused event, a failed write).
  not_recorded,
  // The request or the configuration it carries is not valid.
  invalid_argument,
  // The receiver is shutting down.
  shutting_down,
};

std::string to_string(ec code);

// The category under which CAF carries these codes.
inline constexpr caf::atom_value kErrorCategory = caf::atom("eventbot");

inline caf::error make_error(ec code) {
  return caf::error{static_cast<std::uint8_t>(code), kErrorCategory};
}

inline caf::error make_error(ec code, std::string context) {
  return caf::error{static_cast<std::uint8_t>(code), kErrorCategory,
                    caf::make_message(std::move(context))};
}

// True when `error` is ours and carries `code`.
inline bool is(const caf::error& error, ec code) {
  return error.category() == kErrorCategory && error.code() == static_cast<std::uint8_t>(code);
}

// The context a person reads ("lock 'db' not granted in 60 s"), or the code's name.
std::string describe(const caf::error& error);

// Lets `actor_system::render` print "eventbot: timeout (context)".
void register_errors(caf::actor_system_config& config);

}  // namespace eventbot
