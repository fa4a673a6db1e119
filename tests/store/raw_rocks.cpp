#include "tests/store/raw_rocks.hpp"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

namespace eventbot::store::test {

RawRocks::RawRocks(const std::filesystem::path& dir) {
  names_ = column_families(dir);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names_) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(rocksdb::DBOptions(), dir.string(), descriptors, &handles_, &raw);
  if (!status.ok()) {
    ADD_FAILURE() << "raw open of " << dir << ": " << status.ToString();
    return;
  }
  db_.reset(raw);
}

RawRocks::~RawRocks() {
  if (!db_) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
}

rocksdb::ColumnFamilyHandle* RawRocks::handle(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return handles_[i];
  }
  ADD_FAILURE() << "no column family '" << name << "'";
  return nullptr;
}

void RawRocks::put(std::string_view column_family, std::string_view key, std::string_view value) {
  auto* h = handle(column_family);
  ASSERT_TRUE(db_ && h);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  auto status = db_->Put(sync, h, rocksdb::Slice(key.data(), key.size()),
                         rocksdb::Slice(value.data(), value.size()));
  ASSERT_TRUE(status.ok()) << status.ToString();
}

std::string RawRocks::get(std::string_view column_family, std::string_view key) {
  std::string value;
  auto* h = handle(column_family);
  if (!db_ || !h) return value;
  auto status = db_->Get(rocksdb::ReadOptions(), h, rocksdb::Slice(key.data(), key.size()), &value);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return value;
}

void RawRocks::create_plain(const std::filesystem::path& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(options, dir.string(), &raw);
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::unique_ptr<rocksdb::DB> db(raw);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "some key", "some value").ok());
  db->Close();
}

std::vector<std::string> RawRocks::column_families(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  auto status = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &names);
  EXPECT_TRUE(status.ok()) << "listing column families of " << dir << ": " << status.ToString();
  return names;
}

}  // namespace eventbot::store::test
