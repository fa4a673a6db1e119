#pragma once
// The names master.yaml defines (slaves, builders, schedulers, ...) and the places that
// refer to them, so that repeats and dangling references are reported with positions
// once the whole file has been read.
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/config/read/yaml_reader.hpp"

namespace eventbot::config::detail {

enum class NameKind { slave, change_source, scheduler, builder, status_target, web_user, lock };

class NameTable {
 public:
  explicit NameTable(ErrorList& errors) : errors_(errors) {}

  // Reports a name already defined for `kind`; the first definition stands.
  // Returns false for such a repeat.
  bool define(NameKind kind, const std::string& name, const Value& where);
  // Checked by check_references().
  void refer(NameKind kind, const std::string& name, const Value& where);
  void check_references() const;

  bool defines(NameKind kind, const std::string& name) const;

 private:
  struct Site {
    std::string name;
    YAML::Mark mark;
    std::string path;
  };
  ErrorList& errors_;
  std::map<NameKind, std::vector<Site>> definitions_;
  // Name -> index in definitions_[kind]: many names must not take quadratic time.
  std::map<NameKind, std::unordered_map<std::string, std::size_t>> index_;
  std::vector<std::pair<NameKind, Site>> references_;
};

// A list of names of `kind` (a lone name is a list of one), each referred to in `names`.
// Reports repeats; nothing when absent.
std::optional<std::vector<std::string>> read_references(const Value& list, NameKind kind,
                                                        NameTable& names);

}  // namespace eventbot::config::detail
