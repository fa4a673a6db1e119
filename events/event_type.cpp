#include "events/event_type.hpp"

namespace eventbot::events {

std::string type_name(const Envelope& envelope) {
  const auto* oneof = Envelope::descriptor()->FindOneofByName("body");
  const auto* field = envelope.GetReflection()->GetOneofFieldDescriptor(envelope, oneof);
  if (field == nullptr || field->message_type() == nullptr) return {};
  return field->message_type()->name();
}

std::vector<std::string> all_type_names() {
  const auto* oneof = Envelope::descriptor()->FindOneofByName("body");
  std::vector<std::string> names;
  for (int i = 0; i < oneof->field_count(); ++i) {
    names.push_back(oneof->field(i)->message_type()->name());
  }
  return names;
}

}  // namespace eventbot::events
