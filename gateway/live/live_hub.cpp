#include "gateway/live/live_hub.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <deque>
#include <mutex>
#include <vector>

#include "events/streams.hpp"
#include "gateway/live/path_pattern.hpp"
#include "gateway/live/protocol.hpp"
#include "gateway/live/update_mapper.hpp"

namespace eventbot::gateway::live {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using nlohmann::json;

namespace {

std::optional<std::uint64_t> number_of(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

enum class Mode { live, replaying, behind };

class Client;

}  // namespace

struct LiveHub::Impl {
  Impl(const api::ModelView& models, store::EventLog& log, std::uint64_t position,
       LiveLimits limits)
      : models(models), log(log), limits(limits), position(position) {}

  const api::ModelView& models;
  store::EventLog& log;
  const LiveLimits limits;

  mutable std::mutex mutex;  // guards what follows and every client's Shared part
  std::uint64_t position;    // the last event the fold handed over
  std::vector<std::shared_ptr<Client>> clients;
  std::atomic<std::size_t> count{0};
  std::atomic<std::size_t> sse_count{0};  // of `count`, the SSE streams
  UpdateMapper mapper;                    // the fold's (used under its lock only)

  // The bytes of a log's chunk; empty when it cannot be read.
  std::string chunk_text(const ChunkRef& chunk) {
    auto read = log.read_log(chunk.stream, StreamVersion(chunk.chunk), 1);
    if (!read || read->empty() || read->front().index.value() != chunk.chunk) return {};
    return std::move(read->front().data);
  }

  // Fills in log contents and each update's size.
  void complete(std::vector<Update>& updates) {
    for (auto& update : updates) {
      if (update.chunk) update.message["content"] = chunk_text(*update.chunk);
      update.bytes = update.key.size() +
                     update.message.dump(-1, ' ', false, json::error_handler_t::replace).size() +
                     16;
    }
  }

  DetailSource detail_source() {
    return [this](const std::string& builder,
                  std::uint32_t number) -> std::optional<readmodel::BuildDetail> {
      readmodel::BuildDetail detail(builder, number);
      const auto stream = streams::build(builder, number);
      std::uint64_t next = 1;
      for (;;) {
        auto events = log.read_stream(stream, StreamVersion(next), 1024);
        if (!events) return std::nullopt;
        for (const auto& event : *events) {
          detail.evolve(event);
          next = event.stream_version() + 1;
        }
        if (events->size() < 1024) return detail;
      }
    };
  }

  void remove(const Client* client);
};

namespace {

// What the fold and the I/O thread share about one client (under Impl::mutex).
struct Shared {
  std::vector<std::string> paths;
  ClientQueue queue;
  Mode mode = Mode::live;
  std::uint64_t reached = 0;    // every update of the events up to here is queued or sent
  std::uint64_t behind_at = 0;  // Mode::behind: what it is told
  bool behind_told = false;
  bool closed = false;
  bool wake_posted = false;  // a wake() is on its way to the client's I/O thread

  // Whether the fold has something for the I/O thread to send: queued updates, or the
  // notice that the client fell behind.
  bool has_news() const { return !queue.empty() || (mode == Mode::behind && !behind_told); }

  bool wants(const std::string& key) const {
    for (const auto& path : paths) {
      if (matches(path, key)) return true;
    }
    return false;
  }
  // Offers the updates of one event; false if they do not fit. Live, the client is then
  // behind; replaying, it reads this event again once the queue has room (an update of
  // it already queued may come twice, never none).
  bool offer(const std::vector<Update>& updates, std::uint64_t sequence) {
    for (const auto& update : updates) {
      if (!wants(update.key)) continue;
      if (!queue.offer(update)) {
        if (mode == Mode::replaying) return false;
        mode = Mode::behind;
        behind_at = reached;
        behind_told = false;
        return false;
      }
    }
    reached = sequence;
    return true;
  }
};

class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(std::shared_ptr<LiveHub::Impl> hub, asio::any_io_executor executor)
      : hub_(std::move(hub)), timer_(executor) {
    shared.queue = ClientQueue(hub_->limits.queue);
  }
  virtual ~Client() = default;
  virtual bool sse() const { return false; }

