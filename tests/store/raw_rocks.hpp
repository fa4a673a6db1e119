#pragma once
// Direct RocksDB access to a store's files, bypassing the store: how the tests damage a
// record, raise the schema version, or make a database that is not an Eventbot store.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace eventbot::store::test {

class RawRocks {
 public:
  // Opens the database in `dir` with every column family it has; a failure is reported
  // and leaves is_open() false.
  explicit RawRocks(const std::filesystem::path& dir);
  ~RawRocks();
  RawRocks(const RawRocks&) = delete;
  RawRocks& operator=(const RawRocks&) = delete;

  bool is_open() const { return db_ != nullptr; }
  void put(std::string_view column_family, std::string_view key, std::string_view value);
  std::string get(std::string_view column_family, std::string_view key);

  // Makes a plain RocksDB database in `dir` with only the default column family and
  // one key in it.
  static void create_plain(const std::filesystem::path& dir);
  static std::vector<std::string> column_families(const std::filesystem::path& dir);

 private:
  rocksdb::ColumnFamilyHandle* handle(std::string_view name) const;

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<std::string> names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace eventbot::store::test
