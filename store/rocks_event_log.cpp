#include "store/rocks_event_log.hpp"

#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>

#include "common/utf8.hpp"
#include "events/causes.hpp"
#include "events/event_type.hpp"
#include "events/text_fields.hpp"
#include "store/keys.hpp"
#include "store/schema_version.hpp"
#include "store/write_latency.hpp"

namespace eventbot::store {
namespace fs = std::filesystem;

namespace {

constexpr char kEventsCf[] = "events";
constexpr char kStreamsCf[] = "streams";
constexpr char kLogsCf[] = "logs";
constexpr char kSnapshotsCf[] = "snapshots";
constexpr char kMetaCf[] = "meta";
constexpr char kFormatKey[] = "format";
constexpr char kSchemaKey[] = "schema_version";

// Group commit takes at most this many appends into one write.
constexpr std::size_t kMaxGroup = 1024;
// The stream-version cache is dropped when it grows past this; the store is the truth.
constexpr std::size_t kMaxCachedStreams = 100'000;

StoreError error(StoreErrc code, std::string message, std::uint64_t sequence = 0) {
  return StoreError{code, std::move(message), std::nullopt, sequence};
}

StoreError io_error(const rocksdb::Status& status, std::string_view what) {
  return error(StoreErrc::io_error, std::string(what) + ": " + status.ToString());
}

// The part of a stream-keyed key up to and including its '\0': the stream's name.
// Appends to one stream insert in order, so RocksDB keeps an insert position per stream
// ("memtable insert hint") instead of searching the memtable from the top each time.
class StreamPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "eventbot.StreamPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* nul = std::memchr(key.data(), '\0', key.size());
    auto length = nul ? static_cast<const char*>(nul) - key.data() + 1 : key.size();
    return rocksdb::Slice(key.data(), length);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return std::memchr(key.data(), '\0', key.size()) != nullptr;
  }
};

// The memtables of all column families together (rocksdb::WriteBufferManager); see
// docs/PERFORMANCE.md, "One memtable budget".
constexpr std::size_t kMemtableBudget = 32 << 20;

// Level compaction as RocksDB tunes it, but each full memtable is flushed on its own:
// OptimizeLevelStyleCompaction's min_write_buffer_number_to_merge = 2 made a manual
// Flush() after two automatic switches wait forever (RocksDB 7.8, seen with 1M events).
rocksdb::ColumnFamilyOptions base_options() {
  rocksdb::ColumnFamilyOptions options;
  options.OptimizeLevelStyleCompaction();
  options.write_buffer_size = 64 << 20;
  options.max_write_buffer_number = 4;
  options.min_write_buffer_number_to_merge = 1;
  return options;
}

rocksdb::ColumnFamilyOptions events_options() {
  auto options = base_options();
  // Sequence keys only grow: one insert hint for the whole column family.
  options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(0));
  return options;
}

rocksdb::ColumnFamilyOptions streams_options() {
  auto options = base_options();
  options.memtable_insert_with_hint_prefix_extractor = std::make_shared<StreamPrefix>();
  return options;
}

rocksdb::ColumnFamilyOptions logs_options() {
  auto options = base_options();
  options.memtable_insert_with_hint_prefix_extractor = std::make_shared<StreamPrefix>();
  // Logs compress well and are read as whole ranges: large blocks, ZSTD.
  // OptimizeLevelStyleCompaction set a per-level list (none, then LZ4) that overrides
  // `compression`: without clearing it, logs were stored uncompressed.
  options.compression_per_level.clear();
  options.compression = rocksdb::kZSTD;
  options.bottommost_compression = rocksdb::kZSTD;
  rocksdb::BlockBasedTableOptions table;
  table.block_size = 64 * 1024;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

rocksdb::ColumnFamilyOptions options_for(const std::string& name) {
  if (name == kLogsCf) return logs_options();
  if (name == kStreamsCf) return streams_options();
  return events_options();
}

bool has_rocksdb_files(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "CURRENT", ec);
}

bool is_empty_dir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::is_empty(dir, ec);
}

// Lies in a new store's directory from before RocksDB writes anything there until the
// store's format marker is written: a directory holding it is a store whose creation was
// cut short (a crash), and the next open finishes the creation instead of refusing it.
constexpr char kCreatingFile[] = "EVENTBOT-CREATING";

