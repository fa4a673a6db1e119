// `eventbot`: the master's command line, after `buildbot`'s.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "actors/auth/credentials.hpp"
#include "actors/cli/property_option.hpp"
#include "actors/cli/sendchange.hpp"
#include "actors/cli/user_command.hpp"
#include "actors/config/checkconfig.hpp"
#include "actors/config/master_yaml_template.hpp"
#include "actors/intake/user_values.hpp"
#include "actors/master/daemon.hpp"
#include "actors/master/master.hpp"

namespace fs = std::filesystem;
using namespace eventbot;

namespace {

int create_master(const fs::path& dir, int slave_port, int web_port) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    std::cerr << "eventbot: cannot create " << dir.string() << ": " << ec.message() << "\n";
    return 1;
  }
  auto path = dir / "master.yaml";
  if (fs::exists(path)) {
    std::cerr << "eventbot: " << path.string() << " exists; not overwriting it\n";
    return 1;
  }
  std::ofstream out(path);
  out << config::master_yaml_template(slave_port, web_port);
  if (!out) {
    std::cerr << "eventbot: cannot write " << path.string() << "\n";
    return 1;
  }
  std::cout << "master created in " << dir.string() << "; start it with: eventbot start "
            << dir.string() << std::endl;
  return 0;
}

int start(const fs::path& dir, bool foreground) {
  auto main = [dir](const master::ReadyReporter& ready) { return master::run_master(dir, ready); };
  return foreground ? master::run_foreground(dir, main) : master::start_daemon(dir, main);
}

int hash_password(const std::string& name) {
  std::string password;
  if (isatty(0)) std::cerr << "password for " << name << ": " << std::flush;
  std::getline(std::cin, password);
  if (password.empty()) {
    std::cerr << "eventbot: no password given on standard input\n";
    return 1;
  }
  std::cout << auth::credential_hash(name, password) << std::endl;
  return 0;
}

