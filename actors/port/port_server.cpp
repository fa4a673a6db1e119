#include "actors/port/port_server.hpp"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <mutex>
#include <optional>

#include "actors/port/accept_backoff.hpp"
#include "actors/port/connection_caps.hpp"
#include "actors/port/frame_codec.hpp"
#include "actors/port/log_gate.hpp"
#include "actors/port/send_queue.hpp"
#include "actors/port/ws_stream.hpp"
#include "common/bounded_text.hpp"
#include "common/utf8.hpp"

namespace eventbot::port {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using Clock = std::chrono::steady_clock;

// What every connection shares with the acceptor; only the I/O thread touches it.
struct PortState {
  explicit PortState(const PortLimits& limits) : limits(limits), caps(limits) {}
  PortLimits limits;
  ConnectionCaps caps;
  // Lines that strangers can cause in a loop: at most 20 every 10 s each.
  LogGate drops{std::chrono::seconds(10), 20};
  LogGate over_caps{std::chrono::seconds(10), 20};
};

// A name someone may log in as: short, UTF-8, no control characters (or none at all: an
// anonymous user, which the handshake accepts only where web.authz allows it). Anything
// else is refused before it is looked up, logged or recorded.
bool acceptable_login_name(const std::string& name) {
  if (name.size() > kMaxLoginNameBytes || !is_valid_utf8(name)) return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

// protobuf logs a line of its own for each string field that is not UTF-8 in a frame it
// parses: a stranger could fill master.log with them. They go through a gate too.
void gate_protobuf_log() {
  static std::once_flag once;
  std::call_once(once, [] {
    google::protobuf::SetLogHandler(
        [](google::protobuf::LogLevel, const char*, int, const std::string& message) {
          static std::mutex mutex;
          static LogGate gate(std::chrono::seconds(10), 20);
          std::lock_guard lock(mutex);
          if (!gate.allow(Clock::now())) return;
          spdlog::warn("protobuf: {}{}", printable_text(message, 300),
                       gate.left_out()
                           ? " (" + std::to_string(gate.left_out()) + " more such lines not logged)"
                           : std::string());
        });
  });
}

class Session final : public Connection, public std::enable_shared_from_this<Session> {
 public:
  // What handlers get: the session, whose last reference is always released on the I/O
  // thread. Beast's stream registers itself with its io_context's service on creation
  // and unregisters on destruction; doing that from another thread (an actor dropping
  // the last copy) races with the I/O thread. Copies compare equal (same pointer).
  std::shared_ptr<Connection> handle() {
    return std::shared_ptr<Connection>(
        this, [keep = shared_from_this(), executor = executor_](Connection*) mutable {
          asio::post(executor, [last = std::move(keep)] {});
        });
  }

  // `address` was admitted by the port's caps; the session gives it back when it ends.
  Session(tcp::socket socket, std::string address, std::string remote,
          std::shared_ptr<PortState> port, std::shared_ptr<TlsContext> tls,
          std::shared_ptr<const Accounts> accounts, std::shared_ptr<ConnectionHandler> handler,
          std::string master_id)
      : executor_(socket.get_executor()),
        tcp_(std::move(socket)),
        tls_(std::move(tls)),
        port_(std::move(port)),
        hello_timer_(executor_),
        accounts_(std::move(accounts)),
        handler_(std::move(handler)),
        master_id_(std::move(master_id)),
        address_(std::move(address)),
        remote_(std::move(remote)) {}

  // The hello timer bounds everything before the hello: the first bytes, the TLS and
  // WebSocket handshakes, the answer to the challenge.
  void run() {
    hello_timer_.expires_after(port_->limits.login_timeout);
    hello_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->authenticated_) {
        self->drop("not logged in within the time allowed (login_timeout " +
                   std::to_string(self->port_->limits.login_timeout.count()) + " ms)");
      }
    });
    // A TLS client starts with a ClientHello, a plain one with an HTTP request: look at
    // the first bytes so that a mismatch gets a clear reason instead of a parse error.
    beast::async_detect_ssl(tcp_, buffer_,
                            [self = shared_from_this()](beast::error_code ec, bool is_tls) {
                              self->on_detected(ec, is_tls);
                            });
  }

  void on_detected(beast::error_code ec, bool is_tls) {
    if (closed_) return;
    if (ec) return drop("the connection ended before its first request: " + ec.message());
    if (is_tls && !tls_) {
      return drop("a TLS handshake on a port without TLS (master.yaml has no master.tls)");
    }
    if (!is_tls && tls_) return refuse_plain();
    ws_.emplace(std::move(tcp_), is_tls ? tls_ : nullptr);
    ws_->async_accept(buffer_, [self = shared_from_this()](const std::string& problem) {
      if (self->closed_) return;
      if (!problem.empty()) return self->drop(problem);
      // Until login a frame is small: a stranger cannot make the master hold more.
      self->ws_->set_read_limit(self->port_->limits.max_login_frame);
      self->handshake_.emplace(*self->accounts_, self->master_id_);
      self->send_now(encode_frame(self->handshake_->challenge()));
      self->read_next();
    });
  }

  // A plain WebSocket upgrade on a TLS port: answer it in plain HTTP with the reason, so
  // that the client's error says what to change, then close.
  void refuse_plain() {
    auto request = std::make_shared<http::request<http::string_body>>();
    http::async_read(
        tcp_, buffer_, *request,
        [self = shared_from_this(), request](beast::error_code ec, std::size_t) {
          const std::string reason = "a connection without TLS to a port that requires it";
          if (self->closed_) return;
          if (ec) return self->drop(reason);
          auto response = std::make_shared<http::response<http::string_body>>(
              http::status::bad_request, request->version());
          response->set(http::field::content_type, "text/plain");
          response->keep_alive(false);
          response->body() =
              "this master's port requires TLS: give the client the master's CA certificate "
              "(create-slave --ca FILE, or tls: true and ca: FILE in slave.yaml; eventbot "
              "--ca FILE), or --tls when a public authority signed it";
          response->prepare_payload();
          http::async_write(
              self->tcp_, *response,
              [self, response, reason](beast::error_code, std::size_t) { self->drop(reason); });
        });
  }

  void send(wire::Frame frame) override {
    sending_.push(encode_frame(frame));
    asio::post(executor_, [self = shared_from_this()] {
      for (auto& bytes : self->sending_.take()) self->send_now(std::move(bytes));
    });
  }

  void close(const std::string& reason) override {
    asio::post(executor_, [self = shared_from_this(), reason] {
      self->closing_ = true;
      self->close_reason_ = reason;
      if (self->outbox_.empty()) self->close_now();
    });
  }

  const Peer& peer() const override { return peer_; }
  const std::string& remote() const override { return remote_; }

 private:
  void read_next() {
    ws_->async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (ec == websocket::error::message_too_big) {
        return drop(authenticated_
                        ? "oversized frame (over " + std::to_string(kMaxFrameBytes) + " bytes)"
                        : "oversized frame before login (over " +
                              std::to_string(port_->limits.max_login_frame) +
                              " bytes, master.port_limits.max_login_frame)");
      }
      return finish(ec == websocket::error::closed ? "closed by peer" : ec.message());
    }
    auto data = buffer_.data();
    std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    auto frame = decode_frame(bytes);
    buffer_.consume(buffer_.size());
    if (!frame) return drop(frame.error());

    if (!authenticated_) {
      // A name no account can have is refused as any wrong login is, and shown only
      // escaped and cut: nobody can make a log line or an event as big as a frame.
      if (frame->has_hello() && !acceptable_login_name(frame->hello().name())) {
        wire::Hello shown = frame->hello();
        shown.set_name(printable_text(shown.name(), kShownNameBytes));
        const std::string reason = "wrong name or password";
        handler_->on_refused(remote_, shown, reason);
        wire::Frame refused;
        refused.mutable_refused()->set_reason(reason);
        send_now(encode_frame(refused));
        closing_ = true;
        close_reason_ = "refused: " + reason;
        return;
      }
      auto step = handshake_->on_frame(*frame);
      if (!step.violation.empty()) return drop(step.violation);
      if (step.reply) send_now(encode_frame(*step.reply));
      if (!step.refusal.empty()) {
        handler_->on_refused(remote_, handshake_->hello(), step.refusal);
        closing_ = true;
        close_reason_ = "refused: " + step.refusal;
        return;
      }
      if (step.peer) {
        authenticated_ = true;
        hello_timer_.cancel();
        port_->caps.logged_in(address_);
        ws_->set_read_limit(kMaxFrameBytes);
        peer_ = *step.peer;
        handler_->on_authenticated(handle());
      }
    } else {
      handler_->on_frame(handle(), *frame);
    }
    if (!closed_) read_next();
  }

  void send_now(std::string bytes) {
    if (closed_) return;
    outbox_.push_back(std::move(bytes));
    if (outbox_.size() == 1) write_next();
  }

  void write_next() {
    ws_->async_write(asio::buffer(outbox_.front()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->finish("write failed: " + ec.message());
                       self->outbox_.pop_front();
                       if (!self->outbox_.empty()) {
                         self->write_next();
                       } else if (self->closing_) {
                         self->close_now();
                       }
                     });
  }

  void close_now() {
    if (closed_) return;
    if (!ws_) return finish(close_reason_);
    // The reason travels in the close frame (at most 123 bytes), for the peer's log.
    websocket::close_reason why(websocket::close_code::normal);
    const auto text = bounded_utf8(close_reason_, 100);
    why.reason.assign(text.data(), text.size());
    ws_->async_close(
        why, [self = shared_from_this()](beast::error_code) { self->finish(self->close_reason_); });
  }

  // Ends the connection because of the peer's bad input: log why, close the socket.
  // Before login anybody can cause this in a loop: those lines are rate-limited.
  void drop(const std::string& reason) {
    if (authenticated_) {
      spdlog::warn("closing connection from {}: {}", remote_, reason);
    } else if (port_->drops.allow(Clock::now())) {
      if (auto left_out = port_->drops.left_out()) {
        spdlog::warn(
            "closing connection from {} before login: {} ({} more such closings not "
            "logged)",
            remote_, reason, left_out);
      } else {
        spdlog::warn("closing connection from {} before login: {}", remote_, reason);
      }
    }
    finish(reason);
  }

  void finish(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    hello_timer_.cancel();
    port_->caps.closed(address_, authenticated_);
    beast::error_code ignored;
    (ws_ ? ws_->tcp() : tcp_).socket().close(ignored);
    if (authenticated_) {
      spdlog::info("{} '{}' from {} disconnected: {}",
                   peer_.role == wire::SLAVE  ? "slave"
                   : peer_.role == wire::USER ? "user"
                                              : "change sender",
                   peer_.name, remote_, reason);
      handler_->on_closed(handle());
    }
  }

  asio::any_io_executor executor_;
  beast::tcp_stream tcp_;  // until the handshake, then inside ws_
  std::shared_ptr<TlsContext> tls_;
  std::shared_ptr<PortState> port_;
  std::optional<WsStream> ws_;
  asio::steady_timer hello_timer_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  SendQueue sending_;  // frames from send(), any thread, in call order
  std::shared_ptr<const Accounts> accounts_;
  std::shared_ptr<ConnectionHandler> handler_;
  std::string master_id_;
  std::string address_;                       // "127.0.0.1", what the caps count
  std::string remote_;                        // "127.0.0.1:53211"
  std::optional<ServerHandshake> handshake_;  // from the WebSocket upgrade until the login
  Peer peer_;
  bool authenticated_ = false;
  bool closing_ = false;
  bool closed_ = false;
  std::string close_reason_;
};

}  // namespace

