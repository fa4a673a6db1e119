#pragma once
// The live updates' shell: the clients of /ws (Buildbot's WebSocket protocol, protocol.hpp)
// and /sse/PATH (Server-Sent Events), fed by the gateway's fold. Each event is mapped once
// (UpdateMapper) under the fold's lock and offered to every live client whose paths match;
// each client's ClientQueue coalesces it and is flushed to its socket on the I/O thread:
// at once when its last send is flush_interval old, else when that window ends (a burst
// leaves as one send a window; an idle client costs no timer). The fold never waits for a socket: a
// client whose queue is full stops receiving, is told the sequence it reached ({"k": "_behind",
// ...}; over SSE the event `_behind`, then the stream ends) and resumes from it with
// startConsuming's "from" (SSE: Last-Event-ID), which replays the log after that
// sequence, as fast as the client reads, until it is live again.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "gateway/api/api.hpp"
#include "gateway/api/reply.hpp"
#include "gateway/live/client_queue.hpp"
#include "gateway/readmodel/read_model.hpp"
#include "store/event_log.hpp"

namespace eventbot::gateway::live {

struct LiveLimits {
  QueueLimits queue;                              // per client
  std::chrono::milliseconds flush_interval{100};  // the coalescing window
  std::size_t max_clients = 256;
  std::size_t max_paths = 64;            // per client
  std::size_t max_command_bytes = 4096;  // one WebSocket message from a client
  std::size_t max_answers = 256;         // answers waiting for a client that does not read
  std::size_t replay_batch = 64;         // events read from the log at a time
  int socket_send_buffer = 64 * 1024;    // the kernel's share of a slow client's backlog
};

class LiveHub {
 public:
  // `position`: the sequence the gateway's fold has reached.
  LiveHub(const api::ModelView& models, store::EventLog& log, std::uint64_t position,
          LiveLimits limits = {});
  ~LiveHub();
  LiveHub(const LiveHub&) = delete;
  LiveHub& operator=(const LiveHub&) = delete;

  // Called under the fold's write lock after `model` folded `event` (in order).
  void on_event(const events::Envelope& event, const readmodel::ReadModel& model);

  // The HTTP server's upgrade, on its I/O thread: takes a WebSocket upgrade on /ws or a
  // GET of /sse/PATH (true: the stream is the hub's now).
  bool take(boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer,
            boost::beast::http::request<boost::beast::http::string_body>& request);
  // The answer to a /ws or /sse/ request that was not taken.
  api::Reply refusal(const std::string& target) const;

  std::size_t clients() const;  // WebSocket and SSE
  std::size_t sse_clients() const;
  // Closes every client (the I/O thread must be stopped or be the caller).
  void close_all();

  struct Impl;  // shared with the clients' sessions (live_hub.cpp)

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace eventbot::gateway::live
