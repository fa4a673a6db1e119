#pragma once
// Where the port's I/O thread hands work that may block (synced appends to the event
// log, reads of the store) so that the I/O thread itself only reads, parses and writes:
// one thread of its own running jobs in the order they were handed over, at most
// `capacity` waiting. A job that holds a connection answers through Connection::send,
// which posts the frame to the connection's I/O thread; a connection closed meanwhile
// drops the answer (the job's handle keeps the session alive until then).
//
// One thread keeps a sender's answers in the order of its requests. Jobs never wait for
// another actor's answer here (a forced build's wait is a CAF request, not a job).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace eventbot::port {

class HandOver {
 public:
  static constexpr std::size_t kDefaultCapacity = 1024;

  explicit HandOver(std::size_t capacity = kDefaultCapacity);
  // Runs what was handed over already, then stops (the store is still open then).
  ~HandOver();
  HandOver(const HandOver&) = delete;
  HandOver& operator=(const HandOver&) = delete;

  // Any thread, never blocks: false when `capacity` jobs wait already (the caller
  // answers "busy") or after stop().
  bool post(std::function<void()> job);

  // Runs the jobs already handed over, then joins the thread; later posts are refused.
  void stop();

  std::size_t waiting() const;  // jobs handed over and not yet started
  std::size_t capacity() const { return capacity_; }

 private:
  void loop();

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace eventbot::port
