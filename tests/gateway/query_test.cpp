// The /api/v2 query options: parsing, filters, order, paging, field selection.
#include "gateway/api/query.hpp"

#include <gtest/gtest.h>

#include <array>

namespace eventbot::gateway::api {
namespace {

using nlohmann::json;

json builds() {
  return json::array({
      {{"buildid", 1},
       {"number", 1},
       {"results", 0},
       {"complete", true},
       {"state_string", "build successful"}},
      {{"buildid", 2},
       {"number", 2},
       {"results", 2},
       {"complete", true},
       {"state_string", "failed compile"}},
      {{"buildid", 3},
       {"number", 3},
       {"results", nullptr},
       {"complete", false},
       {"state_string", "building"}},
      {{"buildid", 4},
       {"number", 4},
       {"results", 0},
       {"complete", true},
       {"state_string", "build successful"}},
  });
}

// The buildids left by `text`, in order.
std::vector<int> ids(std::string_view text, std::uint64_t* total = nullptr) {
  auto query = parse_query(text);
  EXPECT_TRUE(query) << text << ": " << (query ? "" : query.error());
  if (!query) return {};
  std::uint64_t count = 0;
  auto page = apply_query(*query, builds(), count);
  EXPECT_TRUE(page);
  if (total) *total = count;
  std::vector<int> out;
  for (const auto& entry : *page) out.push_back(entry.value("buildid", -1));
  return out;
}

TEST(Query, OrdersAscendingAndDescendingOnSeveralKeys) {
  EXPECT_EQ(ids("order=-number"), (std::vector<int>{4, 3, 2, 1}));
  EXPECT_EQ(ids("order=results&order=-number"), (std::vector<int>{3, 4, 1, 2}));  // null first
  EXPECT_EQ(ids("order=results,-number"), (std::vector<int>{3, 4, 1, 2}));
}

TEST(Query, PagesWithLimitAndOffsetAndCountsTheFilteredTotal) {
  std::uint64_t total = 0;
  EXPECT_EQ(ids("order=-number&limit=2", &total), (std::vector<int>{4, 3}));
  EXPECT_EQ(total, 4u);
  EXPECT_EQ(ids("order=-number&limit=2&offset=3"), (std::vector<int>{1}));
  EXPECT_EQ(ids("offset=10"), std::vector<int>{});
  EXPECT_EQ(ids("limit=0", &total), std::vector<int>{});
  EXPECT_EQ(total, 4u);
  EXPECT_EQ(ids("results=0&limit=1", &total), (std::vector<int>{1}));
  EXPECT_EQ(total, 2u);
}

TEST(Query, FiltersByTypedValuesAndOperators) {
  EXPECT_EQ(ids("results=0"), (std::vector<int>{1, 4}));
  EXPECT_EQ(ids("results__eq=2"), (std::vector<int>{2}));
  EXPECT_EQ(ids("results=0&results=2"), (std::vector<int>{1, 2, 4}));  // any of them
  EXPECT_EQ(ids("results__ne=0"), (std::vector<int>{2, 3}));
  EXPECT_EQ(ids("number__lt=2"), (std::vector<int>{1}));
  EXPECT_EQ(ids("number__le=2"), (std::vector<int>{1, 2}));
  EXPECT_EQ(ids("number__gt=3"), (std::vector<int>{4}));
  EXPECT_EQ(ids("number__ge=3"), (std::vector<int>{3, 4}));
  EXPECT_EQ(ids("complete=false"), (std::vector<int>{3}));
  EXPECT_EQ(ids("complete=1"), (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(ids("results=null"), (std::vector<int>{3}));
  EXPECT_EQ(ids("state_string__contains=compile"), (std::vector<int>{2}));
  EXPECT_EQ(ids("state_string=build%20successful"), (std::vector<int>{1, 4}));
  EXPECT_EQ(ids("state_string=build+successful&number__gt=1"), (std::vector<int>{4}));
  // A value that is not of the field's type matches nothing (not everything).
  EXPECT_EQ(ids("number=abc"), std::vector<int>{});
  EXPECT_EQ(ids("number__lt=abc"), std::vector<int>{});
}

TEST(Query, SelectsFields) {
  auto query = parse_query("field=buildid&field=number");
  ASSERT_TRUE(query);
  std::uint64_t total = 0;
  auto page = apply_query(*query, builds(), total);
  ASSERT_TRUE(page);
  EXPECT_EQ((*page)[0], (json{{"buildid", 1}, {"number", 1}}));
}

TEST(Query, RefusesWhatItCannotRead) {
  for (const char* bad :
       {"limit=-1", "limit=abc", "limit=99999999999999999999999", "limit=1000000001", "offset=1x",
        "order=", "order=-", "a=%zz", "=x", "x=%4"}) {
    EXPECT_FALSE(parse_query(bad)) << bad;
  }
  std::string many;
  for (int i = 0; i <= 64; ++i) many += "a" + std::to_string(i) + "=1&";
  EXPECT_FALSE(parse_query(many));
  // Names must be the resource's fields.
  const std::vector<std::string> fields = {"buildid", "number"};
  EXPECT_FALSE(check_fields(*parse_query("nope=1"), fields));
  EXPECT_FALSE(check_fields(*parse_query("order=nope"), fields));
  EXPECT_FALSE(check_fields(*parse_query("field=nope"), fields));
  EXPECT_TRUE(check_fields(*parse_query("number__gt=1&order=-buildid&field=number"), fields));
}

TEST(Query, DecodesPercentAndPlus) {
  EXPECT_EQ(url_decode("a%2Fb+c"), "a/b c");
  EXPECT_FALSE(url_decode("%"));
  EXPECT_FALSE(url_decode("%4"));
  EXPECT_FALSE(url_decode("%g1"));
}

}  // namespace
}  // namespace eventbot::gateway::api

namespace eventbot::gateway::api {
namespace {

// page_by_integers gives the page apply_query gives, ties included, for every order of
// integer fields, offset and limit; nothing with a filter or a field it cannot order by.
TEST(QueryPageByIntegersTest, GivesApplyQuerysPageWithoutTheJson) {
  std::vector<std::array<std::int64_t, 3>> rows;  // number, builderid, buildid
  for (std::int64_t i = 0; i < 200; ++i) rows.push_back({(i * 7919) % 23, i % 4 + 1, i + 1});
  const char* names[] = {"number", "builderid", "buildid"};
  auto key = [&](const std::string& field, std::vector<std::int64_t>& values) {
    for (std::size_t k = 0; k < 3; ++k) {
      if (field != names[k]) continue;
      for (const auto& r : rows) values.push_back(r[k]);
      return true;
    }
    return false;
  };
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& r : rows) {
    entries.push_back({{"number", r[0]}, {"builderid", r[1]}, {"buildid", r[2]}});
  }
  for (const char* text :
       {"limit=50&order=-number", "order=number&offset=10&limit=7", "order=-builderid,number",
        "order=builderid&order=-number&offset=195&limit=50", "limit=3", "offset=250&limit=5",
        "order=-buildid&limit=1", ""}) {
    SCOPED_TRACE(text);
    auto query = parse_query(text);
    ASSERT_TRUE(query);
    auto places = page_by_integers(*query, rows.size(), key);
    ASSERT_TRUE(places);
    std::uint64_t total = 0;
    auto expected = apply_query(*query, entries, total);
    ASSERT_TRUE(expected);
    nlohmann::json page = nlohmann::json::array();
    for (auto place : *places) page.push_back(entries[place]);
    EXPECT_EQ(page, *expected);
  }
  EXPECT_FALSE(page_by_integers(*parse_query("number__gt=3&limit=5"), rows.size(), key));
  EXPECT_FALSE(page_by_integers(*parse_query("order=-complete_at&limit=5"), rows.size(), key));
}

}  // namespace
}  // namespace eventbot::gateway::api
