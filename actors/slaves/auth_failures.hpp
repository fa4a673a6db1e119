#pragma once
// Refused slave logins, aggregated per interval, without I/O. Each refusal is sorted
// into a bucket: one per configured slave (a wrong password) and one for every name the
// configuration does not have, so the table is as large as the configuration plus one,
// however many names strangers try. The first refusal of a quiet bucket is recorded at
// once; the ones after it within the interval are counted, and when the interval ends
// they are recorded together: one record with their number and a sample of the names
// offered (at most kSampleNames, each already cut and escaped by the port).
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

  struct Record {
    bool known = false;  // the name is a configured slave's (recorded on its stream)
    std::string name;    // the (first) name offered
    std::string peer;    // where the (last) one came from
    std::string reason;
    std::uint32_t count = 1;               // refusals this record stands for
    std::vector<std::string> other_names;  // more names offered meanwhile (unknown bucket)
  };

  explicit AuthFailures(std::chrono::milliseconds interval) : interval_(interval) {}

  // A refusal now: the record to make at once, or nothing when it was counted.
  std::optional<Record> refused(bool known, const std::string& name, const std::string& peer,
                                const std::string& reason, Clock::time_point now);
  // The aggregates whose interval is over (each bucket then starts quiet again).
  std::vector<Record> due(Clock::time_point now);

  std::size_t buckets() const { return buckets_.size(); }

 private:
  struct Bucket {
    Clock::time_point since;  // when its last record was made
    Record pending;           // what the next aggregate will say
  };

  std::chrono::milliseconds interval_;
  // Key: a configured slave's name, or "" for every other name.
  std::map<std::string, Bucket> buckets_;
};

}  // namespace eventbot::slaves
