#pragma once
// The names and numbers that cross actors, each its own type, so that a buildset id cannot
// be passed where another number is expected, nor a builder's name where a slave's is: a
// mix-up is a compile error, and a message with loose values is not matched.
// A build's lock holder or waiter is builders::WaiterId (builder, number, step).
#include <cstdint>
#include <string>

#include "actors/builders/lock_table.hpp"
#include "common/strong_type.hpp"

namespace eventbot::messages {

// A buildset, as its BuildsetSubmitted numbers it.
using BuildsetId = StrongType<std::uint64_t, struct BuildsetIdTag>;
// A slave, by its configured name.
using SlaveName = StrongType<std::string, struct SlaveNameTag>;

using builders::WaiterId;

}  // namespace eventbot::messages

namespace eventbot::builders {
// CAF's inspection, so a WaiterId travels in messages.
template <class Inspector>
auto inspect(Inspector& f, WaiterId& x) {
  return f(x.builder, x.build_number, x.step_index);
}
}  // namespace eventbot::builders
