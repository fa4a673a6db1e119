#include "actors/builds/results.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace eventbot::builds {
namespace {

struct Named {
  Result result;
  std::string_view name;
  std::string_view word;
  int severity;
};

constexpr std::array<Named, 7> kResults = {{
    {events::SUCCESS, "SUCCESS", "", 0},
    {events::WARNINGS, "WARNINGS", "warnings", 2},
    {events::FAILURE, "FAILURE", "failed", 3},
    {events::SKIPPED, "SKIPPED", "skipped", 1},
    {events::EXCEPTION, "EXCEPTION", "exception", 4},
    {events::RETRY, "RETRY", "retry", 6},
    {events::CANCELLED, "CANCELLED", "cancelled", 5},
}};

const Named& named(Result result) {
  for (const auto& n : kResults) {
    if (n.result == result) return n;
  }
  return kResults[4];  // an unknown value is treated as an exception
}

}  // namespace

std::string_view result_name(Result result) {
  return named(result).name;
}
std::string_view result_word(Result result) {
  return named(result).word;
}
int severity(Result result) {
  return named(result).severity;
}

std::optional<Result> parse_result(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (const auto& n : kResults) {
    if (n.name == upper) return n.result;
  }
  return std::nullopt;
}

Result worst(Result a, Result b) {
  return severity(a) >= severity(b) ? a : b;
}

DecodeRc default_decode_rc() {
  return {{0, events::SUCCESS}};
}

Result command_result(const wire::CommandResult& result, const DecodeRc& decode_rc) {
  switch (result.outcome()) {
    case wire::FINISHED: {
      auto it = decode_rc.find(result.rc());
      return it == decode_rc.end() ? events::FAILURE : it->second;
    }
    case wire::INTERRUPTED:
      return events::CANCELLED;
    case wire::TIMEOUT:
    case wire::MAX_TIME:
    case wire::CANNOT_START:
    case wire::FAILED:
    default:
      return events::FAILURE;
  }
}

StepEffect apply_step_result(Result build_result, Result step_result, const ResultFlags& flags) {
  StepEffect effect{build_result, false, step_result};
  switch (step_result) {
    case events::SKIPPED:
      return effect;  // a skipped step does not change the build
    case events::SUCCESS:
      break;
    case events::FAILURE:
      effect.counted = events::SUCCESS;
      if (flags.warn_on_failure) effect.counted = events::WARNINGS;
      if (flags.flunk_on_failure) effect.counted = events::FAILURE;
      effect.halt = flags.halt_on_failure;
      break;
    case events::WARNINGS:
      effect.counted = flags.warn_on_warnings ? events::WARNINGS : events::SUCCESS;
      if (flags.flunk_on_warnings) effect.counted = events::FAILURE;
      break;
    case events::EXCEPTION:
    case events::RETRY:
    case events::CANCELLED:
    default:
      effect.halt = true;
      break;
  }
  effect.build_result = worst(build_result, effect.counted);
  return effect;
}

}  // namespace eventbot::builds
