#pragma once
// What `notify on EVENT` may ask for (the manual's IRC bot): started, finished, success,
// warnings, failure, exception, and xToY where the previous build of the same builder
// ended x and this one Y (x, Y among success, warnings, failure, exception; Y capitalised,
// x != Y: "successToFailure"). Pure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eventbot::status::irc {

bool is_notify_event(std::string_view name);

// Every event name, in the order `help notify` lists them (the xToY ones included).
const std::vector<std::string>& notify_event_names();

// Whether a build that finished with `result` ("success", "failure", ...: lower case) is
// one `event` reports, `previous` being the result of the builder's build before it.
bool finished_matches(std::string_view event, std::string_view result,
                      const std::optional<std::string>& previous);

}  // namespace eventbot::status::irc
