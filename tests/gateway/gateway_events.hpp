#pragma once
// Events as the master appends them, numbered as the store would, for the read models'
// tests.
#include <cstdint>
#include <string>

#include "events/events.pb.h"
#include "events/streams.hpp"

namespace eventbot::gateway::test {

class EventMaker {
 public:
  events::Envelope next(std::string stream, std::int64_t time_us = 0) {
    events::Envelope e;
    e.set_sequence(++sequence_);
    e.set_time_us(time_us ? time_us : sequence_ * 1'000'000);
    e.set_master_id("m1");
    e.set_stream(std::move(stream));
    return e;
  }

  events::Envelope change(std::uint64_t id, const std::string& who, const std::string& branch) {
    auto e = next(streams::changes());
    e.set_stream_version(id);
    e.mutable_change_added()->set_who(who);
    e.mutable_change_added()->set_branch(branch);
    e.mutable_change_added()->add_files("a.c");
    return e;
  }
  events::Envelope buildset(std::uint64_t id, const std::string& reason) {
    auto e = next(streams::buildset(id));
    e.mutable_buildset_submitted()->set_buildset_id(id);
    e.mutable_buildset_submitted()->set_reason(reason);
    auto* ss = e.mutable_buildset_submitted()->add_sourcestamps();
    ss->set_branch("main");
    ss->set_revision("abc");
    return e;
  }
  events::Envelope request(std::uint64_t id, std::uint64_t buildset, const std::string& builder) {
    auto e = next(streams::build_request(id));
    e.mutable_build_request_submitted()->set_request_id(id);
    e.mutable_build_request_submitted()->set_buildset_id(buildset);
    e.mutable_build_request_submitted()->set_builder(builder);
    return e;
  }
  events::Envelope claimed(std::uint64_t id, const std::string& builder) {
    auto e = next(streams::build_request(id));
    e.mutable_build_request_claimed()->set_request_id(id);
    e.mutable_build_request_claimed()->set_master_id("m1");
    e.mutable_build_request_claimed()->set_builder(builder);
    return e;
  }
  events::Envelope started(const std::string& builder, std::uint32_t number, std::uint64_t request,
                           const std::string& slave = "s1") {
    auto e = next(streams::build(builder, number));
    e.mutable_build_started()->set_builder(builder);
    e.mutable_build_started()->set_number(number);
    e.mutable_build_started()->add_request_ids(request);
    e.mutable_build_started()->set_slave(slave);
    auto* p = e.mutable_build_started()->add_properties();
    p->set_name("branch");
    p->set_value_json("\"main\"");
    p->set_source("Build");
    return e;
  }
  events::Envelope finished(const std::string& builder, std::uint32_t number,
                            events::Result result) {
    auto e = next(streams::build(builder, number));
    e.mutable_build_finished()->set_builder(builder);
    e.mutable_build_finished()->set_number(number);
    e.mutable_build_finished()->set_result(result);
    e.mutable_build_finished()->add_text("build");
    e.mutable_build_finished()->add_text(result == events::SUCCESS ? "successful" : "failed");
    return e;
  }
  events::Envelope step_started(const std::string& builder, std::uint32_t number,
                                std::uint32_t step, const std::string& name) {
    auto e = next(streams::build(builder, number));
    e.mutable_step_started()->set_builder(builder);
    e.mutable_step_started()->set_build_number(number);
    e.mutable_step_started()->set_step_index(step);
    e.mutable_step_started()->set_name(name);
    return e;
  }
  events::Envelope log_opened(const std::string& builder, std::uint32_t number, std::uint32_t step,
                              const std::string& name) {
    auto e = next(streams::build(builder, number));
    e.mutable_log_opened()->set_builder(builder);
    e.mutable_log_opened()->set_build_number(number);
    e.mutable_log_opened()->set_step_index(step);
    e.mutable_log_opened()->set_name(name);
    return e;
  }
  events::Envelope step_finished(const std::string& builder, std::uint32_t number,
                                 std::uint32_t step, events::Result result) {
    auto e = next(streams::build(builder, number));
    e.mutable_step_finished()->set_builder(builder);
    e.mutable_step_finished()->set_build_number(number);
    e.mutable_step_finished()->set_step_index(step);
    e.mutable_step_finished()->set_result(result);
    e.mutable_step_finished()->add_description_done("done");
    return e;
  }
  events::Envelope completed(std::uint64_t id, const std::string& builder, std::uint32_t number,
                             events::Result result) {
    auto e = next(streams::build_request(id));
    e.mutable_build_request_completed()->set_request_id(id);
    e.mutable_build_request_completed()->set_builder(builder);
    e.mutable_build_request_completed()->set_build_number(number);
    e.mutable_build_request_completed()->set_result(result);
    return e;
  }
  events::Envelope attached(const std::string& slave) {
    auto e = next(streams::slave(slave));
    e.mutable_slave_attached()->set_slave(slave);
    e.mutable_slave_attached()->set_host("box");
    e.mutable_slave_attached()->set_master_id("m1");
    return e;
  }
  events::Envelope detached(const std::string& slave) {
    auto e = next(streams::slave(slave));
    e.mutable_slave_detached()->set_slave(slave);
    return e;
  }
  events::Envelope master_started() {
    auto e = next(streams::master("m1"));
    e.mutable_master_started()->set_master_id("m1");
    return e;
  }

 private:
  std::uint64_t sequence_ = 0;
};

}  // namespace eventbot::gateway::test
