#include "gateway/api/api.hpp"

#include <charconv>

#include "events/streams.hpp"
#include "gateway/api/entities.hpp"
#include "gateway/api/query.hpp"
#include "gateway/readmodel/ids.hpp"

namespace eventbot::gateway::api {
namespace {

using Path = std::vector<std::string>;

constexpr std::size_t kStreamBatch = 1024;

std::optional<std::uint64_t> id_of(const std::string& text) {
  std::uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Reply not_found(const std::string& what) {
  return error_reply(404, what);
}

Reply collection(const std::string& name, const std::vector<std::string>& fields, const Query& q,
                 json entries) {
  if (auto checked = check_fields(q, fields); !checked) return error_reply(400, checked.error());
  std::uint64_t total = 0;
  auto page = apply_query(q, std::move(entries), total);
  if (!page) return error_reply(400, page.error());
  return json_reply(200, {{name, std::move(*page)}, {"meta", {{"total", total}}}});
}

Reply entity(const std::string& name, const std::vector<std::string>& fields, const Query& q,
             json entry) {
  if (entry.is_null()) return not_found("no such " + name.substr(0, name.size() - 1));
  if (!q.filters.empty() || !q.order.empty()) {
    return error_reply(400, "filters and order apply to collections, not to one " + name);
  }
  if (auto checked = check_fields(q, fields); !checked) return error_reply(400, checked.error());
  json list = json::array({select_fields(q, std::move(entry))});
  return json_reply(200, {{name, std::move(list)}, {"meta", json::object()}});
}

// A build as the API needs it outside the model's lock.
struct BuildRef {
  readmodel::BuildEntry entry;
  std::string builder;
};

// The part of a file name a value may give: no quotes, slashes or spaces.
std::string file_part(const std::string& text) {
  return readmodel::slug_of(text);
}

}  // namespace

std::optional<std::vector<std::string>> split_path(std::string_view path) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::string> parts;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (part.empty()) continue;
    std::string decoded;
    for (std::size_t i = 0; i < part.size(); ++i) {
      if (part[i] != '%') {
        decoded += part[i];
        continue;
      }
      if (i + 2 >= part.size() || hex(part[i + 1]) < 0 || hex(part[i + 2]) < 0) {
        return std::nullopt;
      }
      decoded += static_cast<char>(hex(part[i + 1]) * 16 + hex(part[i + 2]));
      i += 2;
    }
    parts.push_back(std::move(decoded));
  }
  return parts;
}

namespace {

class Request {
 public:
  Request(const ModelView& model, store::EventLog& log, logs::LogReader& logs, const Path& path,
          const Query& q)
      : model_(model), log_(log), logs_(logs), path_(path), q_(q) {}

  Reply route() {
    if (path_.empty()) return not_found("no resource named: try /api/v2/builds");
    const auto& kind = path_[0];
    const auto n = path_.size();
    if (kind == "builders") return builders();
    if (kind == "builds") {
      if (n == 1) return builds(0);
      auto id = id_of(path_[1]);
      auto build = id ? build_by_id(*id) : std::nullopt;
      if (!build) return not_found("no build " + path_[1]);
      return build_part(*build, 2);
    }
    if (kind == "steps" && n >= 2) {
      auto id = id_of(path_[1]);
      if (!id) return not_found("no step " + path_[1]);
      auto key = readmodel::step_key(*id);
      auto build = build_by_id(key.buildid);
      if (!build) return not_found("no step " + path_[1]);
      auto detail = detail_of(*build);
      if (!detail) return store_error(detail.error());
      const auto* step = detail->step(key.number);
      if (!step) return not_found("no step " + path_[1]);
      return step_part(*build, *step, 2);
    }
    if (kind == "logs" && n >= 2) {
      auto id = id_of(path_[1]);
      if (!id) return not_found("no log " + path_[1]);
      auto key = readmodel::log_key(*id);
      auto build = build_by_id(key.buildid);
      if (!build) return not_found("no log " + path_[1]);
      auto detail = detail_of(*build);
      if (!detail) return store_error(detail.error());
      const auto* step = detail->step(key.number);
      if (!step || key.place >= step->logs.size()) return not_found("no log " + path_[1]);
      return log_part(*build, *step, key.place, 2);
    }
    if (kind == "changes")
      return simple_table("changes", kChangeFields, [&](const auto& m) {
        json out = json::array();
        for (const auto& c : m.changes()) out.push_back(change_json(c));
        return out;
      });
    if (kind == "buildrequests")
      return simple_map(
          "buildrequests", kRequestFields,
          [&](const auto& m) {
            json out = json::array();
            for (const auto& [id, r] : m.requests()) out.push_back(request_json(r));
            return out;
          },
          "buildrequestid");
    if (kind == "buildsets")
      return simple_map(
          "buildsets", kBuildsetFields,
          [&](const auto& m) {
            json out = json::array();
            for (const auto& [id, b] : m.buildsets()) out.push_back(buildset_json(b));
            return out;
          },
          "bsid");
    if (kind == "workers" || kind == "slaves") return workers(kind);
    if (kind == "masters")
      return simple_table("masters", kMasterFields, [&](const auto& m) {
        json out = json::array();
        for (const auto& master : m.masters()) out.push_back(master_json(master));
        return out;
      });
    if (kind == "schedulers")
      return simple_table(
          "schedulers", kSchedulerFields,
          [&](const auto& m) {
            json out = json::array();
            for (const auto& s : m.schedulers()) {
              if (s.configured) out.push_back(scheduler_json(m, s));
            }
            return out;
          },
          "schedulerid");
    if (kind == "forceschedulers") return forceschedulers();
    return not_found("no resource named " + kind);
  }

