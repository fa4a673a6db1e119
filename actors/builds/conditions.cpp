#include "actors/builds/conditions.hpp"

#include <cctype>
#include <vector>

namespace eventbot::builds {

struct ConditionNode {
  enum class Kind { literal, property, result, op_not, op_and, op_or, eq, ne, in, not_in };
  Kind kind = Kind::literal;
  nlohmann::json value;  // literal
  std::string name;      // property
  std::vector<std::shared_ptr<const ConditionNode>> children;
};

namespace {

using Node = ConditionNode;
using NodePtr = std::shared_ptr<const Node>;

struct Token {
  enum class Kind { word, string, number, property, symbol, end };
  Kind kind = Kind::end;
  std::string text;
  std::size_t offset = 0;
};

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

Expected<std::vector<Token>, std::string> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  auto at = [](std::size_t offset) { return " at offset " + std::to_string(offset); };
  while (i < text.size()) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    if (c == '\'' || c == '"') {
      std::string value;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          value += text[i + 1];
          i += 2;
        } else if (text[i] == c) {
          closed = true;
          ++i;
          break;
        } else {
          value += text[i++];
        }
      }
      if (!closed) return unexpected("the string" + at(start) + " is not closed");
      tokens.push_back({Token::Kind::string, value, start});
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && i + 1 < text.size() &&
                std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
      ++i;
      while (i < text.size() &&
             (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
        ++i;
      }
      tokens.push_back({Token::Kind::number, std::string(text.substr(start, i - start)), start});
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) {
        ++i;
      }
      std::string word(text.substr(start, i - start));
      if (word == "prop" && i < text.size() && text[i] == ':') {
        ++i;
        const std::size_t name_start = i;
        while (i < text.size() && is_name_char(text[i])) ++i;
        if (i == name_start) return unexpected("'prop:'" + at(start) + " names no property");
        tokens.push_back(
            {Token::Kind::property, std::string(text.substr(name_start, i - name_start)), start});
      } else {
        tokens.push_back({Token::Kind::word, word, start});
      }
    } else if ((c == '=' || c == '!') && i + 1 < text.size() && text[i + 1] == '=') {
      tokens.push_back({Token::Kind::symbol, std::string(text.substr(i, 2)), start});
      i += 2;
    } else if (c == '(' || c == ')' || c == ',') {
      tokens.push_back({Token::Kind::symbol, std::string(1, c), start});
      ++i;
    } else {
      return unexpected("unexpected '" + std::string(1, c) + "'" + at(start));
    }
  }
  tokens.push_back({Token::Kind::end, "", text.size()});
  return tokens;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, bool allow_result)
      : tokens_(std::move(tokens)), allow_result_(allow_result) {}

  Expected<NodePtr, std::string> parse() {
    auto node = parse_or();
    if (!error_.empty()) return unexpected(error_);
    if (peek().kind != Token::Kind::end) {
      return unexpected("unexpected " + describe(peek()) + " after a complete condition");
    }
    return node;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  bool is_word(const char* word) const {
    return peek().kind == Token::Kind::word && peek().text == word;
  }
  bool is_symbol(const char* symbol) const {
    return peek().kind == Token::Kind::symbol && peek().text == symbol;
  }
  static std::string describe(const Token& token) {
    if (token.kind == Token::Kind::end) return "the end";
    return "'" + token.text + "' at offset " + std::to_string(token.offset);
  }
  NodePtr fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return nullptr;
  }
  static NodePtr make(Node::Kind kind, std::vector<NodePtr> children) {
    auto node = std::make_shared<Node>();
    node->kind = kind;
    node->children = std::move(children);
    return node;
  }

  NodePtr parse_or() {
    NodePtr left = parse_and();
    while (left && is_word("or")) {
      ++pos_;
      NodePtr right = parse_and();
      if (!right) return nullptr;
      left = make(Node::Kind::op_or, {left, right});
    }
    return left;
  }
  NodePtr parse_and() {
    NodePtr left = parse_unary();
    while (left && is_word("and")) {
      ++pos_;
      NodePtr right = parse_unary();
      if (!right) return nullptr;
      left = make(Node::Kind::op_and, {left, right});
    }
    return left;
  }
  NodePtr parse_unary() {
    if (is_word("not")) {
      ++pos_;
      NodePtr operand = parse_unary();
      if (!operand) return nullptr;
      return make(Node::Kind::op_not, {operand});
    }
    return parse_compare();
  }
  NodePtr parse_compare() {
    NodePtr left = parse_operand();
    if (!left) return nullptr;
    if (is_symbol("==") || is_symbol("!=")) {
      const bool eq = peek().text == "==";
      ++pos_;
      NodePtr right = parse_operand();
      if (!right) return nullptr;
      return make(eq ? Node::Kind::eq : Node::Kind::ne, {left, right});
    }
    bool negated = false;
    if (is_word("not") && pos_ + 1 < tokens_.size() && tokens_[pos_ + 1].text == "in") {
      negated = true;
      ++pos_;
    }
    if (is_word("in")) {
      ++pos_;
      if (!is_symbol("(")) return fail("expected '(' after 'in', found " + describe(peek()));
      ++pos_;
      std::vector<NodePtr> children = {left};
      while (true) {
        NodePtr element = parse_operand();
        if (!element) return nullptr;
        children.push_back(element);
        if (is_symbol(",")) {
          ++pos_;
          continue;
        }
        if (is_symbol(")")) {
          ++pos_;
          break;
        }
        return fail("expected ',' or ')' in the 'in' list, found " + describe(peek()));
      }
      return make(negated ? Node::Kind::not_in : Node::Kind::in, std::move(children));
    }
    return left;
  }
  NodePtr parse_operand() {
    const Token token = peek();
    auto node = std::make_shared<Node>();
    switch (token.kind) {
      case Token::Kind::property:
        node->kind = Node::Kind::property;
        node->name = token.text;
        break;
      case Token::Kind::string:
        node->value = token.text;
        break;
      case Token::Kind::number: {
        auto parsed = nlohmann::json::parse(token.text, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_number()) {
          return fail("'" + token.text + "' at offset " + std::to_string(token.offset) +
                      " is not a number");
        }
        node->value = parsed;
        break;
      }
      case Token::Kind::word:
        if (token.text == "true" || token.text == "false") {
          node->value = token.text == "true";
        } else if (token.text == "result") {
          if (!allow_result_) {
            return fail("'result' at offset " + std::to_string(token.offset) +
                        " is only known in hide_step_if");
          }
          node->kind = Node::Kind::result;
        } else {
          return fail("unknown word " + describe(token) + "; write prop:" + token.text +
                      " for a property or quote a string");
        }
        break;
      case Token::Kind::symbol:
        if (token.text == "(") {
          ++pos_;
          NodePtr inner = parse_or();
          if (!inner) return nullptr;
          if (!is_symbol(")")) return fail("expected ')', found " + describe(peek()));
          ++pos_;
          return inner;
        }
        return fail("expected a value, found " + describe(token));
      case Token::Kind::end:
        return fail("expected a value, found the end");
    }
    ++pos_;
    return node;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  bool allow_result_;
  std::string error_;
};

