#pragma once
// Runs a program as a child process and collects its exit code and output.
#include <string>
#include <vector>

namespace eventbot::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 if it did not exit normally
  std::string out;
  std::string err;
};

ProcessResult run_process(const std::vector<std::string>& argv);

// The directory the test binaries are in (build/bin): other binaries live beside them.
std::string binary_dir();

}  // namespace eventbot::testing