// Creates `dir` if it is missing, and the creating marker in it, durably.
StoreResult<Ok> mark_creating(const fs::path& dir) {
  std::error_code ec;
  fs::create_directory(dir, ec);
  int fd = ec ? -1 : ::open((dir / kCreatingFile).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return unexpected(error(StoreErrc::io_error, "cannot create a store in " + dir.string()));
  }
  ::close(fd);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Ok{};
}

bool stream_name_ok(const std::string& stream) {
  return !stream.empty() && stream.find('\0') == std::string::npos;
}

// Decodes an event record into `into`, checking that it is the record its key names.
StoreResult<Ok> decode_event(const rocksdb::Slice& key, const rocksdb::Slice& value,
                             Envelope& into) {
  auto sequence = keys::from_big_endian(std::string_view(key.data(), key.size()));
  if (!sequence) {
    return unexpected(
        error(StoreErrc::corrupt_record,
              "event key of " + std::to_string(key.size()) + " bytes is not a sequence number"));
  }
  if (!into.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    const auto what = events::describe_record(std::string_view(value.data(), value.size()));
    return unexpected(error(StoreErrc::corrupt_record,
                            "event at sequence " + std::to_string(*sequence) +
                                (what.empty() ? std::string() : " (" + what + ")") +
                                " is corrupt: its record of " + std::to_string(value.size()) +
                                " bytes cannot be decoded (damaged bytes, or text that is not "
                                "UTF-8)",
                            *sequence));
  }
  if (into.sequence() != *sequence) {
    return unexpected(error(StoreErrc::corrupt_record,
                            "event at sequence " + std::to_string(*sequence) +
                                " is corrupt: its record says sequence " +
                                std::to_string(into.sequence()),
                            *sequence));
  }
  return Ok{};
}

// Refuses a store whose schema version is newer than this Eventbot reads, for writing
// and reading alike.
StoreResult<Ok> check_schema(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta,
                             const fs::path& dir) {
  std::string schema;
  auto status = db->Get(rocksdb::ReadOptions(), meta, kSchemaKey, &schema);
  if (!status.ok()) return unexpected(io_error(status, "reading the schema version"));
  if (std::strtoull(schema.c_str(), nullptr, 10) > kSchemaVersion) {
    return unexpected(error(StoreErrc::newer_schema,
                            dir.string() + " was written by a newer Eventbot (store schema " +
                                schema + ", this Eventbot reads up to " +
                                std::to_string(kSchemaVersion) + "); upgrade Eventbot to open it"));
  }
  return Ok{};
}

}  // namespace

struct RocksEventLog::Handles {
  std::vector<rocksdb::ColumnFamilyHandle*> all;
  rocksdb::ColumnFamilyHandle* events = nullptr;
  rocksdb::ColumnFamilyHandle* streams = nullptr;
  rocksdb::ColumnFamilyHandle* logs = nullptr;
  rocksdb::ColumnFamilyHandle* snapshots = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;

  void assign(const std::vector<std::string>& names) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == kEventsCf) events = all[i];
      if (names[i] == kStreamsCf) streams = all[i];
      if (names[i] == kLogsCf) logs = all[i];
      if (names[i] == kSnapshotsCf) snapshots = all[i];
      if (names[i] == kMetaCf) meta = all[i];
    }
  }
};

const char* to_string(Durability d) {
  switch (d) {
    case Durability::sync_each:
      return "sync";
    case Durability::group_commit:
      return "group";
    case Durability::no_sync:
      return "nosync";
  }
  return "?";
}

std::optional<Durability> parse_durability(std::string_view text) {
  if (text == "sync") return Durability::sync_each;
  if (text == "group") return Durability::group_commit;
  if (text == "nosync") return Durability::no_sync;
  return std::nullopt;
}

RocksEventLog::RocksEventLog(fs::path dir, bool read_only, RocksOptions options)
    : dir_(std::move(dir)),
      read_only_(read_only),
      options_(std::move(options)),
      cf_(std::make_unique<Handles>()),
      write_queue_(options_.durability == Durability::sync_each ? 1 : kMaxGroup) {}

RocksEventLog::~RocksEventLog() {
  if (db_ && rocksdb_failed_) {
    // Not closed: closing flushes and syncs through the WAL writer that failed. The
    // process ends soon after; the next open recovers from the WAL, as after a crash.
    for (auto* handle : cf_->all) db_->DestroyColumnFamilyHandle(handle);
    cf_->all.clear();
    (void)db_.release();
  }
  if (db_) {
    for (auto* handle : cf_->all) db_->DestroyColumnFamilyHandle(handle);
    cf_->all.clear();
    db_->Close();
    db_.reset();
  }
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(secondary_dir_, ec);
  }
}

