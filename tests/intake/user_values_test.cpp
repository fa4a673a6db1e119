// What a user supplies (a sendchange, a forced build) and how it is refused: text that
// is not UTF-8 or too long, and values the validation patterns do not allow, each
// refusal naming the field (and the pattern).
#include "actors/intake/user_values.hpp"

#include <gtest/gtest.h>

#include "actors/intake/limits.hpp"

namespace eventbot::intake {
namespace {

Validation defaults() {
  auto validation = Validation::compile(config::InputValidation{});
  EXPECT_TRUE(validation.has_value());
  return *validation;
}

events::ChangeAdded good_change() {
  events::ChangeAdded change;
  change.set_who("alice");
  change.set_branch("release/1.0");
  change.set_revision("abc123");
  change.set_comments("fix the build\n\nlonger text: é, ü, 漢字");
  change.add_files("src/main.c");
  auto* property = change.add_properties();
  property->set_name("flavor");
  property->set_value_json("\"debug\"");
  return change;
}

std::string refusal(const Expected<Ok, std::string>& result) {
  return result ? std::string("(accepted)") : result.error();
}

TEST(SubmittedChange, AGoodChangePasses) {
  EXPECT_TRUE(check_submitted_change(defaults(), good_change()));
}

TEST(SubmittedChange, TextThatIsNotUtf8IsRefusedNamingTheField) {
  auto change = good_change();
  change.set_comments("ok so far \xFF");
  EXPECT_EQ(refusal(check_change_text(change)), "comments is not valid UTF-8 (byte 10 of 11)");
  change = good_change();
  change.add_files("caf\xE9.c");
  EXPECT_EQ(refusal(check_change_text(change)), "file name is not valid UTF-8 (byte 3 of 6)");
  change = good_change();
  change.mutable_properties(0)->set_value_json("\"\xC3\"");
  EXPECT_EQ(refusal(check_change_text(change)),
            "property 'flavor' is not valid UTF-8 (byte 1 of 3)");
}

TEST(SubmittedChange, TooLongIsRefusedNamingTheFieldAndTheLimit) {
  auto change = good_change();
  change.set_branch(std::string(30'000, 'a'));
  EXPECT_EQ(refusal(check_change_text(change)),
            "branch is 30000 bytes long; at most 1024 are accepted");
  change = good_change();
  change.set_comments(std::string(kComments.max_bytes + 1, 'x'));
  EXPECT_NE(refusal(check_change_text(change)).find("comments is 65537 bytes long"),
            std::string::npos);
  change = good_change();
  for (std::size_t i = 0; i < kMaxFiles; ++i) change.add_files("f");
  EXPECT_NE(refusal(check_change_text(change)).find("at most 10000"), std::string::npos);
  change = good_change();
  change.mutable_properties(0)->set_value_json("\"" + std::string(300'000, '9') + "\"");
  EXPECT_NE(refusal(check_change_text(change)).find("property 'flavor' is 300002 bytes long"),
            std::string::npos);
}

TEST(SubmittedChange, MissingOrMalformedPartsAreRefused) {
  auto change = good_change();
  change.clear_who();
  EXPECT_EQ(refusal(check_change_text(change)), "a change needs a 'who'");
  change = good_change();
  change.add_files("");
  EXPECT_EQ(refusal(check_change_text(change)), "a change names an empty file path");
  change = good_change();
  change.mutable_properties(0)->set_name("");
  EXPECT_EQ(refusal(check_change_text(change)), "a property has no name");
  change = good_change();
  change.mutable_properties(0)->set_value_json("{not json");
  EXPECT_EQ(refusal(check_change_text(change)), "property 'flavor' has a value that is not JSON");
}

// Buildbot's default patterns: what reaches %(branch)s in a shell string cannot hold a
// ';', a space or a quote.
TEST(SubmittedChange, ValuesTheValidationPatternsRefuse) {
  auto change = good_change();
  change.set_branch("x; rm -rf ~");
  EXPECT_EQ(refusal(check_submitted_change(defaults(), change)),
            R"(branch 'x; rm -rf ~' does not match validation.branch ^[\w.+/~-]*$)");
  change = good_change();
  change.set_revision("$(reboot)");
  EXPECT_EQ(refusal(check_submitted_change(defaults(), change)),
            R"(revision '$(reboot)' does not match validation.revision ^[ \w\.\-\/]*$)");
  change = good_change();
  change.mutable_properties(0)->set_name("a b");
  EXPECT_EQ(refusal(check_submitted_change(defaults(), change)),
            R"(property name 'a b' does not match validation.property_name ^[\w\.\-\/\~:]*$)");
  change = good_change();
  change.mutable_properties(0)->set_value_json("\"`id`\"");
  EXPECT_EQ(
      refusal(check_submitted_change(defaults(), change)),
      R"(property 'flavor' value '`id`' does not match validation.property_value ^[\w\.\-\/\~:]*$)");
  // A newline at the end is not allowed by "$" (Python's re would let it through).
  change = good_change();
  change.set_branch("main\n");
  EXPECT_FALSE(check_submitted_change(defaults(), change));
  // A value that is not a string is checked as its JSON text.
  change = good_change();
  change.mutable_properties(0)->set_value_json("[\"a\"]");
  EXPECT_FALSE(check_submitted_change(defaults(), change));
  change.mutable_properties(0)->set_value_json("42");
  EXPECT_TRUE(check_submitted_change(defaults(), change));
}

TEST(SubmittedChange, TheConfiguredPatternsAreTheOnesUsed) {
  config::InputValidation patterns;
  patterns.branch = "^(main|release/[0-9.]+)$";
  auto validation = Validation::compile(patterns);
  ASSERT_TRUE(validation.has_value());
  auto change = good_change();
  change.set_branch("release/1.0");
  EXPECT_TRUE(check_submitted_change(*validation, change));
  change.set_branch("feature");
  EXPECT_FALSE(check_submitted_change(*validation, change));
  patterns.branch = "(?=x)";
  EXPECT_FALSE(Validation::compile(patterns).has_value());
}

wire::ForceBuild good_force() {
  wire::ForceBuild force;
  force.set_scheduler("force");
  force.set_reason("checking the release");
  force.set_branch("main");
  force.set_revision("abc");
  (*force.mutable_properties())["flavor"] = "\"debug\"";
  return force;
}

TEST(ForceRequest, CheckedAsASendchangeIs) {
  EXPECT_TRUE(check_force_request(defaults(), good_force()));
  auto force = good_force();
  force.set_branch("x; rm -rf ~");
  EXPECT_EQ(refusal(check_force_request(defaults(), force)),
            R"(branch 'x; rm -rf ~' does not match validation.branch ^[\w.+/~-]*$)");
  force = good_force();
  (*force.mutable_properties())["flavor"] = "\"a b\"";
  EXPECT_NE(refusal(check_force_request(defaults(), force)).find("validation.property_value"),
            std::string::npos);
  force = good_force();
  force.set_reason(std::string(kReason.max_bytes + 1, 'r'));
  EXPECT_EQ(refusal(check_force_request(defaults(), force)),
            "reason is 4097 bytes long; at most 4096 are accepted");
  force = good_force();
  force.add_builders("b\xFF");
  EXPECT_EQ(refusal(check_force_request(defaults(), force)),
            "builder is not valid UTF-8 (byte 1 of 2)");
}

TEST(Reason, UtfEightAndBounded) {
  EXPECT_TRUE(check_reason("enough"));
  EXPECT_FALSE(check_reason("\xFF"));
  EXPECT_FALSE(check_reason(std::string(kReason.max_bytes + 1, 'r')));
}

}  // namespace
}  // namespace eventbot::intake
