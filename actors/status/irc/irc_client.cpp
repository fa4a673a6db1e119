#include "actors/status/irc/irc_client.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <deque>

#include "actors/status/irc/irc_line.hpp"
#include "actors/status/irc/line_throttle.hpp"

namespace eventbot::status::irc {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct IrcClient::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, IrcClientOptions options, IrcClientHandlers handlers)
      : io(io),
        options(std::move(options)),
        handlers(std::move(handlers)),
        socket(io),
        resolver(io),
        send_timer(io),
        retry_timer(io),
        throttle(this->options.burst, this->options.interval),
        retry(this->options.first_retry) {}

  asio::io_context& io;
  IrcClientOptions options;
  IrcClientHandlers handlers;
  tcp::socket socket;
  tcp::resolver resolver;
  asio::steady_timer send_timer;
  asio::steady_timer retry_timer;
  LineThrottle throttle;
  std::chrono::milliseconds retry;
  asio::streambuf input;
  std::deque<std::string> queue;  // throttled lines, in order
  bool writing = false;
  bool timer_armed = false;
  bool connected = false;
  bool is_registered = false;
  bool stopped = false;
  bool quitting = false;  // QUIT is queued: close once it is written
  std::string nick;
  std::uint64_t generation = 0;  // one per connection: late callbacks of an old one are ignored

  void connect() {
    if (stopped) return;
    const auto gen = ++generation;
    nick = options.nick;
    resolver.async_resolve(
        options.host, std::to_string(options.port),
        [self = shared_from_this(), gen](boost::system::error_code ec,
                                         tcp::resolver::results_type results) {
          if (gen != self->generation) return;
          if (ec) return self->lost("cannot resolve " + self->options.host + ": " + ec.message());
          asio::async_connect(self->socket, results,
                              [self, gen](boost::system::error_code ec, const tcp::endpoint&) {
                                if (gen != self->generation) return;
                                if (ec) return self->lost("cannot connect: " + ec.message());
                                self->on_connected();
                              });
        });
  }

  void on_connected() {
    connected = true;
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (!options.server_password.empty()) write_now(format_line("PASS", {options.server_password}));
    write_now(format_line("NICK", {nick}));
    write_now(format_line("USER", {options.nick, "0", "*", options.realname}));
    read();
  }

  void read() {
    asio::async_read_until(socket, input, "\n",
                           [self = shared_from_this(), gen = generation](
                               boost::system::error_code ec, std::size_t bytes) {
                             if (gen != self->generation) return;
                             if (ec) return self->lost("connection lost: " + ec.message());
                             std::string text(asio::buffers_begin(self->input.data()),
                                              asio::buffers_begin(self->input.data()) +
                                                  static_cast<std::ptrdiff_t>(bytes) - 1);
                             self->input.consume(bytes);
                             if (auto line = parse_line(text)) self->on_line(*line);
                             if (gen == self->generation) self->read();
                           });
  }

  void on_line(const IrcLine& line) {
    if (line.command == "PING") {
      write_now(format_line("PONG", line.params.empty() ? std::vector<std::string>{}
                                                        : std::vector{line.params.back()}));
    } else if (line.command == "001") {
      is_registered = true;
      retry = options.first_retry;
      if (!line.params.empty()) nick = line.params[0];
      spdlog::info("irc: registered on {}:{} as {}", options.host, options.port, nick);
      if (!options.nickserv_password.empty()) {
        // Never logged: the line goes to the server only.
        write_now(format_line("PRIVMSG", {"NickServ", "IDENTIFY " + options.nickserv_password}));
      }
      if (handlers.on_registered) handlers.on_registered();
    } else if (line.command == "433" && !is_registered) {  // nickname in use
      nick += "_";
      write_now(format_line("NICK", {nick}));
    } else if (line.command == "PRIVMSG" && line.params.size() == 2) {
      const auto& text = line.params[1];
      if (!text.empty() && text.front() == '\x01') return;  // CTCP: not for the bot
      if (handlers.on_message) handlers.on_message(nick_of(line.prefix), line.params[0], text);
    } else if (line.command == "ERROR") {
      spdlog::warn("irc: the server says: {}", line.params.empty() ? "" : line.params.back());
    }
  }

  // Registration and PONG go out at once (the throttle is for what the bot says).
  void write_now(std::string line) {
    queue.push_front(std::move(line));
    pump_front();
  }

  void pump_front() {
    if (writing || queue.empty() || !connected) return;
    writing = true;
    auto text = std::make_shared<std::string>(std::move(queue.front()));
    queue.pop_front();
    asio::async_write(socket, asio::buffer(*text),
                      [self = shared_from_this(), text, gen = generation](
                          boost::system::error_code ec, std::size_t) {
                        if (gen != self->generation) return;
                        self->writing = false;
                        if (ec) return self->lost("cannot write: " + ec.message());
                        if (self->quitting && self->queue.empty()) return self->close_socket();
                        self->schedule();
                      });
  }

  std::deque<std::string> throttled;

  void enqueue(std::string line) {
    throttled.push_back(std::move(line));
    schedule();
  }

  // Moves the next throttled line to the socket when the throttle allows it.
  void schedule() {
    if (!queue.empty()) return pump_front();
    if (timer_armed || throttled.empty() || !connected || writing) return;
    const auto at = throttle.next_send(LineThrottle::Clock::now());
    timer_armed = true;
    send_timer.expires_at(at);
    send_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      self->timer_armed = false;
      if (ec || self->throttled.empty() || !self->connected) return;
      self->queue.push_back(std::move(self->throttled.front()));
      self->throttled.pop_front();
      self->pump_front();
    });
  }

  void lost(const std::string& why) {
    const bool was_registered = is_registered;
    close_socket();
    if (stopped) return;
    spdlog::warn("irc: {}:{}: {}; connecting again in {} ms", options.host, options.port, why,
                 retry.count());
    if (handlers.on_disconnected && was_registered) handlers.on_disconnected(why);
    retry_timer.expires_after(retry);
    retry = std::min(retry * 2, options.max_retry);
    retry_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->connect();
    });
  }

  void close_socket() {
    ++generation;
    quitting = false;
    connected = is_registered = writing = false;
    queue.clear();
    throttled.clear();
    input.consume(input.size());
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    send_timer.cancel();
  }
};

IrcClient::IrcClient(asio::io_context& io, IrcClientOptions options, IrcClientHandlers handlers)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handlers))) {}

IrcClient::~IrcClient() {
  impl_->stopped = true;
  impl_->retry_timer.cancel();
  impl_->close_socket();
}

void IrcClient::start() {
  impl_->stopped = false;
  impl_->connect();
}

void IrcClient::stop(const std::string& message) {
  impl_->stopped = true;
  impl_->retry_timer.cancel();
  if (!impl_->connected) return impl_->close_socket();
  impl_->quitting = true;
  impl_->throttled.clear();
  impl_->queue.push_back(format_line("QUIT", {message}));
  impl_->pump_front();
}

void IrcClient::send(std::string command, std::vector<std::string> params) {
  if (!impl_->is_registered) return;
  impl_->enqueue(format_line(command, params));
}

void IrcClient::say(const std::string& target, const std::string& text, bool notice) {
  send(notice ? "NOTICE" : "PRIVMSG", {target, text});
}

bool IrcClient::registered() const {
  return impl_->is_registered;
}

const std::string& IrcClient::nick() const {
  return impl_->nick;
}

}  // namespace eventbot::status::irc
