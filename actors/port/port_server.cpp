#include "actors/port/port_server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <mutex>

#include "actors/port/frame_codec.hpp"

namespace eventbot::port {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

class Session final : public Connection, public std::enable_shared_from_this<Session> {
 public:
  // What handlers get: the session, whose last reference is always released on the I/O
  // thread. Beast's stream registers itself with its io_context's service on creation
  // and unregisters on destruction; doing that from another thread (an actor dropping
  // the last copy) races with the I/O thread. Copies compare equal (same pointer).
  std::shared_ptr<Connection> handle() {
    auto executor = ws_.get_executor();
    return std::shared_ptr<Connection>(
        this, [keep = shared_from_this(), executor](Connection*) mutable {
          asio::post(executor, [last = std::move(keep)] {});
        });
  }

  Session(tcp::socket socket, std::shared_ptr<const Accounts> accounts,
          std::shared_ptr<ConnectionHandler> handler, std::string master_id,
          std::chrono::milliseconds hello_timeout)
      : ws_(std::move(socket)),
        hello_timeout_(hello_timeout),
        hello_timer_(ws_.get_executor()),
        accounts_(std::move(accounts)),
        handler_(std::move(handler)),
        master_id_(std::move(master_id)) {
    beast::error_code ec;
    auto endpoint = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
    remote_ =
        ec ? "unknown" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }

  void run() {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(kMaxFrameBytes);
    ws_.binary(true);
    hello_timer_.expires_after(hello_timeout_);
    hello_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->authenticated_) self->drop("no hello within the time allowed");
    });
    ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->drop("WebSocket handshake failed: " + ec.message());
      self->challenge_ = make_challenge(self->master_id_);
      wire::Frame frame;
      *frame.mutable_challenge() = self->challenge_;
      self->send_now(encode_frame(frame));
      self->read_next();
    });
  }

  void send(wire::Frame frame) override {
    asio::post(ws_.get_executor(),
               [self = shared_from_this(), bytes = encode_frame(frame)]() mutable {
                 self->send_now(std::move(bytes));
               });
  }

  void close(const std::string& reason) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), reason] {
      self->closing_ = true;
      self->close_reason_ = reason;
      if (self->outbox_.empty()) self->close_now();
    });
  }

  const Peer& peer() const override { return peer_; }
  const std::string& remote() const override { return remote_; }

 private:
  void read_next() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
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
    ws_.async_write(asio::buffer(outbox_.front()),
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
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {
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
    beast::get_lowest_layer(ws_).socket().close(ignored);
    if (authenticated_) {
      spdlog::info("{} '{}' from {} disconnected: {}",
                   peer_.role == wire::SLAVE  ? "slave"
                   : peer_.role == wire::USER ? "user"
                                              : "change sender",
                   peer_.name, remote_, reason);
      handler_->on_closed(handle());
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::chrono::milliseconds hello_timeout_;
  asio::steady_timer hello_timer_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
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
  std::mutex accounts_mutex;
  std::shared_ptr<const Accounts> accounts;
  std::thread thread;
  std::atomic<bool> stopped{false};

  std::shared_ptr<const Accounts> current_accounts() {
    std::lock_guard lock(accounts_mutex);
    return accounts;
  }

  void accept_next() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (!stopped) spdlog::warn("accepting a connection failed: {}", ec.message());
      } else {
        // Frames are small and answered: Nagle's algorithm would hold each ~40 ms.
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(std::move(socket), current_accounts(), handler, master_id,
                                  hello_timeout)
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
  std::lock_guard lock(impl_->accounts_mutex);
  impl_->accounts = std::move(accounts);
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
