#pragma once
// A value with a distinct type per meaning, so a sequence cannot be passed where a
// stream version is expected: mixing them up is a compile error. Numbers and names alike
// (a slave's name is not a builder's); `inspect` lets actors send them in messages.
#include <compare>
#include <cstdint>
#include <ostream>
#include <type_traits>
#include <utility>

namespace eventbot {

template <class T, class Tag>
class StrongType {
 public:
  using value_type = T;
  constexpr StrongType() = default;
  constexpr explicit StrongType(T value) : value_(std::move(value)) {}
  // Numbers by value, names by reference.
  constexpr std::conditional_t<std::is_scalar_v<T>, T, const T&> value() const { return value_; }
  constexpr StrongType next() const { return StrongType(value_ + 1); }
  constexpr auto operator<=>(const StrongType&) const = default;

  friend std::ostream& operator<<(std::ostream& out, const StrongType& x) {
    return out << x.value_;
  }
  // CAF's inspection (messages between actors); no CAF header is needed here.
  template <class Inspector>
  friend auto inspect(Inspector& f, StrongType& x) {
    return f(x.value_);
  }

 private:
  T value_{};
};

// Position of an event in the global log: 1-based and dense; 0 means "before the first".
using Sequence = StrongType<std::uint64_t, struct SequenceTag>;
// Position of an event within its stream: 1-based and dense; 0 means "no event yet".
using StreamVersion = StrongType<std::uint64_t, struct StreamVersionTag>;

}  // namespace eventbot
