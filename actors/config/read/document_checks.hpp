#pragma once
// What master.yaml must be before its YAML is read at all: UTF-8 text (protobuf refuses
// to read back an event whose strings are not, so one bad byte recorded in ConfigLoaded
// would stop every reader of the log), and a document whose size as read stays bounded
// once its aliases are expanded (an "alias bomb" of nested aliases is a few hundred
// bytes that expand to billions of values, which every walk over the tree would visit),
// nested no deeper than a reader's recursion can take. The limits are in
// config_loader.hpp. Internal to actors/config.
#include <string_view>

#include "actors/config/read/yaml_reader.hpp"

namespace eventbot::config::detail {

// Reports the first byte that does not belong to a UTF-8 sequence, at its line and
// column; false when there is one.
bool check_utf8(std::string_view text, ErrorList& errors);

// Walks the parse events of every document of `text` (not the tree, which would share
// aliased nodes): reports the first nesting deeper than kMaxNestingDepth, alias past
// kMaxAliases, document expanding past kMaxNodes values, or alias to a node that holds
// it (a cycle); false when there is one. A YAML syntax error is left to the loader.
bool check_document_shape(std::string_view text, ErrorList& errors);

}  // namespace eventbot::config::detail
