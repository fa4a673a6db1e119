#include "actors/cli/sendchange.hpp"

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "actors/cli/ask_master.hpp"

namespace eventbot::cli {
namespace {

int fail(const std::string& message) {
  std::cerr << "eventbot sendchange: " << message << "\n";
  return 1;
}

}  // namespace

int run_sendchange(const SendchangeOptions& options) {
  events::ChangeAdded change;
  change.set_who(options.who);
  change.set_repository(options.repository);
  change.set_project(options.project);
  change.set_branch(options.branch);
  change.set_revision(options.revision);
  change.set_category(options.category);
  change.set_revlink(options.revlink);
  change.set_codebase(options.codebase);
  change.set_comments(options.comments);
  if (!options.logfile.empty()) {
    std::stringstream text;
    if (options.logfile == "-") {
      text << std::cin.rdbuf();
    } else {
      std::ifstream in(options.logfile);
      if (!in) return fail("cannot read --logfile " + options.logfile);
      text << in.rdbuf();
    }
    change.set_comments(text.str());
  }
  if (options.when > 0) change.set_when_us(static_cast<std::int64_t>(options.when * 1e6));
  for (const auto& file : options.files) change.add_files(file);
  for (const auto& property : options.properties) {
    auto at = property.find(':');
    if (at == std::string::npos || at == 0) {
      return fail("--property takes NAME:VALUE, got '" + property + "'");
    }
    auto* p = change.add_properties();
    p->set_name(property.substr(0, at));
    p->set_value_json(nlohmann::json(property.substr(at + 1)).dump());
  }

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
