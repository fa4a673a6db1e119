#pragma once
// Log contents from the store's `logs` column family, by line range, never by reading
// a whole log per request: each log's LineIndex is built by one streaming read and kept
// (at most kCachedLogs of them; an open log's is extended by the chunks added since).
// Safe to call from any thread.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "gateway/logs/line_index.hpp"
#include "store/event_log.hpp"

namespace eventbot::gateway::logs {

struct LineRange {
  std::uint64_t firstline = 0;
  std::uint64_t count = 0;  // lines in `content`
  // Buildbot's stdio form: each line prefixed with its channel ('o' stdout, 'e' stderr,
  // 'h' header) and ended by a newline.
  std::string content;
};

class LogReader {
 public:
  static constexpr std::size_t kCachedLogs = 4096;
  static constexpr std::size_t kBatch = 64;  // chunks read at a time

  explicit LogReader(store::EventLog& log) : log_(log) {}

  store::StoreResult<std::uint64_t> num_lines(const std::string& stream);
  // Lines [offset, offset + limit) of the log.
  store::StoreResult<LineRange> lines(const std::string& stream, std::uint64_t offset,
                                      std::uint64_t limit);
  // The log's bytes from chunk `from` on, up to `max_chunks` chunks, handed to `sink`;
  // returns the index of the next chunk to read (== from when there is none).
  store::StoreResult<std::uint64_t> raw(const std::string& stream, std::uint64_t from,
                                        std::size_t max_chunks,
                                        const std::function<void(std::string_view)>& sink);

 private:
  // The log's index, brought up to the chunks stored now (under mutex_).
  store::StoreResult<LineIndex> index_of(const std::string& stream);

  store::EventLog& log_;
  std::mutex mutex_;
  std::map<std::string, LineIndex, std::less<>> indexes_;
};

}  // namespace eventbot::gateway::logs
