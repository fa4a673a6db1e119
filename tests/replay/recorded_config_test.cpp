// A recorded master.yaml whose passwords the master redacted loads again in replay, in
// every form an account's password may take (a hash of each kind, a file, a variable).
#include "replay/recorded_config.hpp"

#include <gtest/gtest.h>

namespace eventbot::replay {
namespace {

TEST(RecordedConfig, RedactedPasswordsOfEveryFormLoad) {
  RecordedConfig recorded;
  recorded.master_id = "m1";
  recorded.loaded.set_content(R"yaml(slaves:
  - {name: s1, password_hash: <redacted>}
  - {name: s2, password_file: <redacted>}
  - {name: s3, password_env: <redacted>}
change_sources:
  - {type: sendchange, user: change, password_file: <redacted>}
web:
  users:
    - {name: admin, password_hash: <redacted>, port_password_hash: <redacted>}
)yaml");
  auto config = load_recorded_config(recorded);
  ASSERT_TRUE(config) << config.error();
  ASSERT_EQ(config->slaves.size(), 3u);
  EXPECT_EQ(config->slaves[1].password_from.file, "<redacted>");  // never read by replay
  EXPECT_EQ(config->web.users[0].name, "admin");
}

}  // namespace
}  // namespace eventbot::replay
