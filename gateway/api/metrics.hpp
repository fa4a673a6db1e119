#pragma once
// /metrics: the read models' counts in Prometheus' text format (version 0.0.4).
#include <string>

#include "gateway/readmodel/read_model.hpp"

namespace eventbot::gateway::api {

std::string metrics_text(const readmodel::ReadModel& model);

}  // namespace eventbot::gateway::api
