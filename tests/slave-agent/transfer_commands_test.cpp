// make_command for upload_file, upload_directory and download_file: 100 MB each way with
// SHA-256 checksums, max_size, wrong sizes, interrupts, and the tar stream of a directory
// extracted and compared.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <thread>

#include "tests/slave-agent/commands_test_support.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::slave {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using eventbot::testing::TempDir;
using eventbot::testing::wait_until;
using test::RecordingOutput;
using test::run_command;
using test::write_file;

// Deterministic pseudo-random bytes (xorshift64), so a wrong offset changes the hash.
class Bytes {
 public:
  explicit Bytes(std::uint64_t seed) : state_(seed | 1) {}
  std::string next(std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; i += 8) {
      state_ ^= state_ << 13;
      state_ ^= state_ >> 7;
      state_ ^= state_ << 17;
      std::memcpy(out.data() + i, &state_, std::min<std::size_t>(8, size - i));
    }
    return out;
  }

 private:
  std::uint64_t state_;
};

class TransferTest : public ::testing::Test {
 protected:
  TempDir dir{"eventbot-transfer"};
  CommandContext context;
  fs::path work;

  void SetUp() override {
    context.basedir = dir.path();
    context.builder_dir = dir.path() / "builder";
    context.flush_ms = 10;
    work = dir.path() / "builder" / "build";
    fs::create_directories(work);
  }

  static wire::StartCommand upload(const std::string& source, std::uint64_t max_size = 0) {
    wire::StartCommand start;
    start.mutable_upload_file()->set_workdir("build");
    start.mutable_upload_file()->set_source(source);
    start.mutable_upload_file()->set_max_size(max_size);
    return start;
  }

  static wire::StartCommand download(const std::string& dest, std::uint64_t size,
                                     std::uint64_t max_size = 0, std::uint32_t mode = 0) {
    wire::StartCommand start;
    auto* args = start.mutable_download_file();
    args->set_workdir("build");
    args->set_dest(dest);
    args->set_size(size);
    args->set_max_size(max_size);
    args->set_mode(mode);
    return start;
  }

  // Files in `d` whose names mark them as download temporaries.
  static std::vector<fs::path> temporaries(const fs::path& d) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (auto& entry : fs::directory_iterator(d, ec)) {
      if (entry.path().filename().string().find(".eventbot-download-") != std::string::npos) {
        found.push_back(entry.path());
      }
    }
    return found;
  }
};

TEST_F(TransferTest, UploadOf100MBArrivesWhole) {
  const std::size_t total = 100u << 20;
  {
    std::ofstream file(work / "big.bin", std::ios::binary);
    Bytes bytes(42);
    for (std::size_t done = 0; done < total; done += 1 << 20) file << bytes.next(1 << 20);
  }
  std::string expected = test::sha256_of_file(work / "big.bin");
  auto start = upload("big.bin");
  start.mutable_upload_file()->set_keep_stamp(true);
  RecordingOutput out;
  out.keep_file_data = false;
  auto result = run_command(start, context, out, 300s);
  EXPECT_EQ(result.outcome(), wire::FINISHED) << result.failure_reason();
  EXPECT_EQ(result.rc(), 0);
  EXPECT_EQ(out.file_bytes(), total);
  EXPECT_EQ(out.file_sha256(), expected);
  EXPECT_LE(out.max_size(wire::FILE_DATA), context.chunk_bytes);
  EXPECT_EQ(out.count(wire::FILE_DATA), total / context.chunk_bytes);
  struct stat st {};
  ASSERT_EQ(::stat((work / "big.bin").c_str(), &st), 0);
  EXPECT_EQ(
      result.values().at("mtime"), std::to_string(st.st_mtim.tv_sec) + "." + [&] {
        std::string ns = std::to_string(st.st_mtim.tv_nsec);
        return std::string(9 - ns.size(), '0') + ns;
      }());
  EXPECT_TRUE(result.values().contains("atime"));
  EXPECT_NE(out.header().find("sending " + (work / "big.bin").string()), std::string::npos);
}

