#include "actors/config/read/document_checks.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "actors/config/config_loader.hpp"
#include "common/utf8.hpp"

namespace eventbot::config::detail {
namespace {

YAML::Mark mark_at(int line, int column) {
  YAML::Mark mark;  // 0-based, as yaml-cpp's
  mark.line = line;
  mark.column = column;
  return mark;
}

// Thrown out of the parser to stop it at the first limit exceeded.
struct LimitExceeded {
  YAML::Mark mark;
  std::string message;
};

// Counts what the parser reports; each node counts once for itself plus, for a list or
// a map, what it holds; an alias counts as much as the node it names.
class ShapeCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {
    sizes_.clear();  // anchors belong to their document
    open_.clear();
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    leaf(mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (++aliases_ > kMaxAliases) {
      throw LimitExceeded{mark, "more than " + std::to_string(kMaxAliases) +
                                    " aliases; master.yaml may use at most " +
                                    std::to_string(kMaxAliases)};
    }
    auto size = sizes_.find(anchor);
    if (size == sizes_.end()) {
      // yaml-cpp registers an anchor before its content: an alias inside the node it
      // names would make the tree a cycle.
      throw LimitExceeded{mark, "an alias inside the node its anchor names (a cycle)"};
    }
    add(mark, size->second);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    YAML::anchor_t anchor;
    YAML::Mark mark;
    std::uint64_t size;  // itself and what it holds so far
  };

  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) sizes_[anchor] = 1;
    add(mark, 1);
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (open_.size() >= static_cast<std::size_t>(kMaxNestingDepth)) {
      throw LimitExceeded{mark, "nested deeper than " + std::to_string(kMaxNestingDepth) +
                                    " levels (lists and maps inside each other)"};
    }
    add(mark, 1);
    open_.push_back(Open{anchor, mark, 1});
  }

  void close() {
    if (open_.empty()) return;
    const Open closed = open_.back();
    open_.pop_back();
    if (closed.anchor != YAML::NullAnchor) sizes_[closed.anchor] = closed.size;
    // Its own node was counted when it opened; what it holds, as it arrived.
  }

  // `count` more values at `mark`, inside every open collection.
  void add(const YAML::Mark& mark, std::uint64_t count) {
    nodes_ += count;
    for (Open& each : open_) each.size += count;
    if (nodes_ > static_cast<std::uint64_t>(kMaxNodes)) {
      throw LimitExceeded{mark, "the document expands to more than " + std::to_string(kMaxNodes) +
                                    " values once its aliases are resolved; master.yaml may "
                                    "hold at most " +
                                    std::to_string(kMaxNodes)};
    }
  }

  std::unordered_map<YAML::anchor_t, std::uint64_t> sizes_;
  std::vector<Open> open_;
  std::uint64_t nodes_ = 0;
  std::uint64_t aliases_ = 0;
};

}  // namespace

bool check_utf8(std::string_view text, ErrorList& errors) {
  const auto bad = first_invalid_utf8(text);
  if (!bad) return true;
  const std::string_view before = text.substr(0, *bad);
  const auto line = std::count(before.begin(), before.end(), '\n');
  const auto line_start = before.rfind('\n');
  const auto column = line_start == std::string_view::npos ? *bad : *bad - line_start - 1;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[*bad]));
  errors.add(mark_at(static_cast<int>(line), static_cast<int>(column)), "",
             std::string("not UTF-8: byte ") + hex +
                 " does not belong to a UTF-8 character; master.yaml must be UTF-8 text");
  return false;
}

bool check_document_shape(std::string_view text, ErrorList& errors) {
  std::istringstream in{std::string(text)};
  ShapeCounter counter;
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(counter)) {
    }
  } catch (const LimitExceeded& exceeded) {
    errors.add(exceeded.mark, "", exceeded.message);
    return false;
  } catch (const YAML::Exception&) {
    // A syntax error: the loader reports it with its position.
  }
  return true;
}

}  // namespace eventbot::config::detail
