#include "replay/event_format.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <memory>

#include "events/event_type.hpp"

namespace eventbot::replay {
namespace {

namespace pb = google::protobuf;

// Strings longer than this (a config file's content, a patch) are cut in the summary;
// `list --json` shows them whole.
constexpr std::int64_t kLongestSummaryString = 120;

const pb::TextFormat::Printer& value_printer() {
  static const pb::TextFormat::Printer printer = [] {
    pb::TextFormat::Printer p;
    p.SetSingleLineMode(true);
    p.SetUseUtf8StringEscaping(true);
    p.SetTruncateStringFieldLongerThan(kLongestSummaryString);
    return p;
  }();
  return printer;
}

bool shown_in_summary(const pb::Message& message, const pb::FieldDescriptor* field) {
  const auto* reflection = message.GetReflection();
  if (field->is_repeated()) return reflection->FieldSize(message, field) > 0;
  if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM ||
      field->cpp_type() == pb::FieldDescriptor::CPPTYPE_BOOL) {
    return true;
  }
  return reflection->HasField(message, field);  // proto3: set means not zero or empty
}

void append_fields(const pb::Message& message, std::string& out);

void append_value(const pb::Message& message, const pb::FieldDescriptor* field, int index,
                  std::string& out) {
  if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    const auto* reflection = message.GetReflection();
    const auto& sub = index < 0 ? reflection->GetMessage(message, field)
                                : reflection->GetRepeatedMessage(message, field, index);
    out += "{ ";
    append_fields(sub, out);
    out += " }";
    return;
  }
  std::string text;
  value_printer().PrintFieldValueToString(message, field, index, &text);
  out += text;
}

void append_fields(const pb::Message& message, std::string& out) {
  const auto* descriptor = message.GetDescriptor();
  bool first = true;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (!shown_in_summary(message, field)) continue;
    if (!first) out += ' ';
    first = false;
    out += field->name();
    out += ": ";
    if (!field->is_repeated()) {
      append_value(message, field, -1, out);
      continue;
    }
    out += '[';
    int size = message.GetReflection()->FieldSize(message, field);
    for (int j = 0; j < size; ++j) {
      if (j > 0) out += ", ";
      append_value(message, field, j, out);
    }
    out += ']';
  }
}

}  // namespace

std::string format_utc_time(std::int64_t time_us) {
  // Floor division, so times before 1970 still get a fraction in [0, 1e6).
  std::int64_t seconds = time_us / 1'000'000;
  std::int64_t micros = time_us % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    seconds -= 1;
  }
  std::time_t as_time_t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  if (::gmtime_r(&as_time_t, &utc) == nullptr) return std::to_string(time_us) + "us";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>(micros));
  return buffer;
}

std::optional<std::int64_t> parse_utc_time(std::string_view text) {
  std::size_t pos = 0;
  auto digits = [&](std::size_t count, int& value) {
    if (pos + count > text.size()) return false;
    value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      char c = text[pos + i];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    pos += count;
    return true;
  };
  auto literal = [&](char c) {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(4, year) || !literal('-') || !digits(2, month) || !literal('-') || !digits(2, day)) {
    return std::nullopt;
  }
  if (!literal('T') && !literal(' ')) return std::nullopt;
  if (!digits(2, hour) || !literal(':') || !digits(2, minute)) return std::nullopt;
  std::int64_t micros = 0;
  if (literal(':')) {
    if (!digits(2, second)) return std::nullopt;
    if (literal('.')) {
      std::size_t count = 0;
      std::int64_t scale = 100'000;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (count < 6) micros += (text[pos] - '0') * scale;
        scale /= 10;
        ++count;
        ++pos;
      }
      if (count == 0) return std::nullopt;
    }
  }
  std::int64_t offset_seconds = 0;
  if (literal('Z') || literal('z')) {
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int offset_hours = 0, offset_minutes = 0;
    if (!digits(2, offset_hours)) return std::nullopt;
    literal(':');
    if (!digits(2, offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
      return std::nullopt;
    }
    offset_seconds = sign * (offset_hours * 3600 + offset_minutes * 60);
  } else {
    return std::nullopt;  // a time without a zone is ambiguous
  }
  if (pos != text.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  std::tm utc{};
  utc.tm_year = year - 1900;
  utc.tm_mon = month - 1;
  utc.tm_mday = day;
  utc.tm_hour = hour;
  utc.tm_min = minute;
  utc.tm_sec = second;
  const std::time_t seconds = ::timegm(&utc);
  if (utc.tm_mday != day) return std::nullopt;  // 2026-02-30 rolled over
  return (static_cast<std::int64_t>(seconds) - offset_seconds) * 1'000'000 + micros;
}

std::string display_type_name(const events::Envelope& envelope) {
  auto name = events::type_name(envelope);
  return name.empty() ? "(unknown)" : name;
}

std::string body_summary(const events::Envelope& envelope) {
  const auto* oneof = events::Envelope::descriptor()->FindOneofByName("body");
  const auto* reflection = envelope.GetReflection();
  const auto* field = reflection->GetOneofFieldDescriptor(envelope, oneof);
  if (field == nullptr || field->message_type() == nullptr) return {};
  std::string out;
  append_fields(reflection->GetMessage(envelope, field), out);
  return out;
}

std::string format_event_line(const events::Envelope& envelope) {
  std::string line = std::to_string(envelope.sequence());
  line += ' ';
  line += format_utc_time(envelope.time_us());
  line += ' ';
  line += envelope.stream();
  line += '@';
  line += std::to_string(envelope.stream_version());
  line += ' ';
  line += display_type_name(envelope);
  auto summary = body_summary(envelope);
  if (!summary.empty()) {
    line += ' ';
    line += summary;
  }
  return line;
}

std::string format_event_json(const events::Envelope& envelope) {
  pb::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;  // result: SUCCESS is a fact, not a gap
  options.add_whitespace = false;
  // The JSON is printed from the binary encoding (as MessageToJsonString does), here a
  // deterministic one: map entries sorted by key, so the same event always gives the
  // same line (`export` then `import` then `export` gives the same bytes).
  static const std::unique_ptr<pb::util::TypeResolver> resolver(
      pb::util::NewTypeResolverForDescriptorPool("type.googleapis.com",
                                                 pb::DescriptorPool::generated_pool()));
  std::string binary;
  {
    pb::io::StringOutputStream stream(&binary);
    pb::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    envelope.SerializeToCodedStream(&coded);
  }
  std::string json;
  auto status = pb::util::BinaryToJsonString(
      resolver.get(), "type.googleapis.com/" + envelope.GetDescriptor()->full_name(), binary, &json,
      options);
  if (!status.ok()) {
    // Not expected for a decoded envelope; still one valid JSON line naming the event.
    return "{\"sequence\":\"" + std::to_string(envelope.sequence()) +
           "\",\"format_error\":\"cannot convert to JSON\"}";
  }
  return json;
}

std::optional<std::uint64_t> parse_whole_number(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto parsed = std::from_chars(text.data(), end, value);
  if (text.empty() || parsed.ec != std::errc() || parsed.ptr != end) return std::nullopt;
  return value;
}

}  // namespace eventbot::replay
