#include "replay/verify_command.hpp"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>

#include "actors/master/snapshots.hpp"
#include "events/event_type.hpp"
#include "events/snapshots.pb.h"
#include "replay/exit_code.hpp"
#include "store/keys.hpp"

namespace eventbot::replay {
namespace {

using store::RocksEventLog;

// A stream-keyed key ("<stream>\0<8-byte number>") taken apart; nullopt if it is not one.
struct StreamKey {
  std::string_view stream;
  std::uint64_t number = 0;
};
std::optional<StreamKey> split_stream_key(std::string_view key) {
  if (key.size() < 10 || key[key.size() - 9] != '\0') return std::nullopt;
  auto number = store::keys::from_big_endian(key.substr(key.size() - 8));
  if (!number) return std::nullopt;
  return StreamKey{key.substr(0, key.size() - 9), *number};
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// One record's fingerprint; a column family's is the sum of its records', so the events
// scan and a column family's scan (each in its own order) can be compared in one number.
std::uint64_t fingerprint(std::string_view stream, std::uint64_t a, std::uint64_t b) {
  return mix(std::hash<std::string_view>{}(stream) ^ mix(a) ^ mix(mix(b) + 1));
}

class Checker {
 public:
  Checker(RocksEventLog& log, const VerifyOptions& options, VerifyReport& report)
      : log_(log), options_(options), report_(report) {}

  void problem(std::string text) {
    if (report_.problems.size() < options_.max_problems) report_.problems.push_back(text);
    ++report_.problem_count;
  }

  void run() {
    report_.head = log_.head().value();
    check_checksums();
    load_snapshots();
    scan_events();
    finish_snapshots();
    check_index();
    check_logs();
  }

 private:
  struct Target {
    std::size_t report_index = 0;
    std::uint64_t sequence = 0;
    std::string stored;
    std::unique_ptr<ProjectionFold> fold;
    bool done = false;
  };

  void check_checksums() {
    auto files = log_.verify_checksums();
    if (files) {
      report_.sst_files = *files;
    } else {
      problem("checksums: " + files.error().message);
    }
  }

  void load_snapshots() {
    std::vector<std::string> names;
    auto listed = log_.scan_family(RocksEventLog::Family::snapshots, "",
                                   [&](std::string_view key, std::string_view) {
                                     names.emplace_back(key);
                                     return true;
                                   });
    if (!listed) problem("listing the snapshots: " + listed.error().message);
    for (const auto& name : names) {
      SnapshotCheck check{name, 0, "not checked", {}};
      auto loaded = log_.load_snapshot(name);
      if (!loaded || !*loaded) {
        check.result = "mismatch";
        check.detail = loaded ? "vanished while read" : loaded.error().message;
        problem("snapshot of " + name + ": " + check.detail);
        report_.snapshots.push_back(std::move(check));
        continue;
      }
      check.sequence = (*loaded)->sequence.value();
      if (check.sequence > report_.head) {
        check.result = "mismatch";
        check.detail = "taken at sequence " + std::to_string(check.sequence) +
                       ", beyond the head " + std::to_string(report_.head);
        problem("snapshot of " + name + ": " + check.detail);
        report_.snapshots.push_back(std::move(check));
        continue;
      }
      auto made = fold_for(options_.extra_folds, name, check.sequence, log_);
      if (!made.fold) {
        check.detail = made.not_checked;
        report_.snapshots.push_back(std::move(check));
        continue;
      }
      targets_.push_back(Target{report_.snapshots.size(), check.sequence,
                                std::move((*loaded)->state), std::move(made.fold), false});
      report_.snapshots.push_back(std::move(check));
    }
    for (auto& target : targets_) {
      if (target.sequence == 0) compare(target);
    }
  }

  // Describes how two encodings of one projection differ.
  std::string difference(const std::string& projection, const std::string& folded,
                         const std::string& stored) {
    std::unique_ptr<google::protobuf::Message> a, b;
    if (projection == master::kSupervisorProjection) {
      a = std::make_unique<snapshots::SupervisorSnapshot>();
      b = std::make_unique<snapshots::SupervisorSnapshot>();
    } else if (projection.starts_with(master::scheduler_projection(""))) {
      a = std::make_unique<snapshots::SchedulerSnapshot>();
      b = std::make_unique<snapshots::SchedulerSnapshot>();
    }
    if (a && a->ParseFromString(folded) && b->ParseFromString(stored)) {
      std::string report;
      google::protobuf::util::MessageDifferencer differencer;
      differencer.ReportDifferencesToString(&report);
      if (!differencer.Compare(*b, *a)) {
        std::replace(report.begin(), report.end(), '\n', ';');
        if (report.size() > 300) report = report.substr(0, 300) + "...";
        return "snapshot -> fold: " + report;
      }
    }
    std::size_t at = 0;
    while (at < folded.size() && at < stored.size() && folded[at] == stored[at]) ++at;
    return "the fold encodes " + std::to_string(folded.size()) + " bytes, the snapshot " +
           std::to_string(stored.size()) + "; they differ from byte " + std::to_string(at);
  }

  void compare(Target& target) {
    target.done = true;
    auto& check = report_.snapshots[target.report_index];
    if (!unreadable_.empty() && *unreadable_.begin() <= target.sequence) {
      check.detail =
          "the event at sequence " + std::to_string(*unreadable_.begin()) + " cannot be read";
      return;
    }
    auto folded = target.fold->snapshot();
    if (folded == target.stored) {
      check.result = "match";
      return;
    }
    check.result = "mismatch";
    check.detail = difference(check.projection, folded, target.stored);
    problem("snapshot of " + check.projection + " at sequence " + std::to_string(target.sequence) +
            " differs from the fold from the first event (" + check.detail + ")");
  }

  void visit(const events::Envelope& event) {
    const std::uint64_t sequence = event.sequence();
    if (sequence != next_) {
      problem("sequences " + std::to_string(next_) + ".." + std::to_string(sequence - 1) +
              " are missing");
    }
    next_ = sequence + 1;
    ++report_.events;
    if (event.body_case() == events::Envelope::BODY_NOT_SET) ++report_.unknown_events;

    auto [it, added] = versions_.try_emplace(event.stream(), 0);
    // After a record that cannot be read, a stream may well skip the version it held:
    // the streams index's own chain (check_index) covers that stretch instead.
    if (event.stream_version() != it->second + 1 && unreadable_.empty()) {
      problem("stream '" + event.stream() + "': the event at sequence " + std::to_string(sequence) +
              " has version " + std::to_string(event.stream_version()) + ", after version " +
              std::to_string(it->second));
    }
    it->second = event.stream_version();
    index_sum_ += fingerprint(event.stream(), event.stream_version(), sequence);
    if (event.has_log_chunk()) {
      ++chunks_;
      chunk_sum_ += fingerprint(event.stream(), event.stream_version(), event.log_chunk().size());
    }

    for (auto& target : targets_) {
      if (target.done) continue;
      target.fold->evolve(event);
      if (target.sequence == sequence) compare(target);
    }
  }

  void scan_events() {
    std::uint64_t from = 1;
    while (from <= report_.head) {
      auto scanned =
          log_.scan(Sequence(from), Sequence(report_.head), [&](const events::Envelope& event) {
            visit(event);
            return true;
          });
      if (scanned) break;
      const auto& error = scanned.error();
      problem(error.message);
      if (error.code != store::StoreErrc::corrupt_record || error.sequence == 0) break;
      unreadable_.insert(error.sequence);
      if (error.sequence != next_) {
        problem("sequences " + std::to_string(next_) + ".." + std::to_string(error.sequence - 1) +
                " are missing");
      }
      next_ = error.sequence + 1;
      ++report_.events;
      from = error.sequence + 1;
    }
    report_.streams = versions_.size();
  }

  void finish_snapshots() {
    for (auto& target : targets_) {
      if (!target.done) {
        target.done = true;
        report_.snapshots[target.report_index].detail =
            "the events up to its sequence could not all be read";
      }
    }
  }

  // The streams index: one entry per event, naming its sequence; each stream's versions
  // 1, 2, 3, ... at growing sequences. Entries naming an unreadable record are left out
  // of the comparison (that record is a problem already).
  void check_index() {
    std::uint64_t sum = 0, count = 0, skipped = 0;
    std::string previous_stream;
    std::uint64_t previous_version = 0, previous_sequence = 0;
    auto scanned = log_.scan_family(
        RocksEventLog::Family::streams, "", [&](std::string_view key, std::string_view value) {
          auto parts = split_stream_key(key);
          auto sequence = store::keys::from_big_endian(value);
          ++count;
          if (!parts || !sequence) {
            problem("the streams index holds a malformed entry");
            return true;
          }
          if (parts->stream != previous_stream) {
            previous_stream = parts->stream;
            previous_version = 0;
            previous_sequence = 0;
          }
          if (parts->number != previous_version + 1 || *sequence <= previous_sequence) {
            problem("stream '" + previous_stream + "': the streams index has version " +
                    std::to_string(parts->number) + " at sequence " + std::to_string(*sequence) +
                    " after version " + std::to_string(previous_version) + " at sequence " +
                    std::to_string(previous_sequence));
          }
          previous_version = parts->number;
          previous_sequence = *sequence;
          if (unreadable_.count(*sequence)) {
            ++skipped;
            return true;
          }
          sum += fingerprint(parts->stream, parts->number, *sequence);
          return true;
        });
    if (!scanned) problem("reading the streams index: " + scanned.error().message);
    report_.index_entries = count;
    if (count - skipped == report_.events - unreadable_.size() && sum == index_sum_) return;
    problem("the streams index (" + std::to_string(count) + " entries) does not match the " +
            std::to_string(report_.events) + " events");
    locate_index_problems();
  }

  // Only after a mismatch: which entries or events are at fault.
  void locate_index_problems() {
    (void)log_.scan_family(
        RocksEventLog::Family::streams, "", [&](std::string_view key, std::string_view value) {
          auto parts = split_stream_key(key);
          auto sequence = store::keys::from_big_endian(value);
          if (!parts || !sequence || unreadable_.count(*sequence)) return true;
          auto events = log_.read_forward(Sequence(*sequence), 1);
          const std::string name = std::string(parts->stream) + "@" + std::to_string(parts->number);
          if (!events || events->empty() || events->front().sequence() != *sequence) {
            problem("the streams index names sequence " + std::to_string(*sequence) + " for " +
                    name + ", which is not in the log");
          } else if (events->front().stream() != parts->stream ||
                     events->front().stream_version() != parts->number) {
            problem("the streams index names sequence " + std::to_string(*sequence) + " for " +
                    name + ", which holds " + events->front().stream() + "@" +
                    std::to_string(events->front().stream_version()));
          }
          return true;
        });
    (void)log_.scan(Sequence(1), Sequence(report_.head), [&](const events::Envelope& event) {
      auto found = log_.read_stream(event.stream(), StreamVersion(event.stream_version()), 1);
      if (!found || found->empty() || found->front().sequence() != event.sequence()) {
        problem("the event at sequence " + std::to_string(event.sequence()) + " (" +
                event.stream() + "@" + std::to_string(event.stream_version()) +
                ") has no entry in the streams index");
      }
      return true;
    });
  }

  // The logs column family: exactly the chunks the events announce, each readable.
  void check_logs() {
    std::uint64_t sum = 0, count = 0;
    events::LogChunk chunk;
    auto scanned = log_.scan_family(
        RocksEventLog::Family::logs, "", [&](std::string_view key, std::string_view value) {
          ++count;
          auto parts = split_stream_key(key);
          if (!parts) {
            problem("the logs column family holds a malformed key");
            return true;
          }
          if (!chunk.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            problem("chunk " + std::to_string(parts->number) + " of log '" +
                    std::string(parts->stream) + "' is corrupt: its record of " +
                    std::to_string(value.size()) + " bytes cannot be decoded");
            return true;
          }
          if (chunk.size() != chunk.data().size()) {
            problem("chunk " + std::to_string(parts->number) + " of log '" +
                    std::string(parts->stream) + "' holds " + std::to_string(chunk.data().size()) +
                    " bytes, its record says " + std::to_string(chunk.size()));
          }
          report_.log_bytes += chunk.data().size();
          sum += fingerprint(parts->stream, parts->number, chunk.data().size());
          return true;
        });
    if (!scanned) problem("reading the logs: " + scanned.error().message);
    report_.log_chunks = count;
    if (count == chunks_ && sum == chunk_sum_) return;
    problem("the logs column family (" + std::to_string(count) + " chunks) does not match the " +
            std::to_string(chunks_) + " LogChunk events");
    locate_log_problems();
  }

  void locate_log_problems() {
    (void)log_.scan(Sequence(1), Sequence(report_.head), [&](const events::Envelope& event) {
      if (!event.has_log_chunk()) return true;
      auto found = log_.read_log(event.stream(), StreamVersion(event.stream_version()), 1);
      const auto name = "chunk " + std::to_string(event.stream_version()) + " of log '" +
                        event.stream() + "' (sequence " + std::to_string(event.sequence()) + ")";
      if (!found || found->empty() || found->front().index.value() != event.stream_version()) {
        problem(name + " has no bytes in the logs column family");
      } else if (found->front().data.size() != event.log_chunk().size()) {
        problem(name + " has " + std::to_string(found->front().data.size()) +
                " bytes, its event says " + std::to_string(event.log_chunk().size()));
      }
      return true;
    });
    (void)log_.scan_family(
        RocksEventLog::Family::logs, "", [&](std::string_view key, std::string_view) {
          auto parts = split_stream_key(key);
          if (!parts) return true;
          auto found = log_.read_stream(parts->stream, StreamVersion(parts->number), 1);
          if (!found || found->empty() || found->front().stream_version() != parts->number ||
              !found->front().has_log_chunk()) {
            problem("chunk " + std::to_string(parts->number) + " of log '" +
                    std::string(parts->stream) + "' is stored but no LogChunk event announces it");
          }
          return true;
        });
  }

  RocksEventLog& log_;
  const VerifyOptions& options_;
  VerifyReport& report_;
  std::vector<Target> targets_;
  std::unordered_map<std::string, std::uint64_t> versions_;
  std::uint64_t next_ = 1;
  std::set<std::uint64_t> unreadable_;  // sequences whose records could not be read
  std::uint64_t index_sum_ = 0;
  std::uint64_t chunk_sum_ = 0;
  std::uint64_t chunks_ = 0;
};

std::string seconds_text(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2fs", seconds);
  return buffer;
}

}  // namespace

VerifyReport verify_store(RocksEventLog& log, const VerifyOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  VerifyReport report;
  Checker(log, options, report).run();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

std::string summary_line(const VerifyReport& report) {
  std::size_t matched = 0, unchecked = 0;
  for (const auto& snapshot : report.snapshots) {
    if (snapshot.result == "match") ++matched;
    if (snapshot.result == "not checked") ++unchecked;
  }
  std::string line = report.ok() ? "verify OK: "
                                 : "verify FAILED: " + std::to_string(report.problem_count) +
                                       (report.problem_count == 1 ? " problem; " : " problems; ");
  line += std::to_string(report.events) + " events (head " + std::to_string(report.head) + "), " +
          std::to_string(report.streams) + " streams, " + std::to_string(report.log_chunks) +
          " log chunks (" + std::to_string(report.log_bytes) + " bytes), " +
          std::to_string(matched) + " of " + std::to_string(report.snapshots.size()) +
          " snapshots match the fold";
  if (unchecked > 0) line += " (" + std::to_string(unchecked) + " not checked)";
  line += ", " + std::to_string(report.sst_files) + " SST files checksummed";
  if (report.unknown_events > 0) {
    line += ", " + std::to_string(report.unknown_events) + " events of unknown types";
  }
  return line + "; " + seconds_text(report.seconds);
}

int run_verify(RocksEventLog& log, const VerifyOptions& options, std::ostream& out, std::ostream&) {
  auto report = verify_store(log, options);
  if (options.json) {
    nlohmann::json snapshots = nlohmann::json::array();
    for (const auto& s : report.snapshots) {
      snapshots.push_back({{"projection", s.projection},
                           {"sequence", s.sequence},
                           {"result", s.result},
                           {"detail", s.detail}});
    }
    nlohmann::json json{{"ok", report.ok()},
                        {"head_sequence", report.head},
                        {"events", report.events},
                        {"unknown_events", report.unknown_events},
                        {"streams", report.streams},
                        {"index_entries", report.index_entries},
                        {"log_chunks", report.log_chunks},
                        {"log_bytes", report.log_bytes},
                        {"sst_files", report.sst_files},
                        {"snapshots", snapshots},
                        {"problem_count", report.problem_count},
                        {"problems", report.problems},
                        {"seconds", report.seconds},
                        {"summary", summary_line(report)}};
    out << json.dump() << '\n';
  } else {
    for (const auto& problem : report.problems) out << "problem: " << problem << '\n';
    if (report.problem_count > report.problems.size()) {
      out << "problem: ... and " << (report.problem_count - report.problems.size()) << " more\n";
    }
    for (const auto& s : report.snapshots) {
      if (s.result == "not checked") {
        out << "note: snapshot of " << s.projection << " at sequence " << s.sequence
            << " not checked: " << s.detail << '\n';
      }
    }
    out << summary_line(report) << '\n';
  }
  out.flush();
  return report.ok() ? kExitOk : kExitVerifyFailed;
}

}  // namespace eventbot::replay
