// The error enum travels as a caf::error: a requester tells the codes apart, reads the
// context, and a deadline that passes is CAF's request_timeout, all on the test clock.
#include "actors/messages/errors.hpp"

#include <gtest/gtest.h>

#include "tests/support/deterministic_actors.hpp"

namespace eventbot {
namespace {

using ask_atom = caf::atom_constant<caf::atom("ask")>;

// Answers "refused" with a reason, or never answers (keeps the promise) when told to.
caf::behavior server(caf::event_based_actor* self, bool answer) {
  auto kept = std::make_shared<std::vector<caf::response_promise>>();
  return {[=](ask_atom) -> caf::result<std::string> {
    if (answer) return make_error(ec::refused, "slave 'linux' is busy");
    kept->push_back(self->make_response_promise());
    return caf::delegated<std::string>();
  }};
}

struct Outcome {
  std::optional<std::string> value;
  std::optional<caf::error> error;
};

caf::behavior client(caf::event_based_actor* self, caf::actor target,
                     std::shared_ptr<Outcome> outcome) {
  self->request(target, std::chrono::seconds(5), ask_atom::value)
      .then([=](const std::string& value) { outcome->value = value; },
            [=](caf::error& error) { outcome->error = std::move(error); });
  return {};
}

class Errors : public testing::DeterministicActors {};

TEST_F(Errors, ARefusalReachesTheRequesterWithItsCodeAndContext) {
  auto outcome = std::make_shared<Outcome>();
  auto target = system().spawn(server, true);
  system().spawn(client, target, outcome);
  run();
  ASSERT_TRUE(outcome->error.has_value());
  EXPECT_TRUE(is(*outcome->error, ec::refused));
  EXPECT_FALSE(is(*outcome->error, ec::timeout));
  EXPECT_EQ(describe(*outcome->error), "slave 'linux' is busy");
  EXPECT_EQ(system().render(*outcome->error), "eventbot: refused (slave 'linux' is busy)");
  caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
}

TEST_F(Errors, AnUnansweredRequestFailsAtItsDeadlineOnTheTestClock) {
  auto outcome = std::make_shared<Outcome>();
  auto target = system().spawn(server, false);
  system().spawn(client, target, outcome);
  run();
  EXPECT_FALSE(outcome->error.has_value()) << "no time has passed yet";
  advance(std::chrono::seconds(4));
  EXPECT_FALSE(outcome->error.has_value()) << "4 s of a 5 s deadline";
  advance(std::chrono::seconds(1));
  ASSERT_TRUE(outcome->error.has_value());
  EXPECT_EQ(*outcome->error, caf::sec::request_timeout);
  caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
}

TEST(ErrorNames, EveryCodeHasAName) {
  EXPECT_EQ(to_string(ec::timeout), "timeout");
  EXPECT_EQ(to_string(ec::not_recorded), "not_recorded");
  EXPECT_EQ(describe(make_error(ec::cancelled)), "cancelled");
  EXPECT_EQ(describe(caf::error{}), "no error");
}

}  // namespace
}  // namespace eventbot
