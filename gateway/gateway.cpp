#include "gateway/gateway.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

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
#include "gateway/web/static_files.hpp"

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
        pages(web::embedded_files()),
        store_dir(options.store_dir),
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
      // web.authz `metrics` (anyone when not set) decides, as `view` does for /api/v2.
      auto who = identify(request);
      if (!who) return who.error();
      if (!auth.may(*who, "metrics")) return auth::AuthService::refusal(*who, "read /metrics");
      api::Reply reply;
      reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
      auto figures = process_figures();
      read([&](const readmodel::ReadModel& m) { reply.body = api::metrics_text(m, figures); });
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
      auto who = identify(request);
      if (!who) return who.error();
      if (!reading) return actions.post(request, *parts, *who);
      if (!auth.may(*who, "view")) return auth::AuthService::refusal(*who, "view");
      if (auto reply = log_resource(*parts, query)) return std::move(*reply);
      return api.get(*parts, query);
    }
    if (path == "/ws" || path.starts_with("/sse/")) {
      if (auto refused = refuse_viewer(request)) return std::move(*refused);
      return live->refusal(std::string(path));
    }
    if (auto page = pages.serve(request.method, path, request.header("If-None-Match"))) {
      return std::move(*page);
    }
    return api::error_reply(404, "nothing here: the pages are at /, the API under /api/v2/");
  }

  // Who sends `request`: what Offload::prepare found on a worker (HTTP Basic, whose
  // password hash must not hold the I/O thread), else asked now (a session, a token).
  Expected<auth::Identity, api::Reply> identify(const http::HttpRequest& request) {
    using Found = Expected<auth::Identity, api::Reply>;
    if (const auto* found = std::any_cast<Found>(&request.prepared)) return *found;
    return auth.identify(request);
  }

  // Requests whose answer waits for a password's hash (a login, HTTP Basic) or a durable
  // append (the change hooks): Offload runs `prepare` for them on a worker thread.
  static bool slow(const http::HttpRequest& request) {
    const std::string_view target = request.target;
    if (target.starts_with("/change_hook/") || target.starts_with("/auth/")) return true;
    const auto authorization = request.header("Authorization");
    return authorization.size() > 6 && (authorization.compare(0, 6, "Basic ") == 0 ||
                                        authorization.compare(0, 6, "basic ") == 0);
  }

  // On a worker: the whole answer of a change hook or /auth/*, else who sends the request
  // (for the handler, back on the I/O thread).
  std::optional<api::Reply> prepare(http::HttpRequest& request) {
    std::string_view target = request.target;
    const auto question = target.find('?');
    const auto path = target.substr(0, question);
    const auto query =
        question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
    constexpr std::string_view kHooks = "/change_hook/";
    if (path.starts_with(kHooks))
      return change_hooks.handle(path.substr(kHooks.size()), query, request);
    if (path.starts_with("/auth/")) return auth.handle(request, path);
    if (path == "/healthz") return std::nullopt;  // open to anyone: no credentials checked
    request.prepared = auth.identify(request);
    return std::nullopt;
  }

  // What /metrics shows beside the read models: the store and the gateway's clients.
  api::ProcessFigures process_figures() const {
    api::ProcessFigures figures;
    figures.now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    std::error_code ec;
    if (!store_dir.empty()) {
      for (auto it = std::filesystem::recursive_directory_iterator(store_dir, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code size_ec;
        if (it->is_regular_file(size_ec)) {
          const auto size = it->file_size(size_ec);
          if (!size_ec) figures.store_bytes += size;
        }
      }
    }
    figures.store_writes = store::process_write_latency().read();
    if (server) figures.http_connections = server->open_connections();
    if (live) {
      figures.sse_clients = live->sse_clients();
      figures.websocket_clients = live->clients() - figures.sse_clients;
    }
    return figures;
  }

  // Nothing when the request's sender may read (web.authz `view`), else the refusal: as
  // /api/v2's reads, so also for the live updates (/ws, /sse/).
  std::optional<api::Reply> refuse_viewer(const http::HttpRequest& request) {
    auto who = identify(request);
    if (!who) return who.error();
    if (!auth.may(*who, "view")) return auth::AuthService::refusal(*who, "view");
    return std::nullopt;
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
  web::StaticFiles pages;  // `/` and `/static/`: the web pages
  std::filesystem::path store_dir;
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
      [raw](const http::HttpRequest& r) {
        auto reply = raw->handle(r);
        web::quiet_challenge(r.header("X-Requested-With"), reply);
        return reply;
      },
      [raw](auto& stream, auto& buffer, auto& request, const http::HttpRequest& in,
            std::optional<api::Reply>& answer) {
        const std::string_view target = in.target;
        const auto path = target.substr(0, target.find('?'));
        if (path != "/ws" && !path.starts_with("/sse/")) return false;
        answer = raw->refuse_viewer(in);  // 401, 403, 429: as /api/v2's reads
        return !answer && raw->live->take(stream, buffer, request);
      },
      http::Offload{[](const http::HttpRequest& r) { return Impl::slow(r); },
                    [raw](http::HttpRequest& r) { return raw->prepare(r); }});
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
