#pragma once
// "{axis}" placeholders in a matrix builder's strings. Only "{identifier}" is a
// placeholder, and never right after '$', so shell's "${HOME}" and JSON text survive.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace eventbot::config::detail {

// Axis name → the value of this expansion.
using AxisValues = std::map<std::string, std::string, std::less<>>;

// The placeholder names in `text`, in order, repeats kept.
std::vector<std::string> placeholders_in(std::string_view text);

// `text` with every placeholder replaced, or the first name that is not an axis.
Expected<std::string, std::string> interpolate(std::string_view text, const AxisValues& axes);

}  // namespace eventbot::config::detail
