#pragma once
// The payloads of tests/gateway/hooks/, shaped as GitHub's and GitLab's webhook
// documentation shows them.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace eventbot::gateway::hooks::testing {

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(EVENTBOT_HOOK_FIXTURES) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace eventbot::gateway::hooks::testing
