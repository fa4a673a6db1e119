// Whose X-Forwarded-For and X-Forwarded-Proto count: only a trusted proxy's.
#include "gateway/http/forwarded.hpp"

#include <gtest/gtest.h>

namespace eventbot::gateway::http {
namespace {

TrustedProxies proxies(const std::vector<std::string>& entries) {
  auto parsed = TrustedProxies::parse(entries);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error());
  return parsed ? *parsed : TrustedProxies{};
}

TEST(ForwardedTest, AddressesAndRangesOfBothFamiliesAreTrusted) {
  auto trusted = proxies({"127.0.0.1", "10.1.0.0/16", "fd00::/8", "::1"});
  EXPECT_TRUE(trusted.trusts("127.0.0.1"));
  EXPECT_FALSE(trusted.trusts("127.0.0.2"));
  EXPECT_TRUE(trusted.trusts("10.1.255.3"));
  EXPECT_FALSE(trusted.trusts("10.2.0.1"));
  EXPECT_TRUE(trusted.trusts("fd12:3456::1"));
  EXPECT_FALSE(trusted.trusts("fe80::1"));
  EXPECT_TRUE(trusted.trusts("::1"));
  EXPECT_TRUE(trusted.trusts("::ffff:10.1.0.9"));  // IPv4 as a dual-stack socket gives it
  EXPECT_FALSE(trusted.trusts("not an address"));
  EXPECT_TRUE(proxies({"0.0.0.0/0"}).trusts("192.0.2.1"));
  EXPECT_FALSE(proxies({}).trusts("127.0.0.1"));
}

TEST(ForwardedTest, EntriesThatAreNoAddressOrRangeAreRefused) {
  for (const std::string bad :
       {"localhost", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::/129", "1.2.3.4/8/8", ""}) {
    auto parsed = TrustedProxies::parse({bad});
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().find(bad), std::string::npos) << parsed.error();
  }
}

TEST(ForwardedTest, AnUntrustedPeersHeadersAreIgnored) {
  auto trusted = proxies({"10.0.0.1"});
  auto origin = client_origin(trusted, "192.0.2.9", false, "203.0.113.5", "https");
  EXPECT_EQ(origin.address, "192.0.2.9");
  EXPECT_FALSE(origin.secure);
  EXPECT_TRUE(client_origin(trusted, "192.0.2.9", true, "", "http").secure);  // TLS to us
}

TEST(ForwardedTest, ATrustedProxyNamesTheClientAndItsScheme) {
  auto trusted = proxies({"10.0.0.0/8"});
  auto origin = client_origin(trusted, "10.0.0.1", false, "203.0.113.5", "https");
  EXPECT_EQ(origin.address, "203.0.113.5");
  EXPECT_TRUE(origin.secure);
  // A client's own X-Forwarded-For is left of what the proxy adds: the right-most
  // untrusted hop counts, not what the client claims.
  origin = client_origin(trusted, "10.0.0.1", false, "198.51.100.7, 203.0.113.5, 10.0.0.2", "http");
  EXPECT_EQ(origin.address, "203.0.113.5");
  EXPECT_FALSE(origin.secure);
  // Nothing forwarded: the proxy itself; all hops trusted: the left-most.
  EXPECT_EQ(client_origin(trusted, "10.0.0.1", false, "", "").address, "10.0.0.1");
  EXPECT_EQ(client_origin(trusted, "10.0.0.1", false, "10.0.0.3, 10.0.0.2", "").address,
            "10.0.0.3");
  // Garbage in the chain stops it: the hop after it counts.
  EXPECT_EQ(client_origin(trusted, "10.0.0.1", false, "evil, 203.0.113.5", "").address,
            "203.0.113.5");
  EXPECT_EQ(client_origin(trusted, "10.0.0.1", false, "203.0.113.5, evil", "").address, "10.0.0.1");
  // The last X-Forwarded-Proto is the proxy's own.
  EXPECT_FALSE(client_origin(trusted, "10.0.0.1", false, "", "https, http").secure);
}

}  // namespace
}  // namespace eventbot::gateway::http