 private:
  Reply store_error(const store::StoreError& error) {
    return error_reply(500, "the event log could not be read: " + error.message);
  }

  json read_json(const std::function<json(const readmodel::ReadModel&)>& make) {
    json out;
    model_.read([&](const readmodel::ReadModel& m) { out = make(m); });
    return out;
  }

  // A collection whose entries carry an id field: /kind, /kind/ID.
  Reply simple_table(const std::string& name, const std::vector<std::string>& fields,
                     const std::function<json(const readmodel::ReadModel&)>& all,
                     const std::string& id_field = "") {
    const std::string key = id_field.empty() ? name.substr(0, name.size() - 1) + "id" : id_field;
    if (path_.size() == 1) return collection(name, fields, q_, read_json(all));
    if (path_.size() != 2) return not_found("no resource " + join());
    auto id = id_of(path_[1]);
    if (!id) return not_found("no " + name.substr(0, name.size() - 1) + " " + path_[1]);
    json found = nullptr;
    for (auto& entry : read_json(all)) {
      if (entry.value(key, json()) == json(*id)) found = std::move(entry);
    }
    return entity(name, fields, q_, std::move(found));
  }
  Reply simple_map(const std::string& name, const std::vector<std::string>& fields,
                   const std::function<json(const readmodel::ReadModel&)>& all,
                   const std::string& id_field) {
    return simple_table(name, fields, all, id_field);
  }

  std::string join() const {
    std::string out;
    for (const auto& part : path_) out += "/" + part;
    return out;
  }

  std::optional<BuildRef> build_by_id(std::uint64_t id) {
    std::optional<BuildRef> out;
    model_.read([&](const readmodel::ReadModel& m) {
      if (const auto* build = m.build(id)) out = BuildRef{*build, m.builder_name(build->builderid)};
    });
    return out;
  }

  // The build's steps, logs and properties, folded from its stream.
  store::StoreResult<readmodel::BuildDetail> detail_of(const BuildRef& build) {
    readmodel::BuildDetail detail(build.builder, build.entry.number);
    const auto stream = streams::build(build.builder, build.entry.number);
    std::uint64_t next = 1;
    for (;;) {
      auto events = log_.read_stream(stream, StreamVersion(next), kStreamBatch);
      if (!events) return unexpected(events.error());
      for (const auto& event : *events) {
        detail.evolve(event);
        next = event.stream_version() + 1;
      }
      if (events->size() < kStreamBatch) return detail;
    }
  }

