#include "events/text_fields.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>

#include <vector>

#include "common/utf8.hpp"
#include "events/events.pb.h"

namespace eventbot::events {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::optional<std::string> check_text(const std::string& text, const std::string& path) {
  if (auto bad = first_invalid_utf8(text)) return path + " (byte " + std::to_string(*bad) + ")";
  return std::nullopt;
}

std::optional<std::string> check_message(const Message& message, const std::string& prefix) {
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    const std::string path = prefix + field->name();
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          if (auto bad = check_text(reflection->GetRepeatedString(message, field, i),
                                    path + "[" + std::to_string(i) + "]")) {
            return bad;
          }
        }
      } else if (auto bad = check_text(reflection->GetString(message, field), path)) {
        return bad;
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          if (auto bad = check_message(reflection->GetRepeatedMessage(message, field, i),
                                       path + "[" + std::to_string(i) + "]" + ".")) {
            return bad;
          }
        }
      } else if (auto bad = check_message(reflection->GetMessage(message, field), path + ".")) {
        return bad;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> invalid_text_field(const Message& message) {
  return check_message(message, "");
}

std::string describe_record(std::string_view record) {
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromArray(record.data(), static_cast<int>(record.size()))) return {};
  std::string stream, type;
  const auto* descriptor = Envelope::descriptor();
  for (int i = 0; i < fields.field_count(); ++i) {
    const auto& field = fields.field(i);
    if (field.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) continue;
    if (field.number() == Envelope::kStreamFieldNumber) {
      stream = to_valid_utf8(field.length_delimited().substr(0, 200));
    } else if (const auto* body = descriptor->FindFieldByNumber(field.number());
               body && body->containing_oneof() && body->message_type()) {
      type = body->message_type()->name();
    }
  }
  std::string out;
  if (!stream.empty()) out = "stream '" + stream + "'";
  if (!type.empty()) out += (out.empty() ? "" : ", ") + type;
  return out;
}

}  // namespace eventbot::events
