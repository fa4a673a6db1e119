#include "actors/port/port_server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <mutex>
#include <optional>

#include "actors/port/frame_codec.hpp"
#include "actors/port/send_queue.hpp"
#include "actors/port/ws_stream.hpp"

namespace eventbot::port {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

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

  Session(tcp::socket socket, std::shared_ptr<TlsContext> tls,
          std::shared_ptr<const Accounts> accounts, std::shared_ptr<ConnectionHandler> handler,
          std::string master_id, std::chrono::milliseconds hello_timeout)
      : executor_(socket.get_executor()),
        tcp_(std::move(socket)),
        tls_(std::move(tls)),
        hello_timeout_(hello_timeout),
        hello_timer_(executor_),
        accounts_(std::move(accounts)),
        handler_(std::move(handler)),
        master_id_(std::move(master_id)) {
    beast::error_code ec;
    auto endpoint = tcp_.socket().remote_endpoint(ec);
    remote_ =
        ec ? "unknown" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }

  // The hello timer bounds everything before the hello: the first bytes, the TLS and
  // WebSocket handshakes, the answer to the challenge.
  void run() {
    hello_timer_.expires_after(hello_timeout_);
    hello_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->authenticated_) self->drop("no hello within the time allowed");
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
      self->challenge_ = make_challenge(self->master_id_);
      wire::Frame frame;
      *frame.mutable_challenge() = self->challenge_;
      self->send_now(encode_frame(frame));
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
        return drop("oversized frame (over " + std::to_string(kMaxFrameBytes) + " bytes)");
      }
      return finish(ec == websocket::error::closed ? "closed by peer" : ec.message());
    }
    auto data = buffer_.data();
    std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    auto frame = decode_frame(bytes);
    buffer_.consume(buffer_.size());
    if (!frame) return drop(frame.error());

    if (!authenticated_) {
      if (!frame->has_hello()) return drop("first frame was not a hello");
      auto peer = check_hello(*accounts_, challenge_, frame->hello());
      if (!peer) {
        handler_->on_refused(remote_, frame->hello(), peer.error());
        wire::Frame refused;
        refused.mutable_refused()->set_reason(peer.error());
        send_now(encode_frame(refused));
        closing_ = true;
        close_reason_ = "refused: " + peer.error();
        return;
      }
      authenticated_ = true;
      hello_timer_.cancel();
      peer_ = *peer;
      wire::Frame welcome;
      welcome.mutable_welcome()->set_master_id(master_id_);
      send_now(encode_frame(welcome));
      handler_->on_authenticated(handle());
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
    ws_->async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {
      self->finish(self->close_reason_);
    });
  }

  // Ends the connection because of the peer's bad input: log why, close the socket.
  void drop(const std::string& reason) {
    spdlog::warn("closing connection from {}: {}", remote_, reason);
    finish(reason);
  }

  void finish(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    hello_timer_.cancel();
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
  std::optional<WsStream> ws_;
  std::chrono::milliseconds hello_timeout_;
  asio::steady_timer hello_timer_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  SendQueue sending_;  // frames from send(), any thread, in call order
  std::shared_ptr<const Accounts> accounts_;
  std::shared_ptr<ConnectionHandler> handler_;
  std::string master_id_;
  std::string remote_;
  wire::Challenge challenge_;
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
  std::chrono::milliseconds hello_timeout{10'000};
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
      if (ec) {
        if (!stopped) spdlog::warn("accepting a connection failed: {}", ec.message());
      } else {
        // Frames are small and answered: Nagle's algorithm would hold each ~40 ms.
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(std::move(socket), current_tls(), current_accounts(), handler,
                                  master_id, hello_timeout)
            ->run();
      }
      if (!stopped) accept_next();
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
  impl->hello_timeout = options.hello_timeout;
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
    impl->io.stop();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace eventbot::port
