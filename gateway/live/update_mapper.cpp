#include "gateway/live/update_mapper.hpp"

#include "events/streams.hpp"
#include "gateway/api/entities.hpp"
#include "gateway/readmodel/ids.hpp"

namespace eventbot::gateway::live {
namespace {

using nlohmann::json;
namespace rm = readmodel;

std::string id_text(std::uint64_t id) {
  return std::to_string(id);
}

struct Out {
  std::vector<Update>& updates;
  std::uint64_t sequence;

  void add(std::string key, const json& message, std::optional<ChunkRef> chunk = std::nullopt) {
    Update update;
    update.key = std::move(key);
    update.message = message;
    update.sequence = sequence;
    update.chunk = std::move(chunk);
    updates.push_back(std::move(update));
  }
};

const rm::WorkerEntry* worker_named(const rm::ReadModel& model, const std::string& name) {
  for (const auto& worker : model.workers()) {
    if (worker.name == name) return &worker;
  }
  return nullptr;
}

const rm::MasterEntry* master_named(const rm::ReadModel& model, const std::string& name) {
  for (const auto& master : model.masters()) {
    if (master.name == name) return &master;
  }
  return nullptr;
}

std::optional<std::uint32_t> number_of(const std::string& text) {
  try {
    std::size_t used = 0;
    auto value = std::stoul(text, &used);
    if (used != text.size() || value > UINT32_MAX) return std::nullopt;
    return static_cast<std::uint32_t>(value);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

rm::BuildDetail* UpdateMapper::detail(const std::string& builder, std::uint32_t number,
                                      const DetailSource& source) {
  const auto stream = streams::build(builder, number);
  auto it = builds_.find(stream);
  if (it != builds_.end()) return &it->second;
  auto read = source ? source(builder, number) : std::nullopt;
  if (!read) return nullptr;
  // Builds met only by their late events (a log closed after its build) stay followed:
  // bound them.
  if (builds_.size() >= kMaxFollowed) builds_.clear();
  return &builds_.emplace(stream, std::move(*read)).first->second;
}

std::vector<Update> UpdateMapper::map(const events::Envelope& e, const rm::ReadModel& model,
                                      const DetailSource& source) {
  std::vector<Update> updates;
  Out out{updates, e.sequence()};

  auto request = [&](std::uint64_t id, const std::string& event) {
    auto it = model.requests().find(id);
    if (it == model.requests().end()) return;
    const auto message = api::request_json(it->second);
    out.add("buildrequests/" + id_text(id) + "/" + event, message);
    out.add(
        "builders/" + id_text(it->second.builderid) + "/buildrequests/" + id_text(id) + "/" + event,
        message);
  };
  auto build = [&](const std::string& builder, std::uint32_t number, const std::string& event) {
    const auto* entry = model.build_of(builder, number);
    if (!entry) return;
    const auto message = api::build_json(*entry);
    out.add("builds/" + id_text(entry->buildid) + "/" + event, message);
    out.add("builders/" + id_text(entry->builderid) + "/builds/" + id_text(entry->buildid) + "/" +
                event,
            message);
  };
  // Folds a build-stream event into the build's detail (read once if not followed yet).
  auto fold = [&](const std::string& builder, std::uint32_t number) -> rm::BuildDetail* {
    auto* d = detail(builder, number, source);
    if (d) d->evolve(e);
    return d;
  };
  auto step = [&](const std::string& builder, std::uint32_t number, std::uint32_t index,
                  const std::string& event) {
    const auto* entry = model.build_of(builder, number);
    auto* d = fold(builder, number);
    if (!entry || !d) return;
    const auto* s = d->step(index);
    auto stepid = rm::step_id(entry->buildid, index);
    if (!s || !stepid) return;
    const auto message = api::step_json(*entry, *s);
    out.add("builds/" + id_text(entry->buildid) + "/steps/" + id_text(*stepid) + "/" + event,
            message);
    out.add("steps/" + id_text(*stepid) + "/" + event, message);
  };
  // A log's keys; `message` given, or the log's entity.
  auto log = [&](const std::string& builder, std::uint32_t number, std::uint32_t index,
                 const std::string& name, const std::string& event, std::optional<json> message,
                 std::optional<ChunkRef> chunk) {
    const auto* entry = model.build_of(builder, number);
    auto* d = detail(builder, number, source);
    if (!entry || !d) return;
    const auto* s = d->step(index);
    if (!s) return;
    for (std::size_t place = 0; place < s->logs.size(); ++place) {
      if (s->logs[place].name != name) continue;
      auto logid = rm::log_id(entry->buildid, index, place);
      auto stepid = rm::step_id(entry->buildid, index);
      if (!logid || !stepid) return;
      if (!message) {
        // The line count is the API's to give (it reads the log); live: null.
        message = api::log_json(*entry, *s, place, event == "finished", 0);
        (*message)["num_lines"] = nullptr;
      } else {
        (*message)["logid"] = *logid;
        (*message)["stepid"] = *stepid;
      }
      out.add("logs/" + id_text(*logid) + "/" + event, *message, chunk);
      out.add("steps/" + id_text(*stepid) + "/logs/" + id_text(*logid) + "/" + event, *message,
              chunk);
      return;
    }
  };
  auto worker = [&](const std::string& name, const std::string& event) {
    if (const auto* w = worker_named(model, name)) {
      out.add("workers/" + id_text(w->workerid) + "/" + event, api::worker_json(model, *w));
    }
  };
  auto master = [&](const std::string& name, const std::string& event) {
    if (const auto* m = master_named(model, name)) {
      out.add("masters/" + id_text(m->masterid) + "/" + event, api::master_json(*m));
    }
  };

  switch (e.body_case()) {
    case events::Envelope::kChangeAdded: {
      const auto id = e.stream_version();
      if (e.stream() != streams::changes() || id == 0 || id > model.changes().size()) break;
      out.add("changes/" + id_text(id) + "/new", api::change_json(model.changes()[id - 1]));
      break;
    }
    case events::Envelope::kBuildsetSubmitted:
    case events::Envelope::kBuildsetCompleted: {
      const bool done = e.has_buildset_completed();
      const auto id =
          done ? e.buildset_completed().buildset_id() : e.buildset_submitted().buildset_id();
      auto it = model.buildsets().find(id);
      if (it == model.buildsets().end()) break;
      out.add("buildsets/" + id_text(id) + (done ? "/complete" : "/new"),
              api::buildset_json(it->second));
      break;
    }
    case events::Envelope::kBuildRequestSubmitted:
      request(e.build_request_submitted().request_id(), "new");
      break;
    case events::Envelope::kBuildRequestClaimed:
      request(e.build_request_claimed().request_id(), "claimed");
      break;
    case events::Envelope::kBuildRequestUnclaimed:
      request(e.build_request_unclaimed().request_id(), "unclaimed");
      break;
    case events::Envelope::kBuildRequestCancelled:
      request(e.build_request_cancelled().request_id(), "canceled");
      break;
    case events::Envelope::kBuildRequestCompleted:
      request(e.build_request_completed().request_id(), "complete");
      break;
    case events::Envelope::kBuildStarted: {
      const auto& b = e.build_started();
      // A new build: its detail starts from this event, nothing to read.
      auto& d =
          builds_.try_emplace(streams::build(b.builder(), b.number()), b.builder(), b.number())
              .first->second;
      d.evolve(e);
      build(b.builder(), b.number(), "new");
      break;
    }
    case events::Envelope::kBuildFinished: {
      const auto& f = e.build_finished();
      build(f.builder(), f.number(), "finished");
      builds_.erase(streams::build(f.builder(), f.number()));
      break;
    }
    case events::Envelope::kStepStarted: {
      const auto& s = e.step_started();
      step(s.builder(), s.build_number(), s.step_index(), "new");
      break;
    }
    case events::Envelope::kStepFinished: {
      const auto& s = e.step_finished();
      step(s.builder(), s.build_number(), s.step_index(), "finished");
      break;
    }
    case events::Envelope::kBuildPropertiesSet: {
      const auto& p = e.build_properties_set();
      fold(p.builder(), p.build_number());
      break;
    }
    case events::Envelope::kLogOpened: {
      const auto& l = e.log_opened();
      if (!fold(l.builder(), l.build_number())) break;
      log(l.builder(), l.build_number(), l.step_index(), l.name(), "new", std::nullopt,
          std::nullopt);
      break;
    }
    case events::Envelope::kLogChunk:
    case events::Envelope::kLogClosed: {
      if (streams::kind_of(e.stream()) != "log") break;
      auto parts = streams::parts_of(e.stream());
      if (parts.size() != 4) break;
      auto number = number_of(parts[1]);
      auto index = number_of(parts[2]);
      if (!number || !index) break;
      if (e.has_log_chunk()) {
        json message = {{"offset", e.log_chunk().offset()}, {"content", ""}};
        log(parts[0], *number, *index, parts[3], "append", std::move(message),
            ChunkRef{e.stream(), e.stream_version()});
      } else {
        log(parts[0], *number, *index, parts[3], "finished", std::nullopt, std::nullopt);
      }
      break;
    }
    case events::Envelope::kSlaveAttached:
      worker(e.slave_attached().slave(), "connected");
      break;
    case events::Envelope::kSlaveDetached:
      worker(e.slave_detached().slave(), "disconnected");
      break;
    case events::Envelope::kSlaveShutdownRequested:
      worker(e.slave_shutdown_requested().slave(), "state_updated");
      break;
    case events::Envelope::kMasterStarted:
      master(e.master_started().master_id(), "started");
      break;
    case events::Envelope::kMasterStopped:
      master(e.master_stopped().master_id(), "stopped");
      break;
    default:
      break;
  }
  return updates;
}

}  // namespace eventbot::gateway::live
