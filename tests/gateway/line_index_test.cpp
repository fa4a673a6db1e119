// Where each line of a log starts, from its chunks.
#include "gateway/logs/line_index.hpp"

#include <gtest/gtest.h>

namespace eventbot::gateway::logs {
namespace {

TEST(LineIndex, FindsTheChunkAndTheNewlinesToSkipForEveryLine) {
  LineIndex index;
  index.add("a\nb");    // chunk 1: line 0, start of line 1
  index.add("c\nd\n");  // chunk 2: end of line 1, line 2
  index.add("e");       // chunk 3: line 3, not ended
  EXPECT_EQ(index.lines(), 4u);
  EXPECT_EQ(index.next_chunk(), 4u);
  auto at = [&](std::uint64_t line) {
    auto start = index.start_of(line);
    EXPECT_TRUE(start) << line;
    return start ? std::make_pair(start->chunk, start->skip) : std::make_pair(0ul, 0ul);
  };
  EXPECT_EQ(at(0), std::make_pair(1ul, 0ul));
  EXPECT_EQ(at(1), std::make_pair(1ul, 1ul));  // after chunk 1's newline
  EXPECT_EQ(at(2), std::make_pair(2ul, 1ul));
  EXPECT_EQ(at(3), std::make_pair(2ul, 2ul));  // chunk 2 ends it: the line starts after
  EXPECT_FALSE(index.start_of(4));
}

TEST(LineIndex, AnEmptyLogHasNoLinesAndALogEndingInANewlineNoEmptyLastOne) {
  LineIndex empty;
  EXPECT_EQ(empty.lines(), 0u);
  EXPECT_FALSE(empty.start_of(0));
  LineIndex whole;
  whole.add("x\ny\n");
  EXPECT_EQ(whole.lines(), 2u);
}

}  // namespace
}  // namespace eventbot::gateway::logs
