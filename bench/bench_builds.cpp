// The driver of bench/builds_bench.sh: the counterpart of the Buildbot benchmark's
// bbdriver.py (../shared/bench/buildbot/run_bench.sh) for a running Eventbot master.
//
//   bench_builds drive --master HOST:PORT --dir MASTER_DIR --branches b0,b1,... -n N
//                      [--pipeline] [--poll SECONDS] [--timeout SECONDS]
//                      [--pids NAME=PID[+PID...],...] [--key KEY] [--observe store|log]
//                      [--ca CA.pem]   (TLS to a master with master.tls)
//
// Submits N changes through one sendchange connection (the port, role CHANGE_SENDER,
// as `eventbot sendchange` does), change i on branch i mod len(branches); sequential:
// each waits for its ChangeRecorded (durable) before the next is sent; --pipeline: all N
// are sent, then the N answers are read. Then waits until N BuildFinished events beyond
// the log's head at the start have been appended, observing them as eventbot-replay does:
// a read-only RocksDB secondary instance of MASTER_DIR/events, caught up with the
// master's files every --poll seconds (default 0.05, Buildbot's driver polls its SQLite
// at the same interval). --observe log instead tails MASTER_DIR/master.log for the build
// actor's "build B #N finished:" lines (logged, and flushed, after its BuildFinished append
// has returned): the secondary instance replays the master's whole WAL, which for a log
// test is the whole output again and costs the driver CPU the master competes for.
// Prints one JSON line:
//   submit_s   time until every change was acknowledged
//   total_s    time until the Nth build was observed finished
//   builds_per_s, results (result name -> count), n_builds
//   finished_by_stamp_s  the last BuildFinished event's own time stamp (stamped by the
//              master when it appended it) minus the wall-clock time of the first send:
//              the same interval without the polling granularity
//   cpu_s_NAME utime+stime from /proc/PID/stat over the run (summed over PIDs joined
//              by '+'), cpu_s_driver this process's own
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "actors/port/port_client.hpp"
#include "store/rocks_event_log.hpp"

using namespace eventbot;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, separator);)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

// utime + stime of a process in seconds; negative if it is gone.
double cpu_seconds(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  auto fields = split(text.substr(close + 2), ' ');
  if (fields.size() < 13) return -1;
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
}

double self_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec / 1e6;
}

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void fail(const std::string& why) {
  std::cerr << "bench_builds: " << why << "\n";
  std::exit(1);
}

