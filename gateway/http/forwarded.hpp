#pragma once
// Behind a reverse proxy: whose X-Forwarded-For and X-Forwarded-Proto count. Only a peer
// among the trusted proxies (addresses and CIDR ranges, IPv4 or IPv6) may say who the
// client is and whether it spoke HTTPS; from anyone else the headers are ignored, so a
// client cannot pick the address the login limiter counts, or the Secure flag. Pure.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace eventbot::gateway::http {

class TrustedProxies {
 public:
  // Each entry an address ("10.0.0.7", "::1") or a range ("10.0.0.0/8", "fd00::/8");
  // an error names the first entry that is neither.
  static Expected<TrustedProxies, std::string> parse(const std::vector<std::string>& entries);

  bool trusts(std::string_view address) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
    unsigned prefix = 128;
  };
  std::vector<Range> ranges_;
};

struct ClientOrigin {
  std::string address;  // without a port
  bool secure = false;  // HTTPS between the client and the first proxy (or us)
};

// Who sent a request that came from `peer` (an address without its port), over TLS to us
// or not: the peer itself, unless it is a trusted proxy; then the right-most address of
// X-Forwarded-For that is not a trusted proxy (the left-most if all are), and HTTPS if
// the X-Forwarded-Proto the proxy set (its last value) is "https".
ClientOrigin client_origin(const TrustedProxies& proxies, std::string_view peer, bool tls,
                           std::string_view forwarded_for, std::string_view forwarded_proto);

}  // namespace eventbot::gateway::http
