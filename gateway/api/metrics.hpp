#pragma once
// /metrics: the read models' counts, the store's and the gateway's own, in Prometheus'
// text format (version 0.0.4).
#include <cstdint>
#include <string>

#include "gateway/readmodel/read_model.hpp"
#include "store/write_latency.hpp"

namespace eventbot::gateway::api {

// What the read models do not know: the store on disk and the gateway's clients.
struct ProcessFigures {
  std::int64_t now_us = 0;           // for the oldest pending request's age
  std::uint64_t store_bytes = 0;     // the store's files on disk
  store::WriteLatency store_writes;  // the store's writes
  std::size_t http_connections = 0;  // open HTTP connections (live clients not included)
  std::size_t websocket_clients = 0;
  std::size_t sse_clients = 0;
};

std::string metrics_text(const readmodel::ReadModel& model, const ProcessFigures& figures = {});

}  // namespace eventbot::gateway::api