TEST_F(TransferTest, UploadWithoutKeepStampHasNoTimes) {
  write_file(work / "small.txt", "hello");
  RecordingOutput out;
  auto result = run_command(upload("small.txt"), context, out);
  EXPECT_EQ(result.rc(), 0);
  EXPECT_EQ(out.file_data(), "hello");
  EXPECT_FALSE(result.values().contains("mtime"));
}

TEST_F(TransferTest, UploadOverMaxSizeFailsAndSendsNothing) {
  write_file(work / "k.bin", std::string(1000, 'k'));
  {
    RecordingOutput out;
    auto result = run_command(upload("k.bin", 999), context, out);
    EXPECT_EQ(result.outcome(), wire::FAILED);
    EXPECT_EQ(result.rc(), 1);
    EXPECT_EQ(result.failure_reason().rfind("maximum size exceeded", 0), 0u)
        << result.failure_reason();
    EXPECT_EQ(out.file_bytes(), 0u);
    EXPECT_NE(out.err().find("Maximum filesize reached"), std::string::npos);
  }
  {
    RecordingOutput out;
    auto result = run_command(upload("k.bin", 1000), context, out);
    EXPECT_EQ(result.rc(), 0);
    EXPECT_EQ(out.file_bytes(), 1000u);
  }
}

TEST_F(TransferTest, UploadOfAMissingFileFails) {
  RecordingOutput out;
  auto result = run_command(upload("nope.bin"), context, out);
  EXPECT_EQ(result.outcome(), wire::FAILED);
  EXPECT_EQ(result.rc(), 1);
  EXPECT_NE(out.err().find("Cannot open file"), std::string::npos) << out.err();
  EXPECT_NE(result.failure_reason().find("No such file"), std::string::npos);
}

TEST_F(TransferTest, UploadInterruptStopsBetweenChunks) {
  write_file(work / "mid.bin", std::string(10u << 20, 'm'));
  RecordingOutput out;
  out.keep_file_data = false;
  std::mutex mutex;
  std::condition_variable cv;
  bool release = false;
  std::atomic<bool> first{false};
  out.on_output = [&](wire::OutputKind kind, const std::string&) {
    if (kind != wire::FILE_DATA || first.exchange(true)) return;
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return release; });
  };
  auto command = test::must_make(upload("mid.bin"), context, out);
  ASSERT_NE(command, nullptr);
  command->start();
  ASSERT_TRUE(wait_until([&] { return first.load(); }));
  command->interrupt("upload no longer wanted");
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  auto result = out.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->outcome(), wire::INTERRUPTED);
  EXPECT_EQ(result->failure_reason(), "interrupted: upload no longer wanted");
  EXPECT_LT(out.file_bytes(), 10u << 20);
}

void make_tree(const fs::path& root) {
  write_file(root / "top.txt", "top");
  write_file(root / "a" / "b" / "deep.bin", std::string(200000, 'd'));
  fs::create_directories(root / "empty");
  fs::create_symlink("top.txt", root / "link");
  fs::permissions(root / "top.txt", fs::perms(0751));
}

// relative path -> "kind:content|target|mode" for every entry under root.
std::map<std::string, std::string> describe(const fs::path& root) {
  std::map<std::string, std::string> tree;
  for (auto& entry : fs::recursive_directory_iterator(root)) {
    std::string rel = fs::relative(entry.path(), root).string();
    if (entry.is_symlink()) {
      tree[rel] = "link:" + fs::read_symlink(entry.path()).string();
    } else if (entry.is_directory()) {
      tree[rel] = "dir";
    } else {
      auto perms = static_cast<unsigned>(entry.status().permissions() & fs::perms::mask);
      tree[rel] = "file:" + std::to_string(perms) + ":" + test::read_file(entry.path());
    }
  }
  return tree;
}