// The port's TLS, for the commands that talk to it: --ca implies --tls.
void add_tls_options(CLI::App* command, port::ClientTls& tls) {
  command->add_flag("--tls", tls.enabled,
                    "connect with TLS (the master has master.tls), trusting the system's "
                    "authorities");
  command
      ->add_option_function<std::string>(
          "--ca",
          [&tls](const std::string& file) {
            tls.ca_file = file;
            tls.enabled = true;
          },
          "connect with TLS, trusting the authority (or self-signed certificate) in this "
          "PEM file")
      ->check(CLI::ExistingFile);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Eventbot: a continuous-integration master with Buildbot's model"};
  app.require_subcommand(1);
  int code = 0;

  fs::path dir;
  int slave_port = config::kDefaultSlavePort, web_port = config::kDefaultWebPort;
  auto* create = app.add_subcommand("create-master", "write a master directory with a master.yaml");
  create->add_option("DIR", dir)->required();
  create->add_option("--slave-port", slave_port, "port slaves and sendchange connect to");
  create->add_option("--web-port", web_port, "port of the web pages");
  create->callback([&] { code = create_master(dir, slave_port, web_port); });

  bool foreground = false;
  auto* start_cmd = app.add_subcommand("start", "start the master in DIR");
  start_cmd->add_option("DIR", dir)->required();
  start_cmd->add_flag("--foreground", foreground,
                      "stay in the foreground (tests, service managers)");
  start_cmd->callback([&] { code = start(dir, foreground); });

  auto* stop = app.add_subcommand("stop", "stop the master in DIR and wait until it is gone");
  stop->add_option("DIR", dir)->required();
  stop->callback([&] { code = master::stop_daemon(dir); });

  auto* restart = app.add_subcommand("restart", "stop, then start the master in DIR");
  restart->add_option("DIR", dir)->required();
  restart->callback([&] {
    if (master::running_pid(dir)) code = master::stop_daemon(dir);
    if (code == 0) code = start(dir, false);
  });

  auto* reconfig = app.add_subcommand("reconfig", "make the master in DIR re-read master.yaml");
  reconfig->add_option("DIR", dir)->required();
  reconfig->callback([&] { code = master::reconfig_daemon(dir); });

  fs::path config_path;
  auto* check = app.add_subcommand("checkconfig", "check a master.yaml (or DIR/master.yaml)");
  check->add_option("DIR|FILE", config_path)->required();
  check->callback([&] { code = config::run_checkconfig(config_path, std::cout, std::cerr); });

  cli::SendchangeOptions change;
  auto* send = app.add_subcommand("sendchange", "tell a master about a change");
  send->add_option("-m,--master", change.master, "HOST:PORT of the master's slave port")
      ->required();
  add_tls_options(send, change.tls);
  send->add_option("-a,--auth", change.auth, "USER:PASS (default change:changepw)");
  send->add_option("-W,--who", change.who,
                   "the change's author (default: your login name, from the password "
                   "database, else $LOGNAME)");
  send->add_option("-R,--repository", change.repository);
  send->add_option("-P,--project", change.project);
  send->add_option("-b,--branch", change.branch);
  send->add_option("-r,--revision", change.revision);
  send->add_option("-C,--category", change.category);
  send->add_option("-c,--comments", change.comments);
  send->add_option("-F,--logfile", change.logfile,
                   "read the comments from this file (- for stdin)");
  send->add_option("--revlink", change.revlink);
  send->add_option("--codebase", change.codebase);
  send->add_option("-w,--when", change.when, "when the change was made (seconds since the epoch)");
  // One NAME:VALUE per --property (repeat it for more): the files that follow stay files.
  send->add_option("-p,--property", change.properties, "NAME:VALUE, repeatable")
      ->allow_extra_args(false);
  send->add_option("FILES", change.files, "files the change touches");
  send->callback([&] { code = cli::run_sendchange(change); });

  std::string account;
  auto* hash = app.add_subcommand("hash-password",
                                  "print the password_hash for master.yaml (password on stdin)");
  hash->add_option("NAME", account, "the slave, sendchange user or web user")->required();
  hash->callback([&] { code = hash_password(account); });

  // A web user's commands, authorised by web.authz.
  cli::UserOptions user;
  auto user_options = [&](CLI::App* cmd) {
    cmd->add_option("-m,--master", user.master, "HOST:PORT of the master's slave port")->required();
    cmd->add_option("-a,--auth", user.auth, "USER:PASS of a web user (default: $EVENTBOT_AUTH)");
    add_tls_options(cmd, user.tls);
  };
  auto* stop_build = app.add_subcommand("stop-build", "stop a running build");
  user_options(stop_build);
  std::string stop_builder, stop_reason;
  std::uint32_t stop_number = 0;
  stop_build->add_option("BUILDER", stop_builder)->required();
  stop_build->add_option("NUMBER", stop_number)->required();
  stop_build->add_option("--reason", stop_reason);
  stop_build->callback([&] {
    wire::UserCommand stop_command;
    stop_command.mutable_stop_build()->set_builder(stop_builder);
    stop_command.mutable_stop_build()->set_number(stop_number);
    stop_command.mutable_stop_build()->set_reason(stop_reason);
    code = cli::run_user_command("stop-build", user, stop_command);
  });
  auto* cancel = app.add_subcommand("cancel-request", "cancel a pending build request");
  user_options(cancel);
  std::uint64_t cancel_id = 0;
  std::string cancel_reason;
  cancel->add_option("REQUEST", cancel_id)->required();
  cancel->add_option("--reason", cancel_reason);
  cancel->callback([&] {
    wire::UserCommand cancel_command;
    cancel_command.mutable_cancel_request()->set_request_id(cancel_id);
    cancel_command.mutable_cancel_request()->set_reason(cancel_reason);
    code = cli::run_user_command("cancel-request", user, cancel_command);
  });
  auto* shutdown = app.add_subcommand("shutdown-slave",
                                      "shut a slave down gracefully: no new build, then it stops");
  user_options(shutdown);
  std::string shutdown_slave;
  shutdown->add_option("SLAVE", shutdown_slave)->required();
  shutdown->callback([&] {
    wire::UserCommand shutdown_command;
    shutdown_command.mutable_shutdown_slave()->set_slave(shutdown_slave);
    code = cli::run_user_command("shutdown-slave", user, shutdown_command);
  });
  auto* force = app.add_subcommand("force", "force a build through a force scheduler");
  user_options(force);
  std::string force_scheduler, force_reason, force_branch, force_revision;
  std::vector<std::string> force_builders, force_properties;
  force->add_option("SCHEDULER", force_scheduler)->required();
  force->add_option("--reason", force_reason);
  force->add_option("-b,--branch", force_branch);
  force->add_option("-r,--revision", force_revision);
  force->add_option("--builder", force_builders, "only these builders (repeatable)")
      ->allow_extra_args(false);
  force->add_option("--property", force_properties, "NAME:VALUE (repeatable)")
      ->allow_extra_args(false);
  force->callback([&] {
    wire::UserCommand force_command;
    auto* f = force_command.mutable_force_build();
    f->set_scheduler(force_scheduler);
    f->set_reason(force_reason);
    f->set_branch(force_branch);
    f->set_revision(force_revision);
    for (const auto& b : force_builders) f->add_builders(b);
    for (const auto& p : force_properties) {
      auto parsed = cli::parse_property_option(p);
      if (!parsed) {
        std::cerr << "eventbot force: " << parsed.error() << "\n";
        code = 2;
        return;
      }
      (*f->mutable_properties())[parsed->first] = parsed->second;
    }
    // Text the master could not even read (not UTF-8) or would refuse for its length is
    // refused here, naming the field; the master checks the validation patterns.
    if (auto valid = intake::check_force_text(*f); !valid) {
      std::cerr << "eventbot force: " << valid.error() << "\n";
      code = 2;
      return;
    }
    code = cli::run_user_command("force", user, force_command);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return code;
}
