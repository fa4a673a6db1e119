#pragma once
// The event log: the one interface every part of Eventbot reads and writes facts
// through. The embedded RocksDB store implements it; a log server shared by several
// masters implements it too, so nothing above this interface knows which it has.
//
// Concurrency: every method may be called from any thread.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/strong_type.hpp"
#include "events/events.pb.h"
#include "store/expected_version.hpp"
#include "store/store_error.hpp"

namespace eventbot::store {

using events::Envelope;

// A batch of events appended atomically: all of them or none.
struct AppendRequest {
  // Each envelope names its stream and carries its body; the store assigns sequence and
  // stream_version, and stamps time_us when it is 0.
  std::vector<Envelope> events;
  // Per stream, what the appender expects; streams not named here are not checked.
  std::map<std::string, ExpectedVersion, std::less<>> expected;
  // Causes inside the batch, whose sequences the appender cannot know: event index ->
  // index of an earlier event of this request that caused it. The store links the event
  // to its cause as events/causes.hpp says (causation_id = the cause's sequence,
  // correlation_id = the cause's chain). A cause that is not earlier in the request is
  // refused with invalid_argument.
  std::map<std::size_t, std::size_t> caused_in_batch;
};

struct AppendResult {
  Sequence first;  // sequence of the batch's first event
  Sequence last;   // sequence of its last event (== first - 1 for an empty batch)
  std::vector<StreamVersion> versions;  // each event's version in its stream, in batch order
};

// One chunk of a step's log, with its bytes.
struct LogChunkData {
  StreamVersion index;  // 1-based position in the log
  events::LogChannel channel = events::STDOUT;
  std::uint64_t offset = 0;
  std::string data;
};

// Receives events from a subscription, on the subscription's own thread.
struct SubscriberCallbacks {
  // Called with consecutive batches: every event from the start sequence on, exactly
  // once, in order.
  std::function<void(std::vector<Envelope>&& batch)> on_events;
  // Called once if the subscription stops because of an error (a corrupt record).
  std::function<void(const StoreError& error)> on_error;
};

class Subscription {
 public:
  virtual ~Subscription() = default;
  // Stops delivery; returns once no callback is running or will run again.
  virtual void cancel() = 0;
  // The next sequence this subscription will deliver.
  virtual Sequence position() const = 0;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  // Appends the batch atomically after checking every expected version. A mismatch
  // gives StoreErrc::version_conflict and writes nothing. Returns once the batch is as
  // durable as the store's durability setting promises.
  virtual StoreResult<AppendResult> append(AppendRequest request) = 0;

  // Up to `limit` events with sequence >= from, in order.
  virtual StoreResult<std::vector<Envelope>> read_forward(Sequence from, std::size_t limit) = 0;

  // Visits events from `from` to `to` inclusive (0 = the head at the call) in order,
  // until `visit` returns false. Returns the last sequence visited (from - 1 if none).
  // The envelope passed to `visit` is only valid during the call.
  virtual StoreResult<Sequence> scan(Sequence from, Sequence to,
                                     const std::function<bool(const Envelope&)>& visit);

  // Up to `limit` events of one stream with version >= from, in order.
  virtual StoreResult<std::vector<Envelope>> read_stream(std::string_view stream,
                                                         StreamVersion from, std::size_t limit) = 0;

  // The version of the stream's last event; 0 if the stream has none.
  virtual StoreResult<StreamVersion> stream_version(std::string_view stream) = 0;

  // Up to `limit` chunks of one log stream, from chunk index `from`, with their bytes.
  virtual StoreResult<std::vector<LogChunkData>> read_log(std::string_view log_stream,
                                                          StreamVersion from,
                                                          std::size_t limit) = 0;

  // The sequence of the last event appended; 0 for an empty log.
  virtual Sequence head() = 0;

  // Whether the log stopped writing after a failed write (a full disk): every append is
  // then refused until the process opens it again (RocksEventLog::write_failed()).
  virtual bool write_failed() const { return false; }

  // Waits until head() > after or the timeout passes; returns head().
  virtual Sequence wait_for_head_beyond(Sequence after, std::chrono::milliseconds timeout) = 0;

  // Delivers every event from `from` on: first those already in the log, then new ones
  // as they are appended, with no gap and no duplicate at the hand-over.
  virtual std::unique_ptr<Subscription> subscribe(Sequence from, SubscriberCallbacks callbacks);
};

}  // namespace eventbot::store
