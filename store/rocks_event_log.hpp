#pragma once
// The embedded event log: one RocksDB database in a master's directory.
//
// Column families:
//   events     big-endian sequence          -> Envelope (LogChunk bodies without data)
//   streams    stream '\0' big-endian version -> big-endian sequence
//   logs       log stream '\0' big-endian chunk index -> LogChunk with data (ZSTD)
//   snapshots  projection name               -> Snapshot record
//   meta       "format", "schema_version"    -> identify the directory as a store
//
// Appends are serialised through one writer; appends that wait while a write is under
// way are written together as one batch and, with group commit, share one WAL sync.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "store/event_log.hpp"
#include "store/snapshot_store.hpp"
#include "store/write_queue.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace eventbot::store {

enum class Durability {
  sync_each,     // every append is one write with its own WAL sync
  group_commit,  // appends that arrive together share one WAL sync (the default)
  no_sync,       // the WAL is written but not synced: survives a process crash, not a power loss
};

const char* to_string(Durability d);
std::optional<Durability> parse_durability(std::string_view text);

struct RocksOptions {
  std::filesystem::path dir;
  Durability durability = Durability::group_commit;
  bool create_if_missing = true;
  // Clock for time_us stamps on events appended without one; the system clock if empty.
  std::function<std::int64_t()> now_us;
  // Called once, on the writing thread, when RocksDB failed a write (a full disk, an I/O
  // error). From then on the store writes nothing: see write_failed().
  std::function<void(const std::string& reason)> on_write_failure;
  // The free space the store keeps on its disk: an append that would start with less
  // free is refused, and the store fails closed (write_failed()). RocksDB must never meet
  // a full disk itself: Debian's build aborts the process inside its log writer when an
  // append fails with ENOSPC. 0: no check.
  std::uint64_t min_free_bytes = kDefaultMinFreeBytes;
  static constexpr std::uint64_t kDefaultMinFreeBytes = 64ull << 20;
};

class RocksEventLog final : public EventLog, public SnapshotStore {
 public:
  // Opens (or creates) the store for reading and writing. Refuses a directory that is
  // not an Eventbot store, or one written by a newer schema.
  static StoreResult<std::unique_ptr<RocksEventLog>> open(const RocksOptions& options);

  // Opens the store for reading while another process may be writing it (a RocksDB
  // secondary instance). Call catch_up() to see what the writer appended since.
  static StoreResult<std::unique_ptr<RocksEventLog>> open_for_reading(
      const std::filesystem::path& dir);

  ~RocksEventLog() override;
  RocksEventLog(const RocksEventLog&) = delete;
  RocksEventLog& operator=(const RocksEventLog&) = delete;

  StoreResult<AppendResult> append(AppendRequest request) override;
  StoreResult<std::vector<Envelope>> read_forward(Sequence from, std::size_t limit) override;
  StoreResult<Sequence> scan(Sequence from, Sequence to,
                             const std::function<bool(const Envelope&)>& visit) override;
  StoreResult<std::vector<Envelope>> read_stream(std::string_view stream, StreamVersion from,
                                                 std::size_t limit) override;
  StoreResult<StreamVersion> stream_version(std::string_view stream) override;
  StoreResult<std::vector<LogChunkData>> read_log(std::string_view log_stream, StreamVersion from,
                                                  std::size_t limit) override;
  Sequence head() override;
  Sequence wait_for_head_beyond(Sequence after, std::chrono::milliseconds timeout) override;

  StoreResult<Ok> save_snapshot(std::string_view projection, const Snapshot& snapshot) override;
  StoreResult<std::optional<Snapshot>> load_snapshot(std::string_view projection) override;
  StoreResult<Ok> delete_snapshot(std::string_view projection) override;

  // For a store opened for reading: see what the writer has appended since.
  StoreResult<Ok> catch_up();

  // Approximate bytes of data (in SST files and memtables) per column family, by name.
  std::map<std::string, std::uint64_t> column_family_bytes();

  // Writes memtables to SST files (for tools and tests that inspect files).
  StoreResult<Ok> flush();

  // The column families, for tools that read (or check) the records as they are stored.
  enum class Family { events, streams, logs, snapshots };
  // Visits every record of one column family in key order, raw, from `from_key` on, until
  // `visit` returns false. The slices are only valid during the call.
  StoreResult<Ok> scan_family(
      Family family, std::string_view from_key,
      const std::function<bool(std::string_view key, std::string_view value)>& visit);
  // Reads every block of every SST file and checks it against the checksum RocksDB
  // recorded when it wrote the file (what is still only in the WAL was checked when it
  // was read back). Returns the number of SST files checked.
  StoreResult<std::uint64_t> verify_checksums();
  // Writes events as they were exported from another store: their sequences, versions,
  // times and links kept, a LogChunk's bytes into the logs column family. Each sequence
  // must be beyond the head; nothing else is checked (`eventbot-replay verify` does).
  // Not to be called while appends run (a tool filling a fresh store).
  StoreResult<Ok> import_events(std::vector<Envelope> events);

  const std::filesystem::path& dir() const { return dir_; }
  bool read_only() const { return read_only_; }
  // After RocksDB failed a write, the store fails closed: every later append, snapshot
  // save or flush is refused (StoreErrc::io_error) without calling RocksDB, whose WAL
  // writer is not to be used again after a failed append (Debian's build asserts on
  // it), and after such a failure the database is not closed cleanly either. Everything
  // acknowledged before is durable in the WAL; a restart (once the disk has room) recovers it, as
  // after a crash.
  bool write_failed() const override { return write_failed_.load(); }

 private:
  struct Handles;
  RocksEventLog(std::filesystem::path dir, bool read_only, RocksOptions options);

  StoreResult<Ok> load_head();
  StoreResult<StreamVersion> stored_stream_version(std::string_view stream);
  // Validates and writes one group of appends; called by the write queue's leader.
  void write_group(std::vector<WriteQueue::Pending*>& group);
  std::int64_t now_us() const;

  std::filesystem::path dir_;
  bool read_only_;
  std::atomic<bool> write_failed_{false};
  std::string write_failure_;  // set once, before write_failed_
  StoreError refused_after_failure() const;
  void check_free_space();  // fails writes when the disk's free space is below the reserve
  // `what` failed (with RocksDB's status); `by_rocksdb`: RocksDB itself failed the write,
  // so its log writer is not to be touched again, not even to close it.
  void fail_writes(const std::string& what, bool by_rocksdb);
  bool rocksdb_failed_ = false;
  RocksOptions options_;
  std::filesystem::path secondary_dir_;  // scratch directory of a reading instance
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<Handles> cf_;

  WriteQueue write_queue_;
  // Versions of streams touched by this writer; only the write queue's leader uses it.
  std::unordered_map<std::string, StreamVersion> stream_versions_;

  std::mutex head_mutex_;
  std::condition_variable head_advanced_;
  std::atomic<std::uint64_t> head_{0};
};

}  // namespace eventbot::store
