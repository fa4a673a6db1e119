#pragma once
// What one live client has yet to be sent: updates coalesced per key (an entity's latest
// message replaces the one pending under its key; a log's appends are joined into one
// message while their bytes follow one another), within limits on entries and bytes.
// An update that does not fit is refused, and nothing of it is kept: the shell then tells
// the client the sequence it reached instead. An empty queue takes any one update. Pure.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gateway/live/update.hpp"

namespace eventbot::gateway::live {

struct QueueLimits {
  std::size_t max_entries = 1024;
  std::size_t max_bytes = 1 << 20;
};

class ClientQueue {
 public:
  explicit ClientQueue(QueueLimits limits = {}) : limits_(limits) {}

  // Adds `update` (merged with the one pending under its key where it can be); false,
  // with nothing added, when it would pass the limits.
  bool offer(const Update& update);
  // The pending updates in the order their keys first came, and empties the queue.
  std::vector<Update> take();

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  QueueLimits limits_;
  std::vector<Update> entries_;
  std::map<std::string, std::size_t, std::less<>> index_;  // key -> place in entries_
  std::size_t bytes_ = 0;
};

}  // namespace eventbot::gateway::live
