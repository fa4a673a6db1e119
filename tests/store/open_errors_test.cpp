// Opening what is not an Eventbot store, or a store from a newer Eventbot: the store
// refuses with a message naming the directory, and leaves what it found untouched.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tests/store/raw_rocks.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::store::test {
namespace {

namespace fs = std::filesystem;

StoreResult<std::unique_ptr<RocksEventLog>> open_at(const fs::path& dir,
                                                    bool create_if_missing = true) {
  RocksOptions options;
  options.dir = dir;
  options.create_if_missing = create_if_missing;
  return RocksEventLog::open(options);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  return names;
}

void expect_refused(const StoreResult<std::unique_ptr<RocksEventLog>>& opened, StoreErrc code,
                    const fs::path& dir) {
  ASSERT_FALSE(opened) << "opened " << dir;
  EXPECT_EQ(opened.error().code, code) << opened.error();
  EXPECT_NE(opened.error().message.find(dir.string()), std::string::npos)
      << "message does not name " << dir << ": " << opened.error().message;
}

TEST(OpenErrors, DirectoryWithAnUnrelatedFileIsNotAStoreAndIsLeftAlone) {
  testing::TempDir dir;
  const auto file = dir / "thesis.tex";
  std::ofstream(file) << "\\documentclass{article}\n";
  expect_refused(open_at(dir.path()), StoreErrc::not_a_store, dir.path());
  expect_refused(RocksEventLog::open_for_reading(dir.path()), StoreErrc::not_a_store, dir.path());
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"thesis.tex"});
  EXPECT_EQ(read_file(file), "\\documentclass{article}\n");
}

TEST(OpenErrors, PlainRocksDbDatabaseIsNotAStoreAndGetsNoColumnFamilies) {
  testing::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(RawRocks::create_plain(dir.path()));
  expect_refused(open_at(dir.path()), StoreErrc::not_a_store, dir.path());
  expect_refused(RocksEventLog::open_for_reading(dir.path()), StoreErrc::not_a_store, dir.path());
  EXPECT_EQ(RawRocks::column_families(dir.path()), std::vector<std::string>{"default"});
}

TEST(OpenErrors, StoreFromANewerSchemaIsRefusedSayingSo) {
  testing::TempDir dir;
  {
    auto log = open_store(dir.path());
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(append_events(*log, {change_event("changes", "one")}));
  }
  {
    RawRocks raw(dir.path());
    ASSERT_TRUE(raw.is_open());
    EXPECT_EQ(raw.get("meta", "schema_version"), "1");
    ASSERT_NO_FATAL_FAILURE(raw.put("meta", "schema_version", "99"));
  }
  for (const auto& opened : {open_at(dir.path()), RocksEventLog::open_for_reading(dir.path())}) {
    expect_refused(opened, StoreErrc::newer_schema, dir.path());
    if (opened) continue;
    EXPECT_NE(opened.error().message.find("newer"), std::string::npos) << opened.error().message;
    EXPECT_NE(opened.error().message.find("99"), std::string::npos) << opened.error().message;
  }
  RawRocks raw(dir.path());
  EXPECT_EQ(raw.get("meta", "schema_version"), "99");  // not "fixed" by the refused open
}

TEST(OpenErrors, FileInsteadOfADirectoryIsNotAStore) {
  testing::TempDir dir;
  const auto file = dir / "events.db";
  std::ofstream(file) << "not a directory";
  expect_refused(open_at(file), StoreErrc::not_a_store, file);
  expect_refused(RocksEventLog::open_for_reading(file), StoreErrc::not_a_store, file);
  EXPECT_EQ(read_file(file), "not a directory");
}

TEST(OpenErrors, MissingDirectoryWithoutCreateIfMissingIsNotAStore) {
  testing::TempDir dir;
  const auto missing = dir / "nothing-here";
  expect_refused(open_at(missing, /*create_if_missing=*/false), StoreErrc::not_a_store, missing);
  expect_refused(RocksEventLog::open_for_reading(missing), StoreErrc::not_a_store, missing);
  EXPECT_FALSE(fs::exists(missing));
}

TEST(OpenErrors, ExistingStoreOpensWithoutCreateIfMissing) {
  testing::TempDir dir;
  ASSERT_NE(open_store(dir.path()), nullptr);
  auto opened = open_at(dir.path(), /*create_if_missing=*/false);
  ASSERT_TRUE(opened) << opened.error();
  EXPECT_EQ((*opened)->head(), Sequence(0));
}

TEST(OpenErrors, AppendOnAReadingInstanceIsReadOnly) {
  testing::TempDir dir;
  auto log = open_store(dir.path());
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(append_events(*log, {change_event("changes", "one")}));
  auto reader = RocksEventLog::open_for_reading(dir.path());
  ASSERT_TRUE(reader) << reader.error();
  EXPECT_EQ((*reader)->head(), Sequence(1));
  auto appended = (*reader)->append(request_of({change_event("changes", "two")}));
  ASSERT_FALSE(appended);
  EXPECT_EQ(appended.error().code, StoreErrc::read_only);
  EXPECT_EQ(log->head(), Sequence(1));
}

}  // namespace
}  // namespace eventbot::store::test
