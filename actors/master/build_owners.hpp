#pragma once
// The live build actors of this master, by builder and number: one owner per build. It
// outlives the distributor (the supervisor keeps it), so a restarted distributor adopts
// the builds that still run instead of spawning a second actor for them. A build actor
// removes itself when it exits (it is detached: this is shared between threads).
#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace eventbot::master {

class BuildOwners {
 public:
  using Key = std::pair<std::string, std::uint32_t>;

  void add(const Key& build, caf::actor actor) {
    std::lock_guard lock(mutex_);
    owners_[build] = std::move(actor);
  }
  // Only if `actor` still owns it (a refused second actor leaves the owner in place).
  void remove(const Key& build, const caf::actor_addr& actor) {
    std::lock_guard lock(mutex_);
    auto it = owners_.find(build);
    if (it != owners_.end() && it->second.address() == actor) owners_.erase(it);
  }
  // The live owner of a build; invalid if none.
  caf::actor owner(const Key& build) const {
    std::lock_guard lock(mutex_);
    auto it = owners_.find(build);
    return it == owners_.end() ? caf::actor() : it->second;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return owners_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::map<Key, caf::actor> owners_;
};

}  // namespace eventbot::master