  Shared shared;  // under hub_->mutex

  // Repositions the client to replay the events after `from` (under hub_->mutex).
  void replay_from(std::uint64_t from) {
    shared.mode = Mode::replaying;
    shared.reached = std::min(from, hub_->position);
    sent_reached_ = shared.reached;
    shared.behind_told = false;
    mapper_.reset();
  }

  // The fold queued something for this client (on the I/O thread, posted by on_event).
  void wake() {
    {
      std::lock_guard lock(hub_->mutex);
      shared.wake_posted = false;
    }
    schedule_flush();
  }

  // Sends what is queued now if the last send is a window old, else when the window
  // ends: the first update after a quiet spell leaves at once, a burst is coalesced into
  // one send a window. No timer runs while nothing comes.
  void schedule_flush() {
    if (!ready_ || closed_ || writing_ || timer_armed_) return;
    const auto due = last_flush_ + hub_->limits.flush_interval;
    if (std::chrono::steady_clock::now() >= due) return flush();
    timer_armed_ = true;
    timer_.expires_at(due);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      self->timer_armed_ = false;
      if (ec || self->closed_) return;
      self->flush();
    });
  }

  // The connection is open for writes (the WebSocket handshake is done, SSE's head sent).
  void ready() {
    ready_ = true;
    schedule_flush();
  }

  // Has the I/O thread call wake() (from the fold's thread).
  void post_wake() {
    asio::post(timer_.get_executor(), [self = shared_from_this()] { self->wake(); });
  }

  // Where a live client starts (under hub_->mutex).
  void begin_at(std::uint64_t position) {
    shared.reached = position;
    sent_reached_ = position;
  }

  virtual void close() = 0;

 protected:
  // The text of one update as this client's protocol frames it; `id`: the sequence a
  // client resuming after it would resume from.
  virtual std::string frame(std::string_view key, const json& message, std::uint64_t id) = 0;
  virtual void write(std::shared_ptr<std::string> text) = 0;
  // After the `_behind` notice has been written (SSE ends its stream).
  virtual void after_behind() {}

  // Sends what is queued (or, replaying with nothing queued, reads on in the log: a few
  // batches, then the I/O thread serves others before the next).
  void flush() {
    if (writing_ || closed_) return;
    for (int step = 0; step < kReplayStepsAtOnce; ++step) {
      take_queued();
      if (!outbox_.empty()) {
        last_flush_ = std::chrono::steady_clock::now();
        return write_next();
      }
      if (!replay_step()) return;
    }
    asio::post(timer_.get_executor(), [self = shared_from_this()] { self->flush(); });
  }

  // Moves the queued updates (and a `_behind` notice once they are out) to the outbox.
  void take_queued() {
    std::lock_guard lock(hub_->mutex);
    auto updates = shared.queue.take();
    for (std::size_t i = 0; i < updates.size(); ++i) {
      // All but the last carry where the batch began: a client cut off in its middle
      // resumes before it and misses nothing.
      const auto id = i + 1 == updates.size() ? shared.reached : sent_reached_;
      outbox_.push_back(frame(updates[i].key, updates[i].message, id));
    }
    if (!updates.empty()) sent_reached_ = shared.reached;
    if (shared.mode == Mode::behind && !shared.behind_told) {
      shared.behind_told = true;
      behind_pending_ = true;
      outbox_.push_back(frame(kBehindKey, behind_message(shared.behind_at), shared.behind_at));
    }
  }

  // Queues an answer to a command (the client's reads are not bounded by the queue).
  void answer(std::string text) {
    if (outbox_.size() >= hub_->limits.max_answers) {
      spdlog::warn("gateway: a live client sends commands without reading the answers: closed");
      return close();
    }
    outbox_.push_back(std::move(text));
    if (!writing_) write_next();
  }

