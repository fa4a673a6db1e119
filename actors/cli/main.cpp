// `eventbot`: the master's command line, after `buildbot`'s.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "actors/auth/credentials.hpp"
#include "actors/auth/scram.hpp"
#include "actors/auth/web_password.hpp"
#include "actors/cli/login.hpp"
#include "actors/cli/property_option.hpp"
#include "actors/cli/sendchange.hpp"
#include "actors/cli/tokens.hpp"
#include "actors/cli/user_command.hpp"
#include "actors/config/checkconfig.hpp"
#include "actors/config/file_modes.hpp"
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
  // It holds passwords: readable by its owner only (config::kSecretFileMode), from the
  // moment it exists. O_EXCL: an existing file is never overwritten.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                        static_cast<mode_t>(config::kSecretFileMode));
  if (fd < 0 && errno == EEXIST) {
    std::cerr << "eventbot: " << path.string() << " exists; not overwriting it\n";
    return 1;
  }
  const std::string text = config::master_yaml_template(slave_port, web_port);
  bool written = fd >= 0;
  for (std::size_t done = 0; written && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    written = n > 0;
    if (written) done += static_cast<std::size_t>(n);
  }
  const int error = errno;
  if (fd >= 0 && ::close(fd) != 0) written = false;
  if (!written) {
    if (fd >= 0) ::unlink(path.c_str());  // no half-written master.yaml left behind
    std::cerr << "eventbot: cannot write " << path.string() << ": " << std::strerror(error) << "\n";
    return 1;
  }
  // The template's web user reads its password from this file: a random one, readable
  // by this user alone, so that no password is shipped with the template.
  auto password_path = dir / config::kWebPasswordFile;
  if (!fs::exists(password_path)) {
    std::ofstream password_file(password_path);
    fs::permissions(password_path, fs::perms::owner_read | fs::perms::owner_write, ec);
    password_file << auth::scram::base64(auth::random_bytes(18)) << "\n";
    if (!password_file || ec) {
      std::cerr << "eventbot: cannot write " << password_path.string() << "\n";
      return 1;
    }
  }
  std::cout << "master created in " << dir.string() << "; start it with: eventbot start "
            << dir.string() << "\nthe web user admin's password is in " << password_path.string()
            << std::endl;
  return 0;
}

// The commands on a running or stopped master need its directory: one that does not
// exist is named in a message that says so, before anything else is tried.
bool master_dir_exists(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return true;
  if (fs::exists(dir, ec)) {
    std::cerr << "eventbot: " << dir.string() << " is not a directory (a master directory holds "
              << "master.yaml)\n";
  } else {
    std::cerr << "eventbot: the master directory " << dir.string()
              << " does not exist (eventbot create-master " << dir.string() << " makes one)\n";
  }
  return false;
}

// `eventbot DIR` (the command forgotten) or a mistyped command: say which, and name the
// path when the word is one, rather than CLI11's "A subcommand is required".
int not_a_command(const std::string& word) {
  std::error_code ec;
  const bool looks_like_a_path = word.find('/') != std::string::npos || fs::exists(word, ec);
  if (!looks_like_a_path) {
    std::cerr << "eventbot: unknown command \"" << word << "\" (eventbot --help lists them)\n";
  } else if (fs::is_directory(word, ec)) {
    std::cerr << "eventbot: \"" << word << "\" is a directory, not a command; to use the master "
              << "there: eventbot start " << word << " (or stop, restart, reconfig, checkconfig)\n";
  } else if (fs::exists(word, ec)) {
    std::cerr << "eventbot: \"" << word << "\" is a file, not a command; to check it: "
              << "eventbot checkconfig " << word << "\n";
  } else {
    std::cerr << "eventbot: \"" << word << "\" is not a command, and " << word
              << " does not exist (eventbot create-master " << word << " makes a master there)\n";
  }
  return 2;
}

int start(const fs::path& dir, bool foreground) {
  if (!master_dir_exists(dir)) return 1;
  auto main = [dir](const master::ReadyReporter& ready) { return master::run_master(dir, ready); };
  return foreground ? master::run_foreground(dir, main) : master::start_daemon(dir, main);
}

