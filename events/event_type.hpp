#pragma once
// The name of an event's body type ("ChangeAdded", "BuildStarted"), read from the
// schema itself so that no hand-kept table can fall out of date.
#include <string>
#include <vector>

#include "events/events.pb.h"

namespace eventbot::events {

// "ChangeAdded" for an envelope whose body is change_added; "" for an empty or
// unknown body (written by a newer schema).
std::string type_name(const Envelope& envelope);

// Every body type name the schema knows, in field-number order.
std::vector<std::string> all_type_names();

}  // namespace eventbot::events
