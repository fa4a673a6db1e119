#pragma once
// The IRC bot's connection (the shell around BotCore): connects to the server, registers
// (PASS, NICK, USER; another nick with a "_" when it is taken), answers PING, identifies
// to NickServ, hands every PRIVMSG to `on_message`, sends lines through a LineThrottle,
// and reconnects with back-off (1 s doubling to 60 s) when the connection drops or
// cannot be made. Runs on one Asio io_context: every call and callback on its thread.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace eventbot::status::irc {

struct IrcClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6667;
  std::string nick;
  std::string server_password;    // PASS, if the server wants one
  std::string nickserv_password;  // sent to NickServ once registered
  std::string realname = "Eventbot";
  std::size_t burst = 5;  // lines sent at once before the throttle's interval applies
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds first_retry{1000};
  std::chrono::milliseconds max_retry{60000};
};

struct IrcClientHandlers {
  std::function<void()> on_registered;  // the server welcomed the bot (001)
  // A PRIVMSG: its sender's nick, its target (a channel or the bot's nick) and text.
  std::function<void(const std::string&, const std::string&, const std::string&)> on_message;
  std::function<void(const std::string&)> on_disconnected;  // why; a reconnect follows
};

class IrcClient {
 public:
  IrcClient(boost::asio::io_context& io, IrcClientOptions options, IrcClientHandlers handlers);
  ~IrcClient();
  IrcClient(const IrcClient&) = delete;
  IrcClient& operator=(const IrcClient&) = delete;

  void start();
  // Sends "QUIT" if connected and stops reconnecting.
  void stop(const std::string& message = "shutting down");

  // Throttled (dropped while not registered: the bot's state decides what to redo).
  void send(std::string command, std::vector<std::string> params);
  void say(const std::string& target, const std::string& text, bool notice = false);
  bool registered() const;
  const std::string& nick() const;  // as the server knows it (a "_" added if it was taken)

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace eventbot::status::irc
