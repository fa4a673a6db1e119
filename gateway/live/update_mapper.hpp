#pragma once
// Which live updates each event of the log makes: keys in the REST naming scheme, as
// Buildbot's data API routes its messages, with the entity's JSON as /api/v2 answers it
// (read from the read models as they are after the event):
//
//   changes/C/new                       buildsets/B/new, buildsets/B/complete
//   buildrequests/R/{new,claimed,unclaimed,canceled,complete}
//   builders/D/buildrequests/R/...      (the same, under the request's builder)
//   builds/N/{new,finished}             builders/D/builds/N/{new,finished}
//   builds/N/steps/S/{new,finished}     steps/S/{new,finished}
//   logs/L/{new,append,finished}        steps/S/logs/L/{new,append,finished}
//   workers/W/{connected,disconnected,state_updated}   masters/M/{started,stopped}
//
// logs/L/append carries {"logid", "stepid", "offset", "content"}: the chunk's bytes,
// which the shell reads from the store (Update::chunk). Steps and logs are known from
// each running build's own stream, folded here; a build first met in the middle (the
// gateway started, or a replay began, after its start) is read once through
// `DetailSource`. Pure apart from what DetailSource does.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "events/events.pb.h"
#include "gateway/live/update.hpp"
#include "gateway/readmodel/build_detail.hpp"
#include "gateway/readmodel/read_model.hpp"

namespace eventbot::gateway::live {

// A build's steps and logs as its stream holds them now (nothing: cannot be read).
using DetailSource = std::function<std::optional<readmodel::BuildDetail>(const std::string& builder,
                                                                         std::uint32_t number)>;

class UpdateMapper {
 public:
  // The updates `event` makes; `model` has folded it.
  std::vector<Update> map(const events::Envelope& event, const readmodel::ReadModel& model,
                          const DetailSource& source);
  // Forgets the builds it follows (when nobody listens).
  void reset() { builds_.clear(); }
  std::size_t followed_builds() const { return builds_.size(); }
  static constexpr std::size_t kMaxFollowed = 4096;

 private:
  readmodel::BuildDetail* detail(const std::string& builder, std::uint32_t number,
                                 const DetailSource& source);

  std::map<std::string, readmodel::BuildDetail> builds_;  // by build stream
};

}  // namespace eventbot::gateway::live
