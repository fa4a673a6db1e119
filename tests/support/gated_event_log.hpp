#pragma once
// A store made as slow as a test wants: wraps a real EventLog, and while the gate is
// closed every append waits (at most `max_hold`, so that a master that waits on it still
// stops) before it goes to the real store. The test knows how many appends are held
// (`held()`), so it waits for that condition instead of guessing how long a slow disk
// takes. Everything else is passed through.
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "store/event_log.hpp"

namespace eventbot::testing {

class GatedEventLog final : public store::EventLog {
 public:
  explicit GatedEventLog(store::EventLog& inner,
                         std::chrono::milliseconds max_hold = std::chrono::seconds(20))
      : inner_(inner), max_hold_(max_hold) {}

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  void open() {
    {
      std::lock_guard lock(mutex_);
      closed_ = false;
    }
    opened_.notify_all();
  }
  // Appends waiting at the gate now.
  std::size_t held() const {
    std::lock_guard lock(mutex_);
    return held_;
  }

  store::StoreResult<store::AppendResult> append(store::AppendRequest request) override {
    {
      std::unique_lock lock(mutex_);
      ++held_;
      opened_.wait_for(lock, max_hold_, [this] { return !closed_; });
      --held_;
    }
    return inner_.append(std::move(request));
  }

  store::StoreResult<std::vector<store::Envelope>> read_forward(Sequence from,
                                                                std::size_t limit) override {
    return inner_.read_forward(from, limit);
  }
  store::StoreResult<Sequence> scan(
      Sequence from, Sequence to,
      const std::function<bool(const store::Envelope&)>& visit) override {
    return inner_.scan(from, to, visit);
  }
  store::StoreResult<std::vector<store::Envelope>> read_stream(std::string_view stream,
                                                               StreamVersion from,
                                                               std::size_t limit) override {
    return inner_.read_stream(stream, from, limit);
  }
  store::StoreResult<StreamVersion> stream_version(std::string_view stream) override {
    return inner_.stream_version(stream);
  }
  store::StoreResult<std::vector<store::LogChunkData>> read_log(std::string_view log_stream,
                                                                StreamVersion from,
                                                                std::size_t limit) override {
    return inner_.read_log(log_stream, from, limit);
  }
  Sequence head() override { return inner_.head(); }
  bool write_failed() const override { return inner_.write_failed(); }
  Sequence wait_for_head_beyond(Sequence after, std::chrono::milliseconds timeout) override {
    return inner_.wait_for_head_beyond(after, timeout);
  }
  std::unique_ptr<store::Subscription> subscribe(Sequence from,
                                                 store::SubscriberCallbacks callbacks) override {
    return inner_.subscribe(from, std::move(callbacks));
  }

 private:
  store::EventLog& inner_;
  std::chrono::milliseconds max_hold_;
  mutable std::mutex mutex_;
  std::condition_variable opened_;
  bool closed_ = false;
  std::size_t held_ = 0;
};

}  // namespace eventbot::testing
