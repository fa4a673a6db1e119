// redact_url_credentials: the one function every log line, error message, recorded
// config and derived name goes through before it shows a URL.
#include "common/url_credentials.hpp"

#include <gtest/gtest.h>

namespace eventbot {
namespace {

TEST(RedactUrlCredentials, HidesPasswordsAndTokensKeepsTheRest) {
  EXPECT_EQ(redact_url_credentials("https://bot:s3cret@git.example.org/x.git"),
            "https://bot:***@git.example.org/x.git");
  // A user name alone over HTTPS is a token (GitHub's https://TOKEN@github.com/...).
  EXPECT_EQ(redact_url_credentials("https://ghp_abc123@github.com/o/r.git"),
            "https://***@github.com/o/r.git");
  EXPECT_EQ(redact_url_credentials("http://x-access-token:tok@h:8080/r"),
            "http://x-access-token:***@h:8080/r");
  // A password holding '@': everything up to the last '@' of the authority goes.
  EXPECT_EQ(redact_url_credentials("https://u:p@ss@h/r"), "https://u:***@h/r");
  // Over ssh a user name alone is an account, not a secret; a password still goes.
  EXPECT_EQ(redact_url_credentials("ssh://git@host/x.git"), "ssh://git@host/x.git");
  EXPECT_EQ(redact_url_credentials("ssh://git:pw@host/x.git"), "ssh://git:***@host/x.git");
  // No credentials: unchanged.
  EXPECT_EQ(redact_url_credentials("https://git.example.org/x.git"),
            "https://git.example.org/x.git");
  EXPECT_EQ(redact_url_credentials("/srv/git/x.git"), "/srv/git/x.git");
  EXPECT_EQ(redact_url_credentials("git@github.com:o/r.git"), "git@github.com:o/r.git");
  EXPECT_EQ(redact_url_credentials("https://host/path@with:colon"), "https://host/path@with:colon");
  EXPECT_EQ(redact_url_credentials("https://host/?q=a@b"), "https://host/?q=a@b");
  EXPECT_EQ(redact_url_credentials(""), "");
  EXPECT_EQ(redact_url_credentials("://u:p@h"), "://u:p@h");
}

// In free text (git's stderr, an error message) every URL is redacted, the rest kept.
TEST(RedactUrlCredentials, EveryUrlInAText) {
  EXPECT_EQ(redact_url_credentials("fatal: unable to access 'https://TOKEN@h/r.git/': 403; "
                                   "also http://a:b@c/d and https://e/f"),
            "fatal: unable to access 'https://***@h/r.git/': 403; also http://a:***@c/d and "
            "https://e/f");
  EXPECT_EQ(redact_url_credentials("proxy://p/https://u:pw@h/r"), "proxy://p/https://u:***@h/r");
  EXPECT_EQ(redact_url_credentials("a://b://u:pw@h"), "a://b://u:***@h");
  EXPECT_TRUE(has_url_credentials("repository: https://t@h/r"));
  EXPECT_FALSE(has_url_credentials("repository: https://h/r"));
}

}  // namespace
}  // namespace eventbot
