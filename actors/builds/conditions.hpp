#pragma once
// do_step_if / hide_step_if as small expressions over properties (Buildbot takes Python
// callables; a YAML file takes this).
//
//   expr    := or
//   or      := and { "or" and }
//   and     := unary { "and" unary }
//   unary   := "not" unary | compare
//   compare := operand [ ("==" | "!=") operand | ["not"] "in" "(" operand { "," operand } ")" ]
//   operand := "prop:" NAME | "result" | STRING | NUMBER | "true" | "false" | "(" expr ")"
//
// NAME is letters, digits and _ . - (a property name); STRING is '...' or "..." (a backslash
// escapes the next character); NUMBER is an optional '-' and digits with an optional
// fraction. Keywords are lower-case.
//
// - `prop:x` alone is its truthiness (Python's: unset, null, false, 0, "", [] and {} are
//   false); a literal alone likewise ('' is false, 'x' true).
// - == and != compare values as rendered text (render_value), so `prop:n == 3` holds
//   for the number 3 and for the string "3", and `prop:b == true` for the boolean true
//   (rendered "True"). An unset property renders as "" here.
// - `result` is the step's result name ("SUCCESS", "SKIPPED", ...) and exists only in
//   hide_step_if; in do_step_if it is a parse error.
// The whole value may also be a JSON boolean in the step's parameters (true/false).
#include <memory>
#include <string>
#include <string_view>

#include "actors/builds/properties.hpp"
#include "actors/builds/results.hpp"
#include "common/expected.hpp"

namespace eventbot::builds {

struct ConditionNode;

class Condition {
 public:
  // Always the same answer (a JSON true/false, or the default).
  static Condition constant(bool value);
  // `allow_result`: whether `result` may be used (hide_step_if).
  static Expected<Condition, std::string> parse(std::string_view text, bool allow_result);

  // `result` is SUCCESS unless given.
  bool evaluate(const Properties& properties, Result result = events::SUCCESS) const;
  const std::string& text() const { return text_; }

 private:
  std::shared_ptr<const ConditionNode> root_;
  bool constant_ = true;
  std::string text_;
};

}  // namespace eventbot::builds
