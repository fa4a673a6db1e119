#include "gateway/api/entities.hpp"

#include "gateway/readmodel/ids.hpp"

namespace eventbot::gateway::api {
namespace {

json seconds(std::int64_t us) {
  return json(us / 1'000'000);
}
json seconds_or_null(std::int64_t us) {
  return us ? seconds(us) : json(nullptr);
}
json id_or_null(rm::Id id) {
  return id ? json(id) : json(nullptr);
}
template <class T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json property_value(const std::string& value_json) {
  auto parsed = json::parse(value_json, nullptr, false);
  return parsed.is_discarded() ? json(value_json) : parsed;
}

json sourcestamp_json(const rm::SourceStampEntry& ss, std::int64_t created_us) {
  return {{"ssid", nullptr},
          {"codebase", ss.codebase},
          {"repository", ss.repository},
          {"project", ss.project},
          {"branch", ss.branch},
          {"revision", ss.revision},
          {"patch", nullptr},
          {"created_at", seconds(created_us)}};
}

}  // namespace

const std::vector<std::string> kBuilderFields = {"builderid", "name", "description", "tags",
                                                 "masterids"};
const std::vector<std::string> kBuildFields = {
    "buildid",    "number",   "builderid",   "buildrequestid", "workerid",     "masterid",
    "started_at", "complete", "complete_at", "results",        "state_string", "properties"};
const std::vector<std::string> kStepFields = {"stepid",       "number",   "name",        "buildid",
                                              "started_at",   "complete", "complete_at", "results",
                                              "state_string", "urls",     "hidden"};
const std::vector<std::string> kLogFields = {"logid",    "name",      "slug", "stepid",
                                             "complete", "num_lines", "type"};
const std::vector<std::string> kRequestFields = {
    "buildrequestid",      "buildsetid", "builderid",   "priority", "claimed",      "claimed_at",
    "claimed_by_masterid", "complete",   "complete_at", "results",  "submitted_at", "waited_for"};
const std::vector<std::string> kBuildsetFields = {
    "bsid",        "external_idstring", "reason",       "submitted_at",   "complete",
    "complete_at", "results",           "sourcestamps", "parent_buildid", "parent_relationship"};
const std::vector<std::string> kChangeFields = {
    "changeid",   "author",   "branch",           "category",    "codebase",
    "comments",   "files",    "parent_changeids", "project",     "properties",
    "repository", "revision", "revlink",          "sourcestamp", "when_timestamp"};
const std::vector<std::string> kWorkerFields = {
    "workerid", "name", "workerinfo", "paused", "graceful", "connected_to", "configured_on"};
const std::vector<std::string> kMasterFields = {"masterid", "name", "active", "last_active"};
const std::vector<std::string> kSchedulerFields = {"schedulerid", "name", "master"};
const std::vector<std::string> kForceSchedulerFields = {"name", "label", "button_name",
                                                        "builder_names", "all_fields"};

json builder_json(const rm::ReadModel&, const rm::BuilderEntry& builder) {
  return {{"builderid", builder.builderid},
          {"name", builder.name},
          {"description", builder.description.empty() ? json(nullptr) : json(builder.description)},
          {"tags", builder.tags},
          {"masterids", builder.masterids}};
}

json build_json(const rm::BuildEntry& build) {
  return {{"buildid", build.buildid},
          {"number", build.number},
          {"builderid", build.builderid},
          {"buildrequestid", id_or_null(build.buildrequestid)},
          {"workerid", id_or_null(build.workerid)},
          {"masterid", id_or_null(build.masterid)},
          {"started_at", seconds(build.started_us)},
          {"complete", build.results.has_value()},
          {"complete_at", build.results ? seconds(build.complete_us) : json(nullptr)},
          {"results", optional_json(build.results)},
          {"state_string", build.state_string}};
}

json step_json(const rm::BuildEntry& build, const rm::StepDetail& step) {
  json urls = json::array();
  for (const auto& [name, url] : step.urls) urls.push_back({{"name", name}, {"url", url}});
  return {{"stepid", id_or_null(rm::step_id(build.buildid, step.number).value_or(0))},
          {"number", step.number},
          {"name", step.name},
          {"buildid", build.buildid},
          {"started_at", seconds_or_null(step.started_us)},
          {"complete", step.complete},
          {"complete_at", step.complete ? seconds(step.complete_us) : json(nullptr)},
          {"results", optional_json(step.results)},
          {"state_string", step.state_string},
          {"urls", urls},
          {"hidden", step.hidden}};
}

json log_json(const rm::BuildEntry& build, const rm::StepDetail& step, std::size_t place,
              bool complete, std::uint64_t num_lines) {
  const auto& log = step.logs[place];
  return {{"logid", id_or_null(rm::log_id(build.buildid, step.number, place).value_or(0))},
          {"name", log.name},
          {"slug", log.slug},
          {"stepid", id_or_null(rm::step_id(build.buildid, step.number).value_or(0))},
          {"complete", complete},
          {"num_lines", num_lines},
          {"type", "s"}};
}

json request_json(const rm::RequestEntry& r) {
  return {{"buildrequestid", r.buildrequestid},
          {"buildsetid", r.buildsetid},
          {"builderid", r.builderid},
          {"priority", r.priority},
          {"claimed", r.claimed},
          {"claimed_at", r.claimed ? seconds(r.claimed_us) : json(nullptr)},
          {"claimed_by_masterid", r.claimed ? id_or_null(r.claimed_by_masterid) : json(nullptr)},
          {"complete", r.complete},
          {"complete_at", r.complete ? seconds(r.complete_us) : json(nullptr)},
          {"results", optional_json(r.results)},
          {"submitted_at", seconds(r.submitted_us)},
          {"waited_for", false}};
}

json buildset_json(const rm::BuildsetEntry& b) {
  json stamps = json::array();
  for (const auto& ss : b.sourcestamps) stamps.push_back(sourcestamp_json(ss, b.submitted_us));
  return {{"bsid", b.bsid},
          {"external_idstring",
           b.external_idstring.empty() ? json(nullptr) : json(b.external_idstring)},
          {"reason", b.reason},
          {"submitted_at", seconds(b.submitted_us)},
          {"complete", b.complete},
          {"complete_at", b.complete ? seconds(b.complete_us) : json(nullptr)},
          {"results", optional_json(b.results)},
          {"sourcestamps", stamps},
          {"parent_buildid", nullptr},
          {"parent_relationship", nullptr}};
}

json change_json(const rm::ChangeEntry& c) {
  json properties = json::object();
  for (const auto& [name, value] : c.properties) {
    properties[name] = json::array({property_value(value), "Change"});
  }
  rm::SourceStampEntry ss{c.codebase, c.repository, c.project, c.branch, c.revision};
  return {{"changeid", c.changeid},
          {"author", c.author},
          {"branch", c.branch.empty() ? json(nullptr) : json(c.branch)},
          {"category", c.category.empty() ? json(nullptr) : json(c.category)},
          {"codebase", c.codebase},
          {"comments", c.comments},
          {"files", c.files},
          {"parent_changeids", json::array()},
          {"project", c.project},
          {"properties", properties},
          {"repository", c.repository},
          {"revision", c.revision.empty() ? json(nullptr) : json(c.revision)},
          {"revlink", c.revlink.empty() ? json(nullptr) : json(c.revlink)},
          {"sourcestamp", sourcestamp_json(ss, c.when_us)},
          {"when_timestamp", seconds(c.when_us)}};
}

json worker_json(const rm::ReadModel& model, const rm::WorkerEntry& w) {
  json connected = json::array();
  if (w.connected) connected.push_back({{"masterid", w.connected_masterid}});
  json configured = json::array();
  for (const auto& builder : model.builders()) {
    if (!builder.configured) continue;
    for (auto id : builder.workerids) {
      if (id != w.workerid) continue;
      for (auto master : builder.masterids) {
        configured.push_back({{"builderid", builder.builderid}, {"masterid", master}});
      }
    }
  }
  return {
      {"workerid", w.workerid},
      {"name", w.name},
      {"workerinfo", {{"host", w.host}, {"admin", w.admin}, {"os", w.os}, {"version", w.version}}},
      {"paused", false},
      {"graceful", w.graceful},
      {"connected_to", connected},
      {"configured_on", configured}};
}

json master_json(const rm::MasterEntry& m) {
  return {{"masterid", m.masterid},
          {"name", m.name},
          {"active", m.active},
          {"last_active", seconds(m.last_active_us)}};
}

json scheduler_json(const rm::ReadModel& model, const rm::SchedulerEntry& s) {
  // A configured scheduler runs on the master whose configuration has it: this one.
  json master = nullptr;
  if (s.configured && model.serving_master()) {
    master = master_json(model.masters()[model.serving_master() - 1]);
  }
  return {{"schedulerid", s.schedulerid}, {"name", s.name}, {"master", master}};
}

// The force form's fields, shaped as Buildbot's (name, fullName, label, type, default):
// what the `force` action reads besides builderNames.
static json force_fields(const rm::SchedulerEntry& s) {
  json fields = json::array();
  auto field = [&](const char* name, const char* label, const char* type,
                   const std::string& value) {
    fields.push_back({{"name", name},
                      {"fullName", name},
                      {"label", label},
                      {"type", type},
                      {"default", value},
                      {"required", false}});
  };
  field("reason", "reason", "text", s.reason);
  field("branch", "branch", "text", "");
  field("revision", "revision", "text", "");
  field("repository", "repository", "text", "");
  field("project", "project", "text", "");
  return fields;
}

json forcescheduler_json(const rm::SchedulerEntry& s) {
  return {{"name", s.name},
          {"label", s.name},
          {"button_name", s.name},
          {"builder_names", s.builder_names},
          {"all_fields", force_fields(s)}};
}

json properties_json(const rm::BuildDetail& detail, const std::vector<std::string>& only) {
  json out = json::object();
  const bool all = only.empty() || std::find(only.begin(), only.end(), "*") != only.end();
  for (const auto& [name, value] : detail.properties()) {
    if (!all && std::find(only.begin(), only.end(), name) == only.end()) continue;
    out[name] = json::array({property_value(value.first), value.second});
  }
  return out;
}

}  // namespace eventbot::gateway::api
