#pragma once
// The IRC bot's decisions (the manual's words.IRC): what it answers to a message addressed
// to it in a channel ("nick: status") or in private, whom it tells when builds start and
// finish (`notify`, `watch`), and which channels it is in. Pure: the actor
// (irc_bot_actor) carries out the actions: lines to the server, forced and stopped builds
// through the master's user commands.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "actors/status/irc/status_view.hpp"

namespace eventbot::status::irc {

struct BotOptions {
  std::string nick;
  std::vector<std::string> channels;        // joined at start
  std::vector<std::string> default_notify;  // events every configured channel gets
  std::vector<std::string> categories;      // announce only these builders' builds
  bool allow_force = false;                 // `force build` and `stop build`
  bool use_colors = true;
  bool notice_on_channel = false;  // errors as NOTICE in channels
  bool use_revisions = false;      // "build containing revisions [...]"
  std::string version;             // `version`
  std::string url;                 // `source`: the web pages' address
};

// A line to send: PRIVMSG (or NOTICE) `target` `text`.
struct Say {
  std::string target;
  std::string text;
  bool notice = false;
  bool operator==(const Say&) const = default;
};
struct Join {
  std::string channel;
  bool operator==(const Join&) const = default;
};
struct Part {
  std::string channel;
  bool operator==(const Part&) const = default;
};
// A build to force (the actor answers `reply_to` with the outcome).
struct ForceBuild {
  std::string builder, who, reason, branch, revision;
  std::vector<std::pair<std::string, std::string>> properties;
  std::string reply_to;
  bool operator==(const ForceBuild&) const = default;
};
struct StopBuild {
  std::string builder, who, reason;
  std::string reply_to;
  bool operator==(const StopBuild&) const = default;
};
using Action = std::variant<Say, Join, Part, ForceBuild, StopBuild>;

class BotCore {
 public:
  explicit BotCore(BotOptions options);

  // Once registered with the server: join the configured channels.
  std::vector<Action> connected();
  // A PRIVMSG from `from_nick` to `to` (a channel, or the bot's own nick: private).
  std::vector<Action> on_message(const std::string& from_nick, const std::string& to,
                                 const std::string& text, const StatusView& view);
  std::vector<Action> on_build_started(const std::string& builder,
                                       const std::vector<std::string>& categories,
                                       const BuildSummary& build);
  // `previous`: the result of the builder's build before this one, if any.
  std::vector<Action> on_build_finished(const std::string& builder,
                                        const std::vector<std::string>& categories,
                                        const BuildSummary& build,
                                        const std::optional<std::string>& previous);

  const std::set<std::string>& channels() const { return channels_; }
  // The events `target` (a channel or a nick) is told about.
  std::set<std::string> notified(const std::string& target) const;

 private:
  std::vector<Action> command(const std::string& who, const std::string& reply_to,
                              const std::string& text, const StatusView& view);
  std::vector<Action> help(const std::string& reply_to, const std::vector<std::string>& words);
  std::vector<Action> notify(const std::string& reply_to, const std::vector<std::string>& words);
  std::vector<Action> force(const std::string& who, const std::string& reply_to,
                            const std::vector<std::string>& words, const StatusView& view);
  std::vector<Action> stop(const std::string& who, const std::string& reply_to,
                           const std::vector<std::string>& words, const StatusView& view);
  Say error(const std::string& reply_to, std::string text) const;
  bool announced(const std::vector<std::string>& categories) const;
  std::string colored(const std::string& result, const std::string& text) const;
  std::string build_name(const std::string& builder, const BuildSummary& build) const;

  BotOptions options_;
  std::set<std::string> channels_;
  std::map<std::string, std::set<std::string>> notify_;  // target -> events
  // builder -> build number -> who to tell when it finishes (`watch`)
  std::map<std::string, std::map<std::uint32_t, std::set<std::string>>> watchers_;
};

// "2h 3m", "3m 12s", "45s".
std::string describe_duration(std::int64_t microseconds);

}  // namespace eventbot::status::irc
