#include "replay/why_command.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "events/event_type.hpp"
#include "events/streams.hpp"
#include "replay/builds_command.hpp"
#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"
#include "replay/history.hpp"

namespace eventbot::replay {
namespace {

using nlohmann::json;

// How far back before a BuildsetSubmitted the scheduler's own events of the same batch
// are looked for (a decision appends its scheduler events, then its buildsets).
constexpr std::uint64_t kTimerWindow = 64;
// Parent buildsets followed at most (a trigger chain).
constexpr int kMaxParentDepth = 16;

struct RequestFacts {
  std::uint64_t id = 0;
  std::uint64_t buildset_id = 0;
  std::string builder;
  std::int32_t priority = 0;
  std::int64_t submitted_us = 0;
  json history = json::array();  // claims, unclaims, completion, cancellation in order
};

struct TimerFacts {
  std::string name;
  std::int64_t due_us = 0;
  std::int64_t fired_us = 0;
};

struct Chain;

struct BuildsetFacts {
  std::uint64_t id = 0;
  bool found = false;
  std::uint64_t sequence = 0;
  std::int64_t submitted_us = 0;
  std::uint64_t causation = 0;    // the envelope's causation_id
  std::uint64_t correlation = 0;  // ... and correlation_id
  events::BuildsetSubmitted body;
  std::optional<events::Result> result;  // BuildsetCompleted
  std::optional<TimerFacts> timer;
  std::optional<events::Envelope> cause_event;  // the event at `causation`
  std::shared_ptr<Chain> parent_build;          // a trigger's build, followed
  // The cause was recorded (BuildsetCause); older logs are explained by guessing.
  bool recorded() const { return body.cause().kind() != events::BuildsetCause::UNKNOWN; }
};

struct ChangeFacts {
  std::uint64_t id = 0;
  bool found = false;
  std::int64_t added_us = 0;
  events::ChangeAdded body;
};

store::StoreResult<std::vector<events::Envelope>> whole_stream(store::EventLog& log,
                                                               const std::string& stream) {
  return log.read_stream(stream, StreamVersion(1), ~std::size_t{0});
}

json property_value(const std::string& value_json) {
  auto parsed = json::parse(value_json, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json(value_json) : parsed;
}

json properties_json(const google::protobuf::RepeatedPtrField<events::Property>& properties) {
  auto out = json::array();
  for (const auto& p : properties) {
    out.push_back(
        {{"name", p.name()}, {"value", property_value(p.value_json())}, {"source", p.source()}});
  }
  return out;
}

json sourcestamps_json(const google::protobuf::RepeatedPtrField<events::SourceStamp>& stamps) {
  auto out = json::array();
  for (const auto& s : stamps) {
    out.push_back(
        {{"codebase", s.codebase()},
         {"repository", s.repository()},
         {"project", s.project()},
         {"branch", s.branch()},
         {"revision", s.revision()},
         {"has_patch", !s.patch().empty()},
         {"change_ids", std::vector<std::uint64_t>(s.change_ids().begin(), s.change_ids().end())}});
  }
  return out;
}

// "A build was forced by 'bob': ..." (the force scheduler's reason) names who forced it.
std::optional<std::string> forced_by(const std::string& reason) {
  static const std::string kPrefix = "A build was forced by '";
  if (!reason.starts_with(kPrefix)) return std::nullopt;
  auto end = reason.find('\'', kPrefix.size());
  if (end == std::string::npos) return std::nullopt;
  return reason.substr(kPrefix.size(), end - kPrefix.size());
}

class Explainer {
 public:
  Explainer(store::EventLog& log) : log_(log) {}

  store::StoreResult<RequestFacts> request(std::uint64_t id) {
    RequestFacts facts;
    facts.id = id;
    auto events = whole_stream(log_, streams::build_request(id));
    if (!events) return unexpected(events.error());
    for (const auto& e : *events) {
      const json at = time_json(e.time_us());
      switch (e.body_case()) {
        case events::Envelope::kBuildRequestSubmitted:
          facts.buildset_id = e.build_request_submitted().buildset_id();
          facts.builder = e.build_request_submitted().builder();
          facts.priority = e.build_request_submitted().priority();
          facts.submitted_us = e.time_us();
          break;
        case events::Envelope::kBuildRequestClaimed: {
          const auto& master = e.build_request_claimed().master_id();
          facts.history.push_back(
              {{"event", "claimed"}, {"at", at}, {"by", master.empty() ? e.master_id() : master}});
          break;
        }
        case events::Envelope::kBuildRequestUnclaimed:
          facts.history.push_back({{"event", "unclaimed"},
                                   {"at", at},
                                   {"reason", e.build_request_unclaimed().reason()}});
          break;
        case events::Envelope::kBuildRequestCompleted:
          facts.history.push_back({{"event", "completed"},
                                   {"at", at},
                                   {"result", result_name(e.build_request_completed().result())},
                                   {"build", e.build_request_completed().build_number()}});
          break;
        case events::Envelope::kBuildRequestCancelled:
          facts.history.push_back({{"event", "cancelled"},
                                   {"at", at},
                                   {"by", e.build_request_cancelled().who()},
                                   {"reason", e.build_request_cancelled().reason()}});
          break;
        default:
          break;
      }
    }
    return facts;
  }

  store::StoreResult<BuildsetFacts> buildset(std::uint64_t id) {
    BuildsetFacts facts;
    facts.id = id;
    auto events = whole_stream(log_, streams::buildset(id));
    if (!events) return unexpected(events.error());
    for (const auto& e : *events) {
      if (e.has_buildset_submitted()) {
        facts.found = true;
        facts.sequence = e.sequence();
        facts.submitted_us = e.time_us();
        facts.causation = e.causation_id();
        facts.correlation = e.correlation_id();
        facts.body = e.buildset_submitted();
      } else if (e.has_buildset_completed()) {
        facts.result = e.buildset_completed().result();
      }
    }
    if (!facts.found) return facts;
    if (facts.recorded()) {
      // The links say what caused it: the event it names, and the recorded cause.
      if (facts.causation != 0 && facts.causation < facts.sequence) {
        auto cause = event_at(facts.causation);
        if (!cause) return unexpected(cause.error());
        facts.cause_event = std::move(*cause);
      }
      const auto& cause = facts.body.cause();
      if (cause.kind() == events::BuildsetCause::TIMER) {
        TimerFacts timer;
        timer.name = cause.timer();
        timer.due_us = cause.timer_due_us();
        if (facts.cause_event && facts.cause_event->has_scheduler_timer_fired()) {
          timer.fired_us = facts.cause_event->time_us();
        }
        facts.timer = std::move(timer);
      }
    } else if (!facts.body.scheduler().empty()) {
      // An older log: the timer is looked for among the events appended with it.
      auto timer = timer_before(facts.sequence, facts.body.scheduler());
      if (!timer) return unexpected(timer.error());
      facts.timer = std::move(*timer);
    }
    return facts;
  }

  // The event at `sequence` (nullopt if the log has none there).
  store::StoreResult<std::optional<events::Envelope>> event_at(std::uint64_t sequence) {
    auto events = log_.read_forward(Sequence(sequence), 1);
    if (!events) return unexpected(events.error());
    if (events->empty() || events->front().sequence() != sequence) {
      return std::optional<events::Envelope>{};
    }
    return std::optional<events::Envelope>(std::move(events->front()));
  }

  store::StoreResult<ChangeFacts> change(std::uint64_t id) {
    ChangeFacts facts;
    facts.id = id;
    auto events = log_.read_stream(streams::changes(), StreamVersion(id), 1);
    if (!events) return unexpected(events.error());
    if (!events->empty() && events->front().stream_version() == id &&
        events->front().has_change_added()) {
      facts.found = true;
      facts.added_us = events->front().time_us();
      facts.body = events->front().change_added();
    }
    return facts;
  }

 private:
  // The SchedulerTimerFired of `scheduler` in the batch that submitted the buildset at
  // `sequence`: walking back over the batch's buildset and request events, then over the
  // scheduler's own events right before them.
  store::StoreResult<std::optional<TimerFacts>> timer_before(std::uint64_t sequence,
                                                             const std::string& scheduler) {
    if (sequence <= 1) return std::optional<TimerFacts>{};
    const std::uint64_t from = sequence > kTimerWindow ? sequence - kTimerWindow : 1;
    auto events = log_.read_forward(Sequence(from), sequence - from);
    if (!events) return unexpected(events.error());
    const std::string own_stream = streams::scheduler(scheduler);
    bool in_scheduler_events = false;
    for (auto it = events->rbegin(); it != events->rend(); ++it) {
      if (it->sequence() >= sequence) continue;
      const auto kind = streams::kind_of(it->stream());
      if (!in_scheduler_events && (kind == "buildset" || kind == "buildrequest")) continue;
      if (it->stream() != own_stream) break;
      in_scheduler_events = true;
      if (it->has_scheduler_timer_fired()) {
        TimerFacts timer;
        timer.name = it->scheduler_timer_fired().timer();
        timer.due_us = it->scheduler_timer_fired().due_us();
        timer.fired_us = it->time_us();
        return std::optional<TimerFacts>(std::move(timer));
      }
    }
    return std::optional<TimerFacts>{};
  }

  store::EventLog& log_;
};

// Everything the chain holds, collected before printing.
struct Chain {
  BuildRecord build;
  events::BuildStarted started;
  std::uint64_t started_causation = 0;  // BuildStarted's causation_id (a request's submission)
  std::uint64_t correlation = 0;        // and its correlation_id (the chain)
  std::vector<RequestFacts> requests;
  std::map<std::uint64_t, BuildsetFacts> buildsets;
  std::vector<std::uint64_t> buildset_order;  // first seen first
  std::map<std::uint64_t, ChangeFacts> changes;
  std::vector<std::uint64_t> change_order;
};

store::StoreResult<std::optional<Chain>> collect_chain(store::EventLog& log, Explainer& explainer,
                                                       const std::string& builder,
                                                       std::uint32_t number, int depth);

store::StoreResult<Ok> collect_buildset(store::EventLog& log, Explainer& explainer, Chain& chain,
                                        std::uint64_t id, int depth) {
  if (id == 0 || chain.buildsets.contains(id)) return Ok{};
  auto facts = explainer.buildset(id);
  if (!facts) return unexpected(facts.error());
  const auto& cause = facts->body.cause();
  if (cause.kind() == events::BuildsetCause::TRIGGER && depth < kMaxParentDepth) {
    // The build whose Trigger step submitted it, with its own chain.
    auto parent = collect_chain(log, explainer, cause.parent_builder(), cause.parent_build_number(),
                                depth + 1);
    if (!parent) return unexpected(parent.error());
    if (*parent) facts->parent_build = std::make_shared<Chain>(std::move(**parent));
  }
  chain.buildsets.emplace(id, *facts);
  chain.buildset_order.push_back(id);
  for (const auto& stamp : facts->body.sourcestamps()) {
    for (auto change_id : stamp.change_ids()) {
      if (chain.changes.contains(change_id)) continue;
      auto change = explainer.change(change_id);
      if (!change) return unexpected(change.error());
      chain.changes.emplace(change_id, *change);
      chain.change_order.push_back(change_id);
    }
  }
  const auto upstream = facts->body.parent_buildset_id() != 0 ? facts->body.parent_buildset_id()
                                                              : cause.upstream_buildset_id();
  if (upstream != 0 && depth < kMaxParentDepth) {
    return collect_buildset(log, explainer, chain, upstream, depth + 1);
  }
  return Ok{};
}

// The chain of one build; nullopt if the log has no such build.
store::StoreResult<std::optional<Chain>> collect_chain(store::EventLog& log, Explainer& explainer,
                                                       const std::string& builder,
                                                       std::uint32_t number, int depth) {
  auto events = whole_stream(log, streams::build(builder, number));
  if (!events) return unexpected(events.error());
  Chain chain;
  History build_history;
  bool started = false;
  for (const auto& e : *events) {
    build_history.evolve(e);
    if (e.has_build_started() && !started) {
      chain.started = e.build_started();
      chain.started_causation = e.causation_id();
      chain.correlation = e.correlation_id();
      started = true;
    }
  }
  const BuildRecord* build = build_history.build(builder, number);
  if (!started || build == nullptr) return std::optional<Chain>{};
  chain.build = *build;
  for (auto id : chain.build.request_ids) {
    auto request = explainer.request(id);
    if (!request) return unexpected(request.error());
    chain.requests.push_back(std::move(*request));
    auto collected =
        collect_buildset(log, explainer, chain, chain.requests.back().buildset_id, depth);
    if (!collected) return unexpected(collected.error());
  }
  return std::optional<Chain>(std::move(chain));
}

json chain_json(const Chain& chain);

std::string cause_kind_name(events::BuildsetCause::Kind kind) {
  std::string name = events::BuildsetCause::Kind_Name(kind);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name.empty() ? std::to_string(static_cast<int>(kind)) : name;
}

// The recorded cause (null for a log that has none): its kind, the event it names and
// the facts of its kind.
json cause_json(const BuildsetFacts& bs) {
  if (!bs.recorded()) return nullptr;
  const auto& cause = bs.body.cause();
  json out;
  out["kind"] = cause_kind_name(cause.kind());
  out["event"] = bs.causation == 0 ? json(nullptr) : json(bs.causation);
  out["event_type"] = bs.cause_event ? json(events::type_name(*bs.cause_event)) : json(nullptr);
  out["chain"] = bs.correlation == 0 ? json(bs.sequence) : json(bs.correlation);
  out["change_ids"] =
      std::vector<std::uint64_t>(cause.change_ids().begin(), cause.change_ids().end());
  switch (cause.kind()) {
    case events::BuildsetCause::TIMER:
      out["timer"] = cause.timer();
      break;
    case events::BuildsetCause::FORCE:
      out["forced_by"] = cause.forced_by();
      break;
    case events::BuildsetCause::TRIGGER:
      out["parent_build"] = {{"builder", cause.parent_builder()},
                             {"number", cause.parent_build_number()},
                             {"step", cause.parent_step_index()}};
      break;
    case events::BuildsetCause::UPSTREAM:
      out["upstream_buildset"] = cause.upstream_buildset_id();
      break;
    default:
      break;
  }
  return out;
}

json buildset_json(const BuildsetFacts& bs) {
  json out;
  out["id"] = bs.id;
  out["found"] = bs.found;
  if (!bs.found) return out;
  out["scheduler"] = bs.body.scheduler();
  out["reason"] = bs.body.reason();
  out["submitted_at"] = time_json(bs.submitted_us);
  out["external_idstring"] = bs.body.external_idstring();
  out["parent_buildset"] =
      bs.body.parent_buildset_id() == 0 ? json(nullptr) : json(bs.body.parent_buildset_id());
  out["builders"] =
      std::vector<std::string>(bs.body.builder_names().begin(), bs.body.builder_names().end());
  out["properties"] = properties_json(bs.body.properties());
  out["sourcestamps"] = sourcestamps_json(bs.body.sourcestamps());
  if (bs.timer) {
    out["timer"] = {{"name", bs.timer->name},
                    {"due_at", time_json(bs.timer->due_us)},
                    {"fired_at", time_json(bs.timer->fired_us)}};
  } else {
    out["timer"] = nullptr;
  }
  // Who forced it: recorded, or (an older log) read from the force scheduler's reason.
  std::optional<std::string> forced;
  if (bs.body.cause().kind() == events::BuildsetCause::FORCE) {
    forced = bs.body.cause().forced_by();
  } else if (!bs.recorded()) {
    forced = forced_by(bs.body.reason());
  }
  out["forced_by"] = forced ? json(*forced) : json(nullptr);
  out["result"] = result_json(bs.result);
  out["cause"] = cause_json(bs);
  out["triggered_by"] = bs.parent_build ? chain_json(*bs.parent_build) : json(nullptr);
  return out;
}

// A change's source in words: "sendchange:alice" (the user the sendchange client logged
// in as), "gitpoller:NAME", "change_hook:DIALECT"; anything else as recorded.
std::string describe_change_source(const std::string& source) {
  auto colon = source.find(':');
  if (colon == std::string::npos) return source;
  const std::string kind = source.substr(0, colon), name = source.substr(colon + 1);
  if (kind == "sendchange") return "sendchange, user " + name;
  if (kind == "gitpoller") return "git poller " + name;
  if (kind == "change_hook") return "change hook " + name;
  return source;
}

json change_json(const ChangeFacts& change) {
  json out;
  out["id"] = change.id;
  out["found"] = change.found;
  if (!change.found) return out;
  const auto& c = change.body;
  out["who"] = c.who();
  out["revision"] = c.revision();
  out["branch"] = c.branch();
  out["repository"] = c.repository();
  out["project"] = c.project();
  out["category"] = c.category();
  out["comments"] = c.comments();
  out["files"] = std::vector<std::string>(c.files().begin(), c.files().end());
  out["when"] = time_json(c.when_us());
  out["added_at"] = time_json(change.added_us);
  out["source"] = c.source();
  out["source_described"] = describe_change_source(c.source());
  out["revlink"] = c.revlink();
  return out;
}

json chain_json(const Chain& chain) {
  json out;
  json build = build_to_json(chain.build);
  build["sourcestamps"] = sourcestamps_json(chain.started.sourcestamps());
  build["properties"] = properties_json(chain.started.properties());
  build["causation_id"] = chain.started_causation;
  build["correlation_id"] = chain.correlation;
  out["build"] = std::move(build);
  auto requests = json::array();
  for (const auto& r : chain.requests) {
    requests.push_back({{"id", r.id},
                        {"buildset", r.buildset_id},
                        {"builder", r.builder},
                        {"priority", r.priority},
                        {"submitted_at", time_json(r.submitted_us)},
                        {"history", r.history}});
  }
  out["requests"] = std::move(requests);
  auto buildsets = json::array();
  for (auto id : chain.buildset_order) buildsets.push_back(buildset_json(chain.buildsets.at(id)));
  out["buildsets"] = std::move(buildsets);
  auto changes = json::array();
  for (auto id : chain.change_order) changes.push_back(change_json(chain.changes.at(id)));
  out["changes"] = std::move(changes);
  return out;
}

// ---------------------------------------------------------------------------------
// The indented text
// ---------------------------------------------------------------------------------

std::string str(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

void print_stamps(std::ostream& out, const json& stamps, const std::string& indent) {
  for (const auto& s : stamps) {
    out << indent << "sourcestamp:";
    if (!str(s["codebase"]).empty()) out << " codebase " << str(s["codebase"]) << ",";
    if (!str(s["repository"]).empty()) out << " repository " << str(s["repository"]) << ",";
    if (!str(s["project"]).empty()) out << " project " << str(s["project"]) << ",";
    out << " branch \"" << str(s["branch"]) << "\", revision "
        << (str(s["revision"]).empty() ? std::string("(newest)") : str(s["revision"]));
    if (s["has_patch"].get<bool>()) out << ", with a patch";
    if (!s["change_ids"].empty()) {
      out << ", changes";
      for (const auto& id : s["change_ids"]) out << ' ' << id;
    }
    out << '\n';
  }
}

class TextPrinter {
 public:
  // `base`: the indent of every line; `nested`: the chain of a triggering build, shown
  // under the buildset it triggered.
  TextPrinter(std::ostream& out, const Chain& chain, std::string base = "", bool nested = false)
      : out_(out), chain_(chain), base_(std::move(base)), nested_(nested) {}

  void print() {
    const auto& build = chain_.build;
    out_ << base_ << (nested_ ? "<- " : "") << "build " << build.builder << " #" << build.number
         << ": " << (build.result ? result_name(*build.result) : std::string("running"));
    if (!build.slave.empty()) out_ << " on slave " << build.slave;
    if (build.started) out_ << ", started " << format_utc_time(build.started_us);
    if (build.result) out_ << ", finished " << format_utc_time(build.finished_us);
    out_ << '\n';
    const std::string in = base_ + "  ";
    if (!build.reason.empty()) out_ << in << "reason: " << build.reason << '\n';
    if (!build.got_revision.empty()) out_ << in << "got_revision: " << build.got_revision << '\n';
    if (build.stop_requested) {
      out_ << in << "stop requested by " << build.stopped_by
           << (build.stop_reason.empty() ? "" : ": " + build.stop_reason) << '\n';
    }
    print_stamps(out_, sourcestamps_json(chain_.started.sourcestamps()), in + "builds ");
    if (chain_.requests.empty()) out_ << in << "(the build names no build request)\n";
    for (const auto& request : chain_.requests) print_request(request);
  }

 private:
  void print_request(const RequestFacts& r) {
    out_ << base_ << "  <- request " << r.id;
    if (r.builder.empty()) {
      out_ << ": not in the log\n";
      return;
    }
    out_ << " (builder " << r.builder << ", priority " << r.priority << "): submitted "
         << format_utc_time(r.submitted_us);
    for (const auto& h : r.history) {
      const std::string event = str(h["event"]);
      out_ << ", " << event;
      if (event == "claimed") out_ << " by " << str(h["by"]);
      if (event == "unclaimed" && !str(h["reason"]).empty())
        out_ << " (" << str(h["reason"]) << ")";
      if (event == "completed") out_ << " " << str(h["result"]) << " by build #" << h["build"];
      if (event == "cancelled") {
        out_ << " by " << str(h["by"]);
        if (!str(h["reason"]).empty()) out_ << " (" << str(h["reason"]) << ")";
      }
      out_ << " at " << str(h["at"]);
    }
    out_ << '\n';
    print_buildset(r.buildset_id, base_ + "     ", 0);
  }

  void print_buildset(std::uint64_t id, const std::string& indent, int depth) {
    out_ << indent << "<- buildset " << id;
    auto it = chain_.buildsets.find(id);
    if (it == chain_.buildsets.end() || !it->second.found) {
      out_ << ": not in the log\n";
      return;
    }
    if (printed_.contains(id)) {
      out_ << " (shown above)\n";
      return;
    }
    printed_.insert(id);
    const json bs = buildset_json(it->second);
    out_ << " from scheduler " << str(bs["scheduler"]) << ", submitted " << str(bs["submitted_at"]);
    if (!bs["result"].is_null()) out_ << ", completed " << str(bs["result"]);
    out_ << '\n';
    const std::string inner = indent + "   ";
    out_ << inner << "reason: " << str(bs["reason"]) << '\n';
    if (!bs["cause"].is_null()) print_cause(bs["cause"], inner);
    if (!bs["forced_by"].is_null()) out_ << inner << "forced by " << str(bs["forced_by"]) << '\n';
    if (!bs["timer"].is_null()) {
      out_ << inner << "timer " << str(bs["timer"]["name"]) << " of scheduler "
           << str(bs["scheduler"]) << " fired at " << str(bs["timer"]["fired_at"]) << " (due "
           << str(bs["timer"]["due_at"]) << ")\n";
    }
    if (!str(bs["external_idstring"]).empty()) {
      out_ << inner << "external id: " << str(bs["external_idstring"]) << '\n';
    }
    if (!bs["properties"].empty()) {
      out_ << inner << "properties:";
      bool first = true;
      for (const auto& p : bs["properties"]) {
        out_ << (first ? " " : ", ") << str(p["name"]) << "=" << p["value"].dump();
        if (!str(p["source"]).empty()) out_ << " (" << str(p["source"]) << ")";
        first = false;
      }
      out_ << '\n';
    }
    print_stamps(out_, bs["sourcestamps"], inner);
    for (const auto& stamp : it->second.body.sourcestamps()) {
      for (auto change_id : stamp.change_ids()) print_change(change_id, inner);
    }
    if (it->second.parent_build) TextPrinter(out_, *it->second.parent_build, inner, true).print();
    if (!bs["parent_buildset"].is_null()) {
      out_ << inner << "triggered from buildset " << bs["parent_buildset"] << '\n';
      if (depth < kMaxParentDepth) {
        print_buildset(bs["parent_buildset"].get<std::uint64_t>(), inner, depth + 1);
      }
    }
  }

  // "caused by change 3 (event 5 ChangeAdded, chain 5)"
  void print_cause(const json& cause, const std::string& indent) {
    const std::string kind = str(cause["kind"]);
    out_ << indent << "caused by ";
    if (kind == "change") {
      out_ << "change";
      for (const auto& id : cause["change_ids"]) out_ << ' ' << id;
    } else if (kind == "timer") {
      out_ << "timer " << str(cause["timer"]);
    } else if (kind == "force") {
      out_ << "user " << str(cause["forced_by"]);
    } else if (kind == "trigger") {
      const auto& parent = cause["parent_build"];
      out_ << "step " << parent["step"] << " of build " << str(parent["builder"]) << " #"
           << parent["number"];
    } else if (kind == "upstream") {
      out_ << "buildset " << cause["upstream_buildset"] << " completing";
    } else {
      out_ << "the scheduler starting";
    }
    out_ << " (";
    if (!cause["event"].is_null()) {
      out_ << "event " << cause["event"];
      if (!cause["event_type"].is_null()) out_ << ' ' << str(cause["event_type"]);
      out_ << ", ";
    }
    out_ << "chain " << cause["chain"] << ")\n";
  }

  void print_change(std::uint64_t id, const std::string& indent) {
    out_ << indent << "<- change " << id;
    auto it = chain_.changes.find(id);
    if (it == chain_.changes.end() || !it->second.found) {
      out_ << ": not in the log\n";
      return;
    }
    const json c = change_json(it->second);
    out_ << " by " << str(c["who"]) << ": revision "
         << (str(c["revision"]).empty() ? std::string("(none)") : str(c["revision"]))
         << " on branch \"" << str(c["branch"]) << "\"";
    if (!str(c["repository"]).empty()) out_ << " of " << str(c["repository"]);
    out_ << '\n';
    const std::string inner = indent + "     ";
    out_ << inner << "when: " << str(c["when"]) << ", recorded " << str(c["added_at"]);
    if (!str(c["source"]).empty()) out_ << " by " << str(c["source_described"]);
    out_ << '\n';
    if (!str(c["comments"]).empty()) {
      std::string comments = str(c["comments"]);
      std::replace(comments.begin(), comments.end(), '\n', ' ');
      out_ << inner << "comments: " << comments << '\n';
    }
    if (!c["files"].empty()) {
      out_ << inner << "files:";
      bool first = true;
      for (const auto& f : c["files"]) {
        out_ << (first ? " " : ", ") << str(f);
        first = false;
      }
      out_ << '\n';
    }
  }

  std::ostream& out_;
  const Chain& chain_;
  std::string base_;
  bool nested_ = false;
  std::set<std::uint64_t> printed_;
};

}  // namespace

int run_why(store::EventLog& log, const WhyOptions& options, std::ostream& out, std::ostream& err) {
  Explainer explainer(log);
  auto collected = collect_chain(log, explainer, options.builder, options.number, 0);
  if (!collected) return report_error(err, collected.error().message, kExitStoreError);
  if (!*collected) {
    return report_error(err,
                        "no build " + options.builder + " #" + std::to_string(options.number) +
                            " in the log (eventbot-replay DIR builds --builder " + options.builder +
                            " lists its builds)",
                        kExitNotFound);
  }
  const Chain& chain = **collected;

  if (options.json) {
    out << chain_json(chain).dump() << '\n';
  } else {
    TextPrinter(out, chain).print();
  }
  out.flush();
  return kExitOk;
}

}  // namespace eventbot::replay
