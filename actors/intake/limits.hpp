#pragma once
// The longest values that may enter an event from outside: every limit on what users
// (sendchange, force, stop and cancel over the port; the web gateway later) and programs
// (the git poller) supply is here, and docs/SECURITY.md lists them. A user's value over
// its limit is refused, naming the field; a program's is cut, with a marker saying so.
#include <cstddef>
#include <string_view>

namespace eventbot::intake {

struct TextLimit {
  std::string_view field;  // as messages name it: "branch", "comments"
  std::size_t max_bytes;
};

// A change (sendchange, git poller).
inline constexpr TextLimit kWho{"who", 1024};
inline constexpr TextLimit kBranch{"branch", 1024};
inline constexpr TextLimit kRevision{"revision", 1024};
inline constexpr TextLimit kCategory{"category", 1024};
inline constexpr TextLimit kProject{"project", 1024};
inline constexpr TextLimit kCodebase{"codebase", 1024};
inline constexpr TextLimit kRepository{"repository", 4096};
inline constexpr TextLimit kRevlink{"revlink", 4096};
inline constexpr TextLimit kComments{"comments", 64 * 1024};
inline constexpr TextLimit kFileName{"file name", 4096};
inline constexpr std::size_t kMaxFiles = 10'000;

// Properties (of a change or a forced build): the value is its JSON text.
inline constexpr TextLimit kPropertyName{"property name", 256};
inline constexpr TextLimit kPropertyValue{"property value", 64 * 1024};
inline constexpr std::size_t kMaxProperties = 256;

// A user's commands: force (scheduler, builders), stop and cancel (reason).
inline constexpr TextLimit kReason{"reason", 4096};
inline constexpr TextLimit kSchedulerName{"scheduler", 1024};
inline constexpr TextLimit kBuilderName{"builder", 1024};
inline constexpr std::size_t kMaxBuilders = 1024;

}  // namespace eventbot::intake
