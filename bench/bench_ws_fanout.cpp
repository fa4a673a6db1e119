// One log line reaching many /ws subscribers (docs/PERFORMANCE.md):
//
//   bench_ws_fanout [CLIENTS] [LINES] [FLUSH_MS]
//   bench_ws_fanout hold PORT N SECONDS [PATH]   (N clients of a running master, held)
//
// In one process: a real store in a scratch directory with one running build (a step and
// its stdio log), the gateway (Gateway::start, at most CLIENTS + 16 live clients, each
// client's queue written every FLUSH_MS, default 100 as shipped) fed by a subscription to
// the store as the master feeds it, and CLIENTS WebSocket clients (Boost.Beast, one I/O
// thread) each subscribed to `logs/*/append`. LINES times, 200 ms apart, one chunk with
// one line is appended to the log (group commit), the line carrying the steady clock at
// the append's start; each client's receipt of the line is timed against it. Prints the
// latency's percentiles over every (line, client) pair and how many arrived.
// Asio needs <utility> before it (std::exchange in awaitable.hpp).
// clang-format off
#include <utility>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
// clang-format on

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "events/streams.hpp"
#include "gateway/gateway.hpp"
#include "store/rocks_event_log.hpp"

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace eventbot;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Every "line <ns>" in a message: the latency of each, in ms.
void latencies_in(const std::string& text, std::int64_t received, std::vector<double>& out) {
  for (auto at = text.find("line "); at != std::string::npos; at = text.find("line ", at + 5)) {
    std::int64_t sent = std::strtoll(text.c_str() + at + 5, nullptr, 10);
    if (sent > 0) out.push_back(static_cast<double>(received - sent) / 1e6);
  }
}

struct Client : std::enable_shared_from_this<Client> {
  explicit Client(asio::io_context& io) : ws(io) {}
  beast::websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::vector<double> latencies;
  bool subscribed = false;
  std::string error;
  std::string path = "logs/*/append";
  std::uint64_t messages = 0;

  void start(unsigned short port, std::atomic<int>& ready) {
    auto self = shared_from_this();
    beast::get_lowest_layer(ws).async_connect(
        {asio::ip::make_address("127.0.0.1"), port}, [self, port, &ready](beast::error_code ec) {
          if (ec) return self->fail(ec);
          self->ws.async_handshake(
              "127.0.0.1:" + std::to_string(port), "/ws", [self, &ready](beast::error_code ec) {
                if (ec) return self->fail(ec);
                auto command = std::make_shared<std::string>(R"({"cmd":"startConsuming","path":")" +
                                                             self->path + R"(","_id":1})");
                self->ws.async_write(asio::buffer(*command),
                                     [self, command, &ready](beast::error_code ec, std::size_t) {
                                       if (ec) return self->fail(ec);
                                       self->read(ready);
                                     });
              });
        });
  }
  void read(std::atomic<int>& ready) {
    auto self = shared_from_this();
    ws.async_read(buffer, [self, &ready](beast::error_code ec, std::size_t) {
      if (ec) return self->fail(ec);
      const auto received = now_ns();
      const std::string text = beast::buffers_to_string(self->buffer.data());
      self->buffer.consume(self->buffer.size());
      ++self->messages;
      if (!self->subscribed && text.find("\"code\":200") != std::string::npos) {
        self->subscribed = true;
        ++ready;
      }
      latencies_in(text, received, self->latencies);
      self->read(ready);
    });
  }
  void fail(beast::error_code ec) {
    if (ec != asio::error::operation_aborted && error.empty()) error = ec.message();
  }
};

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  auto at = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(at), values.end());
  return values[at];
}