  Reply builders() {
    const auto n = path_.size();
    if (n == 1) {
      return collection("builders", kBuilderFields, q_, read_json([](const auto& m) {
                          json out = json::array();
                          for (const auto& b : m.builders()) {
                            if (b.configured || !b.builds.empty())
                              out.push_back(builder_json(m, b));
                          }
                          return out;
                        }));
    }
    // A builder by id or by name.
    readmodel::Id builderid = 0;
    json entry = nullptr;
    model_.read([&](const readmodel::ReadModel& m) {
      const readmodel::BuilderEntry* b = nullptr;
      if (auto id = id_of(path_[1])) b = m.builder(*id);
      if (!b) b = m.builder_named(path_[1]);
      if (b) {
        builderid = b->builderid;
        entry = builder_json(m, *b);
      }
    });
    if (!builderid) return not_found("no builder " + path_[1]);
    if (n == 2) return entity("builders", kBuilderFields, q_, std::move(entry));
    if (path_[2] == "builds") {
      if (n == 3) return builds(builderid);
      auto number = id_of(path_[3]);
      std::optional<BuildRef> build;
      if (number && *number <= UINT32_MAX) {
        model_.read([&](const readmodel::ReadModel& m) {
          const auto& name = m.builder_name(builderid);
          if (const auto* b = m.build_of(name, static_cast<std::uint32_t>(*number))) {
            build = BuildRef{*b, name};
          }
        });
      }
      if (!build) return not_found("builder " + path_[1] + " has no build " + path_[3]);
      return build_part(*build, 4);
    }
    if (path_[2] == "buildrequests" && n == 3) {
      return collection("buildrequests", kRequestFields, q_, read_json([&](const auto& m) {
                          json out = json::array();
                          for (const auto& [id, r] : m.requests()) {
                            if (r.builderid == builderid) out.push_back(request_json(r));
                          }
                          return out;
                        }));
    }
    return not_found("no resource " + join());
  }

  // /builds or /builders/N/builds (builderid != 0).
  Reply builds(readmodel::Id builderid) {
    std::optional<Reply> paged;
    json entries = read_json([&](const auto& m) {
      std::vector<const readmodel::BuildEntry*> all;
      if (builderid) {
        for (const auto& [number, id] : m.builder(builderid)->builds) all.push_back(m.build(id));
      } else {
        all.reserve(m.builds().size());
        for (const auto& b : m.builds()) all.push_back(&b);
      }
      json out = json::array();
      // Ordered by ids and numbers only: the page without every build's JSON.
      auto page = page_by_integers(
          q_, all.size(), [&](const std::string& field, std::vector<std::int64_t>& values) {
            auto fill = [&](auto of) {
              for (const auto* b : all) values.push_back(static_cast<std::int64_t>(of(*b)));
              return true;
            };
            if (field == "number") return fill([](const auto& b) { return b.number; });
            if (field == "buildid") return fill([](const auto& b) { return b.buildid; });
            if (field == "builderid") return fill([](const auto& b) { return b.builderid; });
            return false;
          });
      if (page && check_fields(q_, kBuildFields)) {
        for (auto place : *page) out.push_back(select_fields(q_, build_json(*all[place])));
        paged = json_reply(200, {{"builds", std::move(out)}, {"meta", {{"total", all.size()}}}});
        return json();
      }
      for (const auto* b : all) out.push_back(build_json(*b));
      return out;
    });
    auto reply =
        paged ? std::move(*paged) : collection("builds", kBuildFields, q_, std::move(entries));
    if (reply.status != 200 || q_.properties.empty()) return reply;
    // property=NAME: each build of the page gets its properties, read from its stream.
    auto body = json::parse(reply.body);
    for (auto& build : body["builds"]) {
      if (!build.contains("buildid")) continue;
      auto ref = build_by_id(build["buildid"].get<std::uint64_t>());
      if (!ref) continue;
      auto detail = detail_of(*ref);
      if (!detail) return store_error(detail.error());
      build["properties"] = properties_json(*detail, q_.properties);
    }
    return json_reply(200, body);
  }

  Reply build_part(const BuildRef& build, std::size_t i) {
    const auto n = path_.size();
    if (i == n) {
      json entry = build_json(build.entry);
      if (!q_.properties.empty()) {
        auto detail = detail_of(build);
        if (!detail) return store_error(detail.error());
        entry["properties"] = properties_json(*detail, q_.properties);
      }
      return entity("builds", kBuildFields, q_, std::move(entry));
    }
    if (path_[i] == "properties" && i + 1 == n) {
      auto detail = detail_of(build);
      if (!detail) return store_error(detail.error());
      return json_reply(
          200, {{"properties", json::array({properties_json(*detail)})}, {"meta", json::object()}});
    }
    if (path_[i] != "steps") return not_found("no resource " + join());
    auto detail = detail_of(build);
    if (!detail) return store_error(detail.error());
    if (i + 1 == n) {
      json entries = json::array();
      for (const auto& step : detail->steps()) entries.push_back(step_json(build.entry, step));
      return collection("steps", kStepFields, q_, std::move(entries));
    }
    // A step by number or by name.
    const readmodel::StepDetail* step = nullptr;
    if (auto number = id_of(path_[i + 1]); number && *number <= UINT32_MAX) {
      step = detail->step(static_cast<std::uint32_t>(*number));
    }
    for (const auto& s : detail->steps()) {
      if (!step && s.name == path_[i + 1]) step = &s;
    }
    if (!step) return not_found("no step " + path_[i + 1] + " in build " + path_[1]);
    return step_part(build, *step, i + 2);
  }

