// `export` and `import`, in-process: export, import into a fresh store, export again gives
// the same bytes (log chunks with their bytes, maps in key order); filters; the imported
// store passes verify; import refuses a store that holds events and names a bad line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "events/streams.hpp"
#include "replay/exit_code.hpp"
#include "replay/export_command.hpp"
#include "replay/open_store.hpp"
#include "replay/verify_command.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/replay/history_scenario.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::replay {
namespace {

using replay::testing::Scenario;

// Bytes that are not UTF-8, as a binary log may hold.
const std::string kBinaryChunk = std::string("\x00\xff\xfe binary\n", 11);

class ExportImport : public ::testing::Test {
 protected:
  void SetUp() override {
    store::RocksOptions options;
    options.dir = source_.path();
    auto writer = store::RocksEventLog::open(options);
    ASSERT_TRUE(writer) << writer.error().message;
    Scenario::append_to(**writer, Scenario());
    // A map with several entries, and a chunk of bytes that are not text.
    events::Envelope state;
    state.set_stream(streams::change_source("poller"));
    auto* positions = state.mutable_change_source_state()->mutable_positions();
    for (const char* branch : {"zeta", "main", "alpha", "release/1", "dev"}) {
      (*positions)[branch] = std::string("rev-") + branch;
    }
    events::Envelope chunk;
    chunk.set_stream(streams::log("runtests", 3, 0, "stdio"));
    chunk.mutable_log_chunk()->set_data(kBinaryChunk);
    ASSERT_TRUE((*writer)->append(store::AppendRequest{{state, chunk}, {}, {}}));
    head_ = (*writer)->head().value();
  }

  std::string export_of(const std::filesystem::path& dir, ExportOptions options = {}) {
    auto reader = open_store_for_reading(dir);
    EXPECT_TRUE(reader) << reader.error().message;
    std::ostringstream out, err;
    EXPECT_EQ(run_export(**reader, options, out, err), kExitOk) << err.str();
    return out.str();
  }

  int import_into(const std::filesystem::path& dir, const std::string& text, std::string& err) {
    std::istringstream in(text);
    std::ostringstream out, errors;
    int code = run_import(dir, in, out, errors);
    err = errors.str();
    return code;
  }

  ::eventbot::testing::TempDir source_, target_;
  std::uint64_t head_ = 0;
};

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST_F(ExportImport, ExportImportExportGivesTheSameBytesWithLogChunksAndTheirData) {
  const auto first = export_of(source_.path());
  auto lines = json_lines(first);
  ASSERT_EQ(lines.size(), head_);
  // The chunks carry their bytes (base64 in the JSON mapping).
  std::size_t chunks_with_data = 0;
  for (const auto& line : lines) {
    if (line.contains("log_chunk") && !line["log_chunk"]["data"].get<std::string>().empty()) {
      ++chunks_with_data;
    }
  }
  EXPECT_EQ(chunks_with_data, 2u);
  // Map entries in key order, whatever order they were inserted in.
  EXPECT_NE(first.find(R"("positions":{"alpha":"rev-alpha","dev":"rev-dev","main":"rev-main")"),
            std::string::npos);

  std::string err;
  ASSERT_EQ(import_into(target_.path() / "copy", first, err), kExitOk) << err;
  EXPECT_EQ(export_of(target_.path() / "copy"), first);

  // The copy's log reads back byte for byte.
  auto copy = open_store_for_reading(target_.path() / "copy");
  ASSERT_TRUE(copy);
  auto chunk = (*copy)->read_log(streams::log("runtests", 3, 0, "stdio"), StreamVersion(1), 10);
  ASSERT_TRUE(chunk);
  ASSERT_EQ(chunk->size(), 1u);
  EXPECT_EQ(chunk->front().data, kBinaryChunk);
  // And the copy passes verify.
  auto report = verify_store(**copy, VerifyOptions{});
  EXPECT_TRUE(report.ok()) << summary_line(report) << " " << report.problems.front();
  EXPECT_EQ(report.events, head_);
  EXPECT_EQ(report.log_chunks, 2u);
}

TEST_F(ExportImport, FiltersSelectARangeAndAStreamPrefixAndKeepSequences) {
  ExportOptions range;
  range.from = 5;
  range.to = 9;
  auto lines = json_lines(export_of(source_.path(), range));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines.front()["sequence"], "5");
  EXPECT_EQ(lines.back()["sequence"], "9");

  ExportOptions builds;
  builds.stream_prefix = "build/runtests/";
  auto only = json_lines(export_of(source_.path(), builds));
  ASSERT_FALSE(only.empty());
  for (const auto& line : only) {
    EXPECT_TRUE(line["stream"].get<std::string>().starts_with("build/runtests/")) << line;
  }
  // Imported, they keep their sequences: the copy's head is the last one's.
  std::string err;
  ASSERT_EQ(import_into(target_.path() / "part", export_of(source_.path(), builds), err), kExitOk)
      << err;
  auto copy = open_store_for_reading(target_.path() / "part");
  ASSERT_TRUE(copy);
  EXPECT_EQ(std::to_string((*copy)->head().value()), only.back()["sequence"].get<std::string>());
}

TEST_F(ExportImport, ImportRefusesAStoreThatHoldsEvents) {
  std::string err;
  EXPECT_EQ(import_into(source_.path(), export_of(source_.path()), err), kExitStoreError);
  EXPECT_NE(err.find("already holds events (up to sequence " + std::to_string(head_) + ")"),
            std::string::npos)
      << err;
}

TEST_F(ExportImport, ImportNamesTheLineThatIsNotAnEvent) {
  auto text = export_of(source_.path(), ExportOptions{1, 3, ""});
  text += "{\"sequence\": \"4\", \"no_such_field\": 1}\n";
  std::string err;
  EXPECT_EQ(import_into(target_.path() / "bad", text, err), kExitStoreError);
  EXPECT_NE(err.find("line 4 is not an event that follows sequence 3"), std::string::npos) << err;
  // A line out of order is refused the same way.
  auto reordered = export_of(source_.path(), ExportOptions{5, 5, ""}) +
                   export_of(source_.path(), ExportOptions{4, 4, ""});
  EXPECT_EQ(import_into(target_.path() / "order", reordered, err), kExitStoreError);
  EXPECT_NE(err.find("line 2 is not an event that follows sequence 5"), std::string::npos) << err;
}

}  // namespace
}  // namespace eventbot::replay
