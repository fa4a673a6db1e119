#pragma once
// The /api/v2 resources (GET): routing of the path, the query options, and the reads a
// resource needs beyond the in-memory read models (a build's stream for its steps and
// logs, a log's chunks for its contents). The read models are read under the
// ModelView's lock, and the store outside it, so a slow read never holds up the fold.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/api/reply.hpp"
#include "gateway/logs/log_reader.hpp"
#include "gateway/readmodel/read_model.hpp"
#include "store/event_log.hpp"

namespace eventbot::gateway::api {

class ModelView {
 public:
  virtual ~ModelView() = default;
  // Calls `visit` with the read models, which do not change during the call.
  virtual void read(const std::function<void(const readmodel::ReadModel&)>& visit) const = 0;
};

// The lines logs/N/contents answers without a `limit`.
inline constexpr std::uint64_t kDefaultLogLines = 1'000'000;

class Api {
 public:
  Api(const ModelView& model, store::EventLog& log, logs::LogReader& logs)
      : model_(model), log_(log), logs_(logs) {}

  // `path`: what follows /api/v2/ ("builds/7/steps"), already split at '/' and
  // percent-decoded; `query`: the text after '?'.
  Reply get(const std::vector<std::string>& path, std::string_view query) const;

 private:
  const ModelView& model_;
  store::EventLog& log_;
  logs::LogReader& logs_;
};

// Splits "/a/b%2Fc/" into {"a", "b/c"}; nothing if a part's percent-encoding is malformed.
std::optional<std::vector<std::string>> split_path(std::string_view path);

}  // namespace eventbot::gateway::api