StoreResult<std::unique_ptr<RocksEventLog>> RocksEventLog::open(const RocksOptions& options) {
  const fs::path& dir = options.dir;
  std::error_code ec;
  bool exists = fs::exists(dir, ec);
  if (!exists && !options.create_if_missing) {
    return unexpected(error(StoreErrc::not_a_store, dir.string() + " does not exist"));
  }
  if (exists && !fs::is_directory(dir, ec)) {
    return unexpected(error(StoreErrc::not_a_store,
                            dir.string() + " is not a directory, so not an Eventbot store"));
  }
  bool fresh = !exists || is_empty_dir(dir);
  bool unfinished = !fresh && fs::exists(dir / kCreatingFile, ec);
  if (!fresh && !unfinished && !has_rocksdb_files(dir)) {
    return unexpected(error(StoreErrc::not_a_store,
                            dir.string() +
                                " is not an Eventbot store: it holds files but no event log "
                                "(refusing to write into it)"));
  }

  if (fresh) {
    if (auto marked = mark_creating(dir); !marked) return unexpected(marked.error());
  }

  std::vector<std::string> names = {
      rocksdb::kDefaultColumnFamilyName, kEventsCf, kStreamsCf, kLogsCf, kSnapshotsCf, kMetaCf};
  if (!fresh && !unfinished) {
    std::vector<std::string> existing;
    auto status = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &existing);
    if (!status.ok()) return unexpected(io_error(status, "listing " + dir.string()));
    std::set<std::string> have(existing.begin(), existing.end());
    if (!have.count(kMetaCf) || !have.count(kEventsCf)) {
      return unexpected(error(StoreErrc::not_a_store,
                              dir.string() +
                                  " is a RocksDB database but not an Eventbot store (it has no "
                                  "'meta' and 'events' column families)"));
    }
    for (const auto& name : existing) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_background_jobs = 2;
  // One budget for the memtables of every column family: without it each may hold up to
  // 4 x 64 MiB, and a master that has just run many builds kept ~65 MiB of them until a
  // flush. Reaching the budget flushes the largest memtable.
  db_options.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(kMemtableBudget);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) descriptors.emplace_back(name, options_for(name));

  std::unique_ptr<RocksEventLog> log(new RocksEventLog(dir, false, options));
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(db_options, dir.string(), descriptors, &log->cf_->all, &raw);
  if (!status.ok()) return unexpected(io_error(status, "opening " + dir.string()));
  log->db_.reset(raw);
  log->cf_->assign(names);

  // Identify the directory, or check that it is ours and not from a newer schema.
  std::string format;
  status = raw->Get(rocksdb::ReadOptions(), log->cf_->meta, kFormatKey, &format);
  if (status.IsNotFound()) {
    // A store whose creation was cut short has no events yet; anything else is not ours.
    std::unique_ptr<rocksdb::Iterator> it(
        raw->NewIterator(rocksdb::ReadOptions(), log->cf_->events));
    it->SeekToFirst();
    if (it->Valid()) {
      return unexpected(
          error(StoreErrc::not_a_store, dir.string() + " has events but no store format marker"));
    }
    rocksdb::WriteBatch batch;
    batch.Put(log->cf_->meta, kFormatKey, kStoreFormat);
    batch.Put(log->cf_->meta, kSchemaKey, std::to_string(kSchemaVersion));
    rocksdb::WriteOptions sync;
    sync.sync = true;
    status = raw->Write(sync, &batch);
    if (!status.ok()) return unexpected(io_error(status, "writing the store marker"));
  } else if (!status.ok()) {
    return unexpected(io_error(status, "reading the store marker"));
  } else if (format != kStoreFormat) {
    return unexpected(error(StoreErrc::not_a_store,
                            dir.string() + " is not an Eventbot store (format '" + format + "')"));
  } else if (auto schema = check_schema(raw, log->cf_->meta, dir); !schema) {
    return unexpected(schema.error());
  }
  // The format marker is durable: the store is complete.
  if (fresh || unfinished) fs::remove(dir / kCreatingFile, ec);

  if (auto loaded = log->load_head(); !loaded) return unexpected(loaded.error());
  return log;
}

