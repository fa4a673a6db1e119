#include "actors/builds/trigger_wait.hpp"

#include <utility>

namespace eventbot::builds {

TriggerWait::TriggerWait(std::vector<std::string> external_ids, bool wait_for_finish)
    : ids_(std::move(external_ids)), wait_(wait_for_finish), done_(false) {}

std::optional<MasterActionResult> TriggerWait::accepted() {
  if (done_) return std::nullopt;
  ++answers_;
  return check();
}

std::optional<MasterActionResult> TriggerWait::refused(const std::string& scheduler,
                                                       const std::string& why) {
  if (done_) return std::nullopt;
  done_ = true;
  MasterActionResult result;
  result.ok = false;
  result.error = "trigger " + scheduler + ": " + why;
  return result;
}

void TriggerWait::submitted(const std::string& external_id, std::uint64_t buildset) {
  if (done_) return;
  for (const auto& id : ids_) {
    if (id == external_id) buildsets_[id] = buildset;
  }
}

std::optional<MasterActionResult> TriggerWait::buildset_done(std::uint64_t buildset,
                                                             Result result) {
  if (done_) return std::nullopt;
  for (const auto& [id, set] : buildsets_) {
    if (set == buildset) results_[buildset] = result;
  }
  return check();
}

std::optional<MasterActionResult> TriggerWait::check() {
  if (done_ || ids_.empty() || answers_ < ids_.size()) return std::nullopt;
  MasterActionResult result;
  if (wait_) {
    for (const auto& id : ids_) {
      auto buildset = buildsets_.find(id);
      if (buildset == buildsets_.end()) return std::nullopt;
      auto done = results_.find(buildset->second);
      if (done == results_.end()) return std::nullopt;
      result.triggered.push_back(done->second);
    }
  }
  done_ = true;
  return result;
}

}  // namespace eventbot::builds
