// crash_appender STORE_DIR: appends to the store forever with Durability::sync_each, in
// batches of 1-5 events whose content is a function of their sequence (crash_events.hpp),
// and after each acknowledged append writes "<last sequence>\n" to stdout with one
// write(2). The crash test SIGKILLs it and checks that every acknowledged event survived.
#include <unistd.h>

#include <cstdio>
#include <map>
#include <random>

#include "store/rocks_event_log.hpp"
#include "tests/store/crash_events.hpp"

using namespace eventbot;
using namespace eventbot::store;

namespace {

void write_line(const std::string& line) {
  std::string out = line + "\n";
  const char* data = out.data();
  std::size_t left = out.size();
  while (left > 0) {
    ssize_t n = ::write(1, data, left);
    if (n <= 0) std::_Exit(4);  // the reader is gone: nothing left to do
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: crash_appender STORE_DIR\n");
    return 2;
  }
  RocksOptions options;
  options.dir = argv[1];
  options.durability = Durability::sync_each;
  auto opened = RocksEventLog::open(options);
  if (!opened) {
    std::fprintf(stderr, "crash_appender: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& log = **opened;

  std::map<std::string, std::uint64_t> versions;
  for (std::uint64_t s = 1; s <= 3; ++s) {
    auto stream = test::crash::stream_for(s);
    auto version = log.stream_version(stream);
    if (!version) {
      std::fprintf(stderr, "crash_appender: %s\n", version.error().message.c_str());
      return 1;
    }
    versions[stream] = version->value();
  }

  std::mt19937 random(static_cast<unsigned>(::getpid()));
  std::uint64_t head = log.head().value();
  for (;;) {
    AppendRequest request;
    for (const auto& [stream, version] : versions) {
      request.expected.emplace(stream, ExpectedVersion::exactly(StreamVersion(version)));
    }
    const auto size = std::uniform_int_distribution<std::uint64_t>(1, 5)(random);
    for (auto sequence = head + 1; sequence <= head + size; ++sequence) {
      auto stream = test::crash::stream_for(sequence);
      Envelope event;
      event.set_stream(stream);
      event.mutable_change_added()->set_comments(
          test::crash::comments_for(sequence, ++versions[stream]));
      request.events.push_back(std::move(event));
    }
    auto result = log.append(std::move(request));
    if (!result) {
      std::fprintf(stderr, "crash_appender: append failed: %s\n", result.error().message.c_str());
      return 1;
    }
    if (result->first.value() != head + 1 || result->last.value() != head + size) {
      std::fprintf(stderr, "crash_appender: appended at %llu, expected %llu\n",
                   static_cast<unsigned long long>(result->first.value()),
                   static_cast<unsigned long long>(head + 1));
      return 3;
    }
    head = result->last.value();
    write_line(std::to_string(head));
  }
}
