#pragma once
// The exit codes every eventbot-replay subcommand shares, and its error line format.
#include <ostream>
#include <string_view>

namespace eventbot::replay {

enum ExitCode : int {
  kExitOk = 0,
  kExitStoreError = 1,    // the store could not be opened or read
  kExitNotFound = 1,      // what was asked for is not in the log (a build, a builder): as for a
                          // store error, the question has no answer
  kExitUsage = 2,         // the command line is wrong
  kExitVerifyFailed = 3,  // `verify` read the store and found it damaged or inconsistent
};

// Writes "eventbot-replay: <message>" as one line and returns `code`.
inline int report_error(std::ostream& err, std::string_view message, int code) {
  err << "eventbot-replay: " << message << '\n';
  err.flush();
  return code;
}

}  // namespace eventbot::replay
