#include "actors/slaves/auth_failures.hpp"

#include <algorithm>

namespace eventbot::slaves {

std::optional<AuthFailures::Record> AuthFailures::refused(bool known, const std::string& name,
                                                          const std::string& peer,
                                                          const std::string& reason,
                                                          Clock::time_point now) {
  const std::string key = known ? name : std::string();
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    // Quiet: record this one at once and start counting.
    Bucket bucket;
    bucket.since = now;
    bucket.pending.known = known;
    bucket.pending.count = 0;
    buckets_.emplace(key, std::move(bucket));
    return Record{known, name, peer, reason, 1, {}};
  }
  auto& pending = it->second.pending;
  if (pending.count == 0) {
    pending.name = name;
  } else if (pending.name != name && pending.other_names.size() < kSampleNames &&
             std::find(pending.other_names.begin(), pending.other_names.end(), name) ==
                 pending.other_names.end()) {
    pending.other_names.push_back(name);
  }
  pending.peer = peer;
  pending.reason = reason;
  ++pending.count;
  return std::nullopt;
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
