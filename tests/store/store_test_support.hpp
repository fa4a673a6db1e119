#pragma once
// Small helpers shared by the store tests: opening a store in a TempDir, building
// events, and printing store errors in failure messages.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "store/rocks_event_log.hpp"

namespace eventbot::store {

// gtest prints these when an assertion about a StoreError or Durability fails.
inline std::ostream& operator<<(std::ostream& out, StoreErrc code) {
  return out << to_string(code);
}
inline std::ostream& operator<<(std::ostream& out, const StoreError& error) {
  return out << to_string(error.code) << ": " << error.message;
}
inline void PrintTo(Durability d, std::ostream* out) {
  *out << to_string(d);
}

}  // namespace eventbot::store

namespace eventbot::store::test {

// Opens (creating if needed) the store in `dir`; a failure is reported and gives null.
inline std::unique_ptr<RocksEventLog> open_store(const std::filesystem::path& dir,
                                                 Durability durability = Durability::group_commit) {
  RocksOptions options;
  options.dir = dir;
  options.durability = durability;
  auto opened = RocksEventLog::open(options);
  if (!opened) {
    ADD_FAILURE() << "opening " << dir << ": " << opened.error();
    return nullptr;
  }
  return std::move(*opened);
}

// An event on `stream` whose body is a ChangeAdded with `comments`.
inline Envelope change_event(const std::string& stream, const std::string& comments) {
  Envelope envelope;
  envelope.set_stream(stream);
  envelope.mutable_change_added()->set_comments(comments);
  return envelope;
}

inline AppendRequest request_of(std::vector<Envelope> events) {
  AppendRequest request;
  request.events = std::move(events);
  return request;
}

// Appends and reports a failure; the result is what the store returned.
inline StoreResult<AppendResult> append_events(EventLog& log, std::vector<Envelope> events) {
  auto result = log.append(request_of(std::move(events)));
  if (!result) ADD_FAILURE() << "append failed: " << result.error();
  return result;
}

inline std::vector<std::uint64_t> sequences_of(const std::vector<Envelope>& events) {
  std::vector<std::uint64_t> out;
  for (const auto& e : events) out.push_back(e.sequence());
  return out;
}

inline std::vector<std::uint64_t> versions_of(const std::vector<Envelope>& events) {
  std::vector<std::uint64_t> out;
  for (const auto& e : events) out.push_back(e.stream_version());
  return out;
}

inline std::vector<std::string> comments_of(const std::vector<Envelope>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.change_added().comments());
  return out;
}

// first, first + 1, ..., last.
inline std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> out;
  for (auto n = first; n <= last; ++n) out.push_back(n);
  return out;
}

// Every event from 1 to the head, read in one go; a failure is reported.
inline std::vector<Envelope> read_all(EventLog& log) {
  auto events = log.read_forward(Sequence(1), ~std::size_t{0});
  if (!events) {
    ADD_FAILURE() << "read_forward failed: " << events.error();
    return {};
  }
  return std::move(*events);
}

}  // namespace eventbot::store::test
