#include "gateway/logs/log_reader.hpp"

namespace eventbot::gateway::logs {
namespace {

char prefix_of(events::LogChannel channel) {
  switch (channel) {
    case events::STDERR:
      return 'e';
    case events::HEADER:
      return 'h';
    default:
      return 'o';
  }
}

}  // namespace

store::StoreResult<LineIndex> LogReader::index_of(const std::string& stream) {
  LineIndex index;
  {
    std::lock_guard lock(mutex_);
    if (auto it = indexes_.find(stream); it != indexes_.end()) index = it->second;
  }
  // Read outside the lock; two readers extending the same index agree on the result.
  for (;;) {
    auto chunks = log_.read_log(stream, StreamVersion(index.next_chunk()), kBatch);
    if (!chunks) return unexpected(chunks.error());
    for (const auto& chunk : *chunks) {
      if (chunk.index.value() != index.next_chunk()) break;  // a gap: never expected
      index.add(chunk.data);
    }
    if (chunks->size() < kBatch) break;
  }
  std::lock_guard lock(mutex_);
  if (indexes_.size() >= kCachedLogs && !indexes_.count(stream)) indexes_.clear();
  auto& kept = indexes_[stream];
  if (kept.next_chunk() < index.next_chunk()) kept = index;
  return index;
}

store::StoreResult<std::uint64_t> LogReader::num_lines(const std::string& stream) {
  auto index = index_of(stream);
  if (!index) return unexpected(index.error());
  return index->lines();
}

store::StoreResult<LineRange> LogReader::lines(const std::string& stream, std::uint64_t offset,
                                               std::uint64_t limit) {
  LineRange range;
  range.firstline = offset;
  auto index = index_of(stream);
  if (!index) return unexpected(index.error());
  auto start = index->start_of(offset);
  if (!start || limit == 0) return range;
  std::uint64_t next = start->chunk;
  std::uint64_t skip = start->skip;
  bool at_line_start = true;
  while (range.count < limit) {
    auto chunks = log_.read_log(stream, StreamVersion(next), kBatch);
    if (!chunks) return unexpected(chunks.error());
    for (const auto& chunk : *chunks) {
      std::string_view data = chunk.data;
      while (skip > 0 && !data.empty()) {
        auto newline = data.find('\n');
        if (newline == std::string_view::npos) {
          data = {};
          break;
        }
        data.remove_prefix(newline + 1);
        --skip;
      }
      while (!data.empty() && range.count < limit) {
        if (at_line_start) range.content += prefix_of(chunk.channel);
        auto newline = data.find('\n');
        if (newline == std::string_view::npos) {
          range.content.append(data);
          at_line_start = false;
          data = {};
        } else {
          range.content.append(data.substr(0, newline + 1));
          data.remove_prefix(newline + 1);
          at_line_start = true;
          ++range.count;
        }
      }
      next = chunk.index.value() + 1;
      if (range.count >= limit) break;
    }
    if (chunks->size() < kBatch) break;
  }
  if (!at_line_start) {  // the log's last line, not ended yet
    range.content += '\n';
    ++range.count;
  }
  return range;
}

store::StoreResult<std::uint64_t> LogReader::raw(
    const std::string& stream, std::uint64_t from, std::size_t max_chunks,
    const std::function<void(std::string_view)>& sink) {
  auto chunks = log_.read_log(stream, StreamVersion(from), max_chunks);
  if (!chunks) return unexpected(chunks.error());
  for (const auto& chunk : *chunks) {
    sink(chunk.data);
    from = chunk.index.value() + 1;
  }
  return from;
}

}  // namespace eventbot::gateway::logs
