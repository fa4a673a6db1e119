#pragma once
// What an appender believes about a stream before it appends: optimistic concurrency.
#include <cstdint>
#include <string>

#include "common/strong_type.hpp"

namespace eventbot::store {

class ExpectedVersion {
 public:
  // No check: the events are appended at whatever version the stream has.
  static ExpectedVersion any() { return ExpectedVersion(kAny); }
  // The stream must not exist yet.
  static ExpectedVersion no_stream() { return ExpectedVersion(0); }
  // The stream's last event must have exactly this version (0 means no stream).
  static ExpectedVersion exactly(StreamVersion v) { return ExpectedVersion(v.value()); }

  bool is_any() const { return value_ == kAny; }
  bool matches(StreamVersion actual) const { return is_any() || actual.value() == value_; }
  std::string describe() const;

 private:
  static constexpr std::uint64_t kAny = ~std::uint64_t{0};
  explicit ExpectedVersion(std::uint64_t v) : value_(v) {}
  std::uint64_t value_;
};

}  // namespace eventbot::store