StoreResult<std::unique_ptr<RocksEventLog>> RocksEventLog::open_for_reading(const fs::path& dir) {
  if (!has_rocksdb_files(dir)) {
    return unexpected(error(StoreErrc::not_a_store,
                            dir.string() + " is not an Eventbot store (no event log there)"));
  }
  std::vector<std::string> names;
  auto status = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &names);
  if (!status.ok()) return unexpected(io_error(status, "listing " + dir.string()));
  if (std::find(names.begin(), names.end(), kMetaCf) == names.end() ||
      std::find(names.begin(), names.end(), kEventsCf) == names.end()) {
    return unexpected(error(StoreErrc::not_a_store,
                            dir.string() + " is a RocksDB database but not an Eventbot store"));
  }

  std::string scratch = (fs::temp_directory_path() / "eventbot-reader-XXXXXX").string();
  if (::mkdtemp(scratch.data()) == nullptr) {
    return unexpected(error(StoreErrc::io_error, "cannot make a scratch directory in /tmp"));
  }

  rocksdb::DBOptions db_options;
  db_options.max_open_files = -1;  // required of a secondary instance
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) descriptors.emplace_back(name, options_for(name));

  RocksOptions options;
  options.dir = dir;
  std::unique_ptr<RocksEventLog> log(new RocksEventLog(dir, true, options));
  log->secondary_dir_ = scratch;
  rocksdb::DB* raw = nullptr;
  status = rocksdb::DB::OpenAsSecondary(db_options, dir.string(), scratch, descriptors,
                                        &log->cf_->all, &raw);
  if (!status.ok()) return unexpected(io_error(status, "opening " + dir.string() + " to read"));
  log->db_.reset(raw);
  log->cf_->assign(names);

  std::string format;
  status = raw->Get(rocksdb::ReadOptions(), log->cf_->meta, kFormatKey, &format);
  if (!status.ok() || format != kStoreFormat) {
    return unexpected(error(StoreErrc::not_a_store,
                            dir.string() + " is not an Eventbot store (no format marker)"));
  }
  if (auto schema = check_schema(raw, log->cf_->meta, dir); !schema) {
    return unexpected(schema.error());
  }
  if (auto loaded = log->load_head(); !loaded) return unexpected(loaded.error());
  return log;
}

StoreResult<Ok> RocksEventLog::load_head() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_->events));
  it->SeekToLast();
  if (!it->status().ok()) return unexpected(io_error(it->status(), "finding the head"));
  std::uint64_t head = 0;
  if (it->Valid()) {
    auto sequence = keys::from_big_endian(std::string_view(it->key().data(), it->key().size()));
    if (!sequence) {
      return unexpected(error(StoreErrc::corrupt_record, "the last event key is not a sequence"));
    }
    head = *sequence;
  }
  {
    std::lock_guard lock(head_mutex_);
    head_ = head;
  }
  head_advanced_.notify_all();
  return Ok{};
}

StoreResult<Ok> RocksEventLog::catch_up() {
  if (!read_only_) return Ok{};
  auto status = db_->TryCatchUpWithPrimary();
  if (!status.ok()) return unexpected(io_error(status, "catching up with the writer"));
  stream_versions_.clear();
  return load_head();
}

std::int64_t RocksEventLog::now_us() const {
  if (options_.now_us) return options_.now_us();
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Sequence RocksEventLog::head() {
  return Sequence(head_.load());
}

Sequence RocksEventLog::wait_for_head_beyond(Sequence after, std::chrono::milliseconds timeout) {
  if (read_only_) {
    // A reading instance learns of new events only by asking: poll the writer's files.
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (head_.load() <= after.value() && std::chrono::steady_clock::now() < deadline) {
      (void)catch_up();
      if (head_.load() > after.value()) break;
      std::unique_lock lock(head_mutex_);
      head_advanced_.wait_for(lock, std::chrono::milliseconds(20));
    }
    return head();
  }
  std::unique_lock lock(head_mutex_);
  head_advanced_.wait_for(lock, timeout, [&] { return head_.load() > after.value(); });
  return head();
}

StoreResult<StreamVersion> RocksEventLog::stored_stream_version(std::string_view stream) {
  auto prefix = keys::stream_prefix(stream);
  auto upper = keys::stream_key(stream, ~std::uint64_t{0});
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_->streams));
  it->SeekForPrev(upper);
  if (!it->status().ok()) return unexpected(io_error(it->status(), "reading a stream version"));
  if (!it->Valid()) return StreamVersion(0);
  auto version = keys::version_in(std::string_view(it->key().data(), it->key().size()), prefix);
  return StreamVersion(version.value_or(0));
}

StoreResult<StreamVersion> RocksEventLog::stream_version(std::string_view stream) {
  return stored_stream_version(stream);
}

