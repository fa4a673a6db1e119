#include "gateway/http/forwarded.hpp"

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <optional>

namespace eventbot::gateway::http {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The address as 16 bytes (IPv4 mapped into IPv6), and whether it was IPv4.
std::optional<std::pair<std::array<std::uint8_t, 16>, bool>> bytes_of(std::string_view text) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(trim(text)), ec);
  if (ec) return std::nullopt;
  if (address.is_v4()) {
    return std::make_pair(
        boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4()).to_bytes(),
        true);
  }
  auto v6 = address.to_v6();
  return std::make_pair(v6.to_bytes(), false);
}

// The parts of a comma-separated header value, trimmed, in order.
std::vector<std::string_view> parts_of(std::string_view value) {
  std::vector<std::string_view> parts;
  while (!value.empty()) {
    auto comma = value.find(',');
    auto part = trim(value.substr(0, comma));
    if (!part.empty()) parts.push_back(part);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return parts;
}

}  // namespace

Expected<TrustedProxies, std::string> TrustedProxies::parse(
    const std::vector<std::string>& entries) {
  TrustedProxies out;
  for (const auto& entry : entries) {
    std::string_view text = entry;
    auto slash = text.find('/');
    auto address = bytes_of(text.substr(0, slash));
    if (!address) return unexpected("\"" + entry + "\" is not an IP address or a CIDR range");
    Range range;
    range.bytes = address->first;
    const unsigned width = address->second ? 32 : 128;
    unsigned prefix = width;
    if (slash != std::string_view::npos) {
      auto digits = text.substr(slash + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
          prefix > width) {
        return unexpected("\"" + entry + "\" has a prefix length that is not 0 to " +
                          std::to_string(width));
      }
    }
    range.prefix = prefix + (address->second ? 96 : 0);
    out.ranges_.push_back(range);
  }
  return out;
}

bool TrustedProxies::trusts(std::string_view address) const {
  auto bytes = bytes_of(address);
  if (!bytes) return false;
  for (const auto& range : ranges_) {
    bool inside = true;
    for (unsigned bit = 0; bit < range.prefix && inside; ++bit) {
      const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
      inside = (bytes->first[bit / 8] & mask) == (range.bytes[bit / 8] & mask);
    }
    if (inside) return true;
  }
  return false;
}

ClientOrigin client_origin(const TrustedProxies& proxies, std::string_view peer, bool tls,
                           std::string_view forwarded_for, std::string_view forwarded_proto) {
  ClientOrigin origin{std::string(peer), tls};
  if (!proxies.trusts(peer)) return origin;
  const auto hops = parts_of(forwarded_for);
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!bytes_of(*it)) break;  // not an address: what is left of it cannot be trusted
    origin.address = std::string(*it);
    if (!proxies.trusts(*it)) break;
  }
  const auto protos = parts_of(forwarded_proto);
  if (!protos.empty()) origin.secure = protos.back() == "https";
  return origin;
}

}  // namespace eventbot::gateway::http
