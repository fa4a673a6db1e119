#pragma once
// A repeated text field (a build's or step's state words) as one line, words separated
// by spaces: the state_string Buildbot's data API gives.
#include <google/protobuf/repeated_field.h>

#include <string>

namespace eventbot::gateway::readmodel {

inline std::string joined(const google::protobuf::RepeatedPtrField<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

}  // namespace eventbot::gateway::readmodel
