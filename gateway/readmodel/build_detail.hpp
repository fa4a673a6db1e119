#pragma once
// One build's steps, logs and properties, folded from the build's own stream
// (build/<builder>/<number>): what builds/N/steps, steps/N/logs and builds/N/properties
// answer. Read from the store when asked for, so the gateway keeps no step in memory.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "events/events.pb.h"

namespace eventbot::gateway::readmodel {

struct LogDetail {
  std::string name;    // "stdio" or a named log file
  std::string slug;    // the name with anything but [A-Za-z0-9_-] as '_'
  std::string stream;  // its log stream
};

struct StepDetail {
  std::uint32_t number = 0;
  std::string name;
  std::string state_string;
  std::int64_t started_us = 0;
  bool complete = false;
  std::int64_t complete_us = 0;
  std::optional<int> results;
  bool hidden = false;
  std::vector<std::pair<std::string, std::string>> urls;  // name, url
  std::vector<LogDetail> logs;                            // in the order they were opened
};

class BuildDetail {
 public:
  BuildDetail(std::string builder, std::uint32_t number)
      : builder_(std::move(builder)), number_(number) {}

  // Folds one event of the build's stream.
  void evolve(const events::Envelope& event);

  const std::vector<StepDetail>& steps() const { return steps_; }  // by number
  const StepDetail* step(std::uint32_t number) const;
  // name -> (value as JSON text, source), the last value set.
  const std::map<std::string, std::pair<std::string, std::string>>& properties() const {
    return properties_;
  }

 private:
  StepDetail* mutable_step(std::uint32_t number);

  std::string builder_;
  std::uint32_t number_;
  std::vector<StepDetail> steps_;
  std::map<std::string, std::pair<std::string, std::string>> properties_;
};

// Buildbot's slug of a log name.
std::string slug_of(const std::string& name);

}  // namespace eventbot::gateway::readmodel