void upload_and_compare(TransferTest& t, const CommandContext& context, const fs::path& work,
                        const fs::path& scratch, bool gz) {
  make_tree(work / "docs");
  wire::StartCommand start;
  start.mutable_upload_directory()->set_workdir("build");
  start.mutable_upload_directory()->set_source("docs");
  start.mutable_upload_directory()->set_compress_gz(gz);
  RecordingOutput out;
  auto result = run_command(start, context, out);
  ASSERT_EQ(result.outcome(), wire::FINISHED) << result.failure_reason() << out.err();
  EXPECT_EQ(result.rc(), 0);
  std::string data = out.file_data();
  ASSERT_GT(data.size(), 2u);
  if (gz) {
    EXPECT_EQ(static_cast<unsigned char>(data[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(data[1]), 0x8b);
  } else {
    EXPECT_GT(data.size(), 200000u);  // uncompressed: the big file is in it as is
  }
  EXPECT_LE(out.max_size(wire::FILE_DATA), context.chunk_bytes);
  write_file(scratch / "stream.tar", data);
  fs::create_directories(scratch / "x");
  auto extracted = eventbot::testing::run_process(
      {"/bin/sh", "-c", "exec tar \"$@\"", "sh", gz ? "-xzf" : "-xf",
       (scratch / "stream.tar").string(), "-C", (scratch / "x").string()});
  ASSERT_EQ(extracted.exit_code, 0) << extracted.err;
  EXPECT_EQ(describe(scratch / "x"), describe(work / "docs"));
  (void)t;
}

TEST_F(TransferTest, UploadDirectoryIsATarOfTheTree) {
  upload_and_compare(*this, context, work, dir.path() / "scratch", false);
}

TEST_F(TransferTest, UploadDirectoryGz) {
  upload_and_compare(*this, context, work, dir.path() / "scratch", true);
}

TEST_F(TransferTest, UploadDirectoryOverMaxSizeFails) {
  make_tree(work / "docs");
  wire::StartCommand start;
  start.mutable_upload_directory()->set_workdir("build");
  start.mutable_upload_directory()->set_source("docs");
  start.mutable_upload_directory()->set_max_size(10000);
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.outcome(), wire::FAILED);
  EXPECT_EQ(result.rc(), 1);
  EXPECT_EQ(result.failure_reason().rfind("maximum size exceeded", 0), 0u)
      << result.failure_reason();
  EXPECT_LE(out.file_bytes(), 10000u);
}

TEST_F(TransferTest, UploadDirectoryOfAMissingDirFails) {
  wire::StartCommand start;
  start.mutable_upload_directory()->set_workdir("build");
  start.mutable_upload_directory()->set_source("nothing");
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.outcome(), wire::FAILED);
  EXPECT_EQ(result.rc(), 1);
  EXPECT_EQ(out.file_bytes(), 0u);
}

TEST_F(TransferTest, DownloadOf100MBArrivesWholeWithBoundedBuffering) {
  const std::size_t piece = 64 * 1024;
  const std::size_t total = 100u << 20;
  RecordingOutput out;
  auto command = test::must_make(download("sub/dir/big.bin", total, 0, 0755), context, out);
  ASSERT_NE(command, nullptr);
  command->start();
  test::Sha256 sent_hash;
  Bytes bytes(7);
  std::size_t sent = 0;
  fs::path dest_dir = work / "sub" / "dir";
  while (sent < total) {
    std::string data = bytes.next(piece);
    sent_hash.update(data);
    sent += data.size();
    command->data(std::move(data), sent == total);
    if ((sent / piece) % 200 == 0 && sent < total) {
      // data() returned: every piece before the one just handed over is on disk.
      auto temps = temporaries(dest_dir);
      ASSERT_EQ(temps.size(), 1u);
      EXPECT_GE(fs::file_size(temps[0]), sent - piece);
    }
  }
  auto result = out.wait(300s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->outcome(), wire::FINISHED) << result->failure_reason();
  EXPECT_EQ(result->rc(), 0);
  EXPECT_EQ(fs::file_size(dest_dir / "big.bin"), total);
  EXPECT_EQ(test::sha256_of_file(dest_dir / "big.bin"), sent_hash.hex());
  EXPECT_EQ(fs::status(dest_dir / "big.bin").permissions() & fs::perms::mask, fs::perms(0755));
  EXPECT_TRUE(temporaries(dest_dir).empty());
}

