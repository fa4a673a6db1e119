#pragma once
// Runs one ShellCommandSpec as a child process tree and reports what happens to a sink:
// batched output updates while it runs, then exactly one Completion.
//
// Concurrency: start() starts two threads. The I/O thread owns the child: it spawns it,
// polls its pipes/pty, tails the log files, enforces the timeouts and the kill sequence
// and reaps the child. The delivery thread calls sink.deliver() and, last,
// sink.complete(). deliver() may block (the protocol layer blocks while the master is
// behind): the I/O thread then stops reading once 2 * chunk_bytes are waiting, so the
// child blocks on write, while timeouts, interrupts and reaping still happen on time.
// interrupt() may be called from any thread. The sink must outlive the runner.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "slave-agent/shell_command.hpp"

namespace eventbot::slave {

struct Update {
  enum class Kind { header, stdout_data, stderr_data, logfile_data };
  Kind kind = Kind::header;
  std::string log_name;  // the logfiles key, for logfile_data only
  std::string data;      // at most chunk_bytes
};

struct Completion {
  enum class Outcome {
    finished,      // the command ended on its own (any exit code)
    timeout,       // killed: no output for `timeout`
    max_time,      // killed: ran longer than `max_time`
    interrupted,   // killed: interrupt() was called
    cannot_start,  // never ran: workdir or exec failed
  };
  Outcome outcome = Outcome::finished;
  // The exit code; -1 if the command was ended by a signal, could not start, or was
  // killed by the runner yet exited 0 (Buildbot's convention).
  int rc = -1;
  std::optional<int> signal;  // the signal that ended the command, if one did
  double elapsed_seconds = 0;
  // Empty when outcome is finished; else e.g. "timeout: no output for 1200 s",
  // "max_time: 3600 s exceeded", "interrupted: <why>", "cannot start: <what>: <errno>".
  std::string failure_reason;

  bool interrupted() const { return outcome == Outcome::interrupted; }
};

class UpdateSink {
 public:
  virtual ~UpdateSink() = default;
  // Called in order, from one thread; may block to slow the runner down.
  virtual void deliver(Update update) = 0;
  // Called once, after the last deliver().
  virtual void complete(Completion completion) = 0;
};

class CommandRunner {
 public:
  // slave_env: the environment the command's `env` applies to; by default this process's.
  CommandRunner(ShellCommandSpec spec, UpdateSink& sink,
                std::optional<Environment> slave_env = std::nullopt);
  // Interrupts a command still running and waits for it to be reaped and reported.
  ~CommandRunner();
  CommandRunner(const CommandRunner&) = delete;
  CommandRunner& operator=(const CommandRunner&) = delete;

  // Starts the command; at most once.
  void start();
  // Ends the command: the kill sequence of the spec, reported as "interrupted: <why>".
  // Before start(), the command will not run at all. False if it had already ended or
  // been interrupted (a timeout's kill sequence already running is not restarted).
  bool interrupt(std::string why);
  // Blocks until sink.complete() has returned.
  void wait();
  bool wait_for(std::chrono::milliseconds deadline);
  bool done() const;

  // The child's pid (also its process group id) once started, else 0.
  pid_t pid() const { return pid_.load(); }
  // Bytes read from the child or its log files (and header text) not yet returned from
  // sink.deliver(), now and at most so far.
  std::size_t buffered_bytes() const { return buffered_.load(); }
  std::size_t peak_buffered_bytes() const { return peak_buffered_.load(); }

 private:
  struct Impl;  // the I/O thread's state
  using Item = std::variant<Update, Completion>;

  void io_main();
  void delivery_main();
  void enqueue(Item item, std::size_t bytes);
  void add_buffered(std::size_t bytes);
  void wake_io();

  ShellCommandSpec spec_;
  UpdateSink& sink_;
  Environment slave_env_;

  std::thread io_thread_;
  std::thread delivery_thread_;
  int wake_fds_[2] = {-1, -1};  // self-pipe that wakes the I/O thread's poll()

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;                    // guarded by mutex_
  std::deque<std::size_t> sizes_;             // bytes of each queued item, guarded by mutex_
  bool started_ = false;                      // guarded by mutex_
  bool done_ = false;                         // guarded by mutex_
  std::optional<std::string> interrupt_why_;  // guarded by mutex_
  bool ending_ = false;  // guarded by mutex_: the I/O thread is finishing, interrupts are moot

  std::atomic<pid_t> pid_{0};
  std::atomic<std::size_t> buffered_{0};
  std::atomic<std::size_t> peak_buffered_{0};
};

}  // namespace eventbot::slave
