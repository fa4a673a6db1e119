// Runs the real eventbot-replay binary against a store that this test process keeps
// open for writing, as a running master would.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "events/streams.hpp"
#include "store/keys.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot {
namespace {

namespace fs = std::filesystem;
using events::Envelope;
using testing::ProcessResult;
using testing::TempDir;

// 2023-11-14T22:13:20Z and a fraction; each event is one second later than the last.
constexpr std::int64_t kFirstTimeUs = 1'700'000'000'123'456;

const std::string kBuildStream = streams::build("runtests", 1);
const std::string kLogStream = streams::log("runtests", 1, 0, "stdio");

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The sequence number a plain `list` line starts with.
std::uint64_t sequence_of(const std::string& line) {
  return std::stoull(line);
}

std::vector<std::uint64_t> sequences_of(const ProcessResult& result) {
  std::vector<std::uint64_t> out;
  for (const auto& line : lines_of(result.out)) out.push_back(sequence_of(line));
  return out;
}

// Every file under `dir` (recursively) with its size. RocksDB's info log (LOG) counts by
// name only: the writer may append to it at any time.
std::map<std::string, std::uintmax_t> files_in(const fs::path& dir) {
  std::map<std::string, std::uintmax_t> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    auto name = fs::relative(entry.path(), dir).string();
    bool sized = entry.is_regular_file() && !name.starts_with("LOG");
    files[name] = sized ? entry.file_size() : 0;
  }
  return files;
}

class ReplayCli : public ::testing::Test {
 protected:
  void SetUp() override {
    store::RocksOptions options;
    options.dir = dir_.path();
    auto opened = store::RocksEventLog::open(options);
    ASSERT_TRUE(opened) << opened.error().message;
    writer_ = std::move(*opened);
    append_initial_events();
  }

  // Ten events of nine types over six streams: a change, its buildset and request, and
  // a build with one step whose log has one chunk.
  void append_initial_events() {
    Envelope change = event(streams::changes());
    change.mutable_change_added()->set_who("alice");
    change.mutable_change_added()->add_files("src/main.cpp");
    append(change);

    Envelope buildset = event(streams::buildset(1));
    buildset.mutable_buildset_submitted()->set_buildset_id(1);
    buildset.mutable_buildset_submitted()->add_builder_names("runtests");
    append(buildset);

    Envelope request = event(streams::build_request(1));
    request.mutable_build_request_submitted()->set_request_id(1);
    request.mutable_build_request_submitted()->set_builder("runtests");
    append(request);

    Envelope claim = event(streams::build_request(1));
    claim.mutable_build_request_claimed()->set_request_id(1);
    claim.mutable_build_request_claimed()->set_master_id("m1");
    append(claim);

    Envelope started = event(kBuildStream);
    started.mutable_build_started()->set_builder("runtests");
    started.mutable_build_started()->set_number(1);
    append(started);

    Envelope step = event(kBuildStream);
    step.mutable_step_started()->set_builder("runtests");
    step.mutable_step_started()->set_build_number(1);
    step.mutable_step_started()->set_name("compile");
    append(step);

    Envelope chunk = event(kLogStream);
    chunk.mutable_log_chunk()->set_data("hello\n");
    append(chunk);

    Envelope step_done = event(kBuildStream);
    step_done.mutable_step_finished()->set_builder("runtests");
    step_done.mutable_step_finished()->set_build_number(1);
    step_done.mutable_step_finished()->set_result(events::SUCCESS);
    append(step_done);

    Envelope finished = event(kBuildStream);
    finished.mutable_build_finished()->set_builder("runtests");
    finished.mutable_build_finished()->set_number(1);
    finished.mutable_build_finished()->set_result(events::SUCCESS);
    append(finished);

    Envelope heartbeat = event(streams::master("m1"));
    heartbeat.mutable_master_heartbeat()->set_master_id("m1");
    append(heartbeat);
  }

  Envelope event(const std::string& stream) {
    Envelope envelope;
    envelope.set_stream(stream);
    envelope.set_time_us(kFirstTimeUs + static_cast<std::int64_t>(appended_) * 1'000'000);
    return envelope;
  }

  void append(const Envelope& envelope) {
    store::AppendRequest request;
    request.events.push_back(envelope);
    auto result = writer_->append(std::move(request));
    ASSERT_TRUE(result) << result.error().message;
    ++appended_;
  }

