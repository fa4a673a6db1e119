// locks: Buildbot's MasterLock and SlaveLock, and the `locks:` lists of builders and
// steps that use them (LockAccess as a name alone or {name, access}).
#include <algorithm>

#include "actors/config/read/sections.hpp"

namespace eventbot::config::detail {
namespace {

std::optional<LockConfig> read_lock(const Value& element, NameTable& names) {
  auto reader = read_map_element(
      element, KeyRules::only({"name", "type", "max_count", "max_count_for_slave"}));
  if (!reader) return std::nullopt;
  LockConfig lock;
  bool ok = true;
  Value name = reader->required("name");
  if (auto text = name.non_empty_string()) {
    lock.name = *text;
    ok = names.define(NameKind::lock, lock.name, name) && ok;
  } else {
    ok = false;
  }
  if (auto type = reader->required("type").choice({"master", "slave"}, "lock type")) {
    lock.type = *type == "master" ? LockType::master : LockType::slave;
  } else {
    ok = false;
  }
  if (auto n = reader->get("max_count").integer(1, 1'000'000)) {
    lock.max_count = static_cast<int>(*n);
  } else if (reader->has("max_count")) {
    ok = false;
  }
  Value per_slave = reader->get("max_count_for_slave");
  if (per_slave.present()) {
    if (lock.type != LockType::slave) {
      per_slave.error("max_count_for_slave applies only to slave locks (type: slave)");
      ok = false;
    }
    MapReader counts(per_slave, KeyRules::any());
    if (!counts.is_map()) ok = false;
    for (const auto& entry : counts.entries()) {
      names.refer(NameKind::slave, entry.key, entry.value);
      if (auto n = entry.value.integer(1, 1'000'000)) {
        lock.max_count_for_slave[entry.key] = static_cast<int>(*n);
      } else {
        ok = false;
      }
    }
  }
  if (!ok) return std::nullopt;
  return lock;
}

std::optional<LockUse> read_lock_use(const Value& element, NameTable& names) {
  if (element.is_scalar()) {
    auto name = element.non_empty_string();
    if (!name) return std::nullopt;
    names.refer(NameKind::lock, *name, element);
    return LockUse{*name, LockAccess::exclusive};
  }
  auto reader = read_map_element(element, KeyRules::only({"name", "access"}));
  if (!reader) return std::nullopt;
  Value name = reader->required("name");
  auto text = name.non_empty_string();
  if (text) names.refer(NameKind::lock, *text, name);
  LockUse use;
  Value access = reader->get("access");
  if (access.present()) {
    auto choice = access.choice({"exclusive", "counting"}, "lock access");
    if (!choice) return std::nullopt;
    use.access = *choice == "exclusive" ? LockAccess::exclusive : LockAccess::counting;
  }
  if (!text) return std::nullopt;
  use.lock = *text;
  return use;
}

}  // namespace

std::vector<LockConfig> read_locks(const Value& list, NameTable& names) {
  std::vector<LockConfig> locks;
  for (const Value& element : list.elements()) {
    if (auto lock = read_lock(element, names)) locks.push_back(std::move(*lock));
  }
  return locks;
}

std::optional<std::vector<LockUse>> read_lock_uses(const Value& value, NameTable& names) {
  if (!value.present()) return std::nullopt;
  std::vector<Value> each = value.is_list() ? value.elements() : std::vector<Value>{value};
  std::vector<LockUse> uses;
  bool ok = true;
  for (const Value& element : each) {
    auto use = read_lock_use(element, names);
    if (!use) {
      ok = false;
      continue;
    }
    auto same = [&](const LockUse& other) { return other.lock == use->lock; };
    if (std::any_of(uses.begin(), uses.end(), same)) {
      element.error("lock \"" + use->lock + "\" is listed twice");
      ok = false;
      continue;
    }
    uses.push_back(std::move(*use));
  }
  if (!ok) return std::nullopt;
  return uses;
}

}  // namespace eventbot::config::detail
