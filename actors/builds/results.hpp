#pragma once
// Buildbot's result rules: a step's result from its command, and what a step's result
// does to its build (Build.stepDone in Buildbot 0.8.5, with 0.9's CANCELLED).
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "events/events.pb.h"
#include "events/wire.pb.h"

namespace eventbot::builds {

using events::Result;

// "SUCCESS", "WARNINGS", ... as the manual spells them; parse is case-insensitive.
std::string_view result_name(Result result);
std::optional<Result> parse_result(std::string_view name);
// The word a step's or build's text ends with: "failed", "warnings", "exception", ...
// ("" for SUCCESS).
std::string_view result_word(Result result);

// Worst first: RETRY, CANCELLED, EXCEPTION, FAILURE, WARNINGS, SKIPPED, SUCCESS
// (Buildbot's worst_status; RETRY is worst so that nothing hides a retry).
int severity(Result result);  // larger is worse
Result worst(Result a, Result b);

// rc -> result; an rc the map does not name is FAILURE. Default {0: SUCCESS}.
using DecodeRc = std::map<int, Result>;
DecodeRc default_decode_rc();

// A command's result: FINISHED -> decode_rc[rc]; TIMEOUT and MAX_TIME -> FAILURE (the
// slave killed it, as Buildbot's rc -1); INTERRUPTED -> CANCELLED (a user stopped it);
// CANNOT_START and FAILED -> FAILURE (Buildbot's slave reports these as a non-zero rc).
Result command_result(const wire::CommandResult& result, const DecodeRc& decode_rc);

// The flags of the manual's "Common Parameters" that decide what a step does to its build.
struct ResultFlags {
  bool halt_on_failure = false;
  bool flunk_on_failure = true;
  bool warn_on_failure = false;
  bool flunk_on_warnings = false;
  bool warn_on_warnings = true;

  bool operator==(const ResultFlags&) const = default;
};

struct StepEffect {
  Result build_result;  // the build's result after this step
  bool halt = false;    // later steps run only if always_run
  // The step's result as it counts for the build (before taking the worst), e.g.
  // FAILURE with flunk_on_failure false counts as SUCCESS.
  Result counted;
};

// Build.stepDone: FAILURE counts as SUCCESS, then WARNINGS if warn_on_failure, then
// FAILURE if flunk_on_failure; halts if halt_on_failure. WARNINGS counts as WARNINGS if
// warn_on_warnings (else SUCCESS), FAILURE if flunk_on_warnings. EXCEPTION, RETRY and
// CANCELLED count as themselves and halt. SKIPPED leaves the build's result alone.
StepEffect apply_step_result(Result build_result, Result step_result, const ResultFlags& flags);

}  // namespace eventbot::builds
