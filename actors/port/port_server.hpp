#pragma once
// The master's port for slaves and `eventbot sendchange`: WebSocket over TCP, inside
// TLS when the master has a certificate, one protobuf wire::Frame per binary message.
// A port with TLS refuses connections without it (and the other way round) with a
// reason in the log and, where the peer can read one, in the answer. Every connection is challenged
// first; only an authenticated peer's frames reach the handler. A garbage, truncated or oversized
// frame closes that connection alone, with a log line saying why.
//
// Strangers are bounded (PortLimits): a small frame limit and a deadline until login,
// caps on connections in total and per address (a connection over a cap is closed at
// once), login names checked before anything looks them up. Lines a peer can cause in a
// loop (refusals, drops before login, accept failing on EMFILE) are rate-limited.
//
// Threading: one I/O thread runs every connection; handler callbacks run on it.
// Connection::send may be called from any thread.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "actors/port/handshake.hpp"
#include "actors/port/port_limits.hpp"
#include "actors/port/tls.hpp"

namespace eventbot::port {

class Connection {
 public:
  virtual ~Connection() = default;
  virtual void send(wire::Frame frame) = 0;
  // Closes the connection after the frames already sent, with a reason for the peer's log.
  virtual void close(const std::string& reason) = 0;
  virtual const Peer& peer() const = 0;
  virtual const std::string& remote() const = 0;  // "127.0.0.1:53211"
};

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  virtual void on_authenticated(const std::shared_ptr<Connection>&) {}
  virtual void on_frame(const std::shared_ptr<Connection>& connection,
                        const wire::Frame& frame) = 0;
  virtual void on_refused(const std::string& remote, const wire::Hello& hello,
                          const std::string& reason) {
    (void)remote, (void)hello, (void)reason;
  }
  virtual void on_closed(const std::shared_ptr<Connection>&) {}
  // Once a second on the I/O thread, for work due by time (aggregated records).
  virtual void on_tick(std::chrono::steady_clock::time_point now) { (void)now; }
};

struct PortOptions {
  std::string bind = "127.0.0.1";
  unsigned short port = 9989;  // 0: any free port (tests)
  std::string master_id;
  // What a connection may do before login, and how many there may be.
  PortLimits limits;
  // The server's certificate and key (make_server_tls); null: no TLS.
  std::shared_ptr<TlsContext> tls;
};

class PortServer {
 public:
  // Binds at once; an error (port taken, bad address) is returned, not thrown.
  static Expected<std::unique_ptr<PortServer>, std::string> start(
      const PortOptions& options, std::shared_ptr<const Accounts> accounts,
      std::shared_ptr<ConnectionHandler> handler);
  ~PortServer();

  unsigned short port() const;
  // Replaces who may connect (reconfig); connections already open stay.
  void set_accounts(std::shared_ptr<const Accounts> accounts);
  // Replaces the certificate (reconfig after a renewal); connections already open stay.
  // Whether the port uses TLS at all is fixed when it starts: null is ignored.
  void set_tls(std::shared_ptr<TlsContext> tls);
  void stop();

 private:
  struct Impl;
  explicit PortServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eventbot::port