StoreResult<AppendResult> RocksEventLog::append(AppendRequest request) {
  if (read_only_) {
    return unexpected(error(StoreErrc::read_only, "the store was opened for reading only"));
  }
  for (const auto& event : request.events) {
    if (!stream_name_ok(event.stream())) {
      return unexpected(
          error(StoreErrc::invalid_argument, "every event needs a stream name without NUL bytes"));
    }
    if (event.body_case() == Envelope::BODY_NOT_SET) {
      return unexpected(
          error(StoreErrc::invalid_argument,
                "an event for stream '" + to_valid_utf8(event.stream()) + "' has no body"));
    }
    // Written, it could never be read back: every reader would stop at it.
    if (auto bad = events::invalid_text_field(event)) {
      return unexpected(error(
          StoreErrc::invalid_argument,
          "an event " + events::type_name(event) + " for stream '" + to_valid_utf8(event.stream()) +
              "' holds text that is not UTF-8 in " + *bad + "; nothing of the append was written"));
    }
  }
  for (const auto& [effect, cause] : request.caused_in_batch) {
    if (cause >= effect || effect >= request.events.size()) {
      return unexpected(error(StoreErrc::invalid_argument,
                              "event " + std::to_string(effect) + " of an append names event " +
                                  std::to_string(cause) +
                                  " as its cause, which is not an earlier event of it"));
    }
  }
  return write_queue_.submit(
      std::move(request), [this](std::vector<WriteQueue::Pending*>& group) { write_group(group); });
}

