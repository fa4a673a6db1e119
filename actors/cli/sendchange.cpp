#include "actors/cli/sendchange.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "actors/cli/ask_master.hpp"
#include "actors/cli/property_option.hpp"
#include "actors/intake/limits.hpp"
#include "actors/intake/user_values.hpp"

namespace eventbot::cli {
namespace {

int fail(const std::string& message) {
  std::cerr << "eventbot sendchange: " << message << "\n";
  return 1;
}

}  // namespace

std::string login_name() {
  if (const passwd* entry = ::getpwuid(::getuid()); entry && entry->pw_name && *entry->pw_name) {
    return entry->pw_name;
  }
  for (const char* variable : {"LOGNAME", "USER"}) {
    if (const char* value = std::getenv(variable); value && *value) return value;
  }
  return {};
}

int run_sendchange(const SendchangeOptions& options) {
  events::ChangeAdded change;
  change.set_who(options.who.empty() ? login_name() : options.who);
  change.set_repository(options.repository);
  change.set_project(options.project);
  change.set_branch(options.branch);
  change.set_revision(options.revision);
  change.set_category(options.category);
  change.set_revlink(options.revlink);
  change.set_codebase(options.codebase);
  change.set_comments(options.comments);
  if (!options.logfile.empty()) {
    // At most the comments' limit and one byte more: /dev/zero must not fill memory.
    const std::size_t most = intake::kComments.max_bytes + 1;
    std::string text(most, '\0');
    std::size_t got = 0;
    if (options.logfile == "-") {
      std::cin.read(text.data(), static_cast<std::streamsize>(most));
      got = static_cast<std::size_t>(std::cin.gcount());
    } else {
      std::ifstream in(options.logfile, std::ios::binary);
      if (!in) return fail("cannot read --logfile " + options.logfile);
      in.read(text.data(), static_cast<std::streamsize>(most));
      got = static_cast<std::size_t>(in.gcount());
    }
    if (got == most) {
      return fail("--logfile " + options.logfile + " holds more than " +
                  std::to_string(intake::kComments.max_bytes) +
                  " bytes, the most a change's comments may have");
    }
    text.resize(got);
    change.set_comments(std::move(text));
  }
  if (options.when > 0) change.set_when_us(static_cast<std::int64_t>(options.when * 1e6));
  for (const auto& file : options.files) change.add_files(file);
  for (const auto& property : options.properties) {
    auto parsed = parse_property_option(property);
    if (!parsed) return fail(parsed.error());
    auto* p = change.add_properties();
    p->set_name(parsed->first);
    p->set_value_json(parsed->second);
  }
  // What the master would refuse for its text alone is refused here, naming the field
  // (text that is not UTF-8 could not even cross the wire); the master checks it again
  // with its validation patterns.
  if (auto valid = intake::check_change_text(change); !valid) return fail(valid.error());

  auto login = resolve_login(options.login, "EVENTBOT_SENDCHANGE_AUTH", 0, std::cerr);
  if (!login) return fail(login.error());
  if (!*login) *login = Login{"change", "changepw"};

  wire::Frame frame;
  *frame.mutable_submit_change()->mutable_change() = change;
  auto answer = ask_master(options.master, options.tls, **login, wire::CHANGE_SENDER, frame,
                           std::chrono::seconds(options.timeout_seconds));
  if (!answer) return fail(answer.error());
  if (!answer->has_change_recorded()) return fail("unexpected answer from the master");
  std::cout << "change " << answer->change_recorded().change_id() << " recorded" << std::endl;
  return 0;
}

}  // namespace eventbot::cli
