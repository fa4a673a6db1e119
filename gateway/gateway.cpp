#include "gateway/gateway.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "gateway/api/api.hpp"
#include "gateway/api/metrics.hpp"
#include "gateway/eventlog/events_resource.hpp"
#include "gateway/eventlog/why_resource.hpp"
#include "gateway/hooks/change_hooks.hpp"
#include "gateway/http/http_server.hpp"
#include "gateway/live/live_hub.hpp"
#include "gateway/logs/log_reader.hpp"
#include "gateway/readmodel/model_snapshots.hpp"
#include "gateway/readmodel/read_model.hpp"

namespace eventbot::gateway {
namespace {

readmodel::ConfiguredNames names_of(const config::MasterConfig& config) {
  readmodel::ConfiguredNames names;
  names.master_id = config.master_id;
  for (const auto& builder : config.builders) {
    names.builders.push_back({builder.name, builder.description, builder.tags, builder.slaves});
  }
  for (const auto& slave : config.slaves) names.workers.push_back(slave.name);
  for (const auto& scheduler : config.schedulers) {
    readmodel::SchedulerEntry entry;
    entry.name = scheduler.name;
    entry.force = scheduler.type == config::SchedulerType::force;
    entry.builder_names = scheduler.builders;
    entry.reason = scheduler.reason;
    names.schedulers.push_back(std::move(entry));
  }
  return names;
}

}  // namespace

struct Gateway::Impl : api::ModelView {
  Impl(store::EventLog& log, const GatewayOptions& options)
      : log(log),
        logs(log),
        api(*this, log, logs),
        auth({options.token_file, options.authorised}),
        actions(*this, log, auth, options.run_command),
        change_hooks(log),
        snapshots(options.snapshots),
        snapshot_every(std::max<std::uint64_t>(1, options.snapshot_every)) {}

  // Saves the read models' snapshot once snapshot_every events have been folded since the
  // last one (now: once any has): at start and on stop. The caller holds the lock.
  void save_snapshot(bool now = false) {
    if (!snapshots || model.folded() <= saved_at) return;
    if (!now && model.folded() - saved_at < snapshot_every) return;
    readmodel::save_read_model(*snapshots, model);
    saved_at = model.folded();
  }

  void read(const std::function<void(const readmodel::ReadModel&)>& visit) const override {
    std::shared_lock lock(mutex);
    visit(model);
  }

  api::Reply handle(const http::HttpRequest& request) {
    auto question = request.target.find('?');
    std::string_view path = std::string_view(request.target).substr(0, question);
    std::string_view query = question == std::string::npos
                                 ? std::string_view()
                                 : std::string_view(request.target).substr(question + 1);
    const bool reading = request.method == "GET" || request.method == "HEAD";
    auto refuse_method = [&] {
      auto reply = api::error_reply(405, "method " + request.method.substr(0, 20) +
                                             " is not allowed here (GET and HEAD are)");
      reply.headers.emplace_back("Allow", "GET, HEAD");
      return reply;
    };
    if (path == "/healthz") {
      if (!reading) return refuse_method();
      api::Reply reply;
      reply.content_type = "text/plain; charset=utf-8";
      reply.body = log.write_failed() ? "the event log cannot be written\n" : "ok\n";
      reply.status = log.write_failed() ? 503 : 200;
      return reply;
    }
    if (path == "/metrics") {
      if (!reading) return refuse_method();
      api::Reply reply;
      reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
      read([&](const readmodel::ReadModel& m) { reply.body = api::metrics_text(m); });
      return reply;
    }
    constexpr std::string_view kHooks = "/change_hook/";
    if (path.starts_with(kHooks))
      return change_hooks.handle(path.substr(kHooks.size()), query, request);
    if (path.starts_with("/auth/")) return auth.handle(request, path);
    constexpr std::string_view kApi = "/api/v2";
    if (path == kApi || path.starts_with("/api/v2/")) {
      if (!reading && request.method != "POST") {
        auto reply = refuse_method();
        reply.headers.back().second = "GET, HEAD, POST";
        return reply;
      }
      auto parts = api::split_path(path.substr(kApi.size()));
      if (!parts) return api::error_reply(400, "malformed percent-encoding in the path");
      auto who = auth.identify(request);
      if (!who) return who.error();
      if (!reading) return actions.post(request, *parts, *who);
      if (!auth.may(*who, "view")) return auth::AuthService::refusal(*who, "view");
      if (auto reply = log_resource(*parts, query)) return std::move(*reply);
      return api.get(*parts, query);
    }
    if (path == "/ws" || path.starts_with("/sse/")) return live->refusal(std::string(path));
    return api::error_reply(404, "nothing here: the API is under /api/v2/");
  }