struct PortServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::shared_ptr<ConnectionHandler> handler;
  std::string master_id;
  std::shared_ptr<PortState> state;
  AcceptBackoff backoff;
  LogGate accept_failures{std::chrono::seconds(10), 1};
  asio::steady_timer accept_timer{io};
  asio::steady_timer tick_timer{io};
  std::mutex settings_mutex;
  std::shared_ptr<const Accounts> accounts;
  std::shared_ptr<TlsContext> tls;
  std::thread thread;
  std::atomic<bool> stopped{false};

  std::shared_ptr<const Accounts> current_accounts() {
    std::lock_guard lock(settings_mutex);
    return accounts;
  }
  std::shared_ptr<TlsContext> current_tls() {
    std::lock_guard lock(settings_mutex);
    return tls;
  }

  void accept_next() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (stopped) return;
      if (ec) return on_accept_failed(ec);
      if (auto failures = backoff.on_success()) {
        spdlog::info("accepting connections again (after {} failed attempts)", failures);
      }
      admit(std::move(socket));
      accept_next();
    });
  }

  // Out of descriptors, accept fails at once for as long as the connection waits in the
  // queue: wait before the next attempt (AcceptBackoff) and say so once per interval.
  void on_accept_failed(const beast::error_code& ec) {
    const auto wait = backoff.on_failure(std::error_code(ec.value(), std::system_category()));
    if (accept_failures.allow(Clock::now())) {
      spdlog::warn("accepting a connection failed: {}{}{}", ec.message(),
                   wait.count() ? "; next attempt in " + std::to_string(wait.count()) +
                                      " ms (the wait doubles up to 1 s while it fails)"
                                : std::string(),
                   accept_failures.left_out() ? " (" + std::to_string(accept_failures.left_out()) +
                                                    " more failures not logged)"
                                              : std::string());
    }
    if (wait.count() == 0) return accept_next();
    accept_timer.expires_after(wait);
    accept_timer.async_wait([this](beast::error_code timer_ec) {
      if (!timer_ec && !stopped) accept_next();
    });
  }

  // A connection over a cap is closed at once, before any TLS or WebSocket work.
  void admit(tcp::socket socket) {
    beast::error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    const std::string address = ec ? "unknown" : endpoint.address().to_string();
    const std::string remote = ec ? "unknown" : address + ":" + std::to_string(endpoint.port());
    if (auto over = state->caps.admit(address)) {
      if (state->over_caps.allow(Clock::now())) {
        spdlog::warn("closing connection from {} at once: {}{}", remote, *over,
                     state->over_caps.left_out()
                         ? " (" + std::to_string(state->over_caps.left_out()) +
                               " more such closings not logged)"
                         : std::string());
      }
      beast::error_code ignored;
      socket.close(ignored);
      return;
    }
    // Frames are small and answered: Nagle's algorithm would hold each ~40 ms.
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Session>(std::move(socket), address, remote, state, current_tls(),
                              current_accounts(), handler, master_id)
        ->run();
  }

  void tick() {
    tick_timer.expires_after(std::chrono::seconds(1));
    tick_timer.async_wait([this](beast::error_code ec) {
      if (ec || stopped) return;
      handler->on_tick(Clock::now());
      tick();
    });
  }
};

