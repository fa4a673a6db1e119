#pragma once
// Collapsing (Buildbot's "Merging Build Requests", 0.8.5 manual): which pending requests
// of one builder a build may take along, and the sourcestamps the merged build builds.
//
// Two source stamps are compatible when (SourceStamp.canBeMergedWith):
//   - their codebase, repository, project and branch match exactly;
//   - neither has a patch (e.g. from a try scheduler); and
//   - either both are associated with changes, or neither is and their revisions match.
// Two requests are compatible when their buildsets have the same codebases and the
// stamps of each codebase are compatible.
#include <vector>

#include "events/events.pb.h"

namespace eventbot::builders {

bool can_be_merged(const events::SourceStamp& a, const events::SourceStamp& b);

// Both lists stamp the same codebases (each once, in any order) and each pair can merge.
// A list holding one codebase twice never merges.
bool can_be_merged(const std::vector<events::SourceStamp>& a,
                   const std::vector<events::SourceStamp>& b);

// The stamps a build of several compatible requests builds (SourceStamp.mergeWith): the
// first list's stamps, each with the union of every list's change ids (ascending) and,
// when there are changes, the revision of the stamp holding the newest (largest) change
// id, since building that revision builds every change before it.
std::vector<events::SourceStamp> merge_sourcestamps(
    const std::vector<std::vector<events::SourceStamp>>& lists);

}  // namespace eventbot::builders