nlohmann::json value_of(const Node& node, const Properties& properties, Result result);

bool truth(const Node& node, const Properties& properties, Result result) {
  switch (node.kind) {
    case Node::Kind::op_not:
      return !truth(*node.children[0], properties, result);
    case Node::Kind::op_and:
      return truth(*node.children[0], properties, result) &&
             truth(*node.children[1], properties, result);
    case Node::Kind::op_or:
      return truth(*node.children[0], properties, result) ||
             truth(*node.children[1], properties, result);
    case Node::Kind::eq:
    case Node::Kind::ne: {
      const bool same = render_value(value_of(*node.children[0], properties, result)) ==
                        render_value(value_of(*node.children[1], properties, result));
      return node.kind == Node::Kind::eq ? same : !same;
    }
    case Node::Kind::in:
    case Node::Kind::not_in: {
      const std::string left = render_value(value_of(*node.children[0], properties, result));
      bool found = false;
      for (std::size_t i = 1; i < node.children.size(); ++i) {
        if (render_value(value_of(*node.children[i], properties, result)) == left) found = true;
      }
      return node.kind == Node::Kind::in ? found : !found;
    }
    default:
      return truthy(value_of(node, properties, result));
  }
}

nlohmann::json value_of(const Node& node, const Properties& properties, Result result) {
  switch (node.kind) {
    case Node::Kind::literal:
      return node.value;
    case Node::Kind::property: {
      const auto* value = properties.get(node.name);
      return value ? *value : nlohmann::json(nullptr);
    }
    case Node::Kind::result:
      return std::string(result_name(result));
    default:
      return truth(node, properties, result);
  }
}

}  // namespace

Condition Condition::constant(bool value) {
  Condition c;
  c.constant_ = value;
  c.text_ = value ? "true" : "false";
  return c;
}

Expected<Condition, std::string> Condition::parse(std::string_view text, bool allow_result) {
  auto tokens = tokenize(text);
  if (!tokens) return unexpected(tokens.error());
  if (tokens->size() == 1) return unexpected(std::string("the condition is empty"));
  Parser parser(std::move(*tokens), allow_result);
  auto root = parser.parse();
  if (!root) return unexpected(root.error());
  Condition c;
  c.root_ = *root;
  c.text_ = std::string(text);
  return c;
}

bool Condition::evaluate(const Properties& properties, Result result) const {
  if (!root_) return constant_;
  return truth(*root_, properties, result);
}

}  // namespace eventbot::builds
