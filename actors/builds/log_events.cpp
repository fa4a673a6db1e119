#include "actors/builds/log_events.hpp"

#include <utility>

#include "events/streams.hpp"

namespace eventbot::builds {

std::string log_name(const wire::Output& output) {
  return output.kind() == wire::LOGFILE ? output.log_name() : "stdio";
}

events::Envelope log_opened(const StepRef& step, const std::string& name) {
  events::Envelope opened;
  auto* body = opened.mutable_log_opened();
  body->set_builder(step.builder);
  body->set_build_number(step.number);
  body->set_step_index(step.step);
  body->set_name(name);
  return opened;
}

void StepLogs::add_output(const StepRef& step, const wire::Output& output, std::uint64_t seq,
                          std::vector<events::Envelope>& out) {
  const std::string name = log_name(output);
  auto [it, fresh] = logs_.try_emplace(name);
  auto& log = it->second;
  if (fresh) {
    log.stream = streams::log(step.builder, step.number, step.step, name);
    out.push_back(log_opened(step, name));
  }
  if (output.data().empty()) return;
  events::Envelope event;
  event.set_stream(log.stream);
  auto* chunk = event.mutable_log_chunk();
  chunk->set_channel(output.kind() == wire::STDERR   ? events::STDERR
                     : output.kind() == wire::HEADER ? events::HEADER
                                                     : events::STDOUT);
  chunk->set_data(output.data());
  chunk->set_offset(log.bytes);
  chunk->set_size(static_cast<std::uint32_t>(output.data().size()));
  chunk->set_command_seq(seq);
  log.bytes += output.data().size();
  ++log.chunks;
  out.push_back(std::move(event));
}

void StepLogs::close(std::vector<events::Envelope>& out) {
  for (const auto& [name, log] : logs_) {
    events::Envelope closed;
    closed.set_stream(log.stream);
    closed.mutable_log_closed()->set_total_bytes(log.bytes);
    closed.mutable_log_closed()->set_chunks(log.chunks);
    out.push_back(std::move(closed));
  }
  logs_.clear();
}

LogWriter& StepLogs::restore(const std::string& name, const std::string& stream) {
  auto& log = logs_[name];
  log.stream = stream;
  return log;
}

wire::Output stored_output(const std::string& name, events::LogChannel channel,
                           const std::string& data) {
  wire::Output output;
  output.set_kind(name != "stdio"             ? wire::LOGFILE
                  : channel == events::STDERR ? wire::STDERR
                  : channel == events::HEADER ? wire::HEADER
                                              : wire::STDOUT);
  output.set_log_name(name == "stdio" ? "" : name);
  output.set_data(data);
  return output;
}

std::vector<events::Envelope> step_done_events(const std::string& builder, std::uint32_t number,
                                               const StepDone& done) {
  std::vector<events::Envelope> out;
  const StepRef step{builder, number, done.finished.step_index()};
  for (const auto& log : done.logs) {
    out.push_back(log_opened(step, log.name));
    const auto stream = streams::log(builder, number, step.step, log.name);
    if (!log.text.empty()) {
      events::Envelope chunk;
      chunk.set_stream(stream);
      chunk.mutable_log_chunk()->set_channel(events::STDOUT);
      chunk.mutable_log_chunk()->set_data(log.text);
      chunk.mutable_log_chunk()->set_size(static_cast<std::uint32_t>(log.text.size()));
      out.push_back(std::move(chunk));
    }
    events::Envelope closed;
    closed.set_stream(stream);
    closed.mutable_log_closed()->set_total_bytes(log.text.size());
    closed.mutable_log_closed()->set_chunks(log.text.empty() ? 0 : 1);
    out.push_back(std::move(closed));
  }
  *out.emplace_back().mutable_step_finished() = done.finished;
  if (done.properties) *out.emplace_back().mutable_build_properties_set() = *done.properties;
  return out;
}

}  // namespace eventbot::builds
