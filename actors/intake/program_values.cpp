#include "actors/intake/program_values.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "actors/intake/limits.hpp"
#include "actors/intake/text.hpp"

namespace eventbot::intake {

void bound_program_change(events::ChangeAdded& change) {
  change.set_who(bounded_text(kWho, change.who()));
  change.set_branch(bounded_text(kBranch, change.branch()));
  change.set_revision(bounded_text(kRevision, change.revision()));
  change.set_category(bounded_text(kCategory, change.category()));
  change.set_project(bounded_text(kProject, change.project()));
  change.set_codebase(bounded_text(kCodebase, change.codebase()));
  change.set_repository(bounded_text(kRepository, change.repository()));
  change.set_revlink(bounded_text(kRevlink, change.revlink()));
  std::string comments = change.comments();
  if (static_cast<std::size_t>(change.files_size()) > kMaxFiles) {
    const auto more = static_cast<std::size_t>(change.files_size()) - kMaxFiles;
    change.mutable_files()->DeleteSubrange(static_cast<int>(kMaxFiles), static_cast<int>(more));
    const std::string note = "[... and " + std::to_string(more) + " more files, not listed]";
    // The note goes at the end and survives the comments' own cut.
    const std::size_t room = kComments.max_bytes - note.size() - 1;
    comments = bounded_text(TextLimit{kComments.field, room}, comments) + "\n" + note;
  }
  change.set_comments(bounded_text(kComments, comments));
  for (auto& file : *change.mutable_files()) file = bounded_text(kFileName, file);
  for (auto& property : *change.mutable_properties()) {
    property.set_name(bounded_text(kPropertyName, property.name()));
    const auto& value = property.value_json();
    if (text_problem(kPropertyValue, value) || !nlohmann::json::accept(value)) {
      // Kept as a JSON string of its text, cut so that even escaped (at most 6 bytes a
      // byte, "\u0001") it stays within the limit.
      const TextLimit room{kPropertyValue.field, kPropertyValue.max_bytes / 6};
      property.set_value_json(nlohmann::json(bounded_text(room, value)).dump());
    }
  }
}

}  // namespace eventbot::intake
