#pragma once
// A realistic history for the replay tool's builds/requests/state/why tests, as batches
// of events the way the master appends them:
//
//   config (ConfigLoaded, master m1), master start, slave linux-1 attaches, schedulers
//   main (single_branch on master) and hourly (periodic) start;
//   change 1 (alice, abc123) -> buildset 1 of main -> requests 1 (runtests), 2 (docs);
//   change 2 (bob, def456)   -> buildset 2 of main -> requests 3 (runtests), 4 (docs);
//   request 2 cancelled by carol;
//   build runtests #1 collapses requests 1 and 3, holds lock "compile", steps compile
//   SUCCESS, test FAILURE, upload SKIPPED (hidden); it finishes FAILURE;
//   build docs #1 (request 4) triggers docs-publish: buildset 3 (parent buildset 2,
//   external id "docs/1") -> request 5 -> build publish #1 SUCCESS;
//   the hourly timer fires: buildset 4 -> request 6 -> build runtests #2 ends RETRY (the
//   slave went away), request 6 is unclaimed, and build runtests #3 reruns it: SUCCESS;
//   dave forces buildset 5 -> request 7 (priority 5), left pending.
//
// Sequences of the points the tests look at are in Scenario::Points.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "events/streams.hpp"
#include "store/event_log.hpp"

namespace eventbot::replay::testing {

using events::Envelope;

// 2026-11-22T09:00:00Z.
constexpr std::int64_t kT0 = 1'795'338'000LL * 1'000'000;
constexpr std::int64_t kSecond = 1'000'000;

// The master.yaml the log records. The slave's hash was redacted by the master, as the
// real ConfigLoaded is; "lint" is configured and never builds.
inline const char* kRecordedYaml = R"yaml(title: Scenario
master:
  id: m1
slaves:
  - name: linux-1
    password_hash: <redacted>
    max_builds: 2
  - name: mac-1
    password: <redacted>
locks:
  - name: compile
    type: master
schedulers:
  - type: single_branch
    name: main
    branch: master
    builders: [runtests, docs]
  - type: periodic
    name: hourly
    period: 3600
    branch: master
    builders: [runtests]
  - type: triggerable
    name: docs-publish
    builders: [publish]
  - type: force
    name: force
    builders: [runtests, docs]
builders:
  - name: runtests
    slaves: [linux-1]
    steps:
      - {type: shell, name: compile, command: make}
  - name: docs
    slaves: [linux-1]
    steps:
      - {type: shell, name: docs, command: make docs}
  - name: publish
    slaves: [linux-1, mac-1]
    steps:
      - {type: shell, name: publish, command: make publish}
  - name: lint
    slaves: [mac-1]
    steps:
      - {type: shell, name: lint, command: make lint}
)yaml";

class Scenario {
 public:
  struct Points {
    std::uint64_t schedulers_started = 0;  // config, slave attached, timers set; no change
    std::uint64_t change1_added = 0;       // change 1 in the log, not yet classified
    std::uint64_t requests_pending = 0;    // requests 1-4 submitted, none claimed
    std::uint64_t build1_running = 0;      // runtests #1 running, holding "compile"
    std::uint64_t docs_done = 0;           // docs #1 and publish #1 finished
    std::uint64_t retry_pending = 0;       // runtests #2 ended RETRY, request 6 pending
    std::uint64_t rerun_running = 0;       // runtests #3 running request 6
    std::uint64_t end = 0;                 // request 7 pending
  };

  Scenario() { build(); }

  const std::vector<store::AppendRequest>& batches() const { return batches_; }
  const Points& points() const { return points_; }
  // The time of the event at `sequence` (1-based).
  std::int64_t time_of(std::uint64_t sequence) const { return times_.at(sequence - 1); }

  // Appends the batches whose events all lie after `after` and at or before `through`
  // (0: to the end), so a test can write the history in steps.
  static void append_to(store::EventLog& log, const Scenario& scenario, std::uint64_t through = 0,
                        std::uint64_t after = 0) {
    std::uint64_t seen = 0;
    for (const auto& batch : scenario.batches()) {
      const std::uint64_t first = seen + 1;
      seen += batch.events.size();
      if (through != 0 && seen > through) break;
      if (first <= after) continue;
      auto result = log.append(batch);
      if (!result) throw std::runtime_error("append failed: " + result.error().message);
    }
  }

 private:
  Envelope event(const std::string& stream) {
    Envelope e;
    e.set_stream(stream);
    e.set_master_id("m1");
    return e;
  }