int drive(const std::map<std::string, std::string>& args, bool pipeline) {
  auto get = [&](const std::string& key, const std::string& fallback) {
    auto it = args.find(key);
    return it == args.end() ? fallback : it->second;
  };
  auto address = port::parse_host_port(get("master", "127.0.0.1:9989"));
  if (!address) fail(address.error());
  const std::string dir = get("dir", "");
  if (dir.empty()) fail("--dir MASTER_DIR is required");
  const auto branches = split(get("branches", "main"), ',');
  const std::uint64_t n = std::strtoull(get("n", "1").c_str(), nullptr, 10);
  const double poll = std::stod(get("poll", "0.05"));
  const double timeout = std::stod(get("timeout", "3000"));
  std::map<std::string, std::vector<std::string>> pids;
  for (const auto& entry : split(get("pids", ""), ',')) {
    auto equals = entry.find('=');
    if (equals == std::string::npos) fail("--pids wants NAME=PID[+PID...]");
    pids[entry.substr(0, equals)] = split(entry.substr(equals + 1), '+');
  }
  auto cpu_of = [&](const std::vector<std::string>& list) {
    double sum = 0;
    for (const auto& pid : list) sum += std::max(0.0, cpu_seconds(pid));
    return sum;
  };

  const bool observe_log = get("observe", "store") == "log";
  const auto master_log = std::filesystem::path(dir) / "master.log";
  std::unique_ptr<store::RocksEventLog> log;
  std::uint64_t position = 0;
  if (observe_log) {
    position = std::filesystem::file_size(master_log);
  } else {
    auto opened = store::RocksEventLog::open_for_reading(std::filesystem::path(dir) / "events");
    if (!opened) fail("opening the store for reading: " + opened.error().message);
    log = std::move(*opened);
    if (!log->catch_up()) fail("catching up");
    position = log->head().value();
  }

  const std::string ca = get("ca", "");
  auto client = port::PortClient::connect(
      port::MasterAddress{address->first, address->second, {!ca.empty(), ca}}, wire::CHANGE_SENDER,
      "change", "changepw", std::chrono::seconds(10));
  if (!client) fail(client.error());

  std::map<std::string, double> cpu0;
  for (const auto& [name, list] : pids) cpu0[name] = cpu_of(list);
  const double driver0 = self_cpu_seconds();
  const std::int64_t t0_us = wall_us();
  const auto t0 = Clock::now();
  auto answer = [&](std::uint64_t i) {
    auto frame = (*client)->receive(std::chrono::seconds(120));
    if (!frame || !frame->has_change_recorded())
      fail("change " + std::to_string(i) + " not recorded" +
           (frame && frame->has_error() ? ": " + frame->error().message() : ""));
  };
  for (std::uint64_t i = 0; i < n; ++i) {
    wire::Frame frame;
    auto* change = frame.mutable_submit_change()->mutable_change();
    change->set_who("bench <b@x>");
    change->set_branch(branches[i % branches.size()]);
    change->set_revision(std::to_string(t0_us) + "-" + std::to_string(i));
    change->set_comments("c" + std::to_string(i));
    change->add_files("f");
    if (auto sent = (*client)->send(frame); !sent) fail(sent.error());
    if (!pipeline) answer(i);
  }
  if (pipeline)
    for (std::uint64_t i = 0; i < n; ++i) answer(i);
  const double submit_s = seconds_since(t0);

  std::uint64_t finished = 0;
  std::int64_t last_stamp_us = 0;
  std::map<std::string, int> results;
  bool timed_out = false;
  std::string partial;  // a line of master.log not yet complete
  while (finished < n) {
    if (observe_log) {
      std::ifstream in(master_log, std::ios::binary);
      in.seekg(static_cast<std::streamoff>(position));
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      position += text.size();
      partial += text;
      std::size_t start = 0;
      for (auto end = partial.find('\n'); end != std::string::npos;
           start = end + 1, end = partial.find('\n', start)) {
        std::string_view line(partial.data() + start, end - start);
        auto at = line.find(" finished: ");
        if (line.find("] build ") == std::string_view::npos || at == std::string_view::npos)
          continue;
        ++finished;
        last_stamp_us = wall_us();  // when it was seen: this mode has no event stamp
        ++results[std::string(line.substr(at + 11))];
      }
      partial.erase(0, start);
      if (finished >= n) break;
      if (seconds_since(t0) > timeout) {
        timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::duration<double>(poll));
      continue;
    }
    if (!log->catch_up()) fail("catching up");
    auto scanned = log->scan(Sequence(position + 1), Sequence(0), [&](const events::Envelope& e) {
      if (e.has_build_finished()) {
        ++finished;
        last_stamp_us = e.time_us();
        ++results[events::Result_Name(e.build_finished().result())];
      }
      return true;
    });
    if (!scanned) fail("scanning: " + scanned.error().message);
    position = scanned->value();
    if (finished >= n) break;
    if (seconds_since(t0) > timeout) {
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(poll));
  }
  const double total_s = seconds_since(t0);

  std::ostringstream out;
  out << std::fixed << std::setprecision(4);
  out << "{\"key\": \"" << get("key", "") << "\", \"n\": " << n
      << ", \"pipeline\": " << (pipeline ? "true" : "false") << ", \"branches\": \""
      << get("branches", "main") << "\", \"submit_s\": " << submit_s << ", \"total_s\": " << total_s
      << ", \"builds_per_s\": " << n / total_s
      << ", \"finished_by_stamp_s\": " << (last_stamp_us - t0_us) / 1e6 << ", \"results\": {";
  const char* comma = "";
  for (const auto& [name, count] : results) {
    out << comma << "\"" << name << "\": " << count;
    comma = ", ";
  }
  out << "}, \"n_builds\": " << finished;
  if (timed_out) out << ", \"timeout\": true";
  out << std::setprecision(2);
  for (const auto& [name, list] : pids)
    out << ", \"cpu_s_" << name << "\": " << cpu_of(list) - cpu0[name];
  out << ", \"cpu_s_driver\": " << self_cpu_seconds() - driver0 << "}";
  std::cout << out.str() << std::endl;
  return timed_out ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) != "drive") {
    std::cerr << "usage: bench_builds drive --master HOST:PORT --dir MASTER_DIR --branches "
                 "b0,b1 -n N [--pipeline] [--poll S] [--timeout S] [--pids NAME=PID+PID,...] "
                 "[--key KEY]\n";
    return 2;
  }
  std::map<std::string, std::string> args;
  bool pipeline = false;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--pipeline") {
      pipeline = true;
    } else if (arg.starts_with("-") && i + 1 < argc) {
      args[arg.substr(arg.find_first_not_of('-'))] = argv[++i];
    } else {
      std::cerr << "bench_builds: unexpected argument " << arg << "\n";
      return 2;
    }
  }
  return drive(args, pipeline);
}