PortServer::PortServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PortServer::~PortServer() {
  stop();
}

Expected<std::unique_ptr<PortServer>, std::string> PortServer::start(
    const PortOptions& options, std::shared_ptr<const Accounts> accounts,
    std::shared_ptr<ConnectionHandler> handler) {
  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  impl->accounts = std::move(accounts);
  impl->master_id = options.master_id;
  impl->state = std::make_shared<PortState>(options.limits);
  gate_protobuf_log();
  impl->tls = options.tls;
  beast::error_code ec;
  auto address = asio::ip::make_address(options.bind, ec);
  if (ec) return unexpected("bad listen address '" + options.bind + "': " + ec.message());
  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return unexpected("cannot listen on " + options.bind + ":" + std::to_string(options.port) +
                      ": " + ec.message());
  }
  impl->accept_next();
  impl->tick();
  auto* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<PortServer>(new PortServer(std::move(impl)));
}

unsigned short PortServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void PortServer::set_accounts(std::shared_ptr<const Accounts> accounts) {
  std::lock_guard lock(impl_->settings_mutex);
  impl_->accounts = std::move(accounts);
}

void PortServer::set_tls(std::shared_ptr<TlsContext> tls) {
  if (!tls) return;
  std::lock_guard lock(impl_->settings_mutex);
  if (impl_->tls) impl_->tls = std::move(tls);
}

void PortServer::stop() {
  if (!impl_ || impl_->stopped.exchange(true)) return;
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    impl->accept_timer.cancel();
    impl->tick_timer.cancel();
    impl->io.stop();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace eventbot::port
