#include "actors/config/master_yaml_template.hpp"

#include <string_view>

namespace eventbot::config {
namespace {

// @SLAVE_PORT@, @WEB_PORT@ and @WEB_PASSWORD_FILE@ are replaced.
constexpr std::string_view kTemplate =
    R"yaml(# master.yaml: the configuration of this Eventbot master.
#
# The master reads it when it starts and again on `eventbot reconfig DIR`; a file with
# errors is refused and the running configuration kept. `eventbot checkconfig DIR` lists
# every error without touching the master. The keys follow Buildbot's master.cfg, and
# docs/CONFIGURATION.md describes every one of them.

####### PROJECT IDENTITY

# The title is shown at the top of the web pages and in mail and IRC messages, and
# links to title_url.
title: Example project
title_url: https://example.org/

# Where people reach the web pages; links in mail and IRC messages start with it.
buildbot_url: http://localhost:@WEB_PORT@/

####### THE MASTER

master:
  # Slaves connect to this port (Buildbot's slavePortnum), and `eventbot sendchange`
  # does too. 127.0.0.1 admits only this machine; write 0.0.0.0 to admit any.
  slave_port: @SLAVE_PORT@
  bind: 127.0.0.1
  # Before admitting other machines, give the port a certificate (PEM files, relative
  # to this directory): connections are then TLS only, and slaves are created with
  # `eventbot-slave create-slave --ca CA.pem ...` (or --tls for a public authority).
  # tls: {certificate: tls/cert.pem, key: tls/key.pem}
  # How the event log reaches the disk: sync (each event), group (events that arrive
  # together share a sync) or nosync (survives a crash of eventbot, not of the machine).
  durability: group

# Properties every build gets:
# properties:
#   project_owner: alice

# How much history to keep (0 keeps everything):
# horizons: {changes: 10000, builds: 500, logs: 100, log_days: 30}

####### SLAVES

# The slaves that run builds. A slave logs in with its name and password, as given to
#   eventbot-slave create-slave SLAVEDIR localhost:@SLAVE_PORT@ example-slave pass
# Instead of the clear password you may write the SCRAM verifier printed by
# `eventbot hash-password example-slave` (password_hash: "SCRAM-SHA-256$..."), or read
# it from a file (password_file: FILE, mode 600) or the master's environment
# (password_env: VARIABLE).
slaves:
  - name: example-slave
    password: pass
    # max_builds: 2              # builds at once; unlimited when left out

####### CHANGE SOURCES

# Where changes come from.
change_sources:
  # Changes sent with
  #   eventbot sendchange --master localhost:@SLAVE_PORT@ --auth change:changepw FILES...
  # These are the manual's default credentials: change them before the slave port is
  # reachable from other machines.
  - type: sendchange
    user: change
    password: changepw

  # Polls a git repository for new commits:
  # - type: git_poller
  #   repository: https://example.org/project.git
  #   branches: [master]         # or: all
  #   poll_interval: 5m

####### SCHEDULERS

# Schedulers decide which changes start builds, and on which builders.
schedulers:
  # Every change, on any branch, starts a build of runtests at once. With
  # `tree_stable_timer: 2m` it would instead wait for two quiet minutes and build the
  # changes that came in meanwhile together.
  - type: any_branch
    name: all
    builders: [runtests]

  # The web's "force build" form.
  - type: force
    name: force
    builders: [runtests]

  # Builds every night at 3:00 if the default branch changed since the last one:
  # - type: nightly
  #   name: nightly
  #   builders: [runtests]
  #   branch: ""                 # "" is the default branch
  #   hour: 3
  #   minute: 0
  #   only_if_changed: true

####### BUILDERS

# A builder runs its steps, in order, on one of its slaves.
builders:
  - name: runtests
    slaves: [example-slave]
    steps:
      - type: shell
        name: test
        command: 'echo "runtests ran on $(uname -n)"'

  # A matrix makes one builder per combination of its values: build-gcc-linux,
  # build-gcc-bsd, build-clang-linux, build-clang-bsd. Each value is also a property
  # ("compiler", "platform") and may be used as {compiler} in any string.
  # - name: "build-{compiler}-{platform}"
  #   matrix: {compiler: [gcc, clang], platform: [linux, bsd]}
  #   slaves: ["{platform}-slave"]
  #   env: {CC: "{compiler}"}
  #   steps:
  #     - {type: shell, name: build, command: make}

####### STATUS TARGETS

# Where results are reported, besides the web pages.
status:
  # Mails the authors of the changes in a build that failed:
  # - type: mail
  #   fromaddr: eventbot@example.org
  #   mode: failing
  #   relay_host: localhost

####### WEB

web:
  port: @WEB_PORT@
  bind: 127.0.0.1
  # Who may use the web's buttons, and the commands that do the same (eventbot force,
  # stop-build, cancel-request, shutdown-slave): anyone, authenticated, nobody, or a
  # list of roles. What is open to anyone needs no login: eventbot force -m HOST:PORT force
  authz:
    force_build: anyone
    stop_build: [admin]
    cancel_pending_build: [admin]
    graceful_shutdown: [admin]
  # Accounts for the web's login and those commands; a role lets its holders do what
  # authz grants it. create-master made admin's password at random and wrote it to
  # @WEB_PASSWORD_FILE@ (mode 600) in this directory:
  #   eventbot stop-build -m localhost:@SLAVE_PORT@ --auth admin --auth-file @WEB_PASSWORD_FILE@ runtests 0
  # To keep only hashes here instead, replace password_file with the two lines that
  # `eventbot hash-password --web admin` prints.
  users:
    - name: admin
      password_file: @WEB_PASSWORD_FILE@
      roles: [admin]
)yaml";

void replace_all(std::string& text, std::string_view from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::string master_yaml_template(int slave_port, int web_port) {
  std::string text(kTemplate);
  replace_all(text, "@SLAVE_PORT@", std::to_string(slave_port));
  replace_all(text, "@WEB_PORT@", std::to_string(web_port));
  replace_all(text, "@WEB_PASSWORD_FILE@", std::string(kWebPasswordFile));
  return text;
}

}  // namespace eventbot::config
