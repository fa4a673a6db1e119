// libFuzzer target: the intake of changes and properties, the functions that turn what
// users and programs supply into events. From arbitrary bytes it makes
//   - a change as `eventbot sendchange` submits it (validate_change, then
//     record_change_request: what the port's ChangeIntake does),
//   - a forced build's request (check_force_request: the port's user commands),
//   - a commit as the git poller reads it (GitPollerCore::decide),
// with fields cut from the input at NUL bytes, so they may be huge, empty or not UTF-8.
// Every path must give a refusal with a reason, or events that survive serialising and
// parsing back (protobuf refuses strings that are not UTF-8: a log that cannot be read),
// never a crash.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "actors/changes/git_poller_core.hpp"
#include "actors/changes/submitted_change.hpp"
#include "actors/intake/user_values.hpp"

namespace {

using namespace eventbot;

// Fields of the input, split at NUL bytes; missing ones are empty.
struct Fields {
  std::vector<std::string> parts;
  std::size_t next = 0;
  std::string take() { return next < parts.size() ? parts[next++] : std::string(); }
};

Fields split(std::string_view bytes) {
  Fields fields;
  std::size_t start = 0;
  while (start <= bytes.size()) {
    std::size_t end = bytes.find('\0', start);
    if (end == std::string_view::npos) end = bytes.size();
    fields.parts.emplace_back(bytes.substr(start, end - start));
    start = end + 1;
  }
  return fields;
}

// An event that cannot be parsed back would stop every reader of the log.
void expect_readable(const events::Envelope& event) {
  std::string bytes;
  if (!event.SerializeToString(&bytes)) std::abort();
  events::Envelope back;
  if (!back.ParseFromString(bytes)) std::abort();
}

const intake::Validation& validation() {
  static const intake::Validation compiled = *intake::Validation::compile({});
  return compiled;
}

void submitted_change(Fields fields) {
  events::ChangeAdded change;
  change.set_who(fields.take());
  change.set_branch(fields.take());
  change.set_revision(fields.take());
  change.set_comments(fields.take());
  change.set_repository(fields.take());
  const std::string files = fields.take();
  for (std::size_t i = 0; i < files.size() % 7; ++i) change.add_files(files.substr(i));
  while (fields.next < fields.parts.size()) {
    auto* property = change.add_properties();
    property->set_name(fields.take());
    property->set_value_json(fields.take());
  }
  auto valid = changes::validate_change(validation(), change);
  if (!valid) {
    if (valid.error().empty()) std::abort();  // a refusal always says why
    return;
  }
  for (const auto& event : changes::record_change_request(change, "fuzz", "m").events) {
    expect_readable(event);
  }
}

void force_request(Fields fields) {
  wire::ForceBuild force;
  force.set_scheduler(fields.take());
  force.set_reason(fields.take());
  force.set_branch(fields.take());
  force.set_revision(fields.take());
  force.add_builders(fields.take());
  while (fields.next < fields.parts.size()) {
    std::string name = fields.take();
    (*force.mutable_properties())[name] = fields.take();
  }
  auto valid = intake::check_force_request(validation(), force);
  if (!valid && valid.error().empty()) std::abort();
}

void polled_commit(Fields fields) {
  config::ChangeSourceConfig config;
  config.type = config::ChangeSourceType::git_poller;
  config.name = "fuzz";
  config.all_branches = true;
  config.repository = fields.take();
  changes::GitPollerCore core(config);
  const std::string branch = fields.take();
  events::Envelope position;
  position.set_stream(core.stream());
  position.set_stream_version(1);
  (*position.mutable_change_source_state()->mutable_positions())[branch] = "0";
  core.evolve(position);
  changes::GitCommit commit;
  commit.revision = fields.take();
  commit.author = fields.take();
  commit.comments = fields.take();
  while (fields.next < fields.parts.size()) commit.files.push_back(fields.take());
  changes::PollResult poll;
  poll.branches[branch] = changes::BranchPoll{"1", "0", {commit}};
  for (const auto& event : core.decide(poll).events) {
    // The poller's branch names come from git as valid UTF-8 (git_repository.cpp):
    // only the change itself is under test here.
    if (!event.has_change_added()) continue;
    expect_readable(event);
    // What the poller records fits what a user may send (UTF-8, limits), unless it has
    // no author or an empty file name, which git never gives.
    const auto& change = event.change_added();
    bool git_would_give_it = !change.who().empty();
    for (const auto& file : change.files()) git_would_give_it = git_would_give_it && !file.empty();
    if (git_would_give_it && !intake::check_change_text(change)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the path; the rest is its fields.
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      submitted_change(split(rest));
      break;
    case 1:
      force_request(split(rest));
      break;
    default:
      polled_commit(split(rest));
      break;
  }
  return 0;
}
