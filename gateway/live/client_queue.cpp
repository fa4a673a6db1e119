#include "gateway/live/client_queue.hpp"

namespace eventbot::gateway::live {
namespace {

// Whether `next` continues the append `pending`: same log, its bytes right after.
bool continues(const Update& pending, const Update& next) {
  if (!pending.chunk || !next.chunk) return false;
  const auto& a = pending.message;
  const auto& b = next.message;
  if (!a.contains("offset") || !b.contains("offset") || !a.contains("content") ||
      !b.contains("content") || !a["content"].is_string() || !b["content"].is_string()) {
    return false;
  }
  return a["offset"].get<std::uint64_t>() + a["content"].get_ref<const std::string&>().size() ==
         b["offset"].get<std::uint64_t>();
}

}  // namespace

bool ClientQueue::offer(const Update& update) {
  auto it = index_.find(update.key);
  if (it != index_.end()) {
    auto& pending = entries_[it->second];
    if (pending.chunk) {
      if (continues(pending, update)) {
        const auto& more = update.message["content"].get_ref<const std::string&>();
        if (bytes_ + more.size() > limits_.max_bytes) return false;
        pending.message["content"].get_ref<std::string&>() += more;
        pending.sequence = update.sequence;
        pending.chunk = update.chunk;
        pending.bytes += more.size();
        bytes_ += more.size();
        return true;
      }
      // Bytes that do not follow: kept as an entry of their own below.
    } else {
      if (bytes_ - pending.bytes + update.bytes > limits_.max_bytes) return false;
      bytes_ = bytes_ - pending.bytes + update.bytes;
      pending = update;
      return true;
    }
  }
  // An empty queue takes any one update, however big: it can always be sent.
  if (!entries_.empty() &&
      (entries_.size() >= limits_.max_entries || bytes_ + update.bytes > limits_.max_bytes)) {
    return false;
  }
  entries_.push_back(update);
  index_[update.key] = entries_.size() - 1;
  bytes_ += update.bytes;
  return true;
}

std::vector<Update> ClientQueue::take() {
  std::vector<Update> out;
  out.swap(entries_);
  index_.clear();
  bytes_ = 0;
  return out;
}

}  // namespace eventbot::gateway::live
