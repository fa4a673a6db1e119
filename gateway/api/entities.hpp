#pragma once
// The JSON of each /api/v2 entity, with Buildbot's field names and types (its RAML spec,
// buildbot/spec/types/*.raml): dates are whole seconds since the epoch, unset ones null.
// Pure functions of the read models; the field lists are what filters, `order` and
// `field` may name.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gateway/readmodel/build_detail.hpp"
#include "gateway/readmodel/read_model.hpp"

namespace eventbot::gateway::api {

using nlohmann::json;
namespace rm = readmodel;

json builder_json(const rm::ReadModel& model, const rm::BuilderEntry& builder);
json build_json(const rm::BuildEntry& build);
json step_json(const rm::BuildEntry& build, const rm::StepDetail& step);
json log_json(const rm::BuildEntry& build, const rm::StepDetail& step, std::size_t place,
              bool complete, std::uint64_t num_lines);
json request_json(const rm::RequestEntry& request);
json buildset_json(const rm::BuildsetEntry& buildset);
json change_json(const rm::ChangeEntry& change);
json worker_json(const rm::ReadModel& model, const rm::WorkerEntry& worker);
json master_json(const rm::MasterEntry& master);
json scheduler_json(const rm::ReadModel& model, const rm::SchedulerEntry& scheduler);
json forcescheduler_json(const rm::SchedulerEntry& scheduler);
// builds/N/properties: {name: [value, source]}.
json properties_json(const rm::BuildDetail& detail, const std::vector<std::string>& only = {});

extern const std::vector<std::string> kBuilderFields;
extern const std::vector<std::string> kBuildFields;
extern const std::vector<std::string> kStepFields;
extern const std::vector<std::string> kLogFields;
extern const std::vector<std::string> kRequestFields;
extern const std::vector<std::string> kBuildsetFields;
extern const std::vector<std::string> kChangeFields;
extern const std::vector<std::string> kWorkerFields;
extern const std::vector<std::string> kMasterFields;
extern const std::vector<std::string> kSchedulerFields;
extern const std::vector<std::string> kForceSchedulerFields;

}  // namespace eventbot::gateway::api
