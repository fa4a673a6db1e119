#pragma once
// What the slave-port hardening tests need besides a master: raw TCP and WebSocket
// peers that misbehave (connect and stay silent, announce a huge frame before login),
// and what a master process costs, read from /proc (its memory, its CPU time, its
// descriptors) and from its directory (the store's size on disk, master.log's size).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace eventbot::hostile {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// A TCP connection to 127.0.0.1:port that sends nothing; -1 if connect failed.
inline int silent_tcp(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether the peer closed `fd` within `timeout` (a read sees end of file or a reset).
inline bool closed_by_peer(int fd, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char byte;
  for (;;) {
    ssize_t n = ::recv(fd, &byte, 1, 0);
    if (n == 0) return true;
    if (n > 0) continue;  // the challenge, or an HTTP answer: read on
    return errno != EAGAIN && errno != EWOULDBLOCK;
  }
}

// A WebSocket client that completes the upgrade and then writes raw frames.
class RawWebSocket {
 public:
  beast::error_code connect(unsigned short port) {
    beast::error_code ec;
    auto& stream = beast::get_lowest_layer(ws_);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (!ec) ws_.handshake("127.0.0.1", "/", ec);
    return ec;
  }

  // Announces a binary frame of `size` bytes and sends all of it but the last byte, so a
  // master that accepts the size holds the whole frame in memory, waiting for the rest.
  // An error is expected when the master refuses the size and closes.
  beast::error_code send_almost_all_of_a_frame(std::uint64_t size) {
    std::string header;
    header += static_cast<char>(0x82);        // FIN, binary
    header += static_cast<char>(0x80 | 127);  // masked (as clients must), 64-bit length
    for (int shift = 56; shift >= 0; shift -= 8)
      header += static_cast<char>((size >> shift) & 0xFF);
    header += std::string(4, '\x5a');  // the masking key
    static const std::string payload(16 * 1024 * 1024, 'p');
    auto& stream = beast::get_lowest_layer(ws_);
    stream.expires_after(std::chrono::seconds(30));
    beast::error_code ec;
    asio::write(stream, asio::buffer(header), ec);
    std::uint64_t left = size - 1;
    while (!ec && left > 0) {
      auto n = std::min<std::uint64_t>(left, payload.size());
      asio::write(stream, asio::buffer(payload.data(), n), ec);
      left -= n;
    }
    return ec;
  }

  bool closed_by_master(std::chrono::milliseconds timeout) {
    return closed_by_peer(beast::get_lowest_layer(ws_).socket().native_handle(), timeout);
  }

 private:
  asio::io_context io_;
  websocket::stream<beast::tcp_stream> ws_{io_};
};

// A field of /proc/PID/status in KiB ("VmRSS", "VmHWM"); 0 if unreadable.
inline std::uint64_t status_kib(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
  }
  return 0;
}

// User plus system CPU time of a process, in seconds.
inline double cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // fields 3..13
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

inline std::size_t open_descriptors(int pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++n;
  }
  return n;
}

// Bytes of every file under `dir` (the store on disk).
inline std::uint64_t bytes_under(const std::filesystem::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

inline std::uint64_t size_of(const std::filesystem::path& file) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  return ec ? 0 : size;
}

}  // namespace eventbot::hostile