  void write_next() {
    if (closed_) return;
    if (outbox_.empty()) {
      writing_ = false;
      if (behind_pending_) {
        behind_pending_ = false;
        after_behind();
        return;
      }
      // Replaying: on at once, as fast as the client reads; live: what came meanwhile
      // leaves when the window allows.
      bool replaying = false, news = false;
      {
        std::lock_guard lock(hub_->mutex);
        replaying = shared.mode == Mode::replaying;
        news = shared.has_news();
      }
      if (replaying) return flush();
      if (news) schedule_flush();
      return;
    }
    writing_ = true;
    auto text = std::make_shared<std::string>(std::move(outbox_.front()));
    outbox_.pop_front();
    write(std::move(text));
  }

  void written(beast::error_code ec) {
    if (ec) return close();
    write_next();
  }

  // Replays up to a batch of events after `reached` into the queue; false when there is
  // nothing to replay. Catching up with the fold makes the client live again.
  bool replay_step() {
    std::uint64_t from = 0, target = 0;
    std::vector<std::string> paths;
    {
      std::lock_guard lock(hub_->mutex);
      if (shared.mode != Mode::replaying) return false;
      paths = shared.paths;
      from = shared.reached;
      target = hub_->position;
      if (from >= target) {
        shared.mode = Mode::live;
        shared.reached = target;
        return false;
      }
    }
    const auto count = std::min<std::uint64_t>(hub_->limits.replay_batch, target - from);
    auto events = hub_->log.read_forward(Sequence(from + 1), count);
    if (!events) {
      spdlog::error("gateway: a live client's replay could not read the log: {}",
                    events.error().message);
      close();
      return false;
    }
    std::vector<std::pair<std::uint64_t, std::vector<Update>>> mapped;
    auto source = hub_->detail_source();
    hub_->models.read([&](const readmodel::ReadModel& model) {
      for (const auto& event : *events) {
        mapped.emplace_back(event.sequence(), mapper_.map(event, model, source));
      }
    });
    // Only what the client wants is read (log contents) and sized.
    for (auto& item : mapped) {
      std::erase_if(item.second, [&](const Update& update) {
        return std::none_of(paths.begin(), paths.end(),
                            [&](const std::string& path) { return matches(path, update.key); });
      });
      hub_->complete(item.second);
    }
    std::lock_guard lock(hub_->mutex);
    if (shared.mode != Mode::replaying || shared.reached != from) return true;
    for (const auto& [sequence, updates] : mapped) {
      if (!shared.offer(updates, sequence)) return true;  // full: the rest after a write
    }
    if (shared.reached >= hub_->position) shared.mode = Mode::live;
    return true;
  }

  void closed() {
    closed_ = true;
    timer_.cancel();
    hub_->remove(this);
  }

  std::shared_ptr<LiveHub::Impl> hub_;
  asio::steady_timer timer_;
  std::deque<std::string> outbox_;
  std::chrono::steady_clock::time_point last_flush_{};  // the last send of queued updates
  bool timer_armed_ = false;
  bool ready_ = false;
  bool writing_ = false;
  bool closed_ = false;
  bool behind_pending_ = false;
  std::uint64_t sent_reached_ = 0;
  UpdateMapper mapper_;  // for replays
  static constexpr int kReplayStepsAtOnce = 4;
};

class WsClient : public Client {
 public:
  WsClient(std::shared_ptr<LiveHub::Impl> hub, beast::tcp_stream&& stream)
      : Client(std::move(hub), stream.get_executor()), ws_(std::move(stream)) {}

  void accept(bhttp::request<bhttp::string_body> request) {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(hub_->limits.max_command_bytes);
    ws_.text(true);
    auto request_ptr = std::make_shared<bhttp::request<bhttp::string_body>>(std::move(request));
    ws_.async_accept(*request_ptr, [self = std::static_pointer_cast<WsClient>(shared_from_this()),
                                    request_ptr](beast::error_code ec) {
      if (ec) return self->close();
      self->ready();
      self->read();
    });
  }

