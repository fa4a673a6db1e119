#pragma once
// Frames handed to a connection from any thread, kept in the order they were handed
// over. A bare asio::post does not keep that order: a post made inside a handler of the
// same io_context goes to the running thread's private queue and runs after the posts
// other threads made meanwhile. The slave's resend (posted while it handled
// ResumeCommand) then went out after newer output posted by the command's thread, and
// the master stored the newer update first. Push under the caller's order, then post a
// drain: whichever drain runs first sends everything pushed so far, in order.
#include <deque>
#include <mutex>
#include <string>
#include <utility>

namespace eventbot::port {

class SendQueue {
 public:
  // Any thread.
  void push(std::string bytes) {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(bytes));
  }

  // The connection's thread: what was pushed so far, oldest first.
  std::deque<std::string> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(pending_, {});
  }

 private:
  std::mutex mutex_;
  std::deque<std::string> pending_;
};

}  // namespace eventbot::port