void RocksEventLog::write_group(std::vector<WriteQueue::Pending*>& group) {
  // Versions as they will be once this group is written; checked against by each append
  // in the group in turn, so two appends in one group conflict just as they would apart.
  std::unordered_map<std::string, StreamVersion> tentative;
  auto current_version = [&](const std::string& stream) -> StoreResult<StreamVersion> {
    if (auto it = tentative.find(stream); it != tentative.end()) return it->second;
    if (auto it = stream_versions_.find(stream); it != stream_versions_.end()) return it->second;
    auto stored = stored_stream_version(stream);
    if (stored) stream_versions_.emplace(stream, *stored);
    return stored;
  };

  rocksdb::WriteBatch batch;
  std::uint64_t next = head_.load() + 1;
  std::vector<WriteQueue::Pending*> accepted;
  std::string buffer;

  for (auto* pending : group) {
    auto& request = pending->request;
    // 1. Check every expectation against the versions before this append.
    std::optional<StoreError> failure;
    for (const auto& [stream, expected] : request.expected) {
      auto actual = current_version(stream);
      if (!actual) {
        failure = actual.error();
        break;
      }
      if (!expected.matches(*actual)) {
        failure =
            StoreError{StoreErrc::version_conflict,
                       "stream '" + stream + "' is at version " + std::to_string(actual->value()) +
                           ", expected " + expected.describe(),
                       VersionConflict{stream, expected.describe(), actual->value()}, 0};
        break;
      }
    }
    // 2. Find each stream's version before this append.
    std::unordered_map<std::string, StreamVersion> versions;
    for (const auto& event : request.events) {
      if (failure) break;
      if (versions.count(event.stream())) continue;
      auto actual = current_version(event.stream());
      if (!actual)
        failure = actual.error();
      else
        versions.emplace(event.stream(), *actual);
    }
    if (failure) {
      pending->result = unexpected(std::move(*failure));
      continue;
    }
    // 3. Assign sequences and versions, and add the records to the batch.
    const std::uint64_t first = next;
    const std::int64_t stamp = now_us();
    std::vector<StreamVersion> assigned;
    assigned.reserve(request.events.size());
    for (std::size_t index = 0; index < request.events.size(); ++index) {
      auto& event = request.events[index];
      auto& version = versions[event.stream()];
      version = version.next();
      event.set_sequence(next);
      if (auto cause = request.caused_in_batch.find(index);
          cause != request.caused_in_batch.end()) {
        events::link_to(event, events::Cause::of(request.events[cause->second]));
      }
      event.set_stream_version(version.value());
      assigned.push_back(version);
      if (event.time_us() == 0) event.set_time_us(stamp);

      auto sequence_key = keys::big_endian(next);
      auto stream_key = keys::stream_key(event.stream(), version.value());
      if (event.has_log_chunk()) {
        auto* chunk = event.mutable_log_chunk();
        chunk->set_size(static_cast<std::uint32_t>(chunk->data().size()));
        chunk->SerializeToString(&buffer);
        batch.Put(cf_->logs, stream_key, buffer);
        chunk->clear_data();  // the event order keeps the chunk's facts, not its bytes
      }
      event.SerializeToString(&buffer);
      batch.Put(cf_->events, sequence_key, buffer);
      batch.Put(cf_->streams, stream_key, sequence_key);
      ++next;
    }
    for (auto& [stream, version] : versions) tentative[stream] = version;
    pending->result = AppendResult{Sequence(first), Sequence(next - 1), std::move(assigned)};
    accepted.push_back(pending);
  }

  if (accepted.empty()) return;
  if (!write_failed_) check_free_space();
  if (write_failed_) {
    for (auto* pending : accepted) pending->result = unexpected(refused_after_failure());
    return;
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.durability != Durability::no_sync;
  const auto write_began = std::chrono::steady_clock::now();
  auto status = db_->Write(write_options, &batch);
  process_write_latency().record(std::chrono::steady_clock::now() - write_began);
  if (!status.ok()) {
    for (auto* pending : accepted) pending->result = unexpected(io_error(status, "appending"));
    fail_writes("appending: " + status.ToString(), true);
    return;
  }
  if (stream_versions_.size() + tentative.size() > kMaxCachedStreams) stream_versions_.clear();
  for (auto& [stream, version] : tentative) stream_versions_[stream] = version;
  {
    std::lock_guard lock(head_mutex_);
    head_ = next - 1;
  }
  head_advanced_.notify_all();
}

StoreResult<std::vector<Envelope>> RocksEventLog::read_forward(Sequence from, std::size_t limit) {
  std::vector<Envelope> out;
  if (limit == 0) return out;  // the visitor below sees one event before it can say stop
  auto visited = scan(from, Sequence(~std::uint64_t{0}), [&](const Envelope& envelope) {
    out.push_back(envelope);
    return out.size() < limit;
  });
  if (!visited) return unexpected(visited.error());
  return out;
}

StoreResult<Sequence> RocksEventLog::scan(Sequence from, Sequence to,
                                          const std::function<bool(const Envelope&)>& visit) {
  if (to.value() == 0) to = head();
  std::uint64_t start = std::max<std::uint64_t>(from.value(), 1);
  Sequence last(start - 1);
  if (start > to.value()) return last;

  rocksdb::ReadOptions read_options;
  auto upper = keys::big_endian(to.value() == ~std::uint64_t{0} ? to.value() : to.value() + 1);
  rocksdb::Slice upper_slice(upper);
  if (to.value() != ~std::uint64_t{0}) read_options.iterate_upper_bound = &upper_slice;
  read_options.readahead_size = 2 * 1024 * 1024;
  read_options.fill_cache = false;  // a long scan would only evict what readers need
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, cf_->events));

  Envelope envelope;  // reused: parsing into an existing message reuses its memory
  for (it->Seek(keys::big_endian(start)); it->Valid(); it->Next()) {
    auto decoded = decode_event(it->key(), it->value(), envelope);
    if (!decoded) return unexpected(decoded.error());
    last = Sequence(envelope.sequence());
    if (!visit(envelope)) return last;
  }
  if (!it->status().ok()) {
    return unexpected(
        io_error(it->status(), "reading events after sequence " + std::to_string(last.value())));
  }
  return last;
}

StoreResult<std::vector<Envelope>> RocksEventLog::read_stream(std::string_view stream,
                                                              StreamVersion from,
                                                              std::size_t limit) {
  auto prefix = keys::stream_prefix(stream);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_->streams));
  std::vector<Envelope> out;
  for (it->Seek(keys::stream_key(stream, std::max<std::uint64_t>(from.value(), 1)));
       it->Valid() && out.size() < limit; it->Next()) {
    auto key = std::string_view(it->key().data(), it->key().size());
    if (!keys::version_in(key, prefix)) break;
    auto sequence = keys::from_big_endian(std::string_view(it->value().data(), it->value().size()));
    if (!sequence) {
      return unexpected(error(StoreErrc::corrupt_record,
                              "the index of stream '" + std::string(stream) + "' is corrupt"));
    }
    std::string value;
    auto status =
        db_->Get(rocksdb::ReadOptions(), cf_->events, keys::big_endian(*sequence), &value);
    if (!status.ok()) {
      return unexpected(error(StoreErrc::corrupt_record,
                              "stream '" + std::string(stream) + "' names sequence " +
                                  std::to_string(*sequence) +
                                  " which cannot be read: " + status.ToString(),
                              *sequence));
    }
    Envelope envelope;
    auto decoded = decode_event(keys::big_endian(*sequence), value, envelope);
    if (!decoded) return unexpected(decoded.error());
    out.push_back(std::move(envelope));
  }
  if (!it->status().ok()) return unexpected(io_error(it->status(), "reading a stream"));
  return out;
}