  void close() override {
    if (closed_) return;
    closed();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = std::static_pointer_cast<WsClient>(shared_from_this())](
                                beast::error_code ec, std::size_t) { self->on_command(ec); });
  }

  void on_command(beast::error_code ec) {
    if (ec) return close();
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    auto command = parse_command(text);
    if (!command) {
      answer(error_text(command.error().id, 400, command.error().message));
    } else {
      handle(*command);
    }
    if (!closed_) read();
  }

  void handle(const Command& command) {
    if (command.kind == Command::Kind::ping) return answer(pong_text(command.id));
    bool full = false;
    {
      std::lock_guard lock(hub_->mutex);
      auto& paths = shared.paths;
      auto at = std::find(paths.begin(), paths.end(), command.path);
      if (command.kind == Command::Kind::stop) {
        if (at != paths.end()) paths.erase(at);
      } else if (at == paths.end() && paths.size() >= hub_->limits.max_paths) {
        full = true;
      } else {
        if (at == paths.end()) paths.push_back(command.path);
        if (command.from) replay_from(*command.from);
      }
    }
    if (full) {
      return answer(error_text(command.id, 400,
                               "at most " + std::to_string(hub_->limits.max_paths) + " paths"));
    }
    answer(ok_text(command.id));
    if (command.from) flush();
  }

  std::string frame(std::string_view key, const json& message, std::uint64_t) override {
    return push_text(key, message);
  }

  void write(std::shared_ptr<std::string> text) override {
    ws_.async_write(asio::buffer(*text),
                    [self = std::static_pointer_cast<WsClient>(shared_from_this()), text](
                        beast::error_code ec, std::size_t) { self->written(ec); });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
};

class SseClient : public Client {
 public:
  SseClient(std::shared_ptr<LiveHub::Impl> hub, beast::tcp_stream&& stream)
      : Client(std::move(hub), stream.get_executor()), stream_(std::move(stream)) {}
  bool sse() const override { return true; }

  void begin() {
    stream_.expires_never();
    auto head = std::make_shared<std::string>(
        "HTTP/1.1 200 OK\r\nServer: eventbot\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nConnection: close\r\n\r\n");
    asio::async_write(stream_, asio::buffer(*head),
                      [self = std::static_pointer_cast<SseClient>(shared_from_this()), head](
                          beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        self->watch();
                        self->ready();
                        self->flush();
                      });
  }