  // Starts a new batch; events added go into it, one second apart.
  void batch() { batches_.emplace_back(); }
  void add(Envelope e) {
    now_ += kSecond;
    e.set_time_us(now_);
    times_.push_back(now_);
    batches_.back().events.push_back(std::move(e));
    ++sequence_;
  }
  void one(Envelope e) {
    batch();
    add(std::move(e));
  }

  Envelope start_mark(const std::string& scheduler) {
    Envelope e = event(streams::scheduler(scheduler));
    auto* saved = e.mutable_scheduler_state_saved();
    saved->set_scheduler(scheduler);
    saved->set_key("start");
    saved->set_value_json(
        "{\"buildset_id\":0,\"change_id\":0,\"time_us\":" + std::to_string(now_ + kSecond) + "}");
    return e;
  }

  Envelope change(const std::string& who, const std::string& revision, const std::string& comments,
                  std::vector<std::string> files) {
    Envelope e = event(streams::changes());
    auto* c = e.mutable_change_added();
    c->set_who(who);
    c->set_revision(revision);
    c->set_branch("master");
    c->set_repository("https://example.org/project.git");
    c->set_comments(comments);
    for (auto& f : files) c->add_files(f);
    c->set_when_us(now_ - 30 * kSecond);
    c->set_source("sendchange");
    return e;
  }

  Envelope classified(const std::string& scheduler, std::uint64_t change_id) {
    Envelope e = event(streams::scheduler(scheduler));
    auto* c = e.mutable_scheduler_change_classified();
    c->set_scheduler(scheduler);
    c->set_change_id(change_id);
    c->set_important(true);
    return e;
  }

  // A buildset with one request per builder (ids from `first_request`), added to the
  // current batch with its requests.
  void buildset(std::uint64_t id, const std::string& scheduler, const std::string& reason,
                const std::string& revision, std::vector<std::uint64_t> change_ids,
                std::vector<std::string> builders, std::uint64_t first_request,
                std::uint64_t parent = 0, const std::string& external_id = "",
                std::int32_t priority = 0) {
    Envelope e = event(streams::buildset(id));
    auto* b = e.mutable_buildset_submitted();
    b->set_buildset_id(id);
    b->set_scheduler(scheduler);
    b->set_reason(reason);
    auto* ss = b->add_sourcestamps();
    ss->set_repository("https://example.org/project.git");
    ss->set_branch("master");
    ss->set_revision(revision);
    for (auto c : change_ids) ss->add_change_ids(c);
    auto* p = b->add_properties();
    p->set_name("scheduler");
    p->set_value_json("\"" + scheduler + "\"");
    p->set_source("Scheduler");
    for (std::size_t i = 0; i < builders.size(); ++i) {
      b->add_builder_names(builders[i]);
      b->add_build_request_ids(first_request + i);
    }
    b->set_parent_buildset_id(parent);
    b->set_external_idstring(external_id);
    if (scheduler == "force") {
      auto* owner = b->add_properties();
      owner->set_name("owner");
      owner->set_value_json("\"dave\"");
      owner->set_source("Force Build Form");
    }
    add(std::move(e));
    for (std::size_t i = 0; i < builders.size(); ++i) {
      Envelope r = event(streams::build_request(first_request + i));
      auto* body = r.mutable_build_request_submitted();
      body->set_request_id(first_request + i);
      body->set_buildset_id(id);
      body->set_builder(builders[i]);
      body->set_priority(priority);
      add(std::move(r));
    }
  }

  // A batch claiming the requests and starting the build.
  void start_build(const std::string& builder, std::uint32_t number,
                   std::vector<std::uint64_t> requests, const std::string& reason,
                   const std::string& revision, std::vector<std::uint64_t> change_ids) {
    batch();
    for (auto id : requests) {
      Envelope c = event(streams::build_request(id));
      auto* body = c.mutable_build_request_claimed();
      body->set_request_id(id);
      body->set_master_id("m1");
      body->set_builder(builder);
      add(std::move(c));
    }
    Envelope e = event(streams::build(builder, number));
    auto* b = e.mutable_build_started();
    b->set_builder(builder);
    b->set_number(number);
    for (auto id : requests) b->add_request_ids(id);
    b->set_slave("linux-1");
    b->set_reason(reason);
    auto* ss = b->add_sourcestamps();
    ss->set_branch("master");
    ss->set_revision(revision);
    for (auto c : change_ids) ss->add_change_ids(c);
    add(std::move(e));
  }

  void step_started(const std::string& builder, std::uint32_t number, std::uint32_t index,
                    const std::string& name) {
    Envelope e = event(streams::build(builder, number));
    auto* s = e.mutable_step_started();
    s->set_builder(builder);
    s->set_build_number(number);
    s->set_step_index(index);
    s->set_name(name);
    s->add_description(name + "ing");
    one(std::move(e));
  }