StoreResult<std::vector<LogChunkData>> RocksEventLog::read_log(std::string_view log_stream,
                                                               StreamVersion from,
                                                               std::size_t limit) {
  auto prefix = keys::stream_prefix(log_stream);
  rocksdb::ReadOptions read_options;
  read_options.readahead_size = 2 * 1024 * 1024;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, cf_->logs));
  std::vector<LogChunkData> out;
  events::LogChunk chunk;
  for (it->Seek(keys::stream_key(log_stream, std::max<std::uint64_t>(from.value(), 1)));
       it->Valid() && out.size() < limit; it->Next()) {
    auto index = keys::version_in(std::string_view(it->key().data(), it->key().size()), prefix);
    if (!index) break;
    if (!chunk.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return unexpected(error(StoreErrc::corrupt_record, "chunk " + std::to_string(*index) +
                                                             " of log '" + std::string(log_stream) +
                                                             "' is corrupt"));
    }
    out.push_back(LogChunkData{StreamVersion(*index), chunk.channel(), chunk.offset(),
                               std::move(*chunk.mutable_data())});
  }
  if (!it->status().ok()) return unexpected(io_error(it->status(), "reading a log"));
  return out;
}

StoreResult<Ok> RocksEventLog::save_snapshot(std::string_view projection,
                                             const Snapshot& snapshot) {
  if (read_only_) {
    return unexpected(error(StoreErrc::read_only, "the store was opened for reading only"));
  }
  if (write_failed_) return unexpected(refused_after_failure());
  std::string value = keys::big_endian(snapshot.sequence.value()) + snapshot.state;
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.durability != Durability::no_sync;
  auto status = db_->Put(write_options, cf_->snapshots,
                         rocksdb::Slice(projection.data(), projection.size()), value);
  if (!status.ok()) {
    fail_writes("saving a snapshot: " + status.ToString(), true);
    return unexpected(io_error(status, "saving a snapshot"));
  }
  return Ok{};
}

StoreResult<std::optional<Snapshot>> RocksEventLog::load_snapshot(std::string_view projection) {
  std::string value;
  auto status = db_->Get(rocksdb::ReadOptions(), cf_->snapshots,
                         rocksdb::Slice(projection.data(), projection.size()), &value);
  if (status.IsNotFound()) return std::optional<Snapshot>();
  if (!status.ok()) return unexpected(io_error(status, "loading a snapshot"));
  auto sequence = keys::from_big_endian(std::string_view(value).substr(0, 8));
  if (value.size() < 8 || !sequence) {
    return unexpected(error(StoreErrc::corrupt_record,
                            "the snapshot of '" + std::string(projection) + "' is corrupt"));
  }
  return std::optional<Snapshot>(Snapshot{Sequence(*sequence), value.substr(8)});
}

StoreResult<Ok> RocksEventLog::delete_snapshot(std::string_view projection) {
  if (read_only_) {
    return unexpected(error(StoreErrc::read_only, "the store was opened for reading only"));
  }
  if (write_failed_) return unexpected(refused_after_failure());
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.durability != Durability::no_sync;
  auto status = db_->Delete(write_options, cf_->snapshots,
                            rocksdb::Slice(projection.data(), projection.size()));
  if (!status.ok()) {
    fail_writes("deleting a snapshot: " + status.ToString(), true);
    return unexpected(io_error(status, "deleting a snapshot"));
  }
  return Ok{};
}

std::map<std::string, std::uint64_t> RocksEventLog::column_family_bytes() {
  // Approximate bytes of the data itself, in SST files and memtables (the memtables'
  // own size properties count the memory they reserved, not what they hold).
  std::map<std::string, std::uint64_t> out;
  const std::string all_keys_end(16, '\xff');
  rocksdb::Range everything("", all_keys_end);
  rocksdb::SizeApproximationOptions options;
  options.include_memtables = true;
  options.include_files = true;
  for (auto* handle : cf_->all) {
    std::uint64_t size = 0;
    (void)db_->GetApproximateSizes(options, handle, &everything, 1, &size);
    out[handle->GetName()] = size;
  }
  return out;
}

