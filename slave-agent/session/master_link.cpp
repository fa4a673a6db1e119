#include "slave-agent/session/master_link.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

#include "actors/port/frame_codec.hpp"
#include "actors/port/send_queue.hpp"

namespace eventbot::slave {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct MasterLink::Impl : std::enable_shared_from_this<MasterLink::Impl> {
  explicit Impl(std::unique_ptr<port::ClientConnection> c)
      : connection(std::move(c)),
        io(connection->io()),
        ws(connection->ws()),
        heartbeat_timer(io),
        watchdog_timer(io),
        close_timer(io) {}

  std::unique_ptr<port::ClientConnection> connection;
  asio::io_context& io;
  port::WsStream& ws;
  beast::flat_buffer buffer;
  asio::steady_timer heartbeat_timer;
  asio::steady_timer watchdog_timer;
  asio::steady_timer close_timer;
  std::deque<std::string> outbox;
  port::SendQueue sending;  // frames from send(), any thread, in call order
  const FrameHandler* handler = nullptr;
  HeartbeatTimes times;
  Clock::time_point last_received = Clock::now();
  std::uint64_t next_nonce = 1;
  bool ended = false;
  bool closing = false;
  std::string end_reason;

  void start() {
    last_received = Clock::now();
    read_next();
    arm_heartbeat();
    arm_watchdog();
  }

  void read_next() {
    ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ended) return;
    if (ec) {
      if (ec == websocket::error::closed) {
        auto reason = ws.close_reason();
        return end("closed by the master" + (reason.empty() ? std::string() : ": " + reason));
      }
      if (ec == websocket::error::message_too_big) {
        spdlog::warn("the master sent a frame over {} bytes; closing the connection",
                     port::kMaxFrameBytes);
        return end("oversized frame from the master");
      }
      return end("connection lost: " + ec.message());
    }
    last_received = Clock::now();
    auto data = buffer.data();
    auto frame =
        port::decode_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer.consume(buffer.size());
    if (!frame) {
      spdlog::warn("the master sent a bad frame ({}); closing the connection", frame.error());
      return end("bad frame from the master: " + frame.error());
    }
    if (frame->has_ping()) {
      wire::Frame pong;
      pong.mutable_pong()->set_nonce(frame->ping().nonce());
      send_now(port::encode_frame(pong));
    } else if (!frame->has_pong()) {
      try {
        (*handler)(*frame);
      } catch (const std::exception& error) {
        spdlog::error("handling a frame from the master failed: {}; closing the connection",
                      error.what());
        return end(std::string("internal error: ") + error.what());
      }
    }
    if (!ended) read_next();
  }

  void arm_heartbeat() {
    if (ended || times.heartbeat.count() <= 0) return;
    heartbeat_timer.expires_after(times.heartbeat);
    heartbeat_timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->ended) return;
      wire::Frame ping;
      ping.mutable_ping()->set_nonce(self->next_nonce++);
      self->send_now(port::encode_frame(ping));
      self->arm_heartbeat();
    });
  }

  void arm_watchdog() {
    if (ended || times.dead_after.count() <= 0) return;
    auto step = std::clamp(times.dead_after / 4, std::chrono::milliseconds(10),
                           std::chrono::milliseconds(1000));
    watchdog_timer.expires_after(step);
    watchdog_timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->ended) return;
      auto silent =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - self->last_received);
      if (silent > self->times.dead_after) {
        spdlog::warn(
            "no frame from the master for {} ms (dead after {} ms): the connection is dead",
            silent.count(), self->times.dead_after.count());
        return self->end("the master went silent for " + std::to_string(silent.count()) + " ms");
      }
      self->arm_watchdog();
    });
  }

  void send_now(std::string bytes) {
    if (ended || closing) return;
    outbox.push_back(std::move(bytes));
    if (outbox.size() == 1) write_next();
  }

  void write_next() {
    ws.async_write(asio::buffer(outbox.front()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     if (self->ended) return;
                     if (ec) return self->end("sending to the master failed: " + ec.message());
                     self->outbox.pop_front();
                     if (!self->outbox.empty()) {
                       self->write_next();
                     } else if (self->closing) {
                       self->close_now();
                     }
                   });
  }

  // The close waits for the master's close frame (and, in TLS, its close_notify) on the
  // read already pending, which has no expiry: a timer of its own bounds it.
  void close_now() {
    close_timer.expires_after(std::chrono::seconds(2));
    close_timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->end(self->end_reason);
    });
    ws.async_close(websocket::close_code::normal,
                   [self = shared_from_this()](beast::error_code) { self->end(self->end_reason); });
  }

  void end(const std::string& reason) {
    if (ended) return;
    ended = true;
    if (end_reason.empty()) end_reason = reason;
    heartbeat_timer.cancel();
    watchdog_timer.cancel();
    close_timer.cancel();
    beast::error_code ignored;
    ws.tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    ws.tcp().socket().close(ignored);
  }
};

MasterLink::MasterLink(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

MasterLink::~MasterLink() {
  beast::error_code ignored;
  impl_->ws.tcp().socket().close(ignored);
  // Sends posted after the connection ended hold the Impl that holds the io_context:
  // run them (they drop their frames) so nothing keeps the Impl alive.
  impl_->ended = true;
  impl_->io.restart();
  impl_->io.poll();
}

Expected<std::unique_ptr<MasterLink>, ConnectError> MasterLink::connect(
    const port::MasterAddress& master, const std::string& name, const std::string& password,
    std::chrono::milliseconds timeout) {
  auto connection = port::ClientConnection::open(master, wire::SLAVE, name, password, timeout);
  if (!connection) return unexpected(connection.error());
  return std::unique_ptr<MasterLink>(
      new MasterLink(std::make_shared<Impl>(std::move(*connection))));
}

std::string MasterLink::run(const FrameHandler& handler, HeartbeatTimes times) {
  impl_->handler = &handler;
  impl_->times = times;
  impl_->start();
  impl_->io.run();
  impl_->handler = nullptr;
  return impl_->end_reason;
}

void MasterLink::send(wire::Frame frame) {
  impl_->sending.push(port::encode_frame(frame));
  asio::post(impl_->io, [impl = impl_] {
    for (auto& bytes : impl->sending.take()) impl->send_now(std::move(bytes));
  });
}

void MasterLink::close(const std::string& reason) {
  asio::post(impl_->io, [impl = impl_, reason] {
    if (impl->ended || impl->closing) return;
    impl->closing = true;
    impl->end_reason = reason;
    if (impl->outbox.empty()) impl->close_now();
  });
}

void MasterLink::set_heartbeat(HeartbeatTimes times) {
  asio::post(impl_->io, [impl = impl_, times] {
    if (impl->ended) return;
    impl->times = times;
    impl->heartbeat_timer.cancel();
    impl->watchdog_timer.cancel();
    impl->arm_heartbeat();
    impl->arm_watchdog();
  });
}

const std::string& MasterLink::master_id() const {
  return impl_->connection->master_id();
}
const std::string& MasterLink::remote() const {
  return impl_->connection->remote();
}

}  // namespace eventbot::slave