  // Stops the writer (a master that has stopped) and writes one record into a column
  // family directly, bypassing the store.
  void put_raw(const std::string& family, const std::string& key, const std::string& value) {
    writer_.reset();
    const std::vector<std::string> names = {
        rocksdb::kDefaultColumnFamilyName, "events", "streams", "logs", "snapshots", "meta"};
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    auto status =
        rocksdb::DB::Open(rocksdb::DBOptions(), dir_.path().string(), descriptors, &handles, &raw);
    ASSERT_TRUE(status.ok()) << status.ToString();
    std::unique_ptr<rocksdb::DB> db(raw);
    auto index = std::find(names.begin(), names.end(), family) - names.begin();
    status =
        db->Put(rocksdb::WriteOptions(), handles.at(static_cast<std::size_t>(index)), key, value);
    EXPECT_TRUE(status.ok()) << status.ToString();
    for (auto* handle : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    EXPECT_TRUE(db->Close().ok());
  }

  ProcessResult replay(std::vector<std::string> args) { return replay_in(dir_.path(), args); }

  static ProcessResult replay_in(const fs::path& dir, std::vector<std::string> args) {
    args.insert(args.begin(), {testing::binary_dir() + "/eventbot-replay", dir.string()});
    return testing::run_process(args);
  }

  TempDir dir_{"replay-cli"};
  std::unique_ptr<store::RocksEventLog> writer_;
  std::size_t appended_ = 0;
};

TEST_F(ReplayCli, ListPrintsOneLinePerEventInOrder) {
  auto result = replay({"list"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 10u) << result.out;
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(sequence_of(lines[i]), i + 1);

  EXPECT_EQ(lines[0],
            "1 2023-11-14T22:13:20.123456Z changes@1 ChangeAdded who: \"alice\" files: "
            "[\"src/main.cpp\"]");
  EXPECT_EQ(lines[3],
            "4 2023-11-14T22:13:23.123456Z buildrequest/1@2 BuildRequestClaimed request_id: 1 "
            "master_id: \"m1\"");
  // The event order keeps a chunk's facts, not its bytes. An enum shows at its zero value
  // (STDOUT); a zero number (offset) is left out.
  EXPECT_EQ(lines[6],
            "7 2023-11-14T22:13:26.123456Z " + kLogStream + "@1 LogChunk channel: STDOUT size: 6");
  // A result of SUCCESS (zero) is shown, not left out.
  EXPECT_NE(lines[8].find("BuildFinished builder: \"runtests\" number: 1 result: SUCCESS"),
            std::string::npos)
      << lines[8];
}

TEST_F(ReplayCli, FromAndToSelectASequenceRange) {
  auto result = replay({"list", "--from", "3", "--to", "5"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(sequences_of(result), (std::vector<std::uint64_t>{3, 4, 5}));

  result = replay({"list", "--from", "9"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(sequences_of(result), (std::vector<std::uint64_t>{9, 10}));

  result = replay({"list", "--to", "2"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(sequences_of(result), (std::vector<std::uint64_t>{1, 2}));

  result = replay({"list", "--from", "11"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
}

TEST_F(ReplayCli, StreamKeepsEventsWhoseStreamStartsWithThePrefix) {
  auto result = replay({"list", "--stream", "build/"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(sequences_of(result), (std::vector<std::uint64_t>{5, 6, 8, 9}));

  // "build" is also a prefix of "buildset/1" and "buildrequest/1".
  result = replay({"list", "--stream", "build"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(sequences_of(result), (std::vector<std::uint64_t>{2, 3, 4, 5, 6, 8, 9}));

  result = replay({"list", "--stream", "log/"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(sequences_of(result), (std::vector<std::uint64_t>{7}));
}

TEST_F(ReplayCli, TypeKeepsEventsOfThatType) {
  auto result = replay({"list", "--type", "BuildRequestClaimed"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(sequences_of(result), (std::vector<std::uint64_t>{4}));

  result = replay({"list", "--type", "StepStarted", "--stream", "build/", "--from", "6"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(sequences_of(result), (std::vector<std::uint64_t>{6}));

  // A known type with no events: nothing, and no error.
  result = replay({"list", "--type", "SlaveAttached"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
}

TEST_F(ReplayCli, UnknownTypeIsRejectedWithTheValidNames) {
  auto result = replay({"list", "--type", "BuildBegun"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_TRUE(result.err.starts_with("eventbot-replay: ")) << result.err;
  EXPECT_NE(result.err.find("BuildBegun"), std::string::npos) << result.err;
  for (const char* valid : {"ChangeAdded", "BuildStarted", "LogChunk", "ActorFailed"}) {
    EXPECT_NE(result.err.find(valid), std::string::npos) << valid << " in " << result.err;
  }
}

TEST_F(ReplayCli, JsonLinesCarryTheEnvelopeAndBody) {
  auto result = replay({"list", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 10u) << result.out;
  const std::vector<std::pair<std::string, std::string>> expected = {
      {streams::changes(), "change_added"},
      {streams::buildset(1), "buildset_submitted"},
      {streams::build_request(1), "build_request_submitted"},
      {streams::build_request(1), "build_request_claimed"},
      {kBuildStream, "build_started"},
      {kBuildStream, "step_started"},
      {kLogStream, "log_chunk"},
      {kBuildStream, "step_finished"},
      {kBuildStream, "build_finished"},
      {streams::master("m1"), "master_heartbeat"},
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto json = nlohmann::json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(json.is_discarded()) << lines[i];
    // Protobuf's JSON mapping writes 64-bit integers as strings.
    EXPECT_EQ(json.value("sequence", ""), std::to_string(i + 1)) << lines[i];
    EXPECT_EQ(json.value("stream", ""), expected[i].first) << lines[i];
    EXPECT_TRUE(json.contains(expected[i].second)) << expected[i].second << " in " << lines[i];
    EXPECT_TRUE(json.contains("time_us")) << lines[i];
    EXPECT_TRUE(json.contains("stream_version")) << lines[i];
  }
  auto claim = nlohmann::json::parse(lines[3]);
  EXPECT_EQ(claim["stream_version"], "2");
  EXPECT_EQ(claim["build_request_claimed"]["master_id"], "m1");
  auto finished = nlohmann::json::parse(lines[8]);
  EXPECT_EQ(finished["build_finished"]["result"], "SUCCESS");

  result = replay({"list", "--json", "--type", "LogChunk"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(lines_of(result.out).size(), 1u) << result.out;
  auto chunk = nlohmann::json::parse(lines_of(result.out)[0]);
  EXPECT_EQ(chunk["sequence"], "7");
  EXPECT_EQ(chunk["log_chunk"]["size"], 6);
}

TEST_F(ReplayCli, SeesEventsAppendedWhileTheWriterStaysOpen) {
  auto first = replay({"list"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(lines_of(first.out).size(), 10u);

  Envelope attached = event(streams::slave("linux-1"));
  attached.mutable_slave_attached()->set_slave("linux-1");
  append(attached);
  Envelope detached = event(streams::slave("linux-1"));
  detached.mutable_slave_detached()->set_slave("linux-1");
  append(detached);

  auto second = replay({"list", "--from", "10"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto lines = lines_of(second.out);
  ASSERT_EQ(lines.size(), 3u) << second.out;
  EXPECT_NE(lines[1].find("11 "), std::string::npos);
  EXPECT_NE(lines[1].find("slave/linux-1@1 SlaveAttached"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("slave/linux-1@2 SlaveDetached"), std::string::npos) << lines[2];

  auto stats = replay({"stats", "--json"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_EQ(nlohmann::json::parse(stats.out)["head_sequence"], 12);
}

TEST_F(ReplayCli, StatsCountsEventsPerType) {
  auto result = replay({"stats"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("head sequence: 10\n"), std::string::npos) << result.out;
  // Types sorted by name, names padded to the longest, counts aligned on the right.
  EXPECT_NE(result.out.find("events by type:\n"
                            "  BuildFinished          1\n"
                            "  BuildRequestClaimed    1\n"
                            "  BuildRequestSubmitted  1\n"
                            "  BuildStarted           1\n"
                            "  BuildsetSubmitted      1\n"
                            "  ChangeAdded            1\n"
                            "  LogChunk               1\n"
                            "  MasterHeartbeat        1\n"
                            "  StepFinished           1\n"
                            "  StepStarted            1\n"
                            "bytes by column family:\n"),
            std::string::npos)
      << result.out;
  for (const char* family : {"default", "events", "streams", "logs", "snapshots", "meta"}) {
    EXPECT_NE(result.out.find(std::string("  ") + family + " "), std::string::npos)
        << family << " in " << result.out;
  }

  Envelope second_heartbeat = event(streams::master("m1"));
  second_heartbeat.mutable_master_heartbeat()->set_master_id("m1");
  append(second_heartbeat);

  result = replay({"stats", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto json = nlohmann::json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(json.is_discarded()) << result.out;
  EXPECT_EQ(json["head_sequence"], 11);
  EXPECT_EQ(json["events_by_type"]["MasterHeartbeat"], 2);
  EXPECT_EQ(json["events_by_type"]["LogChunk"], 1);
  EXPECT_EQ(json["events_by_type"].size(), 10u);
  EXPECT_GT(json["column_family_bytes"]["events"].get<std::uint64_t>(), 0u);
  EXPECT_GT(json["column_family_bytes"]["logs"].get<std::uint64_t>(), 0u);
}

TEST_F(ReplayCli, NeverWritesToTheStoreDirectory) {
  auto before = files_in(dir_.path());
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"list"}, {"list", "--json"}, {"stats"}, {"stats", "--json"}}) {
    auto result = replay(args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  EXPECT_EQ(files_in(dir_.path()), before);
}

TEST_F(ReplayCli, DirectoryThatIsNotAStoreIsAStoreError) {
  TempDir other("replay-cli-other");
  std::ofstream(other / "notes.txt") << "not an event log\n";
  auto result = replay_in(other.path(), {"list"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_TRUE(result.err.starts_with("eventbot-replay: ")) << result.err;
  EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
  EXPECT_NE(result.err.find("not an Eventbot store"), std::string::npos) << result.err;
  EXPECT_EQ(files_in(other.path()).size(), 1u);

  result = replay_in(other / "missing", {"stats"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(result.err.starts_with("eventbot-replay: ")) << result.err;
}

TEST_F(ReplayCli, StoreOfANewerSchemaIsAStoreError) {
  put_raw("meta", "schema_version", "999");
  auto result = replay({"list"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_TRUE(result.err.starts_with("eventbot-replay: ")) << result.err;
  EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
  EXPECT_NE(result.err.find("newer Eventbot"), std::string::npos) << result.err;
}

TEST_F(ReplayCli, BadUsageExitsWithTwo) {
  const std::vector<std::vector<std::string>> bad = {
      {},                               // no subcommand
      {"frobnicate"},                   // unknown subcommand
      {"list", "--from", "three"},      // not a number
      {"list", "--to", "0"},            // sequences start at 1
      {"list", "--colour"},             // unknown option
      {"stats", "--type", "LogChunk"},  // an option of another subcommand
  };
  for (const auto& args : bad) {
    auto result = replay(args);
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    EXPECT_EQ(result.exit_code, 2) << shown << "\n" << result.err;
    EXPECT_TRUE(result.err.starts_with("eventbot-replay: ")) << shown << "\n" << result.err;
    EXPECT_EQ(lines_of(result.err).size(), 1u) << shown << "\n" << result.err;
  }
  // No DIR at all.
  auto result = testing::run_process({testing::binary_dir() + "/eventbot-replay"});
  EXPECT_EQ(result.exit_code, 2) << result.err;

  result = testing::run_process({testing::binary_dir() + "/eventbot-replay", "--help"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("list"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("stats"), std::string::npos) << result.out;
}

TEST_F(ReplayCli, CorruptRecordStopsTheListingAfterTheEventsBeforeIt) {
  // Wire type 7 does not exist: no protobuf parser accepts this record.
  put_raw("events", store::keys::big_endian(4), std::string("\x0f\xff\xff", 3));

  auto result = replay({"list"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(sequences_of(result), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_TRUE(result.err.starts_with("eventbot-replay: ")) << result.err;
  EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
  EXPECT_NE(result.err.find("sequence 4"), std::string::npos) << result.err;

  // Filters do not hide the corruption: the scan still has to read the record.
  result = replay({"list", "--type", "BuildFinished"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("sequence 4"), std::string::npos) << result.err;

  // A range that ends before it is fine.
  result = replay({"list", "--to", "3"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(sequences_of(result), (std::vector<std::uint64_t>{1, 2, 3}));

  result = replay({"stats"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("sequence 4"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace eventbot
