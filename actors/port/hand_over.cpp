#include "actors/port/hand_over.hpp"

#include <spdlog/spdlog.h>

#include <exception>

namespace eventbot::port {

HandOver::HandOver(std::size_t capacity) : capacity_(capacity), thread_([this] { loop(); }) {}

HandOver::~HandOver() {
  stop();
}

bool HandOver::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= capacity_) return false;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void HandOver::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::size_t HandOver::waiting() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

void HandOver::loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and everything handed over has run
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (const std::exception& e) {
      // A job that throws loses its own answer, never the thread.
      spdlog::error("port: a request handed over from the I/O thread failed: {}", e.what());
    }
  }
}

}  // namespace eventbot::port
