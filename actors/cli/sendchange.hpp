#pragma once
// `eventbot sendchange`: the manual's `buildbot sendchange`, over the master's slave port.
#include <string>
#include <vector>

#include "actors/cli/login.hpp"
#include "actors/port/tls.hpp"

namespace eventbot::cli {

struct SendchangeOptions {
  std::string master;   // HOST:PORT of the slave port
  port::ClientTls tls;  // --tls, --ca FILE
  LoginOptions login;   // none given: change:changepw, the manual's default
  std::string who;      // empty: the user's login name (login_name())
  std::string repository;
  std::string project;
  std::string branch;
  std::string revision;
  std::string category;
  std::string comments;
  std::string logfile;  // read comments from this file ("-" for stdin)
  std::string revlink;
  std::string codebase;
  double when = 0;                      // seconds since the epoch; 0: now
  std::vector<std::string> properties;  // "name:value"
  std::vector<std::string> files;
  int timeout_seconds = 30;
};

// The user's login name (the password database's entry for the real uid, else $LOGNAME
// or $USER); "" when none is known.
std::string login_name();

// Prints the recorded change id, or the reason it was not recorded; returns the exit code.
int run_sendchange(const SendchangeOptions& options);

}  // namespace eventbot::cli
