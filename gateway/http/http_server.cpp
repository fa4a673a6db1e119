#include "gateway/http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <thread>

namespace eventbot::gateway::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Shared {
  HttpLimits limits;
  Handler handler;
  Upgrade upgrade;
  Offload offload;
  TrustedProxies proxies;
  std::unique_ptr<asio::thread_pool> workers;  // with an Offload only
  std::atomic<std::size_t> open{0};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared, std::string remote, std::string peer)
      : stream_(std::move(socket)),
        shared_(std::move(shared)),
        remote_(std::move(remote)),
        peer_(std::move(peer)) {}
  ~Session() { --shared_->open; }

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_->limits.header_limit));
    // Beast checks a declared length against the limit with the header: the largest
    // limit until the target is known (read_body sets the target's).
    parser_->body_limit(std::max(shared_->limits.body_limit, shared_->limits.large_body_limit));
    stream_.expires_after(shared_->limits.request_timeout);
    // The header first: the target decides how large a body may be.
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               if (ec) return self->on_read(ec);
                               self->read_body();
                             });
  }

  void read_body() {
    const auto limit = body_limit();
    parser_->body_limit(limit);
    // A declared length over the limit is refused before any of the body is read.
    if (auto length = parser_->content_length(); length && *length > limit) {
      return on_read(bhttp::error::body_limit);
    }
    if (parser_->is_done()) return on_read({});
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  // The body limit of the request being read, by its target (known once its header is).
  std::size_t body_limit() const {
    const auto& limits = shared_->limits;
    const bool large = !limits.large_body_prefix.empty() &&
                       parser_->get().target().starts_with(limits.large_body_prefix);
    return large ? limits.large_body_limit : limits.body_limit;
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();
    }
    if (ec == bhttp::error::body_limit) {
      return fail(413,
                  "the request body is larger than " + std::to_string(body_limit()) + " bytes");
    }
    if (ec == bhttp::error::header_limit) {
      return fail(431, "the request's headers are larger than " +
                           std::to_string(shared_->limits.header_limit) + " bytes");
    }
    if (ec) return fail(400, "not an HTTP/1.1 request: " + ec.message());
    const auto& request = parser_->get();
    auto in = std::make_shared<HttpRequest>();
    in->method = std::string(request.method_string());
    in->target = std::string(request.target());
    in->remote = remote_;
    const auto origin =
        client_origin(shared_->proxies, peer_, false, std::string(request["X-Forwarded-For"]),
                      std::string(request["X-Forwarded-Proto"]));
    in->client = origin.address;
    in->tls = origin.secure;
    in->body_bytes = request.body().size();
    in->body = request.body();
    for (const auto& field : request) {
      in->headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    in->answer_later = [self = shared_from_this()](api::Reply later) {
      asio::post(self->stream_.get_executor(),
                 [self, later = std::move(later)]() mutable { self->send(std::move(later)); });
    };
    keep_alive_ = request.keep_alive();
    head_ = request.method() == bhttp::verb::head;
    const auto& offload = shared_->offload;
    if (shared_->workers && offload.slow(*in)) {
      // Off the I/O thread, then back on it (this connection reads nothing meanwhile).
      asio::post(*shared_->workers, [self = shared_from_this(), in] {
        std::optional<api::Reply> answer;
        try {
          answer = self->shared_->offload.prepare(*in);
        } catch (const std::exception& e) {
          spdlog::error("gateway: {} {} failed: {}", in->method, in->target.substr(0, 200),
                        e.what());
          answer = api::error_reply(500, "internal error");
        }
        asio::post(self->stream_.get_executor(), [self, in, answer = std::move(answer)]() mutable {
          self->proceed(*in, std::move(answer));
        });
      });
      return;
    }
    proceed(*in, std::nullopt);
  }

  // Answers `in` on the I/O thread: with `answer` if prepared, else through the upgrade
  // or the handler.
  void proceed(const HttpRequest& in, std::optional<api::Reply> answer) {
    if (answer && answer->deferred) return;
    if (!answer && shared_->upgrade &&
        shared_->upgrade(stream_, buffer_, parser_->get(), in, answer)) {
      return;
    }
    api::Reply reply;
    try {
      reply = answer ? std::move(*answer) : shared_->handler(in);
      if (reply.deferred) return;
    } catch (const std::exception& e) {
      spdlog::error("gateway: {} {} failed: {}", in.method, in.target.substr(0, 200), e.what());
      reply = api::error_reply(500, "internal error");
    }
    send(std::move(reply));
  }

  // Answers a request that could not be read, and closes.
  void fail(unsigned status, const std::string& message) {
    keep_alive_ = false;
    head_ = false;
    send(api::error_reply(status, message));
  }

  template <class Message>
  void set_headers(Message& message, const api::Reply& reply) {
    message.set(bhttp::field::server, "eventbot");
    message.set(bhttp::field::content_type, reply.content_type);
    message.set(bhttp::field::cache_control, "no-cache");
    for (const auto& [name, value] : reply.headers) message.set(name, value);
    message.keep_alive(keep_alive_);
  }

  void send(api::Reply reply) {
    if (reply.stream) return send_streamed(std::move(reply));
    auto response = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(reply.status), 11);
    set_headers(*response, reply);
    response->body() = head_ ? std::string() : std::move(reply.body);
    response->prepare_payload();
    if (head_) response->content_length(reply.body.size());
    stream_.expires_after(shared_->limits.request_timeout);
    bhttp::async_write(stream_, *response,
                       [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                         self->after_write(ec);
                       });
  }

  // A body produced piece by piece: chunked transfer, one chunk per piece.
  void send_streamed(api::Reply reply) {
    auto response = std::make_shared<bhttp::response<bhttp::empty_body>>(
        static_cast<bhttp::status>(reply.status), 11);
    set_headers(*response, reply);
    response->chunked(true);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*response);
    stream_.expires_after(shared_->limits.request_timeout);
    bhttp::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), response, serializer, source = std::move(reply.stream)](
            beast::error_code ec, std::size_t) mutable {
          if (ec) return self->close();
          if (self->head_) return self->write_last();
          self->next_piece(std::move(source), 1);
        });
  }

  using Source = decltype(api::Reply::stream);

  void next_piece(Source source, std::uint64_t from) {
    auto piece = std::make_shared<std::string>();
    auto next = source(from, [&](std::string_view bytes) { piece->append(bytes); });
    if (!next) {
      // Headers are gone: all that is left is to cut the body short.
      spdlog::error("gateway: a raw log could not be read: {}", next.error().message);
      return close();
    }
    if (*next == from) return write_last();
    if (piece->empty()) return next_piece(std::move(source), *next);
    stream_.expires_after(shared_->limits.request_timeout);
    asio::async_write(stream_, bhttp::make_chunk(asio::buffer(*piece)),
                      [self = shared_from_this(), piece, source = std::move(source), next = *next](
                          beast::error_code ec, std::size_t) mutable {
                        if (ec) return self->close();
                        self->next_piece(std::move(source), next);
                      });
  }

  void write_last() {
    asio::async_write(
        stream_, bhttp::make_chunk_last(),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->after_write(ec); });
  }

  void after_write(beast::error_code ec) {
    if (ec) return close();
    if (!keep_alive_) return linger();
    read();
  }

  // Half-closes, then reads and drops what the client still sends (for at most a second
  // and 1 MiB): closing with unread bytes would reset the connection, and the client
  // could lose the answer (a 413 before the body it is still sending).
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kMaxDrained) return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Shared> shared_;
  std::string remote_;
  std::string peer_;  // the remote address alone
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = false;
  bool head_ = false;
  static constexpr std::size_t kMaxDrained = 1 << 20;
  std::array<char, 4096> drain_buffer_{};
  std::size_t drained_ = 0;
};

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, beast::string_view(name.data(), name.size()))) return value;
  }
  return {};
}

