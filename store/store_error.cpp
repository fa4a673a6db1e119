#include "store/store_error.hpp"

#include "store/expected_version.hpp"

namespace eventbot::store {

const char* to_string(StoreErrc code) {
  switch (code) {
    case StoreErrc::version_conflict:
      return "version conflict";
    case StoreErrc::corrupt_record:
      return "corrupt record";
    case StoreErrc::io_error:
      return "I/O error";
    case StoreErrc::not_a_store:
      return "not an Eventbot store";
    case StoreErrc::newer_schema:
      return "newer schema";
    case StoreErrc::invalid_argument:
      return "invalid argument";
    case StoreErrc::read_only:
      return "read only";
    case StoreErrc::closed:
      return "closed";
  }
  return "unknown error";
}

std::string ExpectedVersion::describe() const {
  if (is_any()) return "any";
  if (value_ == 0) return "no stream";
  return std::to_string(value_);
}

}  // namespace eventbot::store
