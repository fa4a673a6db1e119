#pragma once
// Where each line of a log starts, so that logs/N/contents?offset=X&limit=Y reads only
// the chunks holding those lines. It keeps one number per chunk (the newlines before
// it) and is fed the chunks in order, once: a finished log's index is built by one
// streaming read, an open log's is extended with the chunks that arrived since.
// No I/O here.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace eventbot::gateway::logs {

class LineIndex {
 public:
  // The next chunk of the log (chunks are numbered from 1, as their stream versions).
  void add(std::string_view data);

  // The index of the chunk to feed next.
  std::uint64_t next_chunk() const { return newlines_before_.size() + 1; }
  // Lines so far: each newline ends one; a last line without one counts too.
  std::uint64_t lines() const { return newlines_ + (partial_ ? 1 : 0); }

  // Where line `line` (from 0) starts: in chunk `chunk`, after `skip` newlines of it.
  struct Start {
    std::uint64_t chunk = 1;
    std::uint64_t skip = 0;
  };
  std::optional<Start> start_of(std::uint64_t line) const;

 private:
  std::vector<std::uint64_t> newlines_before_;  // per chunk, from chunk 1
  std::uint64_t newlines_ = 0;
  bool partial_ = false;  // the bytes so far end inside a line
};

}  // namespace eventbot::gateway::logs
