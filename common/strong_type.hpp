#pragma once
// A value with a distinct type per meaning, so a sequence cannot be passed where a
// stream version is expected: mixing them up is a compile error.
#include <compare>
#include <cstdint>
#include <ostream>

namespace eventbot {

template <class T, class Tag>
class StrongType {
 public:
  using value_type = T;
  constexpr StrongType() = default;
  constexpr explicit StrongType(T value) : value_(value) {}
  constexpr T value() const { return value_; }
  constexpr StrongType next() const { return StrongType(value_ + 1); }
  constexpr auto operator<=>(const StrongType&) const = default;

  friend std::ostream& operator<<(std::ostream& out, const StrongType& x) {
    return out << x.value_;
  }

 private:
  T value_{};
};

// Position of an event in the global log: 1-based and dense; 0 means "before the first".
using Sequence = StrongType<std::uint64_t, struct SequenceTag>;
// Position of an event within its stream: 1-based and dense; 0 means "no event yet".
using StreamVersion = StrongType<std::uint64_t, struct StreamVersionTag>;

}  // namespace eventbot