  // /api/v2/events and .../why (eventlog/); nothing for the other resources.
  std::optional<api::Reply> log_resource(const std::vector<std::string>& parts,
                                         std::string_view query) {
    if (parts.size() == 1 && parts[0] == "events") return eventlog::events_reply(log, query);
    if (parts.empty() || parts.back() != "why") return std::nullopt;
    auto number_of = [](const std::string& text) -> std::optional<std::uint64_t> {
      if (text.empty() || text.size() > 10 ||
          text.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
      }
      return std::stoull(text);
    };
    std::optional<std::pair<std::string, std::uint32_t>> build;
    read([&](const readmodel::ReadModel& m) {
      const readmodel::BuildEntry* entry = nullptr;
      if (parts.size() == 3 && parts[0] == "builds") {
        if (auto id = number_of(parts[1])) entry = m.build(*id);
      } else if (parts.size() == 5 && parts[0] == "builders" && parts[2] == "builds") {
        const readmodel::BuilderEntry* b = nullptr;
        if (auto id = number_of(parts[1])) b = m.builder(*id);
        if (!b) b = m.builder_named(parts[1]);
        auto number = number_of(parts[3]);
        if (b && number && *number <= UINT32_MAX) {
          entry = m.build_of(b->name, static_cast<std::uint32_t>(*number));
        }
      }
      if (entry) build = std::make_pair(m.builder_name(entry->builderid), entry->number);
    });
    if (!build) {
      if (parts.size() != 3 && parts.size() != 5) return std::nullopt;
      return api::error_reply(404, "no such build");
    }
    if (!query.empty()) return api::error_reply(400, "why takes no query options");
    return eventlog::why_reply(log, build->first, build->second);
  }

  store::EventLog& log;
  mutable std::shared_mutex mutex;
  readmodel::ReadModel model;
  logs::LogReader logs;
  api::Api api;
  auth::AuthService auth;
  actions::Actions actions;
  hooks::ChangeHooks change_hooks;
  store::SnapshotStore* snapshots;
  std::uint64_t snapshot_every;
  std::uint64_t saved_at = 0;  // the sequence of the last snapshot saved or restored
  std::unique_ptr<http::HttpServer> server;
  // After the server: closed before it (the server's I/O thread has stopped by then).
  std::unique_ptr<live::LiveHub> live;
};

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() {
  stop();
}

Expected<std::unique_ptr<Gateway>, std::string> Gateway::start(const GatewayOptions& options,
                                                               store::EventLog& log,
                                                               std::uint64_t folded,
                                                               const config::MasterConfig& config) {
  auto impl = std::make_unique<Impl>(log, options);
  auto restored = readmodel::fold_read_model(log, impl->snapshots, folded, impl->model);
  if (!restored) return unexpected(restored.error());
  impl->saved_at = *restored;
  impl->save_snapshot();
  impl->model.configure(names_of(config));
  impl->auth.configure(config.web);
  impl->change_hooks.configure(config);
  live::LiveLimits live_limits;
  live_limits.max_clients = options.max_live_clients;
  live_limits.flush_interval = options.live_flush_interval;
  impl->live = std::make_unique<live::LiveHub>(*impl, log, folded, live_limits);
  auto* raw = impl.get();
  auto server = http::HttpServer::start(
      options.bind, options.port, options.limits,
      [raw](const http::HttpRequest& r) { return raw->handle(r); },
      [raw](auto& stream, auto& buffer, auto& request) {
        return raw->live->take(stream, buffer, request);
      });
  if (!server) return unexpected(server.error());
  impl->server = std::move(*server);
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

void Gateway::on_events(const std::vector<events::Envelope>& batch) {
  std::unique_lock lock(impl_->mutex);
  for (const auto& event : batch) {
    impl_->model.evolve(event);
    impl_->live->on_event(event, impl_->model);
  }
  // No snapshot here: with 100k builds encoding one takes seconds (docs/PERFORMANCE.md),
  // which would hold up the master's subscription; saved at start and on stop instead.
}

void Gateway::configure(const config::MasterConfig& config) {
  impl_->change_hooks.configure(config);
  std::unique_lock lock(impl_->mutex);
  impl_->model.configure(names_of(config));
  impl_->auth.configure(config.web);
}

unsigned short Gateway::port() const {
  return impl_->server ? impl_->server->port() : 0;
}

void Gateway::stop() {
  if (impl_ && impl_->server) impl_->server->stop();
  if (impl_) {
    std::unique_lock lock(impl_->mutex);
    impl_->save_snapshot(/*now=*/true);
  }
}

}  // namespace eventbot::gateway
