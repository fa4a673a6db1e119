#pragma once
// Errors the event log reports. Every failure is a value naming what went wrong and
// where (the stream, the sequence), never an exception or a crash.
#include <cstdint>
#include <optional>
#include <string>

#include "common/expected.hpp"

namespace eventbot::store {

enum class StoreErrc {
  version_conflict,  // an expected stream version did not match: nothing was written
  corrupt_record,    // a stored record could not be decoded
  io_error,          // the storage engine failed
  not_a_store,       // the directory holds something that is not an Eventbot store
  newer_schema,      // the store was written by a newer Eventbot
  invalid_argument,  // the request itself is malformed
  read_only,         // an append on a store opened for reading
  closed,            // the store or subscription was closed
};

// The details of a version conflict: which stream, what was expected, what is there.
struct VersionConflict {
  std::string stream;
  std::string expected;  // "any", "no stream", or a version number
  std::uint64_t actual = 0;
};

struct StoreError {
  StoreErrc code;
  std::string message;
  std::optional<VersionConflict> conflict;
  std::uint64_t sequence = 0;  // the record concerned, when there is one
};

const char* to_string(StoreErrc code);

template <class T>
using StoreResult = Expected<T, StoreError>;

}  // namespace eventbot::store
