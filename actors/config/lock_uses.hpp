#pragma once
// A step's `locks:` as it reaches the step: StepConfig::params["locks"], JSON text.
//
//   steps:
//     - type: shell
//       command: [make, test]
//       locks: [db, {name: cpu, access: counting}]
//
// The value is a list (a lone entry is a list of one) whose entries are a lock name
// (exclusive access) or {"name": ..., "access": "exclusive" | "counting"}; access
// defaults to exclusive. The config reader has already checked, at load time, that
// each name is a lock of the `locks:` section and each access is known; this parser
// checks only the shape, since the params are untyped JSON.
#include <string>
#include <string_view>
#include <vector>

#include "actors/config/master_config.hpp"
#include "common/expected.hpp"

namespace eventbot::config {

// The lock uses of `json_text`, or a message saying what is wrong with it
// ("null" and "[]" give no uses).
Expected<std::vector<LockUse>, std::string> parse_lock_uses(std::string_view json_text);

// The step's lock uses (params["locks"]), none if it has no "locks" parameter.
Expected<std::vector<LockUse>, std::string> step_lock_uses(const StepConfig& step);

}  // namespace eventbot::config