  void step_finished(const std::string& builder, std::uint32_t number, std::uint32_t index,
                     events::Result result, std::vector<std::string> text, bool hidden = false) {
    Envelope e = event(streams::build(builder, number));
    auto* s = e.mutable_step_finished();
    s->set_builder(builder);
    s->set_build_number(number);
    s->set_step_index(index);
    s->set_result(result);
    for (auto& t : text) s->add_description_done(t);
    s->set_hidden(hidden);
    one(std::move(e));
  }

  // BuildFinished, then (same batch) each request completed, then the buildsets given.
  void finish_build(const std::string& builder, std::uint32_t number, events::Result result,
                    std::vector<std::string> text, std::vector<std::uint64_t> completes,
                    std::vector<std::pair<std::uint64_t, events::Result>> buildsets = {}) {
    batch();
    Envelope e = event(streams::build(builder, number));
    auto* f = e.mutable_build_finished();
    f->set_builder(builder);
    f->set_number(number);
    f->set_result(result);
    for (auto& t : text) f->add_text(t);
    add(std::move(e));
    for (auto id : completes) {
      Envelope c = event(streams::build_request(id));
      auto* body = c.mutable_build_request_completed();
      body->set_request_id(id);
      body->set_result(result);
      body->set_builder(builder);
      body->set_build_number(number);
      add(std::move(c));
    }
    for (auto [id, bs_result] : buildsets) {
      Envelope c = event(streams::buildset(id));
      c.mutable_buildset_completed()->set_buildset_id(id);
      c.mutable_buildset_completed()->set_result(bs_result);
      add(std::move(c));
    }
  }

