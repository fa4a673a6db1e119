#pragma once
// Refused slave logins, aggregated per interval, without I/O. Each refusal is sorted
// into a bucket: one per configured slave (a wrong password) and one for every name the
// configuration does not have, so the table is as large as the configuration plus one,
// however many names strangers try. The first refusal of a quiet bucket is recorded at
// once; the ones after it within the interval are counted, and when the interval ends
// they are recorded together: one record with their number and a sample of the names
// offered (at most kSampleNames, each already cut and escaped by the port).
//
// The caller decides what `known` means (the hub: a slave actor runs under that name),
// and the name comes from a stranger: the table does not rely on either. It holds at most
// `max_buckets` entries; a new one past that evicts the one whose record is oldest (never
// the bucket of other names), whose refusals counted so far move to the bucket of other
// names, so nothing counted is lost. Every text kept is cut (kMaxTextBytes), so the table's
// memory is bounded by max_buckets × (kSampleNames + 3) × kMaxTextBytes.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace eventbot::slaves {

class AuthFailures {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kSampleNames = 10;
  static constexpr std::size_t kMaxBuckets = 1024;
  static constexpr std::size_t kMaxTextBytes = 256;  // a name, peer or reason kept

  struct Record {
    bool known = false;  // the name is a configured slave's (recorded on its stream)
    std::string name;    // the (first) name offered
    std::string peer;    // where the (last) one came from
    std::string reason;
    std::uint32_t count = 1;               // refusals this record stands for
    std::vector<std::string> other_names;  // more names offered meanwhile (unknown bucket)
  };

  explicit AuthFailures(std::chrono::milliseconds interval, std::size_t max_buckets = kMaxBuckets)
      : interval_(interval), max_buckets_(std::max<std::size_t>(2, max_buckets)) {}

  // A refusal now: the record to make at once, or nothing when it was counted.
  std::optional<Record> refused(bool known, const std::string& name, const std::string& peer,
                                const std::string& reason, Clock::time_point now);
  // The aggregates whose interval is over (each bucket then starts quiet again).
  std::vector<Record> due(Clock::time_point now);

  std::size_t buckets() const { return buckets_.size(); }
  // The bytes of text the table holds (names, peers, reasons, samples).
  std::size_t text_bytes() const;

 private:
  struct Bucket {
    Clock::time_point since;  // when its last record was made
    Record pending;           // what the next aggregate will say
  };

  // The oldest known bucket goes, its count kept; false if there is none.
  bool evict_oldest(Clock::time_point now);
  void count_in(Record& pending, const std::string& name, const std::string& peer,
                const std::string& reason, std::uint32_t count);

  std::chrono::milliseconds interval_;
  std::size_t max_buckets_;
  // Key: a configured slave's name, or "" for every other name.
  std::map<std::string, Bucket> buckets_;
};

}  // namespace eventbot::slaves
