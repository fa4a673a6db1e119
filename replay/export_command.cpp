#include "replay/export_command.hpp"

#include <google/protobuf/util/json_util.h>

#include <optional>
#include <vector>

#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"

namespace eventbot::replay {
namespace {

// Events written to the store at a time while importing.
constexpr std::size_t kImportBatch = 1000;

}  // namespace

int run_export(store::EventLog& log, const ExportOptions& options, std::ostream& out,
               std::ostream& err) {
  std::optional<store::StoreError> chunk_error;
  events::Envelope with_data;
  auto scanned =
      log.scan(Sequence(options.from), Sequence(options.to), [&](const events::Envelope& event) {
        if (!event.stream().starts_with(options.stream_prefix)) return true;
        if (!event.has_log_chunk()) {
          out << format_event_json(event) << '\n';
          return out.good();
        }
        auto chunk = log.read_log(event.stream(), StreamVersion(event.stream_version()), 1);
        if (!chunk) {
          chunk_error = chunk.error();
          return false;
        }
        with_data = event;
        if (!chunk->empty() && chunk->front().index.value() == event.stream_version()) {
          with_data.mutable_log_chunk()->set_data(std::move(chunk->front().data));
        }
        out << format_event_json(with_data) << '\n';
        return out.good();
      });
  out.flush();
  if (!scanned) return report_error(err, scanned.error().message, kExitStoreError);
  if (chunk_error) return report_error(err, chunk_error->message, kExitStoreError);
  return kExitOk;
}

int run_import(const std::filesystem::path& dir, std::istream& in, std::ostream& out,
               std::ostream& err) {
  store::RocksOptions options;
  options.dir = dir;
  options.durability = store::Durability::no_sync;  // one sync at the end (the close)
  auto opened = store::RocksEventLog::open(options);
  if (!opened) return report_error(err, opened.error().message, kExitStoreError);
  auto& log = **opened;
  if (log.head().value() != 0) {
    return report_error(err,
                        dir.string() + " already holds events (up to sequence " +
                            std::to_string(log.head().value()) +
                            "); import writes only into a fresh store",
                        kExitStoreError);
  }
  ImportResult result;
  std::vector<events::Envelope> batch;
  auto write = [&]() -> bool {
    if (batch.empty()) return true;
    auto written = log.import_events(std::move(batch));
    batch.clear();
    if (!written) {
      report_error(err, written.error().message, kExitStoreError);
      return false;
    }
    return true;
  };
  google::protobuf::util::JsonParseOptions parse;
  std::uint64_t line_number = 0;
  std::uint64_t last = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.empty()) continue;
    events::Envelope event;
    auto status = google::protobuf::util::JsonStringToMessage(line, &event, parse);
    if (!status.ok() || event.sequence() <= last || event.stream().empty()) {
      (void)write();
      return report_error(err,
                          "line " + std::to_string(line_number) +
                              " is not an event that follows sequence " + std::to_string(last) +
                              (status.ok() ? std::string() : ": " + std::string(status.message())),
                          kExitStoreError);
    }
    last = event.sequence();
    if (result.first == 0) result.first = last;
    result.last = last;
    ++result.events;
    if (event.has_log_chunk()) ++result.log_chunks;
    batch.push_back(std::move(event));
    if (batch.size() >= kImportBatch && !write()) return kExitStoreError;
  }
  if (!write()) return kExitStoreError;
  if (auto flushed = log.flush(); !flushed) {
    return report_error(err, flushed.error().message, kExitStoreError);
  }
  out << "imported " << result.events << " events (sequences " << result.first << ".."
      << result.last << "), " << result.log_chunks << " log chunks, into " << dir.string() << '\n';
  out.flush();
  return kExitOk;
}

}  // namespace eventbot::replay
