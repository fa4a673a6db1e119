#pragma once
// Helpers of the builds' end-to-end tests: a read-only view of a running master's event
// log, a TCP proxy that can drop the connections it relays, and the clean-up of command
// processes an agent killed with SIGKILL leaves behind.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "events/streams.hpp"
#include "store/rocks_event_log.hpp"

namespace eventbot::build_e2e {

// The master's log as a secondary RocksDB instance: refresh() reads what the master
// appended since the last call (the master may be running, stopped or killed).
class EventLogView {
 public:
  explicit EventLogView(std::filesystem::path store) : store_(std::move(store)) {}

  // False if the store cannot be read right now (not created yet, ...).
  bool refresh() {
    if (!log_) {
      auto opened = store::RocksEventLog::open_for_reading(store_);
      if (!opened) return false;
      log_ = std::move(*opened);
    }
    if (!log_->catch_up()) {
      log_.reset();
      return false;
    }
    auto scanned = log_->scan(Sequence(next_), Sequence(0), [&](const events::Envelope& event) {
      events_.push_back(event);
      return true;
    });
    if (!scanned) return false;
    next_ = scanned->value() + 1;
    return true;
  }

  // After the master restarted: a fresh secondary instance (the events read are kept).
  void reopen() { log_.reset(); }

  const std::vector<events::Envelope>& events() const { return events_; }

  // The chunks of one log stream with their bytes, as stored.
  std::vector<store::LogChunkData> chunks(const std::string& log_stream) {
    if (!log_ && !refresh()) return {};
    auto chunks = log_->read_log(log_stream, StreamVersion(1), 1u << 20);
    return chunks ? std::move(*chunks) : std::vector<store::LogChunkData>{};
  }

  // The text of one channel of a log (STDOUT by default).
  std::string text(const std::string& log_stream, events::LogChannel channel = events::STDOUT) {
    std::string out;
    for (const auto& chunk : chunks(log_stream)) {
      if (chunk.channel == channel) out += chunk.data;
    }
    return out;
  }

 private:
  std::filesystem::path store_;
  std::unique_ptr<store::RocksEventLog> log_;
  std::vector<events::Envelope> events_;
  std::uint64_t next_ = 1;
};

// Relays TCP connections from its own port on 127.0.0.1 to a target port. cut() drops
// every connection it relays (both ends see them close), freeze() silences them; new
// ones are still accepted and relayed.
class TcpProxy {
 public:
  explicit TcpProxy(unsigned short target) : target_(target) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    if (listener_ < 0 ||
        ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        ::pipe2(wake_, O_CLOEXEC) != 0) {
      std::abort();
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TcpProxy() {
    poke('q');
    thread_.join();
    ::close(listener_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  unsigned short port() const { return port_; }
  // Connections accepted and relayed so far.
  int accepted() const { return accepted_.load(); }
  // Drops every relayed connection; returns at once (the relay thread closes them).
  void cut() { poke('c'); }
  // Cuts done by the relay thread so far.
  int cuts() const { return cuts_.load(); }
  // Stops relaying on every current connection but keeps it open, as a network that
  // drops packets: only heartbeats can tell. New connections are relayed.
  void freeze() { poke('f'); }
  int freezes() const { return freezes_.load(); }

 private:
  static sockaddr_in loopback(unsigned short port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return address;
  }

  void poke(char c) {
    while (::write(wake_[1], &c, 1) < 0 && errno == EINTR) {
    }
  }

  static bool send_all(int fd, const char* data, ssize_t size) {
    while (size > 0) {
      auto sent = ::send(fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) return false;
      data += sent;
      size -= sent;
    }
    return true;
  }

  void run() {
    struct Pair {
      int a, b;
    };
    std::vector<Pair> pairs;
    std::vector<Pair> frozen;  // open, never read nor written
    auto close_pair = [](Pair& p) {
      ::shutdown(p.a, SHUT_RDWR);
      ::shutdown(p.b, SHUT_RDWR);
      ::close(p.a);
      ::close(p.b);
      p.a = p.b = -1;
    };
    for (;;) {
      std::vector<pollfd> fds{{listener_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      for (const auto& p : pairs) {
        fds.push_back({p.a, POLLIN, 0});
        fds.push_back({p.b, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[1].revents & POLLIN) {
        char c = 0;
        if (::read(wake_[0], &c, 1) == 1) {
          if (c == 'f') {
            frozen.insert(frozen.end(), pairs.begin(), pairs.end());
            pairs.clear();
            ++freezes_;
            continue;
          }
          for (auto& p : pairs) close_pair(p);
          pairs.clear();
          if (c == 'q') {
            for (auto& p : frozen) close_pair(p);
            return;
          }
          ++cuts_;
          continue;
        }
      }
      if (fds[0].revents & POLLIN) {
        int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client >= 0) {
          int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
          sockaddr_in address = loopback(target_);
          if (upstream >= 0 &&
              ::connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
            pairs.push_back({client, upstream});
            ++accepted_;
          } else {
            if (upstream >= 0) ::close(upstream);
            ::close(client);
          }
        }
      }
      char buffer[64 * 1024];
      for (std::size_t i = 0; i < pairs.size(); ++i) {
        for (int side = 0; side < 2; ++side) {
          auto& p = pairs[i];
          if (p.a < 0) break;
          const auto revents = fds[2 + 2 * i + static_cast<std::size_t>(side)].revents;
          if (!(revents & (POLLIN | POLLHUP | POLLERR))) continue;
          const int from = side == 0 ? p.a : p.b;
          const int to = side == 0 ? p.b : p.a;
          auto n = ::read(from, buffer, sizeof buffer);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0 || !send_all(to, buffer, n)) close_pair(p);
        }
      }
      std::erase_if(pairs, [](const Pair& p) { return p.a < 0; });
    }
  }

  unsigned short target_;
  unsigned short port_ = 0;
  int listener_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<int> accepted_{0};
  std::atomic<int> cuts_{0};
  std::atomic<int> freezes_{0};
  std::thread thread_;
};

// Kills every process whose working directory is under `root` (the commands an agent
// killed with SIGKILL could not interrupt), with its process group when it leads one
// (each command runs in its own session), never the caller's own group.
inline int kill_processes_under(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  const std::string prefix = fs::weakly_canonical(root).string();
  int killed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::stoi(name);
    if (pid == ::getpid()) continue;
    std::error_code link_ec;
    const auto cwd = fs::read_symlink(entry.path() / "cwd", link_ec).string();
    if (link_ec || cwd.rfind(prefix, 0) != 0) continue;
    const pid_t group = ::getpgid(pid);
    if (group == pid && group != ::getpgrp()) {
      ::kill(-group, SIGKILL);
    } else {
      ::kill(pid, SIGKILL);
    }
    ++killed;
  }
  return killed;
}

}  // namespace eventbot::build_e2e