  Reply step_part(const BuildRef& build, const readmodel::StepDetail& step, std::size_t i) {
    const auto n = path_.size();
    if (i == n) return entity("steps", kStepFields, q_, step_json(build.entry, step));
    if (path_[i] != "logs") return not_found("no resource " + join());
    if (i + 1 == n) {
      json entries = json::array();
      for (std::size_t place = 0; place < step.logs.size(); ++place) {
        auto lines = logs_.num_lines(step.logs[place].stream);
        if (!lines) return store_error(lines.error());
        entries.push_back(log_json(build.entry, step, place, step.complete, *lines));
      }
      return collection("logs", kLogFields, q_, std::move(entries));
    }
    for (std::size_t place = 0; place < step.logs.size(); ++place) {
      if (step.logs[place].slug == path_[i + 1]) return log_part(build, step, place, i + 2);
    }
    return not_found("no log " + path_[i + 1] + " in step " + step.name);
  }

  Reply log_part(const BuildRef& build, const readmodel::StepDetail& step, std::size_t place,
                 std::size_t i) {
    const auto n = path_.size();
    const auto& log = step.logs[place];
    if (i == n) {
      auto lines = logs_.num_lines(log.stream);
      if (!lines) return store_error(lines.error());
      return entity("logs", kLogFields, q_,
                    log_json(build.entry, step, place, step.complete, *lines));
    }
    if (i + 1 != n) return not_found("no resource " + join());
    if (path_[i] == "contents") {
      if (auto checked = check_fields(q_, {}); !checked) return error_reply(400, checked.error());
      auto range = logs_.lines(log.stream, q_.offset, q_.limit.value_or(kDefaultLogLines));
      if (!range) return store_error(range.error());
      json chunk = {
          {"logid", readmodel::log_id(build.entry.buildid, step.number, place).value_or(0)},
          {"firstline", range->firstline},
          {"content", std::move(range->content)}};
      return json_reply(200, {{"logchunks", json::array({chunk})}, {"meta", json::object()}});
    }
    if (path_[i] == "raw") {
      Reply reply;
      reply.content_type = "text/plain; charset=utf-8";
      const std::string file = file_part(build.builder) + "_build_" +
                               std::to_string(build.entry.number) + "_step_" +
                               file_part(step.name) + "_log_" + log.slug + ".log";
      reply.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + file + "\"");
      reply.stream = [&logs = logs_, stream = log.stream](
                         std::uint64_t from, const std::function<void(std::string_view)>& sink) {
        return logs.raw(stream, from, logs::LogReader::kBatch, sink);
      };
      return reply;
    }
    return not_found("no resource " + join());
  }

  Reply workers(const std::string& name) {
    const auto n = path_.size();
    auto all = [](const readmodel::ReadModel& m) {
      json out = json::array();
      for (const auto& w : m.workers()) {
        if (w.configured || w.connected) out.push_back(worker_json(m, w));
      }
      return out;
    };
    if (n == 1) return collection(name, kWorkerFields, q_, read_json(all));
    if (n != 2) return not_found("no resource " + join());
    json found = nullptr;
    auto id = id_of(path_[1]);
    for (auto& w : read_json(all)) {
      if ((id && w["workerid"] == json(*id)) || w["name"] == json(path_[1])) found = std::move(w);
    }
    return entity(name, kWorkerFields, q_, std::move(found));
  }

  Reply forceschedulers() {
    const auto n = path_.size();
    json all = read_json([](const readmodel::ReadModel& m) {
      json out = json::array();
      for (const auto& s : m.schedulers()) {
        if (s.configured && s.force) out.push_back(forcescheduler_json(s));
      }
      return out;
    });
    if (n == 1) return collection("forceschedulers", kForceSchedulerFields, q_, std::move(all));
    if (n != 2) return not_found("no resource " + join());
    json found = nullptr;
    for (auto& s : all) {
      if (s["name"] == json(path_[1])) found = std::move(s);
    }
    return entity("forceschedulers", kForceSchedulerFields, q_, std::move(found));
  }

  const ModelView& model_;
  store::EventLog& log_;
  logs::LogReader& logs_;
  const Path& path_;
  const Query& q_;
};

}  // namespace

Reply Api::get(const std::vector<std::string>& path, std::string_view query) const {
  auto parsed = parse_query(query);
  if (!parsed) return error_reply(400, parsed.error());
  return Request(model_, log_, logs_, path, *parsed).route();
}

}  // namespace eventbot::gateway::api