TEST_F(TransferTest, DownloadWithAWrongTotalFailsAndLeavesNoFile) {
  write_file(work / "old.txt", "the old content");
  {
    RecordingOutput out;
    auto command = test::must_make(download("old.txt", 1000), context, out);
    ASSERT_NE(command, nullptr);
    command->start();
    command->data(std::string(500, 's'), false);
    command->data(std::string(), true);
    auto result = out.wait();
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->outcome(), wire::FAILED);
    EXPECT_EQ(result->rc(), 1);
    EXPECT_NE(result->failure_reason().find("received 500 bytes, expected 1000"), std::string::npos)
        << result->failure_reason();
  }
  EXPECT_EQ(test::read_file(work / "old.txt"), "the old content");
  {
    RecordingOutput out;
    auto command = test::must_make(download("new.txt", 10), context, out);
    ASSERT_NE(command, nullptr);
    command->start();
    command->data(std::string(20, 'l'), true);
    auto result = out.wait();
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->outcome(), wire::FAILED);
    EXPECT_NE(result->failure_reason().find("more than the announced 10 bytes"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(work / "new.txt"));
  EXPECT_TRUE(temporaries(work).empty());
}

TEST_F(TransferTest, DownloadOverMaxSizeFailsAtOnceAndDataDoesNotBlock) {
  RecordingOutput out;
  auto command = test::must_make(download("x.bin", 5000, 4096), context, out);
  ASSERT_NE(command, nullptr);
  command->start();
  auto result = out.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->outcome(), wire::FAILED);
  EXPECT_EQ(result->failure_reason().rfind("maximum size exceeded", 0), 0u);
  for (int i = 0; i < 5; ++i) command->data(std::string(1000, 'x'), i == 4);  // must not block
  EXPECT_FALSE(fs::exists(work / "x.bin"));
  EXPECT_TRUE(temporaries(work).empty());
}

TEST_F(TransferTest, DownloadInterruptedRemovesTheTemporaryFile) {
  RecordingOutput out;
  auto command = test::must_make(download("i.bin", 1 << 20), context, out);
  ASSERT_NE(command, nullptr);
  command->start();
  command->data(std::string(1000, 'i'), false);
  command->data(std::string(1000, 'i'), false);
  command->interrupt("master went away");
  auto result = out.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->outcome(), wire::INTERRUPTED);
  EXPECT_EQ(result->failure_reason(), "interrupted: master went away");
  command->data(std::string(1000, 'i'), false);  // returns: the command has ended
  EXPECT_FALSE(fs::exists(work / "i.bin"));
  EXPECT_TRUE(temporaries(work).empty());
}

TEST_F(TransferTest, DownloadOfAnEmptyFile) {
  RecordingOutput out;
  auto command = test::must_make(download("empty.txt", 0), context, out);
  ASSERT_NE(command, nullptr);
  command->start();
  command->data("", true);
  auto result = out.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->rc(), 0);
  EXPECT_TRUE(fs::exists(work / "empty.txt"));
  EXPECT_EQ(fs::file_size(work / "empty.txt"), 0u);
}

TEST_F(TransferTest, InvalidArguments) {
  RecordingOutput out;
  std::string error;
  EXPECT_EQ(make_command(upload(""), context, out, error), nullptr);
  EXPECT_EQ(make_command(download("", 1), context, out, error), nullptr);
  wire::StartCommand dir_upload;
  dir_upload.mutable_upload_directory();
  EXPECT_EQ(make_command(dir_upload, context, out, error), nullptr);
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace eventbot::slave
