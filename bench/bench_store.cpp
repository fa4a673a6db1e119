// Throughput of the embedded event log: appends (by batch size and durability), group
// commit under concurrent writers, log-chunk ingestion, and a full replay.
// items_per_second counts events (bytes for the LogChunk benchmarks).
// Figures and the commands that reproduce them: docs/PERFORMANCE.md.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "events/streams.hpp"
#include "store/rocks_event_log.hpp"

namespace {

using eventbot::Sequence;
using eventbot::StreamVersion;
using namespace eventbot::store;

// A scratch directory for one benchmark's store, under $EVENTBOT_BENCH_DIR or /tmp.
std::filesystem::path scratch_dir(const std::string& name) {
  const char* base = std::getenv("EVENTBOT_BENCH_DIR");
  std::string pattern =
      (std::filesystem::path(base ? base : "/tmp") / ("eventbot-bench-" + name + "-XXXXXX"))
          .string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

struct ScratchStore {
  std::filesystem::path dir;
  std::unique_ptr<RocksEventLog> log;

  ScratchStore(const std::string& name, Durability durability) : dir(scratch_dir(name)) {
    RocksOptions options;
    options.dir = dir;
    options.durability = durability;
    auto opened = RocksEventLog::open(options);
    if (!opened) std::abort();
    log = std::move(*opened);
  }
  ~ScratchStore() {
    log.reset();
    std::filesystem::remove_all(dir);
  }
};

// A change event of about 200 bytes serialized, like db_bench's 200-byte values.
Envelope change_event(std::uint64_t n) {
  Envelope e;
  e.set_stream(eventbot::streams::build_request(n % 1000));
  auto* change = e.mutable_change_added();
  change->set_who("developer@example.org");
  change->set_revision("3f786850e387550fdab836ed7e6dc881de23001b");
  change->set_branch("main");
  change->set_repository("https://git.example.org/project.git");
  change->add_files("src/module/file_" + std::to_string(n % 97) + ".cpp");
  change->set_comments("Fix the frobnicator so that it no longer drops the last widget");
  return e;
}

Durability durability_arg(std::int64_t arg) {
  switch (arg) {
    case 0:
      return Durability::sync_each;
    case 1:
      return Durability::group_commit;
    default:
      return Durability::no_sync;
  }
}

// Args: {events per batch, durability (0 sync, 1 group, 2 nosync)}.
void BM_Append(benchmark::State& state) {
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  const auto durability = durability_arg(state.range(1));
  ScratchStore store("append", durability);
  std::uint64_t n = 0;
  for (auto _ : state) {
    AppendRequest request;
    request.events.reserve(batch_size);
    for (std::size_t i = 0; i < batch_size; ++i) request.events.push_back(change_event(n++));
    auto result = store.log->append(std::move(request));
    if (!result) state.SkipWithError(result.error().message.c_str());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.SetLabel(std::string(to_string(durability)) + ", " + std::to_string(batch_size) +
                 " per batch");
}
BENCHMARK(BM_Append)
    ->ArgNames({"batch", "durability"})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Args({100, 0})
    ->Args({100, 1})
    ->Args({100, 2})
    ->UseRealTime();

// Many threads appending one event each time, sharing one store: with group commit their
// appends share WAL syncs; compare with BM_Append/batch:1/durability:0 (one synced writer).
std::mutex shared_mutex;
std::unique_ptr<ScratchStore> shared_store;
std::atomic<std::uint64_t> shared_counter{0};

void BM_AppendConcurrent(benchmark::State& state) {
  const auto durability = durability_arg(state.range(0));
  if (state.thread_index() == 0) {
    std::lock_guard lock(shared_mutex);
    shared_store = std::make_unique<ScratchStore>("concurrent", durability);
  }
  // Every thread starts its loop only after thread 0's setup (benchmark's barrier).
  std::int64_t mine = 0;
  for (auto _ : state) {
    AppendRequest request;
    request.events.push_back(change_event(shared_counter++));
    auto result = shared_store->log->append(std::move(request));
    if (!result) state.SkipWithError(result.error().message.c_str());
    ++mine;
  }
  state.SetItemsProcessed(mine);
  if (state.thread_index() == 0) {
    state.SetLabel(std::string(to_string(durability)) + ", " + std::to_string(state.threads()) +
                   " writers");
  }
}
// Setup in thread 0 happens before the timed loop of every thread: benchmark starts all
// threads' loops together only after each has reached it.
BENCHMARK(BM_AppendConcurrent)
    ->ArgNames({"durability"})
    ->Arg(1)
    ->Threads(64)
    ->UseRealTime()
    ->Teardown([](const benchmark::State&) { shared_store.reset(); });

// Log output arriving as 4 KiB chunks of text lines; Args: {chunks per append, durability}.
std::string log_text(std::mt19937_64& random, std::size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve(size);
  while (out.size() < size) {
    if (out.size() % 101 == 100) {
      out += '\n';
    } else {
      out += kAlphabet[random() % 64];
    }
  }
  return out;
}

void BM_LogChunkAppend(benchmark::State& state) {
  constexpr std::size_t kChunk = 4096;
  const auto per_append = static_cast<std::size_t>(state.range(0));
  const auto durability = durability_arg(state.range(1));
  ScratchStore store("logs", durability);
  std::mt19937_64 random(42);
  std::vector<std::string> texts;
  for (int i = 0; i < 64; ++i) texts.push_back(log_text(random, kChunk));
  const auto stream = eventbot::streams::log("runtests", 1, 1, "stdio");
  std::uint64_t chunks = 0;
  for (auto _ : state) {
    AppendRequest request;
    for (std::size_t i = 0; i < per_append; ++i) {
      Envelope e;
      e.set_stream(stream);
      auto* chunk = e.mutable_log_chunk();
      chunk->set_offset(chunks * kChunk);
      chunk->set_data(texts[chunks % texts.size()]);
      request.events.push_back(std::move(e));
      ++chunks;
    }
    auto result = store.log->append(std::move(request));
    if (!result) state.SkipWithError(result.error().message.c_str());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(chunks * kChunk));
  state.SetBytesProcessed(static_cast<std::int64_t>(chunks * kChunk));
  state.SetLabel(std::string(to_string(durability)) + ", " + std::to_string(per_append) +
                 " x 4 KiB per append");
}
BENCHMARK(BM_LogChunkAppend)
    ->ArgNames({"chunks", "durability"})
    ->Args({1, 1})
    ->Args({16, 1})
    ->Args({1, 2})
    ->Args({16, 2})
    ->UseRealTime();

// A full replay of a log of $EVENTBOT_BENCH_REPLAY_EVENTS events (default one million),
// written once and flushed to SST files so the scan reads from disk structures.
std::unique_ptr<ScratchStore> replay_store;

std::uint64_t replay_events() {
  const char* n = std::getenv("EVENTBOT_BENCH_REPLAY_EVENTS");
  return n ? std::strtoull(n, nullptr, 10) : 1'000'000;
}

void fill_replay_store(const benchmark::State&) {
  if (replay_store) return;
  replay_store = std::make_unique<ScratchStore>("replay", Durability::no_sync);
  const auto total = replay_events();
  for (std::uint64_t n = 0; n < total;) {
    AppendRequest request;
    for (int i = 0; i < 1000 && n < total; ++i) request.events.push_back(change_event(n++));
    if (!replay_store->log->append(std::move(request))) std::abort();
  }
  if (!replay_store->log->flush()) std::abort();
}

// Scan + parse of every event, as a projection rebuild does.
void BM_Replay(benchmark::State& state) {
  std::uint64_t events = 0;
  for (auto _ : state) {
    std::uint64_t seen = 0;
    auto result = replay_store->log->scan(Sequence(1), Sequence(0), [&](const Envelope& e) {
      benchmark::DoNotOptimize(e.stream_version());
      ++seen;
      return true;
    });
    if (!result || seen != replay_events()) state.SkipWithError("replay did not see every event");
    events += seen;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
}
BENCHMARK(BM_Replay)->Setup(fill_replay_store)->Unit(benchmark::kMillisecond)->UseRealTime();

// Reading the events of one stream at a time (a projection of one build request).
void BM_ReplayStream(benchmark::State& state) {
  std::uint64_t events = 0, n = 0;
  for (auto _ : state) {
    auto result = replay_store->log->read_stream(eventbot::streams::build_request(n++ % 1000),
                                                 StreamVersion(1), 100);
    if (!result || result->empty()) state.SkipWithError("stream read failed");
    events += result->size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
}
BENCHMARK(BM_ReplayStream)->Setup(fill_replay_store)->UseRealTime();

}  // namespace

// BENCHMARK_MAIN, plus closing the replay store before static destruction: RocksDB's own
// statics may already be gone by then.
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  replay_store.reset();
  return 0;
}
