#include "actors/messages/errors.hpp"

namespace eventbot {

std::string to_string(ec code) {
  switch (code) {
    case ec::unspecified:
      return "unspecified";
    case ec::timeout:
      return "timeout";
    case ec::cancelled:
      return "cancelled";
    case ec::unknown_target:
      return "unknown_target";
    case ec::refused:
      return "refused";
    case ec::not_recorded:
      return "not_recorded";
    case ec::invalid_argument:
      return "invalid_argument";
    case ec::shutting_down:
      return "shutting_down";
  }
  return "ec(" + std::to_string(static_cast<int>(code)) + ")";
}

std::string describe(const caf::error& error) {
  if (!error) return "no error";
  const auto& context = error.context();
  if (context.match_elements<std::string>()) return context.get_as<std::string>(0);
  if (error.category() == kErrorCategory) return to_string(static_cast<ec>(error.code()));
  return caf::to_string(error);
}

void register_errors(caf::actor_system_config& config) {
  // The templated add_error_category of CAF 0.17.6 does not compile (its renderer has the
  // wrong signature): give the renderer directly.
  config.add_error_category(kErrorCategory,
                            [](std::uint8_t code, caf::atom_value, const caf::message& context) {
                              auto text = "eventbot: " + to_string(static_cast<ec>(code));
                              if (context.match_elements<std::string>())
                                text += " (" + context.get_as<std::string>(0) + ")";
                              return text;
                            });
}

}  // namespace eventbot
