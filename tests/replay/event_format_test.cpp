// The line and JSON formats of one event, without a store or a process.
#include "replay/event_format.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>

namespace eventbot::replay {
namespace {

using events::Envelope;

TEST(EventFormat, UtcTimeHasMicroseconds) {
  EXPECT_EQ(format_utc_time(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_utc_time(1'700'000'000'123'456), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(format_utc_time(7), "1970-01-01T00:00:00.000007Z");
  // Before the epoch the fraction still counts forward from the whole second.
  EXPECT_EQ(format_utc_time(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(EventFormat, LineHasSequenceTimeStreamVersionTypeAndSummary) {
  Envelope envelope;
  envelope.set_sequence(42);
  envelope.set_time_us(1'700'000'000'000'000);
  envelope.set_stream("build/runtests/7");
  envelope.set_stream_version(3);
  auto* finished = envelope.mutable_build_finished();
  finished->set_builder("runtests");
  finished->set_number(7);
  finished->set_result(events::FAILURE);
  finished->add_text("failed");
  finished->add_text("test");
  EXPECT_EQ(format_event_line(envelope),
            "42 2023-11-14T22:13:20.000000Z build/runtests/7@3 BuildFinished builder: "
            "\"runtests\" number: 7 result: FAILURE text: [\"failed\", \"test\"]");
}

TEST(EventFormat, SummaryShowsZeroEnumsAndBoolsButNotEmptyFields) {
  Envelope envelope;
  auto* classified = envelope.mutable_scheduler_change_classified();
  classified->set_scheduler("nightly");
  EXPECT_EQ(body_summary(envelope), "scheduler: \"nightly\" important: false");

  envelope.mutable_buildset_completed()->set_buildset_id(5);
  EXPECT_EQ(body_summary(envelope), "buildset_id: 5 result: SUCCESS");
}

TEST(EventFormat, SummaryNestsMessagesAndCutsLongStrings) {
  Envelope envelope;
  auto* buildset = envelope.mutable_buildset_submitted();
  buildset->set_buildset_id(1);
  auto* stamp = buildset->add_sourcestamps();
  stamp->set_branch("main");
  stamp->add_change_ids(3);
  EXPECT_EQ(body_summary(envelope),
            "buildset_id: 1 sourcestamps: [{ branch: \"main\" change_ids: [3] }]");

  Envelope config;
  config.mutable_config_loaded()->set_content(std::string(10'000, 'x'));
  auto summary = body_summary(config);
  EXPECT_LT(summary.size(), 300u) << summary;
  EXPECT_NE(summary.find("truncated"), std::string::npos) << summary;
  EXPECT_EQ(summary.find('\n'), std::string::npos);
}

TEST(EventFormat, SummaryEscapesLineBreaks) {
  Envelope envelope;
  envelope.mutable_change_added()->set_comments("fix\nthe build");
  EXPECT_EQ(body_summary(envelope), "comments: \"fix\\nthe build\"");
}

TEST(EventFormat, EventWithoutAKnownBodyIsUnknown) {
  Envelope envelope;
  envelope.set_sequence(9);
  envelope.set_stream("x");
  envelope.set_stream_version(1);
  EXPECT_EQ(display_type_name(envelope), "(unknown)");
  EXPECT_EQ(format_event_line(envelope), "9 1970-01-01T00:00:00.000000Z x@1 (unknown)");
}

TEST(EventFormat, JsonIsOneLineThatParsesBackIntoTheSameEnvelope) {
  Envelope envelope;
  envelope.set_sequence(12);
  envelope.set_time_us(1'700'000'000'000'001);
  envelope.set_stream("changes");
  envelope.set_stream_version(4);
  envelope.mutable_change_added()->set_who("bob");
  envelope.mutable_change_added()->set_comments("two\nlines");
  auto json = format_event_json(envelope);
  EXPECT_EQ(json.find('\n'), std::string::npos) << json;
  EXPECT_NE(json.find("\"stream_version\":\"4\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"change_added\":{"), std::string::npos) << json;

  Envelope parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok()) << json;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, envelope));
}

TEST(EventFormat, UtcTimesParseBack) {
  for (std::int64_t t : {std::int64_t{0}, std::int64_t{1'700'000'000'123'456},
                         std::int64_t{1'795'338'000'000'000}}) {
    EXPECT_EQ(parse_utc_time(format_utc_time(t)), t) << format_utc_time(t);
  }
  EXPECT_EQ(parse_utc_time("2026-11-22T09:00:00Z"), 1'795'338'000'000'000);
  EXPECT_EQ(parse_utc_time("2026-11-22T09:00Z"), 1'795'338'000'000'000);
  EXPECT_EQ(parse_utc_time("2026-11-22 09:00:00.5Z"), 1'795'338'000'500'000);
  EXPECT_EQ(parse_utc_time("2026-11-22T10:00:00+01:00"), 1'795'338'000'000'000);
  EXPECT_EQ(parse_utc_time("2026-11-22T08:30:00-0030"), 1'795'338'000'000'000);
  // Digits past the microsecond are dropped, not rounded.
  EXPECT_EQ(parse_utc_time("2026-11-22T09:00:00.0000019Z"), 1'795'338'000'000'001);
  for (const char* bad : {"", "2026-11-22", "2026-11-22T09:00:00", "2026-13-01T00:00:00Z",
                          "2026-02-30T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T09:00:00.Z",
                          "2026-11-22T09:00:00Zjunk", "yesterday", "1795338000"}) {
    EXPECT_FALSE(parse_utc_time(bad).has_value()) << bad;
  }
}

TEST(ParseWholeNumber, DigitsOnlyWithin64Bits) {
  EXPECT_EQ(parse_whole_number("0"), 0u);
  EXPECT_EQ(parse_whole_number("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_whole_number("18446744073709551616"), std::nullopt);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1x", "0x10"}) {
    EXPECT_EQ(parse_whole_number(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace eventbot::replay
