#pragma once
// IRC's wire format (RFC 1459 / 2812 messages): one line, an optional ":prefix", a
// command, up to 15 parameters, the last one after " :" free to hold spaces. Pure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eventbot::status::irc {

// A line's limit with its CR LF (RFC 2812 2.3).
inline constexpr std::size_t kMaxLineBytes = 512;

struct IrcLine {
  std::string prefix;   // "nick!user@host" or a server name; empty if the line had none
  std::string command;  // "PRIVMSG", "001", ... (letters upper-cased)
  std::vector<std::string> params;

  bool operator==(const IrcLine&) const = default;
};

// One received line (without its CR LF; a trailing CR is ignored). nullopt: not a
// message (empty, only a prefix, a command that is neither letters nor three digits).
std::optional<IrcLine> parse_line(std::string_view text);

// The line to send, CR LF included. Every parameter but the last must be one word; the
// last is sent after " :" when it needs to be. CR, LF and NUL are replaced by spaces, and
// a line too long is cut (at a UTF-8 character's start) to fit kMaxLineBytes.
std::string format_line(std::string_view command, const std::vector<std::string>& params);

// The nick of a "nick!user@host" prefix (the whole prefix if it has no '!').
std::string nick_of(std::string_view prefix);

// Whether `target` names a channel ('#', '&', '+' or '!' first).
bool is_channel(std::string_view target);

// IRC compares nicks and channels case-insensitively (ASCII, plus the RFC 1459 {}|~ as
// the upper case of []\^).
bool same_name(std::string_view a, std::string_view b);

// `text` cut to at most `bytes`, never in the middle of a UTF-8 character.
std::string cut_utf8(std::string_view text, std::size_t bytes);

}  // namespace eventbot::status::irc