// The SCRAM verifier of the password on stdin (asked without echo on a terminal); with
// `web`, also its argon2id hash for the web pages, as the two lines a web user takes.
int hash_password(const std::string& name, bool web) {
  std::string password;
  if (isatty(0)) {
    auto asked = cli::ask_password(0, "password for " + name + ": ", std::cerr);
    if (asked) password = std::move(*asked);
  } else {
    std::getline(std::cin, password);
  }
  if (password.empty()) {
    std::cerr << "eventbot: no password given on standard input\n";
    return 1;
  }
  const auto verifier = auth::scram::format(auth::scram::make_verifier(password));
  if (web) {
    std::cout << "password_hash: \"" << auth::argon2id_hash(password) << "\"\n"
              << "port_password_hash: \"" << verifier << "\"" << std::endl;
  } else {
    std::cout << verifier << std::endl;
  }
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

// Where the login comes from (actors/cli/login.hpp), each said in --help.
void add_login_options(CLI::App* command, cli::LoginOptions& login, const std::string& env,
                       const std::string& who) {
  command->add_option("--auth-file", login.auth_file,
                      "log in as " + who + ": the first line of this file is USER:PASS");
  command->add_option("-a,--auth", login.auth,
                      "USER: log in as USER, asking the password on the terminal; USER:PASS "
                      "still works but shows the password to every user of the machine (ps), "
                      "prefer --auth-file or $" +
                          env + "=USER:PASS");
  command->footer(
      "Login: --auth-file FILE, --auth USER (password asked), or the environment "
      "variable " +
      env + "=USER:PASS.");
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
  stop->callback([&] { code = master_dir_exists(dir) ? master::stop_daemon(dir) : 1; });

  auto* restart = app.add_subcommand("restart", "stop, then start the master in DIR");
  restart->add_option("DIR", dir)->required();
  restart->callback([&] {
    if (!master_dir_exists(dir)) {
      code = 1;
      return;
    }
    if (master::running_pid(dir)) code = master::stop_daemon(dir);
    if (code == 0) code = start(dir, false);
  });

  auto* reconfig = app.add_subcommand("reconfig", "make the master in DIR re-read master.yaml");
  reconfig->add_option("DIR", dir)->required();
  reconfig->callback([&] { code = master_dir_exists(dir) ? master::reconfig_daemon(dir) : 1; });

  fs::path config_path;
  auto* check = app.add_subcommand("checkconfig", "check a master.yaml (or DIR/master.yaml)");
  check->add_option("DIR|FILE", config_path)->required();
  check->callback([&] { code = config::run_checkconfig(config_path, std::cout, std::cerr); });

  cli::SendchangeOptions change;
  auto* send = app.add_subcommand("sendchange", "tell a master about a change");
  send->add_option("-m,--master", change.master, "HOST:PORT of the master's slave port")
      ->required();
  add_tls_options(send, change.tls);
  add_login_options(send, change.login, "EVENTBOT_SENDCHANGE_AUTH",
                    "the change source's user (default change:changepw)");
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
  bool web_hash = false;
  auto* hash = app.add_subcommand(
      "hash-password",
      "print the password_hash for master.yaml (password on stdin): a SCRAM-SHA-256 verifier");
  hash->add_option("NAME", account, "the slave, sendchange user or web user")->required();
  hash->add_flag("--web", web_hash,
                 "for a web user: its argon2id password_hash (web pages) and the "
                 "port_password_hash (command-line tools), as two lines of master.yaml");
  hash->callback([&] { code = hash_password(account, web_hash); });

  // API tokens for the web gateway's scripts.
  std::string token_user, token_id;
  fs::path token_dir = ".";
  auto* create_token = app.add_subcommand(
      "create-token",
      "make an API token for a web user (printed once; DIR/api_tokens keeps its hash)");
  create_token->add_option("USER", token_user, "one of master.yaml's web.users")->required();
  create_token->add_option("-d,--dir", token_dir, "the master directory (default: .)");
  create_token->callback([&] {
    code = master_dir_exists(token_dir)
               ? cli::create_token(token_dir, token_user, std::cout, std::cerr)
               : 1;
  });
  auto* revoke_token =
      app.add_subcommand("revoke-token", "revoke a web user's API tokens (all, or --id's)");
  revoke_token->add_option("USER", token_user)->required();
  revoke_token->add_option("-d,--dir", token_dir, "the master directory (default: .)");
  revoke_token->add_option("--id", token_id, "the token's id, as create-token printed it");
  revoke_token->callback([&] {
    code = master_dir_exists(token_dir)
               ? cli::revoke_token(token_dir, token_user, token_id, std::cout, std::cerr)
               : 1;
  });

  // A web user's commands, authorised by web.authz.
  cli::UserOptions user;
  auto user_options = [&](CLI::App* cmd) {
    cmd->add_option("-m,--master", user.master, "HOST:PORT of the master's slave port")->required();
    add_login_options(cmd, user.login, "EVENTBOT_AUTH",
                      "a web user (none: anonymous, for what web.authz opens to anyone)");
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

  if (argc >= 2 && argv[1][0] != '-') {
    const std::string word = argv[1];
    bool known = false;
    for (const CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
      known = known || command->check_name(word);
    }
    if (!known) return not_a_command(word);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return code;
}