struct HttpServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  std::thread thread;
  std::chrono::steady_clock::time_point last_refusal_log{};
  bool stopped = false;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) admit(std::move(socket));
      if (ec && !acceptor.is_open()) return;
      if (ec) {
        // Out of descriptors: wait a little rather than spin on accept.
        auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(100));
        timer->async_wait([this, timer](beast::error_code) { accept(); });
        return;
      }
      accept();
    });
  }

  void admit(tcp::socket socket) {
    beast::error_code ignored;
    auto endpoint = socket.remote_endpoint(ignored);
    const std::string remote =
        endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    if (shared->open.load() >= shared->limits.max_connections) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_refusal_log > std::chrono::seconds(10)) {
        last_refusal_log = now;
        spdlog::warn("gateway: closing connection from {} at once: {} connections open (the cap)",
                     remote, shared->open.load());
      }
      socket.close(ignored);
      return;
    }
    ++shared->open;
    std::make_shared<Session>(std::move(socket), shared, remote, endpoint.address().to_string())
        ->read();
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  stop();
}

Expected<std::unique_ptr<HttpServer>, std::string> HttpServer::start(
    const std::string& bind, unsigned short port, const HttpLimits& limits, Handler handler,
    Upgrade upgrade, Offload offload, TrustedProxies proxies) {
  auto impl = std::make_unique<Impl>();
  impl->shared->proxies = std::move(proxies);
  if (offload.slow && offload.prepare) {
    impl->shared->workers =
        std::make_unique<asio::thread_pool>(std::max<std::size_t>(1, offload.threads));
    impl->shared->offload = std::move(offload);
  }
  impl->shared->limits = limits;
  impl->shared->handler = std::move(handler);
  impl->shared->upgrade = std::move(upgrade);
  beast::error_code ec;
  auto address = asio::ip::make_address(bind, ec);
  if (ec) return unexpected("web.bind \"" + bind + "\" is not an IP address: " + ec.message());
  tcp::endpoint endpoint(address, port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return unexpected("the web port " + bind + ":" + std::to_string(port) +
                      " cannot be opened: " + ec.message());
  }
  impl->accept();
  auto* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

unsigned short HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

std::size_t HttpServer::open_connections() const {
  return impl_->shared->open.load();
}

void HttpServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  // Workers first: what they finish is posted to the I/O thread, which then drops it.
  if (impl_->shared->workers) impl_->shared->workers->join();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace eventbot::gateway::http