bool append_one(store::EventLog& log, std::string stream, events::Envelope event) {
  event.set_stream(std::move(stream));
  event.set_master_id("bench");
  store::AppendRequest request;
  request.events.push_back(std::move(event));
  return log.append(std::move(request)).has_value();
}

}  // namespace

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// `hold PORT N SECONDS [PATH]`: N clients of a running master's gateway on 127.0.0.1:PORT,
// each consuming PATH (default builds/*/*), held SECONDS (or until SIGTERM); prints when
// they are all subscribed, then the messages they received. For builds_bench.sh's
// WS_CLIENTS.
int hold(unsigned short port, int n, int seconds, const std::string& path) {
  asio::io_context io;
  std::atomic<int> ready{0};
  std::vector<std::shared_ptr<Client>> all;
  for (int i = 0; i < n; ++i) {
    auto client = std::make_shared<Client>(io);
    client->path = path;
    client->start(port, ready);
    all.push_back(client);
  }
  std::thread io_thread([&io] {
    auto guard = asio::make_work_guard(io);
    io.run();
  });
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  bool told = false;
  static std::atomic<bool> stop{false};
  std::signal(SIGTERM, [](int) { stop = true; });
  while (!stop && Clock::now() < until) {
    if (!told && ready.load() == n) {
      std::cout << "subscribed " << n << std::endl;
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  io.stop();
  io_thread.join();
  std::uint64_t messages = 0;
  int failed = 0;
  for (const auto& client : all) {
    messages += client->messages;
    if (!client->error.empty()) ++failed;
  }
  std::cout << "held " << n << " clients (" << ready.load() << " subscribed, " << failed
            << " with an error), " << messages << " messages received" << std::endl;
  return ready.load() == n && failed == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc >= 5 && std::string(argv[1]) == "hold") {
    return hold(static_cast<unsigned short>(std::atoi(argv[2])), std::atoi(argv[3]),
                std::atoi(argv[4]), argc > 5 ? argv[5] : "builds/*/*");
  }
  const int clients = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int lines = argc > 2 ? std::atoi(argv[2]) : 20;
  const int flush_ms = argc > 3 ? std::atoi(argv[3]) : 100;
  const char* base = std::getenv("EVENTBOT_BENCH_DIR");
  std::string pattern = (fs::path(base ? base : "/tmp") / "eventbot-bench-ws-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return 1;
  const fs::path dir = pattern;
  int status = 0;
  {
    store::RocksOptions options;
    options.dir = dir / "events";
    auto opened = store::RocksEventLog::open(options);
    if (!opened) return 1;
    auto& log = **opened;
    // One running build with its step's stdio log.
    events::Envelope e;
    e.mutable_build_started()->set_builder("b0");
    e.mutable_build_started()->set_number(1);
    e.mutable_build_started()->set_slave("s1");
    append_one(log, streams::build("b0", 1), e);
    e.Clear();
    e.mutable_step_started()->set_builder("b0");
    e.mutable_step_started()->set_build_number(1);
    e.mutable_step_started()->set_name("test");
    append_one(log, streams::build("b0", 1), e);
    e.Clear();
    e.mutable_log_opened()->set_builder("b0");
    e.mutable_log_opened()->set_build_number(1);
    e.mutable_log_opened()->set_name("stdio");
    append_one(log, streams::build("b0", 1), e);
    const std::string log_stream = streams::log("b0", 1, 0, "stdio");

    gateway::GatewayOptions web;
    web.port = 0;
    web.limits.max_connections = static_cast<std::size_t>(clients) + 64;
    web.max_live_clients = static_cast<std::size_t>(clients) + 16;
    web.live_flush_interval = std::chrono::milliseconds(flush_ms);
    config::MasterConfig config;
    config.master_id = "bench";
    const auto head = log.head().value();
    auto started = gateway::Gateway::start(web, log, head, config);
    if (!started) {
      std::cerr << started.error() << "\n";
      return 1;
    }
    auto& gateway = **started;
    store::SubscriberCallbacks callbacks;
    callbacks.on_events = [&gateway](std::vector<events::Envelope>&& batch) {
      gateway.on_events(batch);
    };
    callbacks.on_error = [](const store::StoreError& error) { std::cerr << error.message << "\n"; };
    auto subscription = log.subscribe(Sequence(head + 1), std::move(callbacks));

    asio::io_context io;
    std::atomic<int> ready{0};
    std::vector<std::shared_ptr<Client>> all;
    for (int i = 0; i < clients; ++i) {
      all.push_back(std::make_shared<Client>(io));
      all.back()->start(gateway.port(), ready);
    }
    std::thread io_thread([&io] { io.run(); });
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (ready.load() < clients && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::cout << "| clients subscribed | " << ready.load() << " of " << clients << " |\n";
    std::uint64_t offset = 0;
    for (int i = 0; i < lines; ++i) {
      const std::string line = "line " + std::to_string(now_ns()) + "\n";
      e.Clear();
      e.mutable_log_chunk()->set_data(line);
      e.mutable_log_chunk()->set_size(static_cast<std::uint32_t>(line.size()));
      e.mutable_log_chunk()->set_offset(offset);
      offset += line.size();
      if (!append_one(log, log_stream, e)) status = 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    // The whole process's CPU while every client is connected and nothing happens (the
    // benchmark's own client thread idles too): what the live clients cost at rest.
    const auto idle_cpu_before = process_cpu_seconds();
    std::this_thread::sleep_for(std::chrono::seconds(3));
    const double idle_cpu = (process_cpu_seconds() - idle_cpu_before) / 3.0;
    subscription->cancel();
    gateway.stop();
    io.stop();
    io_thread.join();
    std::vector<double> latencies;
    std::size_t failed = 0;
    for (const auto& client : all) {
      latencies.insert(latencies.end(), client->latencies.begin(), client->latencies.end());
      if (!client->error.empty()) ++failed;
    }
    const std::size_t expected =
        static_cast<std::size_t>(clients) * static_cast<std::size_t>(lines);
    std::cout << "| lines received (line x client) | " << latencies.size() << " of " << expected
              << " (clients with an error: " << failed << ") |\n";
    std::cout << "| append -> receipt, flush every " << flush_ms << " ms: p50, p90, p99, max | "
              << percentile(latencies, 0.5) << ", " << percentile(latencies, 0.9) << ", "
              << percentile(latencies, 0.99) << ", " << percentile(latencies, 1.0) << " ms |\n";
    std::cout << "| CPU with " << clients << " clients connected and idle | " << idle_cpu * 100
              << "% of a core |\n";
  }
  fs::remove_all(dir);
  return status;
}