  void close() override {
    if (closed_) return;
    closed();
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

 private:
  // Reads (and drops) what the client sends, to learn when it goes away.
  void watch() {
    stream_.async_read_some(asio::buffer(drain_),
                            [self = std::static_pointer_cast<SseClient>(shared_from_this())](
                                beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->watch();
                            });
  }

  std::string frame(std::string_view key, const json& message, std::uint64_t id) override {
    return sse_text(key, message, id);
  }

  void write(std::shared_ptr<std::string> text) override {
    asio::async_write(stream_, asio::buffer(*text),
                      [self = std::static_pointer_cast<SseClient>(shared_from_this()), text](
                          beast::error_code ec, std::size_t) { self->written(ec); });
  }

  // A stream that fell behind ends; the script resumes with Last-Event-ID.
  void after_behind() override {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  std::array<char, 512> drain_{};
};

}  // namespace

void LiveHub::Impl::remove(const Client* client) {
  std::lock_guard lock(mutex);
  for (auto it = clients.begin(); it != clients.end(); ++it) {
    if (it->get() == client) {
      (*it)->shared.closed = true;
      if ((*it)->sse()) --sse_count;
      clients.erase(it);
      count = clients.size();
      return;
    }
  }
}

LiveHub::LiveHub(const api::ModelView& models, store::EventLog& log, std::uint64_t position,
                 LiveLimits limits)
    : impl_(std::make_shared<Impl>(models, log, position, limits)) {}

LiveHub::~LiveHub() {
  close_all();
}

void LiveHub::on_event(const events::Envelope& event, const readmodel::ReadModel& model) {
  auto& hub = *impl_;
  if (event.sequence() <= hub.position) return;
  std::vector<Update> updates;
  if (hub.count.load() == 0) {
    hub.mapper.reset();
  } else {
    updates = hub.mapper.map(event, model, hub.detail_source());
    // Only what some client wants is read and sized.
    bool wanted = false;
    {
      std::lock_guard lock(hub.mutex);
      for (const auto& update : updates) {
        for (const auto& client : hub.clients) {
          if (client->shared.mode == Mode::live && client->shared.wants(update.key)) wanted = true;
        }
      }
    }
    if (wanted) {
      hub.complete(updates);
    } else {
      updates.clear();
    }
  }
  std::lock_guard lock(hub.mutex);
  hub.position = event.sequence();
  for (const auto& client : hub.clients) {
    auto& shared = client->shared;
    if (shared.mode != Mode::live) continue;
    shared.offer(updates, event.sequence());
    if (shared.has_news() && !shared.wake_posted) {
      shared.wake_posted = true;
      client->post_wake();
    }
  }
}

bool LiveHub::take(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                   bhttp::request<bhttp::string_body>& request) {
  const std::string target_text(request.target());
  const std::string_view target = target_text;
  const auto question = target.find('?');
  const auto path = target.substr(0, question);
  const bool ws = path == "/ws" && websocket::is_upgrade(request);
  const bool sse = path.starts_with("/sse/") && request.method() == bhttp::verb::get;
  if (!ws && !sse) return false;
  if (impl_->count.load() >= impl_->limits.max_clients) return false;
  std::optional<std::uint64_t> from;
  std::string pattern;
  if (sse) {
    pattern = std::string(path.substr(5));
    if (!valid_pattern(pattern)) return false;
    if (auto last = request.find("Last-Event-ID"); last != request.end()) {
      from = number_of(std::string(last->value()));
      if (!from) return false;
    } else if (question != std::string_view::npos &&
               target.substr(question + 1).starts_with("from=")) {
      from = number_of(target.substr(question + 6));
      if (!from) return false;
    }
  }
  if (buffer.size() > 0) return false;  // bytes after the request: not ours to guess at
  beast::error_code ignored;
  stream.socket().set_option(asio::socket_base::send_buffer_size(impl_->limits.socket_send_buffer),
                             ignored);
  std::shared_ptr<Client> client;
  if (ws) {
    client = std::make_shared<WsClient>(impl_, std::move(stream));
  } else {
    client = std::make_shared<SseClient>(impl_, std::move(stream));
  }
  {
    std::lock_guard lock(impl_->mutex);
    client->begin_at(impl_->position);
    if (sse) client->shared.paths.push_back(pattern);
    if (from) client->replay_from(*from);
    impl_->clients.push_back(client);
    impl_->count = impl_->clients.size();
    if (sse) ++impl_->sse_count;
  }
  if (ws) {
    std::static_pointer_cast<WsClient>(client)->accept(std::move(request));
  } else {
    std::static_pointer_cast<SseClient>(client)->begin();
  }
  return true;
}

api::Reply LiveHub::refusal(const std::string& target) const {
  if (impl_->count.load() >= impl_->limits.max_clients) {
    return api::error_reply(
        503, "too many live clients (" + std::to_string(impl_->limits.max_clients) + ")");
  }
  if (target.starts_with("/ws")) {
    return api::error_reply(400, "/ws takes a WebSocket upgrade (GET with Upgrade: websocket)");
  }
  return api::error_reply(400,
                          "/sse/PATH takes a GET of a path like /sse/builds/*/new, with a "
                          "numeric Last-Event-ID or ?from=SEQ if any");
}

std::size_t LiveHub::clients() const {
  return impl_->count.load();
}

std::size_t LiveHub::sse_clients() const {
  return impl_->sse_count.load();
}

void LiveHub::close_all() {
  std::vector<std::shared_ptr<Client>> clients;
  {
    std::lock_guard lock(impl_->mutex);
    clients = impl_->clients;
  }
  for (const auto& client : clients) client->close();
}

}  // namespace eventbot::gateway::live
