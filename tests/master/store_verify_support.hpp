#pragma once
// After an e2e scenario: `eventbot-replay DIR verify` on the master's store, the way an
// operator's cron job runs it. Every scenario's store must pass: checksums, dense
// sequences, version chains, the streams index, log chunks, and each snapshot the master
// saved equal to the fold from the first event.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/run_process.hpp"

namespace eventbot::testing {

// Adds a test failure with verify's report when the store of `master_dir` does not pass;
// does nothing when the scenario made no store.
inline void expect_store_verifies(const std::filesystem::path& master_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(master_dir / "events" / "CURRENT", ec)) return;
  auto verified = run_process({binary_dir() + "/eventbot-replay", master_dir.string(), "verify"});
  EXPECT_EQ(verified.exit_code, 0) << "eventbot-replay verify on the scenario's store:\n"
                                   << verified.out << verified.err;
}

}  // namespace eventbot::testing
