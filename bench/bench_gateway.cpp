// The web gateway's read models with a long history (docs/PERFORMANCE.md):
//
//   bench_gateway readmodel [N]        N finished builds (bench/build_history.hpp) into a
//                                      real store in a scratch directory, then the read
//                                      models' memory (heap in use, and RSS) and start-up
//                                      time folding the whole log, saving the snapshot,
//                                      and restoring from it
//   bench_gateway history DIR [N]      writes N finished builds into the store of master
//                                      directory DIR (before its first start), for
//                                      bench/rest_bench.sh
//
// Prints Markdown table rows. Scratch directories go under $EVENTBOT_BENCH_DIR (default
// /tmp) and are removed afterwards.
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "bench/build_history.hpp"
#include "gateway/readmodel/model_snapshots.hpp"
#include "gateway/readmodel/read_model.hpp"
#include "store/rocks_event_log.hpp"

namespace fs = std::filesystem;
using namespace eventbot;
using Clock = std::chrono::steady_clock;

namespace {

fs::path scratch_dir() {
  const char* base = std::getenv("EVENTBOT_BENCH_DIR");
  std::string pattern = (fs::path(base ? base : "/tmp") / "eventbot-bench-gateway-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double mib(double bytes) {
  return bytes / (1024.0 * 1024.0);
}

// Bytes malloc has handed out and not taken back.
double heap_in_use() {
  return static_cast<double>(::mallinfo2().uordblks);
}

double rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

std::unique_ptr<store::RocksEventLog> open_store(const fs::path& dir) {
  store::RocksOptions options;
  options.dir = dir;
  options.durability = store::Durability::no_sync;
  auto log = store::RocksEventLog::open(options);
  if (!log) {
    std::cerr << "opening the store in " << dir << ": " << log.error().message << "\n";
    std::exit(1);
  }
  return std::move(*log);
}

bool write_history(store::EventLog& log, std::uint64_t builds) {
  bench::HistoryShape shape;
  for (std::uint64_t i = 0; i < builds; ++i) {
    if (!bench::append_build(log, shape, i)) return false;
  }
  return true;
}

// One start of the read models: the fold (from the snapshot if `snapshots`), the heap and
// RSS it added, its time.
struct Start {
  double seconds = 0, heap = 0, rss = 0;
  std::uint64_t restored_at = 0;
};

Start start_model(store::RocksEventLog& log, store::SnapshotStore* snapshots,
                  gateway::readmodel::ReadModel& model) {
  ::malloc_trim(0);
  const double heap0 = heap_in_use(), rss0 = rss_bytes();
  auto t0 = Clock::now();
  auto restored = gateway::readmodel::fold_read_model(log, snapshots, log.head().value(), model);
  Start start;
  start.seconds = seconds_since(t0);
  if (!restored) {
    std::cerr << restored.error() << "\n";
    std::exit(1);
  }
  ::malloc_trim(0);
  start.restored_at = *restored;
  start.heap = heap_in_use() - heap0;
  start.rss = rss_bytes() - rss0;
  return start;
}

int readmodel(std::uint64_t builds) {
  const fs::path dir = scratch_dir();
  {
    auto log = open_store(dir / "events");
    auto t0 = Clock::now();
    if (!write_history(*log, builds)) return 1;
    std::cout << "| history: " << builds << " builds, " << log->head().value()
              << " events, written in | " << seconds_since(t0) << " s |\n";
  }
  {
    auto log = open_store(dir / "events");  // a fresh process's view: nothing cached
    gateway::readmodel::ReadModel model;
    auto full = start_model(*log, nullptr, model);
    std::cout << "| read models, heap in use after folding the whole log | " << mib(full.heap)
              << " MiB |\n"
              << "| ... RSS added | " << mib(full.rss) << " MiB |\n"
              << "| start-up: fold of the whole log (" << log->head().value() << " events) | "
              << full.seconds << " s |\n";
    std::cout << "| ... builds, requests, buildsets, changes kept | " << model.builds().size()
              << ", " << model.requests().size() << ", " << model.buildsets().size() << ", "
              << model.changes().size() << " |\n";
    auto t0 = Clock::now();
    if (!gateway::readmodel::save_read_model(*log, model)) return 1;
    std::cout << "| saving the snapshot | " << seconds_since(t0) << " s, "
              << mib(static_cast<double>(model.snapshot().size())) << " MiB |\n";
  }
  {
    auto log = open_store(dir / "events");
    gateway::readmodel::ReadModel model;
    auto restored = start_model(*log, log.get(), model);
    if (restored.restored_at != log->head().value()) {
      std::cerr << "the snapshot was not restored\n";
      return 1;
    }
    std::cout << "| start-up: restored from the snapshot | " << restored.seconds << " s |\n"
              << "| ... heap in use after | " << mib(restored.heap) << " MiB |\n";
    // Where the restore's time goes: reading the snapshot, then decoding it.
    auto t0 = Clock::now();
    auto loaded = log->load_snapshot(gateway::readmodel::kReadModelProjection);
    const double read_s = seconds_since(t0);
    if (!loaded || !*loaded) return 1;
    t0 = Clock::now();
    auto decoded = gateway::readmodel::ReadModel::restore((*loaded)->state);
    std::cout << "| ... of which reading the snapshot, decoding it | " << read_s << " s, "
              << seconds_since(t0) << " s |\n";
    if (!decoded) return 1;
  }
  fs::remove_all(dir);
  return 0;
}

int history(const fs::path& master_dir, std::uint64_t builds) {
  auto log = open_store(master_dir / "events");
  if (log->head().value() != 0) {
    std::cerr << master_dir << " has events already\n";
    return 1;
  }
  auto t0 = Clock::now();
  if (!write_history(*log, builds)) return 1;
  std::cout << "| history: " << builds << " builds written | " << seconds_since(t0) << " s |\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "readmodel") return readmodel(argc > 2 ? std::stoull(argv[2]) : 100'000);
  if (mode == "history" && argc > 2)
    return history(argv[2], argc > 3 ? std::stoull(argv[3]) : 10'000);
  std::cerr << "usage: bench_gateway readmodel [N] | history MASTER_DIR [N]\n";
  return 2;
}