StoreResult<Ok> RocksEventLog::flush() {
  if (read_only_) return Ok{};
  if (write_failed_) return unexpected(refused_after_failure());
  auto status = db_->Flush(rocksdb::FlushOptions(), cf_->all);
  if (!status.ok()) return unexpected(io_error(status, "flushing"));
  return Ok{};
}

StoreResult<Ok> RocksEventLog::scan_family(
    Family family, std::string_view from_key,
    const std::function<bool(std::string_view key, std::string_view value)>& visit) {
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  switch (family) {
    case Family::events:
      handle = cf_->events;
      break;
    case Family::streams:
      handle = cf_->streams;
      break;
    case Family::logs:
      handle = cf_->logs;
      break;
    case Family::snapshots:
      handle = cf_->snapshots;
      break;
  }
  if (handle == nullptr) return Ok{};  // an older store without that column family
  rocksdb::ReadOptions read_options;
  read_options.readahead_size = 2 * 1024 * 1024;
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, handle));
  for (it->Seek(rocksdb::Slice(from_key.data(), from_key.size())); it->Valid(); it->Next()) {
    if (!visit(std::string_view(it->key().data(), it->key().size()),
               std::string_view(it->value().data(), it->value().size()))) {
      return Ok{};
    }
  }
  if (!it->status().ok()) return unexpected(io_error(it->status(), "reading the store"));
  return Ok{};
}

StoreResult<std::uint64_t> RocksEventLog::verify_checksums() {
  std::vector<rocksdb::LiveFileMetaData> files;
  db_->GetLiveFilesMetaData(&files);
  auto status = db_->VerifyChecksum();
  if (!status.ok()) return unexpected(error(StoreErrc::corrupt_record, status.ToString()));
  return static_cast<std::uint64_t>(files.size());
}

StoreResult<Ok> RocksEventLog::import_events(std::vector<Envelope> events) {
  if (read_only_) {
    return unexpected(error(StoreErrc::read_only, "the store was opened for reading only"));
  }
  if (write_failed_) return unexpected(refused_after_failure());
  rocksdb::WriteBatch batch;
  std::uint64_t last = head_.load();
  std::string buffer;
  for (auto& event : events) {
    if (event.sequence() <= last || !stream_name_ok(event.stream())) {
      return unexpected(error(StoreErrc::invalid_argument,
                              "imported event of sequence " + std::to_string(event.sequence()) +
                                  " does not follow sequence " + std::to_string(last) +
                                  " or has no stream"));
    }
    last = event.sequence();
    auto sequence_key = keys::big_endian(last);
    auto stream_key = keys::stream_key(event.stream(), event.stream_version());
    if (event.has_log_chunk()) {
      event.log_chunk().SerializeToString(&buffer);
      batch.Put(cf_->logs, stream_key, buffer);
      event.mutable_log_chunk()->clear_data();
    }
    event.SerializeToString(&buffer);
    batch.Put(cf_->events, sequence_key, buffer);
    batch.Put(cf_->streams, stream_key, sequence_key);
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.durability != Durability::no_sync;
  auto status = db_->Write(write_options, &batch);
  if (!status.ok()) {
    fail_writes("importing: " + status.ToString(), true);
    return unexpected(io_error(status, "importing"));
  }
  stream_versions_.clear();
  {
    std::lock_guard lock(head_mutex_);
    head_ = last;
  }
  head_advanced_.notify_all();
  return Ok{};
}

void RocksEventLog::check_free_space() {
  if (options_.min_free_bytes == 0) return;
  struct statvfs disk {};
  if (::statvfs(dir_.c_str(), &disk) != 0) return;  // cannot tell: RocksDB will
  const std::uint64_t free = std::uint64_t{disk.f_bavail} * disk.f_frsize;
  if (free >= options_.min_free_bytes) return;
  fail_writes("appending: the store's disk has " + std::to_string(free >> 20) +
                  " MiB free, less than the " + std::to_string(options_.min_free_bytes >> 20) +
                  " MiB it keeps in reserve (No space left on device)",
              false);
}

StoreError RocksEventLog::refused_after_failure() const {
  return error(StoreErrc::io_error,
               "the store writes nothing more since a write failed (" + write_failure_ +
                   "); everything acknowledged before is kept: restart once the cause (a full "
                   "disk?) is gone");
}

void RocksEventLog::fail_writes(const std::string& what, bool by_rocksdb) {
  if (write_failed_) return;
  write_failure_ = what;
  rocksdb_failed_ = by_rocksdb;
  write_failed_ = true;
  if (options_.on_write_failure) options_.on_write_failure(write_failure_);
}

}  // namespace eventbot::store
