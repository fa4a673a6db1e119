#include "actors/slaves/auth_failures.hpp"

#include <algorithm>

#include "common/bounded_text.hpp"

namespace eventbot::slaves {

namespace {

std::string kept(const std::string& text) {
  return text.size() <= AuthFailures::kMaxTextBytes
             ? text
             : bounded_utf8(text, AuthFailures::kMaxTextBytes);
}

}  // namespace

void AuthFailures::count_in(Record& pending, const std::string& name, const std::string& peer,
                            const std::string& reason, std::uint32_t count) {
  if (pending.count == 0) {
    pending.name = name;
  } else if (pending.name != name && pending.other_names.size() < kSampleNames &&
             std::find(pending.other_names.begin(), pending.other_names.end(), name) ==
                 pending.other_names.end()) {
    pending.other_names.push_back(name);
  }
  pending.peer = peer;
  pending.reason = reason;
  pending.count += count;
}

std::optional<AuthFailures::Record> AuthFailures::refused(bool known, const std::string& offered,
                                                          const std::string& from,
                                                          const std::string& why,
                                                          Clock::time_point now) {
  const std::string name = kept(offered), peer = kept(from), reason = kept(why);
  const std::string key = known ? name : std::string();
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    // Eviction may make the bucket of other names: evict until there is room.
    while (buckets_.size() >= max_buckets_ && evict_oldest(now)) {
    }
    // Quiet: record this one at once and start counting.
    Bucket bucket;
    bucket.since = now;
    bucket.pending.known = known;
    bucket.pending.count = 0;
    buckets_.emplace(key, std::move(bucket));
    return Record{known, name, peer, reason, 1, {}};
  }
  count_in(it->second.pending, name, peer, reason, 1);
  return std::nullopt;
}

bool AuthFailures::evict_oldest(Clock::time_point now) {
  auto oldest = buckets_.end();
  for (auto it = buckets_.begin(); it != buckets_.end(); ++it) {
    if (it->first.empty()) continue;  // the bucket of other names stays
    if (oldest == buckets_.end() || it->second.since < oldest->second.since) oldest = it;
  }
  if (oldest == buckets_.end()) return false;
  const Record evicted = std::move(oldest->second.pending);
  buckets_.erase(oldest);
  if (evicted.count == 0) return true;
  // Its refusals since its last record are told with the other names' next record.
  auto others = buckets_.find(std::string());
  if (others == buckets_.end()) {
    // Made quiet-looking but with a count: due() records it when its interval ends.
    Bucket bucket;
    bucket.since = now;
    bucket.pending.known = false;
    bucket.pending.count = 0;
    others = buckets_.emplace(std::string(), std::move(bucket)).first;
  }
  count_in(others->second.pending, evicted.name, evicted.peer, evicted.reason, evicted.count);
  return true;
}

std::size_t AuthFailures::text_bytes() const {
  std::size_t bytes = 0;
  for (const auto& [key, bucket] : buckets_) {
    bytes += key.size() + bucket.pending.name.size() + bucket.pending.peer.size() +
             bucket.pending.reason.size();
    for (const auto& name : bucket.pending.other_names) bytes += name.size();
  }
  return bytes;
}

std::vector<AuthFailures::Record> AuthFailures::due(Clock::time_point now) {
  std::vector<Record> records;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    auto& bucket = it->second;
    if (now - bucket.since < interval_) {
      ++it;
      continue;
    }
    if (bucket.pending.count == 0) {
      it = buckets_.erase(it);  // nothing since its record: quiet again
      continue;
    }
    records.push_back(std::move(bucket.pending));
    bucket.pending = Record{};
    bucket.pending.known = records.back().known;
    bucket.pending.count = 0;
    bucket.since = now;
    ++it;
  }
  return records;
}

}  // namespace eventbot::slaves