  void build() {
    const std::string main_reason = "The SingleBranch scheduler named 'main' triggered this build";
    now_ = kT0;

    Envelope config = event(streams::config());
    config.mutable_config_loaded()->set_path("/srv/master/master.yaml");
    config.mutable_config_loaded()->set_content_sha256(std::string(64, 'a'));
    config.mutable_config_loaded()->set_content(kRecordedYaml);
    one(config);

    Envelope started = event(streams::master("m1"));
    started.mutable_master_started()->set_master_id("m1");
    started.mutable_master_started()->set_hostname("build-master");
    one(started);

    Envelope attached = event(streams::slave("linux-1"));
    attached.mutable_slave_attached()->set_slave("linux-1");
    attached.mutable_slave_attached()->set_host("build-linux");
    attached.mutable_slave_attached()->set_master_id("m1");
    one(attached);

    one(start_mark("main"));
    batch();
    add(start_mark("hourly"));
    Envelope timer = event(streams::scheduler("hourly"));
    timer.mutable_scheduler_timer_set()->set_scheduler("hourly");
    timer.mutable_scheduler_timer_set()->set_timer("periodic");
    timer.mutable_scheduler_timer_set()->set_due_us(kT0 + 3600 * kSecond);
    add(timer);
    points_.schedulers_started = sequence_;

    one(change("alice", "abc123", "Fix the frobnicator", {"src/frob.cpp", "src/frob.hpp"}));
    points_.change1_added = sequence_;
    batch();
    add(classified("main", 1));
    buildset(1, "main", main_reason, "abc123", {1}, {"runtests", "docs"}, 1);

    one(change("bob", "def456", "Speed up the tests", {"tests/speed.cpp"}));
    batch();
    add(classified("main", 2));
    buildset(2, "main", main_reason, "def456", {2}, {"runtests", "docs"}, 3);
    points_.requests_pending = sequence_;

    Envelope cancel = event(streams::build_request(2));
    cancel.mutable_build_request_cancelled()->set_request_id(2);
    cancel.mutable_build_request_cancelled()->set_who("carol");
    cancel.mutable_build_request_cancelled()->set_reason("superseded");
    one(cancel);

    start_build("runtests", 1, {1, 3}, main_reason, "def456", {1, 2});
    Envelope lock = event(streams::build("runtests", 1));
    auto* acquired = lock.mutable_lock_acquired();
    acquired->set_lock("compile");
    acquired->set_exclusive(true);
    acquired->set_builder("runtests");
    acquired->set_build_number(1);
    acquired->set_step_index(-1);
    one(lock);
    step_started("runtests", 1, 0, "compile");
    Envelope chunk = event(streams::log("runtests", 1, 0, "stdio"));
    chunk.mutable_log_chunk()->set_data("make\ncc -c frob.cpp\n");
    one(chunk);
    step_finished("runtests", 1, 0, events::SUCCESS, {"compile"});
    step_started("runtests", 1, 1, "test");
    step_finished("runtests", 1, 1, events::FAILURE, {"2 tests", "failed"});
    step_started("runtests", 1, 2, "upload");
    step_finished("runtests", 1, 2, events::SKIPPED, {"upload", "skipped"}, /*hidden=*/true);
    points_.build1_running = sequence_;

    Envelope release = event(streams::build("runtests", 1));
    release.mutable_lock_released()->set_lock("compile");
    release.mutable_lock_released()->set_builder("runtests");
    release.mutable_lock_released()->set_build_number(1);
    release.mutable_lock_released()->set_step_index(-1);
    one(release);
    finish_build("runtests", 1, events::FAILURE, {"failed", "test"}, {1, 3},
                 {{1, events::FAILURE}});

    start_build("docs", 1, {4}, main_reason, "def456", {2});
    step_started("docs", 1, 0, "trigger");
    batch();
    buildset(3, "docs-publish",
             "The Triggerable scheduler named 'docs-publish' triggered this build", "def456", {2},
             {"publish"}, 5, /*parent=*/2, "docs/1");
    start_build("publish", 1, {5},
                "The Triggerable scheduler named 'docs-publish' triggered this build", "def456",
                {2});
    step_started("publish", 1, 0, "publish");
    step_finished("publish", 1, 0, events::SUCCESS, {"published"});
    finish_build("publish", 1, events::SUCCESS, {"build", "successful"}, {5},
                 {{3, events::SUCCESS}});
    step_finished("docs", 1, 0, events::SUCCESS, {"triggered", "docs-publish"});
    finish_build("docs", 1, events::SUCCESS, {"build", "successful"}, {4}, {{2, events::FAILURE}});
    points_.docs_done = sequence_;

    // An hour after the start, the periodic timer fires.
    now_ = kT0 + 3600 * kSecond - kSecond;
    batch();
    Envelope fired = event(streams::scheduler("hourly"));
    fired.mutable_scheduler_timer_fired()->set_scheduler("hourly");
    fired.mutable_scheduler_timer_fired()->set_timer("periodic");
    fired.mutable_scheduler_timer_fired()->set_due_us(kT0 + 3600 * kSecond);
    add(fired);
    Envelope next = event(streams::scheduler("hourly"));
    next.mutable_scheduler_timer_set()->set_scheduler("hourly");
    next.mutable_scheduler_timer_set()->set_timer("periodic");
    next.mutable_scheduler_timer_set()->set_due_us(kT0 + 7200 * kSecond);
    add(next);
    const std::string hourly_reason = "The Periodic scheduler named 'hourly' triggered this build";
    buildset(4, "hourly", hourly_reason, "", {}, {"runtests"}, 6);

    start_build("runtests", 2, {6}, hourly_reason, "", {});
    step_started("runtests", 2, 0, "compile");
    Envelope lost = event(streams::slave("linux-1"));
    lost.mutable_slave_detached()->set_slave("linux-1");
    lost.mutable_slave_detached()->set_reason("connection lost");
    one(lost);
    step_finished("runtests", 2, 0, events::RETRY, {"compile", "retry"});
    batch();
    Envelope retry = event(streams::build("runtests", 2));
    retry.mutable_build_finished()->set_builder("runtests");
    retry.mutable_build_finished()->set_number(2);
    retry.mutable_build_finished()->set_result(events::RETRY);
    add(retry);
    Envelope unclaim = event(streams::build_request(6));
    unclaim.mutable_build_request_unclaimed()->set_request_id(6);
    unclaim.mutable_build_request_unclaimed()->set_reason("build runtests #2 ended RETRY");
    add(unclaim);
    points_.retry_pending = sequence_;

    one(attached);
    start_build("runtests", 3, {6}, hourly_reason, "", {});
    step_started("runtests", 3, 0, "compile");
    points_.rerun_running = sequence_;
    step_finished("runtests", 3, 0, events::SUCCESS, {"compile"});
    finish_build("runtests", 3, events::SUCCESS, {"build", "successful"}, {6},
                 {{4, events::SUCCESS}});

    batch();
    buildset(5, "force", "A build was forced by 'dave': check the release", "", {}, {"runtests"}, 7,
             0, "", /*priority=*/5);
    points_.end = sequence_;
  }

  std::vector<store::AppendRequest> batches_;
  std::vector<std::int64_t> times_;
  Points points_;
  std::uint64_t sequence_ = 0;
  std::int64_t now_ = 0;
};

}  // namespace eventbot::replay::testing
