#include "actors/builders/lock_table.hpp"

#include <algorithm>

#include "events/streams.hpp"

namespace eventbot::builders {

LockTable::LockTable(std::vector<config::LockConfig> locks, std::string master_id)
    : master_id_(std::move(master_id)) {
  for (auto& lock : locks) {
    auto name = lock.name;
    locks_.emplace(std::move(name), std::move(lock));
  }
}

int LockTable::capacity(const LockCopy& copy) const {
  auto it = locks_.find(copy.lock);
  if (it == locks_.end()) return 0;
  const auto& lock = it->second;
  if (lock.type == config::LockType::slave) {
    if (auto n = lock.max_count_for_slave.find(copy.slave); n != lock.max_count_for_slave.end()) {
      return n->second;
    }
  }
  return lock.max_count;
}

bool LockTable::waiting(const WaiterId& waiter) const {
  return std::any_of(queue_.begin(), queue_.end(), [&](const Waiter& w) { return w.id == waiter; });
}

Expected<Ok, LockError> LockTable::enqueue(const WaiterId& waiter,
                                           const std::vector<config::LockUse>& uses,
                                           const std::string& slave) {
  if (waiting(waiter)) {
    return unexpected(LockError{LockErrc::already_waiting, "already waiting for locks"});
  }
  if (holds(waiter)) {
    return unexpected(LockError{LockErrc::already_holding, "already holds its locks"});
  }
  std::vector<HeldLock> wants;
  for (const auto& use : uses) {
    auto lock = locks_.find(use.lock);
    if (lock == locks_.end()) {
      return unexpected(LockError{LockErrc::unknown_lock, "no lock named \"" + use.lock + "\""});
    }
    LockCopy copy{use.lock, ""};
    if (lock->second.type == config::LockType::slave) {
      if (slave.empty()) {
        return unexpected(LockError{LockErrc::no_slave,
                                    "slave lock \"" + use.lock + "\" needs the build's slave"});
      }
      copy.slave = slave;
    }
    const bool exclusive = use.access == config::LockAccess::exclusive;
    auto same =
        std::find_if(wants.begin(), wants.end(), [&](const HeldLock& w) { return w.copy == copy; });
    if (same != wants.end()) {
      same->exclusive = same->exclusive || exclusive;
    } else {
      wants.push_back(HeldLock{copy, exclusive});
    }
  }
  // Another part of the same build holding a copy exclusively (or wanting it exclusively
  // while the build holds it) would wait for itself forever.
  for (const auto& want : wants) {
    auto holders = holders_.find(want.copy);
    if (holders == holders_.end()) continue;
    for (const auto& [holder, exclusive] : holders->second) {
      if (holder.builder == waiter.builder && holder.build_number == waiter.build_number &&
          (exclusive || want.exclusive)) {
        return unexpected(LockError{LockErrc::conflicts_with_own,
                                    "the build already holds lock \"" + want.copy.lock + "\""});
      }
    }
  }
  queue_.push_back(Waiter{waiter, std::move(wants)});
  return Ok{};
}

bool LockTable::available(const HeldLock& want) const {
  auto it = holders_.find(want.copy);
  if (it == holders_.end() || it->second.empty()) return capacity(want.copy) > 0;
  if (want.exclusive) return false;
  int count = 0;
  for (const auto& [holder, exclusive] : it->second) {
    if (exclusive) return false;
    ++count;
  }
  return count < capacity(want.copy);
}

void LockTable::take(const WaiterId& id, const HeldLock& lock) {
  auto& copies = held_[id];
  auto same = std::find_if(copies.begin(), copies.end(),
                           [&](const HeldLock& h) { return h.copy == lock.copy; });
  if (same != copies.end()) return;
  copies.push_back(lock);
  holders_[lock.copy][id] = lock.exclusive;
}

void LockTable::drop(const WaiterId& id, const LockCopy& copy) {
  if (auto held = held_.find(id); held != held_.end()) {
    std::erase_if(held->second, [&](const HeldLock& h) { return h.copy == copy; });
    if (held->second.empty()) held_.erase(held);
  }
  if (auto holders = holders_.find(copy); holders != holders_.end()) {
    holders->second.erase(id);
    if (holders->second.empty()) holders_.erase(holders);
  }
}

std::vector<WaiterId> LockTable::grant() {
  std::vector<WaiterId> granted;
  std::set<LockCopy> claimed_by_earlier;  // copies an earlier, still waiting waiter wants
  std::vector<Waiter> still_waiting;
  for (auto& waiter : queue_) {
    const bool free = std::all_of(waiter.wants.begin(), waiter.wants.end(), [&](const HeldLock& w) {
      return !claimed_by_earlier.contains(w.copy) && available(w);
    });
    if (free) {
      for (const auto& want : waiter.wants) take(waiter.id, want);
      granted.push_back(waiter.id);
    } else {
      for (const auto& want : waiter.wants) claimed_by_earlier.insert(want.copy);
      still_waiting.push_back(std::move(waiter));
    }
  }
  queue_ = std::move(still_waiting);
  return granted;
}

std::vector<HeldLock> LockTable::release(const WaiterId& waiter) {
  auto it = held_.find(waiter);
  if (it == held_.end()) return {};
  std::vector<HeldLock> released = it->second;
  for (const auto& lock : released) drop(waiter, lock.copy);
  return released;
}

LockTable LockTable::reconfigured(std::vector<config::LockConfig> locks) const {
  LockTable next(std::move(locks), master_id_);
  next.held_ = held_;
  next.holders_ = holders_;
  return next;
}

bool LockTable::cancel(const WaiterId& waiter) {
  auto it =
      std::find_if(queue_.begin(), queue_.end(), [&](const Waiter& w) { return w.id == waiter; });
  if (it == queue_.end()) return false;
  queue_.erase(it);
  return true;
}

void LockTable::evolve(const events::Envelope& event) {
  switch (event.body_case()) {
    case events::Envelope::kLockAcquired: {
      if (!master_id_.empty() && event.master_id() != master_id_) return;
      const auto& a = event.lock_acquired();
      auto lock = locks_.find(a.lock());
      const bool slave_lock = lock != locks_.end() && lock->second.type == config::LockType::slave;
      take(WaiterId{a.builder(), a.build_number(), a.step_index()},
           HeldLock{LockCopy{a.lock(), slave_lock || lock == locks_.end() ? a.slave() : ""},
                    a.exclusive()});
      return;
    }
    case events::Envelope::kLockReleased: {
      if (!master_id_.empty() && event.master_id() != master_id_) return;
      const auto& r = event.lock_released();
      const WaiterId id{r.builder(), r.build_number(), r.step_index()};
      // Match by lock name and slave as recorded; a master lock's copy has no slave.
      for (const LockCopy& copy : {LockCopy{r.lock(), r.slave()}, LockCopy{r.lock(), ""}}) {
        drop(id, copy);
      }
      return;
    }
    case events::Envelope::kBuildFinished: {
      const auto& f = event.build_finished();
      std::vector<WaiterId> of_build;
      for (const auto& [id, locks] : held_) {
        if (id.builder == f.builder() && id.build_number == f.number()) of_build.push_back(id);
      }
      for (const auto& id : of_build) release(id);
      std::erase_if(queue_, [&](const Waiter& w) {
        return w.id.builder == f.builder() && w.id.build_number == f.number();
      });
      return;
    }
    default:
      return;
  }
}

std::vector<HeldLock> LockTable::held_by(const WaiterId& waiter) const {
  auto it = held_.find(waiter);
  return it == held_.end() ? std::vector<HeldLock>{} : it->second;
}

std::vector<WaiterId> LockTable::holders(const LockCopy& copy) const {
  std::vector<WaiterId> out;
  if (auto it = holders_.find(copy); it != holders_.end()) {
    for (const auto& [id, exclusive] : it->second) out.push_back(id);
  }
  return out;
}

std::vector<WaiterId> LockTable::waiters() const {
  std::vector<WaiterId> out;
  for (const auto& w : queue_) out.push_back(w.id);
  return out;
}

std::vector<events::Envelope> lock_acquired_events(const WaiterId& waiter,
                                                   const std::vector<HeldLock>& locks,
                                                   const std::string& master_id) {
  std::vector<events::Envelope> out;
  for (const auto& lock : locks) {
    events::Envelope e;
    e.set_stream(streams::build(waiter.builder, waiter.build_number));
    e.set_master_id(master_id);
    auto* body = e.mutable_lock_acquired();
    body->set_lock(lock.copy.lock);
    body->set_exclusive(lock.exclusive);
    body->set_builder(waiter.builder);
    body->set_build_number(waiter.build_number);
    body->set_step_index(waiter.step_index);
    body->set_slave(lock.copy.slave);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<events::Envelope> lock_released_events(const WaiterId& waiter,
                                                   const std::vector<HeldLock>& locks,
                                                   const std::string& master_id) {
  std::vector<events::Envelope> out;
  for (const auto& lock : locks) {
    events::Envelope e;
    e.set_stream(streams::build(waiter.builder, waiter.build_number));
    e.set_master_id(master_id);
    auto* body = e.mutable_lock_released();
    body->set_lock(lock.copy.lock);
    body->set_builder(waiter.builder);
    body->set_build_number(waiter.build_number);
    body->set_step_index(waiter.step_index);
    body->set_slave(lock.copy.slave);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace eventbot::builders
