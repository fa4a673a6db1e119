#include "actors/status/irc/bot_core.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "actors/status/irc/irc_line.hpp"
#include "actors/status/irc/notify_events.hpp"

namespace eventbot::status::irc {
namespace {

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string join(const std::vector<std::string>& words, const std::string& separator,
                 std::size_t from = 0) {
  std::string out;
  for (std::size_t i = from; i < words.size(); ++i) {
    if (i > from) out += separator;
    out += words[i];
  }
  return out;
}

std::string capitalised(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text;
}

// mIRC colour codes of the manual's colours (green, orange, red, purple, blue).
std::string color_code(const std::string& result) {
  if (result == "success") return "03";
  if (result == "warnings") return "07";
  if (result == "failure") return "04";
  if (result == "exception") return "06";
  if (result == "retry" || result == "cancelled") return "12";
  return {};
}

const BuilderStatus* find_builder(const StatusView& view, const std::string& name) {
  for (const auto& builder : view.builders) {
    if (builder.name == name) return &builder;
  }
  return nullptr;
}

// The text after "nick:" / "nick," when a channel message addresses the bot.
std::optional<std::string> addressed(const std::string& nick, const std::string& text) {
  if (text.size() <= nick.size() || !same_name(text.substr(0, nick.size()), nick)) {
    return std::nullopt;
  }
  const char after = text[nick.size()];
  if (after != ':' && after != ',') return std::nullopt;
  return text.substr(nick.size() + 1);
}

const std::map<std::string, std::string>& help_texts() {
  static const std::map<std::string, std::string> texts = {
      {"list", "list builders - List configured builders"},
      {"status", "status [BUILDER|all] - What the builder (or each builder) is doing now"},
      {"watch", "watch BUILDER - Announce the end of the builder's running builds"},
      {"last", "last [BUILDER] - The last build of the builder (or of each builder)"},
      {"force",
       "force build [--branch=BRANCH] [--revision=REVISION] [--props=P1=V1,P2=V2...] BUILDER "
       "REASON - Start a build"},
      {"stop", "stop build BUILDER REASON - Stop the builder's running builds"},
      {"notify",
       "notify on|off|list [EVENT...] - Be told of builds' events here (events: started, "
       "finished, success, warnings, failure, exception, xToY such as successToFailure)"},
      {"help", "help COMMAND - Describe a command; help commands lists them"},
      {"version", "version - The version of this Eventbot"},
      {"source", "source - Where this Eventbot's pages are"},
      {"join", "join CHANNEL - Join a channel"},
      {"leave", "leave CHANNEL - Leave a channel"},
      {"dance", "dance - Do a little dance"},
  };
  return texts;
}

}  // namespace

std::string describe_duration(std::int64_t microseconds) {
  auto seconds = std::max<std::int64_t>(0, microseconds / 1'000'000);
  const auto hours = seconds / 3600, minutes = seconds % 3600 / 60;
  seconds %= 60;
  if (hours > 0) return std::to_string(hours) + "h " + std::to_string(minutes) + "m";
  if (minutes > 0) return std::to_string(minutes) + "m " + std::to_string(seconds) + "s";
  return std::to_string(seconds) + "s";
}

BotCore::BotCore(BotOptions options) : options_(std::move(options)) {
  for (const auto& channel : options_.channels) {
    notify_[channel].insert(options_.default_notify.begin(), options_.default_notify.end());
  }
}

std::vector<Action> BotCore::connected() {
  std::vector<Action> out;
  for (const auto& channel : options_.channels) out.push_back(Join{channel});
  for (const auto& channel : channels_) {
    if (std::find(options_.channels.begin(), options_.channels.end(), channel) ==
        options_.channels.end()) {
      out.push_back(Join{channel});  // joined by a command before the connection dropped
    }
  }
  channels_.insert(options_.channels.begin(), options_.channels.end());
  return out;
}

std::set<std::string> BotCore::notified(const std::string& target) const {
  auto it = notify_.find(target);
  return it == notify_.end() ? std::set<std::string>{} : it->second;
}

std::vector<Action> BotCore::on_message(const std::string& from_nick, const std::string& to,
                                        const std::string& text, const StatusView& view) {
  if (same_name(from_nick, options_.nick)) return {};
  if (is_channel(to)) {
    auto rest = addressed(options_.nick, text);
    if (!rest) return {};
    return command(from_nick, to, *rest, view);
  }
  if (!same_name(to, options_.nick)) return {};
  return command(from_nick, from_nick, text, view);
}

Say BotCore::error(const std::string& reply_to, std::string text) const {
  return Say{reply_to, std::move(text), options_.notice_on_channel && is_channel(reply_to)};
}

std::string BotCore::colored(const std::string& result, const std::string& text) const {
  const auto code = color_code(result);
  if (!options_.use_colors || code.empty()) return text;
  return "\x03" + code + text + "\x0f";
}

std::string BotCore::build_name(const std::string& builder, const BuildSummary& build) const {
  if (options_.use_revisions && !build.revisions.empty()) {
    std::vector<std::string> short_revisions;
    for (const auto& revision : build.revisions) short_revisions.push_back(revision.substr(0, 7));
    return "build containing revision" + std::string(build.revisions.size() > 1 ? "s" : "") + " [" +
           join(short_revisions, ", ") + "] on " + builder;
  }
  return "build #" + std::to_string(build.number) + " of " + builder;
}

bool BotCore::announced(const std::vector<std::string>& categories) const {
  if (options_.categories.empty()) return true;
  return std::any_of(categories.begin(), categories.end(), [&](const std::string& category) {
    return std::find(options_.categories.begin(), options_.categories.end(), category) !=
           options_.categories.end();
  });
}

std::vector<Action> BotCore::command(const std::string& who, const std::string& reply_to,
                                     const std::string& text, const StatusView& view) {
  auto words = split_words(text);
  if (words.empty()) return {};
  const auto verb = lower(words[0]);
  auto say = [&](std::string line) { return Say{reply_to, std::move(line)}; };

  if (verb == "list") {
    if (words.size() < 2 || lower(words[1]) != "builders") {
      return {error(reply_to, "list what? (try 'list builders')")};
    }
    std::vector<std::string> names;
    for (const auto& builder : view.builders) {
      names.push_back(builder.name + (builder.online ? "" : " [offline]"));
    }
    return {say("Configured builders: " + join(names, ", "))};
  }
  if (verb == "status") {
    const std::string which = words.size() > 1 ? words[1] : "all";
    std::vector<Action> out;
    auto describe = [&](const BuilderStatus& builder) {
      if (!builder.running.empty()) {
        std::vector<std::string> running;
        for (const auto& build : builder.running) {
          running.push_back("#" + std::to_string(build.number) +
                            (build.current_step.empty() ? "" : " [" + build.current_step + "]") +
                            ", " + describe_duration(view.now_us - build.started_us));
        }
        return builder.name + ": running " + join(running, "; ");
      }
      return builder.name + ": " + (builder.online ? "idle" : "offline");
    };
    if (lower(which) == "all") {
      if (view.builders.empty()) return {say("no builders are configured")};
      for (const auto& builder : view.builders) out.push_back(say(describe(builder)));
      return out;
    }
    const auto* builder = find_builder(view, which);
    if (!builder) return {error(reply_to, "no such builder '" + which + "'")};
    return {say(describe(*builder))};
  }
  if (verb == "last") {
    std::vector<Action> out;
    auto describe = [&](const BuilderStatus& builder) {
      if (!builder.last) return "last build [" + builder.name + "]: (no builds yet)";
      const auto& build = *builder.last;
      std::string line = "last build [" + builder.name + "]: #" + std::to_string(build.number) +
                         " finished " + describe_duration(view.now_us - build.finished_us) +
                         " ago: " + colored(build.result, capitalised(build.result));
      if (!build.text.empty()) line += " [" + join(build.text, " ") + "]";
      return line;
    };
    if (words.size() < 2 || lower(words[1]) == "all") {
      for (const auto& builder : view.builders) out.push_back(say(describe(builder)));
      return out;
    }
    const auto* builder = find_builder(view, words[1]);
    if (!builder) return {error(reply_to, "no such builder '" + words[1] + "'")};
    return {say(describe(*builder))};
  }
  if (verb == "watch") {
    if (words.size() < 2) return {error(reply_to, "watch which builder? (watch BUILDER)")};
    const auto* builder = find_builder(view, words[1]);
    if (!builder) return {error(reply_to, "no such builder '" + words[1] + "'")};
    if (builder->running.empty()) return {say("there are no builds currently running")};
    std::vector<Action> out;
    for (const auto& build : builder->running) {
      watchers_[builder->name][build.number].insert(reply_to);
      out.push_back(say("watching " + build_name(builder->name, build) + " until it finishes"));
    }
    return out;
  }
  if (verb == "force") return force(who, reply_to, words, view);
  if (verb == "stop") return stop(who, reply_to, words, view);
  if (verb == "notify") return notify(reply_to, words);
  if (verb == "help") return help(reply_to, words);
  if (verb == "version") return {say("The current Eventbot version is " + options_.version)};
  if (verb == "source") {
    if (options_.url.empty()) return {say("This Eventbot does not serve its web pages")};
    return {say("My pages are at " + options_.url)};
  }
  if (verb == "dance") return {say("<(^.^<)"), say("<(^.^)>"), say("(>^.^)>"), say("(7^.^)7")};
  if (verb == "join") {
    if (words.size() < 2 || !is_channel(words[1])) {
      return {error(reply_to, "join which channel? (join #CHANNEL)")};
    }
    channels_.insert(words[1]);
    return {Join{words[1]}, say("joining " + words[1])};
  }
  if (verb == "leave") {
    if (words.size() < 2 || !is_channel(words[1])) {
      return {error(reply_to, "leave which channel? (leave #CHANNEL)")};
    }
    channels_.erase(words[1]);
    notify_.erase(words[1]);
    return {say("leaving " + words[1]), Part{words[1]}};
  }
  return {error(reply_to, "What you say! (try 'help commands')")};
}

std::vector<Action> BotCore::help(const std::string& reply_to,
                                  const std::vector<std::string>& words) {
  const auto& texts = help_texts();
  if (words.size() < 2) {
    return {Say{reply_to,
                "Get help on what? (try 'help COMMAND', or 'help commands' for a "
                "command list)"}};
  }
  const auto topic = lower(words[1]);
  if (topic == "commands") {
    std::vector<std::string> names;
    for (const auto& [name, text] : texts) {
      if ((name == "force" || name == "stop") && !options_.allow_force) continue;
      names.push_back(name);
    }
    return {Say{reply_to, "Eventbot commands: " + join(names, ", ")}};
  }
  auto it = texts.find(topic);
  if (it == texts.end()) return {error(reply_to, "No help for '" + words[1] + "'")};
  return {Say{reply_to, "Usage: " + it->second}};
}

std::vector<Action> BotCore::notify(const std::string& reply_to,
                                    const std::vector<std::string>& words) {
  const std::string how = words.size() > 1 ? lower(words[1]) : "";
  auto& events = notify_[reply_to];
  if (how == "on" || how == "off") {
    if (words.size() < 3) return {error(reply_to, "notify " + how + " which events?")};
    for (std::size_t i = 2; i < words.size(); ++i) {
      if (!is_notify_event(words[i])) {
        return {error(reply_to, "no such event '" + words[i] + "' (try 'help notify')")};
      }
    }
    for (std::size_t i = 2; i < words.size(); ++i) {
      if (how == "on") {
        events.insert(words[i]);
      } else {
        events.erase(words[i]);
      }
    }
  } else if (how != "list") {
    return {error(reply_to, "notify on|off|list [EVENT...]")};
  }
  if (events.empty()) return {Say{reply_to, "No events are being notified here."}};
  return {Say{reply_to, "The following events are being notified: " +
                            join(std::vector<std::string>(events.begin(), events.end()), ", ")}};
}

std::vector<Action> BotCore::force(const std::string& who, const std::string& reply_to,
                                   const std::vector<std::string>& words, const StatusView& view) {
  if (words.size() < 2 || lower(words[1]) != "build") {
    return {error(reply_to, "force what? (" + help_texts().at("force") + ")")};
  }
  if (!options_.allow_force) return {error(reply_to, "this bot does not force builds")};
  ForceBuild build;
  build.who = who;
  build.reply_to = reply_to;
  std::size_t at = 2;
  for (; at < words.size() && words[at].starts_with("--"); ++at) {
    const auto& option = words[at];
    if (option.starts_with("--branch=")) {
      build.branch = option.substr(9);
    } else if (option.starts_with("--revision=")) {
      build.revision = option.substr(11);
    } else if (option.starts_with("--props=")) {
      std::istringstream in(option.substr(8));
      for (std::string pair; std::getline(in, pair, ',');) {
        const auto equals = pair.find('=');
        if (equals == std::string::npos || equals == 0) {
          return {error(reply_to, "--props takes NAME=VALUE pairs, not '" + pair + "'")};
        }
        build.properties.emplace_back(pair.substr(0, equals), pair.substr(equals + 1));
      }
    } else {
      return {error(reply_to, "unknown option " + option)};
    }
  }
  if (at >= words.size()) return {error(reply_to, "force build which builder?")};
  build.builder = words[at];
  if (!find_builder(view, build.builder)) {
    return {error(reply_to, "no such builder '" + build.builder + "'")};
  }
  build.reason = join(words, " ", at + 1);
  if (build.reason.empty()) return {error(reply_to, "force build " + build.builder + " why?")};
  return {build};
}

std::vector<Action> BotCore::stop(const std::string& who, const std::string& reply_to,
                                  const std::vector<std::string>& words, const StatusView& view) {
  if (words.size() < 2 || lower(words[1]) != "build") {
    return {error(reply_to, "stop what? (" + help_texts().at("stop") + ")")};
  }
  if (!options_.allow_force) return {error(reply_to, "this bot does not stop builds")};
  if (words.size() < 3) return {error(reply_to, "stop build which builder?")};
  const auto* builder = find_builder(view, words[2]);
  if (!builder) return {error(reply_to, "no such builder '" + words[2] + "'")};
  if (builder->running.empty()) return {Say{reply_to, "no build is running on " + words[2]}};
  auto reason = join(words, " ", 3);
  if (reason.empty()) return {error(reply_to, "stop build " + words[2] + " why?")};
  return {StopBuild{builder->name, who, std::move(reason), reply_to}};
}

std::vector<Action> BotCore::on_build_started(const std::string& builder,
                                              const std::vector<std::string>& categories,
                                              const BuildSummary& build) {
  std::vector<Action> out;
  if (!announced(categories)) return out;
  for (const auto& [target, events] : notify_) {
    if (events.contains("started")) {
      out.push_back(Say{target, build_name(builder, build) + " started"});
    }
  }
  return out;
}

std::vector<Action> BotCore::on_build_finished(const std::string& builder,
                                               const std::vector<std::string>& categories,
                                               const BuildSummary& build,
                                               const std::optional<std::string>& previous) {
  std::vector<Action> out;
  std::string summary = colored(build.result, capitalised(build.result));
  if (!build.text.empty()) summary += " [" + join(build.text, " ") + "]";
  const std::string details = build.url.empty() ? "" : "  Build details are at " + build.url;
  if (announced(categories)) {
    for (const auto& [target, events] : notify_) {
      const bool wanted = std::any_of(events.begin(), events.end(), [&](const std::string& e) {
        return finished_matches(e, build.result, previous);
      });
      if (!wanted) continue;
      out.push_back(Say{target, build_name(builder, build) + " is complete: " + summary + details});
    }
  }
  auto watched = watchers_.find(builder);
  if (watched != watchers_.end()) {
    auto it = watched->second.find(build.number);
    if (it != watched->second.end()) {
      for (const auto& target : it->second) {
        out.push_back(Say{
            target, "Hey! " + build_name(builder, build) + " is complete: " + summary + details});
      }
      watched->second.erase(it);
    }
  }
  return out;
}

}  // namespace eventbot::status::irc
