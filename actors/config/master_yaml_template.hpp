#pragma once
// The master.yaml that `eventbot create-master DIR` writes: the manual's tutorial
// configuration (slave example-slave/pass, sendchange with change/changepw, builder
// runtests built on every change and from the force form), commented, and good to run
// as it is. Commented-out examples show a git poller, a nightly scheduler, a matrix of
// builders and a mail notifier. Its web user "admin" reads its password from
// kWebPasswordFile, which create-master fills with a random one.
#include <string>
#include <string_view>

#include "actors/config/master_config.hpp"

namespace eventbot::config {

inline constexpr std::string_view kWebPasswordFile = "web-admin.password";

std::string master_yaml_template(int slave_port = kDefaultSlavePort,
                                 int web_port = kDefaultWebPort);

}  // namespace eventbot::config
