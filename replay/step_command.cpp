#include "replay/step_command.hpp"

#include <map>
#include <sstream>
#include <vector>

#include "events/streams.hpp"
#include "replay/diff_command.hpp"
#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"

namespace eventbot::replay {
namespace {

using nlohmann::json;

constexpr char kPrompt[] = "[n]ext [p]revious [q]uit> ";

// The sequences walked: a build's events, or every event from `from` to the head.
class Positions {
 public:
  static Positions all(std::uint64_t from, std::uint64_t head) {
    Positions p;
    p.first_ = from;
    p.size_ = head >= from ? head - from + 1 : 0;
    return p;
  }
  static Positions listed(std::vector<std::uint64_t> sequences) {
    Positions p;
    p.size_ = sequences.size();
    p.listed_ = std::move(sequences);
    return p;
  }
  std::size_t size() const { return size_; }
  std::uint64_t at(std::size_t index) const {
    return listed_.empty() ? first_ + index : listed_[index];
  }

 private:
  std::uint64_t first_ = 1;
  std::size_t size_ = 0;
  std::vector<std::uint64_t> listed_;
};

class Stepper {
 public:
  Stepper(store::EventLog& log, std::ostream& out, std::ostream& err)
      : log_(log), out_(out), err_(err) {}

  // Shows the event at `sequence` and what it changed; false on a store error.
  bool show(std::size_t index, std::size_t count, std::uint64_t sequence) {
    auto events = log_.read_forward(Sequence(sequence), 1);
    if (!events || events->empty() || events->front().sequence() != sequence) {
      report_error(
          err_,
          events ? "no event at sequence " + std::to_string(sequence) : events.error().message,
          kExitStoreError);
      return false;
    }
    const auto& event = events->front();
    out_ << "[" << index + 1 << "/" << count << "] " << format_event_line(event) << '\n';
    const json* before = state(sequence - 1);
    if (!before) return false;
    const json before_copy = *before;  // the cache may grow (and move) below
    const json* after = state(sequence);
    if (!after) return false;
    json diff = diff_states(before_copy, *after);
    diff["builds_started"] = json::array();
    diff["builds_finished"] = json::array();
    if (event.has_build_started()) {
      diff["builds_started"].push_back({{"builder", event.build_started().builder()},
                                        {"number", event.build_started().number()},
                                        {"sequence", sequence}});
    }
    if (event.has_build_finished()) {
      diff["builds_finished"].push_back(
          {{"builder", event.build_finished().builder()},
           {"number", event.build_finished().number()},
           {"result", events::Result_Name(event.build_finished().result())},
           {"sequence", sequence}});
    }
    std::ostringstream text;
    print_diff_text(text, diff);
    // Only what changed: not the "from ... to ..." line, nor the empty build lists.
    std::istringstream lines(text.str());
    bool any = false;
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      if (line == "builds started: none" || line == "builds finished: none") continue;
      out_ << "  " << line << '\n';
      any = true;
    }
    if (!any) out_ << "  (no change to the state)\n";
    return true;
  }

 private:
  // `state --at sequence` as JSON, kept for the steps around it.
  const json* state(std::uint64_t sequence) {
    if (auto it = states_.find(sequence); it != states_.end()) return &it->second;
    auto folded = state_at(log_, std::to_string(sequence));
    if (folded.code != kExitOk) {
      err_ << folded.error;
      return nullptr;
    }
    if (states_.size() > 8) states_.erase(states_.begin());
    return &states_.emplace(sequence, std::move(folded.state)).first->second;
  }

  store::EventLog& log_;
  std::ostream& out_;
  std::ostream& err_;
  std::map<std::uint64_t, json> states_;
};

// The next key: n, p or q; anything else is skipped. End of input: q.
// A key typed with Enter after it ("n\n", as a line-buffered terminal or a pipe gives
// it) is one key; Enter alone is n.
char next_key(std::istream& in) {
  for (char c; in.get(c);) {
    if (c == 'n' || c == 'p' || c == 'q') {
      if (in.peek() == '\n') in.get();
      return c;
    }
    if (c == '\n') return 'n';
  }
  return 'q';
}

}  // namespace

int run_step(store::EventLog& log, const StepOptions& options, std::istream& in, std::ostream& out,
             std::ostream& err) {
  const std::uint64_t head = log.head().value();
  Positions positions;
  if (options.by_build) {
    auto events = log.read_stream(streams::build(options.builder, options.number), StreamVersion(1),
                                  ~std::size_t{0});
    if (!events) return report_error(err, events.error().message, kExitStoreError);
    if (events->empty()) {
      return report_error(
          err,
          "no build " + options.builder + " #" + std::to_string(options.number) + " in the log",
          kExitNotFound);
    }
    std::vector<std::uint64_t> sequences;
    for (const auto& e : *events) sequences.push_back(e.sequence());
    positions = Positions::listed(std::move(sequences));
  } else {
    if (options.from > head) {
      return report_error(err,
                          "--from " + std::to_string(options.from) +
                              " is past the head of the log (sequence " + std::to_string(head) +
                              ")",
                          kExitUsage);
    }
    positions = Positions::all(std::max<std::uint64_t>(options.from, 1), head);
  }
  Stepper stepper(log, out, err);
  std::size_t index = 0;
  if (positions.size() == 0) return kExitOk;
  if (!stepper.show(index, positions.size(), positions.at(index))) return kExitStoreError;
  while (true) {
    out << kPrompt;
    out.flush();
    const char key = next_key(in);
    out << '\n';
    if (key == 'q') break;
    if (key == 'n') {
      if (index + 1 >= positions.size()) {
        out << "(the last event: p to go back, q to quit)\n";
        continue;
      }
      ++index;
    } else {
      if (index == 0) {
        out << "(the first event: n to go on, q to quit)\n";
        continue;
      }
      --index;
    }
    if (!stepper.show(index, positions.size(), positions.at(index))) return kExitStoreError;
  }
  out.flush();
  return kExitOk;
}

}  // namespace eventbot::replay
