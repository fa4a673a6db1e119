#pragma once
// The master's configuration as plain values: what master.yaml says once it has been
// read and validated (actors/config/config_loader.hpp). Names follow the manual's
// (tree_stable_timer, max_builds, ...), so a Buildbot user recognises every key.
// Durations are in seconds, as in master.cfg.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/port/port_limits.hpp"
#include "events/wire_defaults.hpp"

namespace eventbot::config {

inline constexpr int kDefaultSlavePort = 9989;  // Buildbot's slavePortnum in the tutorial
inline constexpr int kDefaultWebPort = 8010;

// A property value as JSON text ("\"text\"", "3", "true"), so any YAML scalar, list or
// map round-trips; its source is "Global", "Scheduler", "Builder", ... where it is used.
using PropertyMap = std::map<std::string, std::string>;

// Matches a string either by a list of exact values or by one regular expression
// (RE2's syntax, common/regex.hpp), as the manual's ChangeFilter does.
struct StringMatcher {
  std::vector<std::string> values;  // empty with no regex: matches anything
  std::optional<std::string> regex;
  bool any() const { return values.empty() && !regex; }

  bool operator==(const StringMatcher&) const = default;
};

struct ChangeFilter {
  StringMatcher project;
  StringMatcher repository;
  StringMatcher branch;  // an empty string value matches the default branch
  StringMatcher category;

  bool operator==(const ChangeFilter&) const = default;
};

// fileIsImportant as data: a change is important if any of its files matches an
// include glob (all files when `include` is empty) and not an exclude glob.
// Globs are fnmatch(3) patterns over the file's path.
struct FileImportance {
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  bool any() const { return include.empty() && exclude.empty(); }

  bool operator==(const FileImportance&) const = default;
};

// A schedule field of Nightly: empty means every value ("*").
using CronField = std::vector<int>;

enum class SchedulerType {
  single_branch,
  any_branch,
  dependent,
  periodic,
  nightly,
  triggerable,
  force
};

struct SchedulerConfig {
  SchedulerType type = SchedulerType::single_branch;
  std::string name;
  std::vector<std::string> builders;
  PropertyMap properties;
  // single_branch, any_branch, nightly: which changes count.
  ChangeFilter change_filter;
  // single_branch, periodic and nightly: the branch ("" = the default branch).
  std::optional<std::string> branch;
  // single_branch, any_branch: seconds of quiet before building; none = one buildset per change.
  std::optional<std::int64_t> tree_stable_timer;
  FileImportance file_is_important;
  bool only_important = false;
  // dependent: the upstream scheduler's name.
  std::string upstream;
  // periodic: seconds between builds.
  std::int64_t period = 0;
  // nightly: when (local time of the master, as in Buildbot).
  CronField minute{0};
  CronField hour;
  CronField day_of_month;
  CronField month;
  CronField day_of_week;  // 0 = Monday ... 6 = Sunday, as in Buildbot
  bool only_if_changed = false;
  // force: defaults of the force form.
  std::string reason = "";

  bool operator==(const SchedulerConfig&) const = default;
};

// A password kept outside master.yaml: `password_file` (relative to the master's
// directory) or `password_env` (a variable of the master's environment). Read into the
// entry's `password` by resolve_passwords (actors/config/passwords.hpp).
struct PasswordSource {
  std::string file;
  std::string env;

  bool empty() const { return file.empty() && env.empty(); }
  bool operator==(const PasswordSource&) const = default;
};

struct SlaveConfig {
  std::string name;
  // Exactly one of: the clear password, its hash (the SCRAM verifier, or the old
  // "sha256:<hex>", from `eventbot hash-password NAME`), or where to read the password.
  // Never logged or shown.
  std::string password;
  std::string password_hash;
  int max_builds = 0;  // 0: no limit
  PropertyMap properties;
  std::vector<std::string> notify_on_missing;
  std::int64_t missing_timeout = 3600;
  std::int64_t keepalive_interval = 3600;  // 0: no keepalives
  PasswordSource password_from;

  bool operator==(const SlaveConfig&) const = default;
};

enum class ChangeSourceType { sendchange, git_poller };

struct ChangeSourceConfig {
  ChangeSourceType type = ChangeSourceType::sendchange;
  std::string name;
  // sendchange: who may send changes (the manual's default is change/changepw).
  std::string user;
  std::string password;
  std::string password_hash;
  PasswordSource password_from;
  std::string
      prefix;  // only files under it count, stripped of it; a change left with none is dropped
  // git_poller
  std::string repository;             // a local path or a URL git can fetch
  std::vector<std::string> branches;  // empty with all_branches false: ["master"]
  bool all_branches = false;
  std::int64_t poll_interval = 600;
  std::string project;
  std::string category;
  std::string repository_name;  // the `repository` recorded on changes; default: repository
  std::string workdir;          // where the poller keeps its clone; default under the master dir

  bool operator==(const ChangeSourceConfig&) const = default;
};

// One step as written; "the master, part 2" gives each type its typed parameters.
struct StepConfig {
  std::string type;
  std::string name;
  std::map<std::string, std::string> params;  // every other key, as JSON text

  bool operator==(const StepConfig&) const = default;
};

// Which free slave a builder gives its next build to (Buildbot's nextSlave): random (as
// Buildbot), the first free one in the builder's `slaves` order, the one whose last build
// started longest ago (never used first), or the one running the fewest builds.
enum class NextSlavePolicy { random, in_order, least_recently_used, fewest_builds };
// Which queued request a builder starts next (Buildbot's nextBuild).
enum class NextBuildPolicy { oldest, newest };

// Buildbot's Interlocks: a master lock is one lock for the master; a slave lock is one
// copy per slave. Counting access takes one of max_count slots (max_count_for_slave
// overrides it per slave, slave locks only); exclusive access takes the whole lock.
enum class LockType { master, slave };

struct LockConfig {
  std::string name;
  LockType type = LockType::master;
  int max_count = 1;
  std::map<std::string, int> max_count_for_slave;

  bool operator==(const LockConfig&) const = default;
};

enum class LockAccess { exclusive, counting };

// One use of a lock by a builder or a step: `name` (exclusive) or {name, access}.
struct LockUse {
  std::string lock;
  LockAccess access = LockAccess::exclusive;

  bool operator==(const LockUse&) const = default;
};

struct BuilderConfig {
  std::string name;
  std::vector<std::string> slaves;
  std::string builddir;       // default: the builder's name
  std::string slavebuilddir;  // default: builddir
  std::string category;
  std::vector<std::string> tags;
  std::map<std::string, std::string> env;
  PropertyMap properties;
  std::vector<LockUse> locks;  // held for the whole build
  std::string description;
  std::optional<bool> collapse_requests;  // unset: the global setting
  // Builders with a higher priority get free slaves first (then the builder whose
  // oldest pending request is oldest, Buildbot's default prioritizeBuilders).
  int priority = 0;
  NextSlavePolicy next_slave = NextSlavePolicy::random;
  NextBuildPolicy next_build = NextBuildPolicy::oldest;
  std::vector<StepConfig> steps;

  bool operator==(const BuilderConfig&) const = default;
};

// How a status target retries a transient failure: initial, doubled each attempt, capped.
struct RetryBackoff {
  std::int64_t initial = 5;  // seconds
  std::int64_t max = 300;    // seconds

  bool operator==(const RetryBackoff&) const = default;
};

// MailNotifier (docs/STATUS.md). `mode` as the 0.8.5 manual defines it.
enum class MailMode { all, failing, warnings, passing, problem, change };
enum class SmtpSecurity { none, starttls, tls };

struct MailTargetConfig {
  MailMode mode = MailMode::all;
  std::vector<std::string> builders;    // empty: every builder
  std::vector<std::string> categories;  // empty: every category
  std::string fromaddr;
  std::vector<std::string> extra_recipients;
  bool send_to_interested_users = true;
  // How a blamed user's name becomes an address: a domain ("example.org": name@domain),
  // a table (name -> address), or neither (web.users' email). A name that already is an
  // address ("Ann <ann@x.org>", "ann@x.org") is used as it is.
  std::string lookup_domain;
  std::map<std::string, std::string> lookup_table;
  std::string subject = "eventbot %(result)s in %(title)s on %(builder)s";
  std::string body;  // empty: the default body (docs/STATUS.md)
  bool html = false;
  std::string relay_host = "localhost";
  int relay_port = 25;
  SmtpSecurity security = SmtpSecurity::none;
  std::string smtp_user;
  PasswordSource smtp_password_from;
  std::string smtp_password;  // filled from smtp_password_from; never logged
  RetryBackoff retry;

  bool operator==(const MailTargetConfig&) const = default;
};

// HttpStatusPush (docs/STATUS.md): the events `events` names, as JSON batches.
struct HttpPushTargetConfig {
  std::string url;
  std::vector<std::string> events;    // body type names ("BuildFinished"); empty: the default set
  std::vector<std::string> builders;  // empty: every builder (events of no builder always pass)
  int batch_size = 100;               // events per POST at most
  std::string user;                   // basic auth when set
  PasswordSource password_from;
  std::string password;                        // filled from password_from; never logged
  std::map<std::string, std::string> headers;  // sent as they are (no secrets here)
  // Header name -> file holding its value (a token): read like password_file.
  std::map<std::string, std::string> header_files;
  std::map<std::string, std::string> secret_headers;  // filled from header_files; never logged
  std::int64_t timeout = 30;                          // seconds per request
  RetryBackoff retry;

  bool operator==(const HttpPushTargetConfig&) const = default;
};

// The IRC bot (the manual's words.IRC; docs/STATUS.md). Its core and connection are in
// actors/status/irc/.
struct IrcTargetConfig {
  std::string host;
  int port = 6667;
  std::string nick;
  std::vector<std::string> channels;
  PasswordSource password_from;            // NickServ
  std::string password;                    // filled from password_from; never logged
  std::vector<std::string> notify_events;  // the configured channels' default events
  std::vector<std::string> categories;     // announce only these builders' builds
  bool allow_force = false;
  bool use_colors = true;
  bool notice_on_channel = false;
  bool use_revisions = false;
  std::int64_t lost_delay = 1;     // seconds before reconnecting after a lost connection
  std::int64_t failed_delay = 60;  // the back-off's cap after failed attempts

  bool operator==(const IrcTargetConfig&) const = default;
};

struct StatusTargetConfig {
  std::string type;  // "mail", "irc", "http_push", "github_status", ...
  std::string name;
  // The typed targets: exactly one is set for "mail" and "http_push".
  std::optional<MailTargetConfig> mail;
  std::optional<HttpPushTargetConfig> http_push;
  std::optional<IrcTargetConfig> irc;
  // The other types' parameters as JSON text, until their issues type them.
  std::map<std::string, std::string> params;
  // Keys that are read but not acted on yet (checkconfig warns about each).
  std::vector<std::string> unsupported_keys;

  bool operator==(const StatusTargetConfig&) const = default;
};

struct WebUser {
  std::string name;
  std::string password;
  std::string password_hash;
  std::vector<std::string> roles;
  std::string email;  // where mail for this user goes (a MailNotifier lookup)
  PasswordSource password_from;
  // password_hash may be an argon2id hash, which serves the web pages only; the port's
  // logins (stop-build, force, ...) then use this SCRAM verifier of the same password.
  std::string port_password_hash;

  bool operator==(const WebUser&) const = default;
};

// Who may take a web action (Buildbot's Authz): nobody, anyone, any logged-in user, or
// a user holding one of `roles`.
struct AccessRule {
  enum class Who { nobody, anyone, authenticated, roles };
  Who who = Who::nobody;
  std::vector<std::string> roles;

  bool operator==(const AccessRule&) const = default;
};

struct WebConfig {
  // The web gateway listens only when master.yaml has a `web` section.
  bool enabled = false;
  std::string bind = "127.0.0.1";
  int port = kDefaultWebPort;
  std::vector<WebUser> users;
  // Action ("force_build", "stop_build", ...) to rule; an action not listed: nobody.
  std::map<std::string, AccessRule> authz;
  // Change hook dialect ("base", "github", ...) to its options as JSON text ("{}" for none).
  std::map<std::string, std::string> change_hooks;

  bool operator==(const WebConfig&) const = default;
};

struct Horizons {
  std::int64_t changes = 0;   // changes to keep; 0 = all
  std::int64_t builds = 0;    // builds kept per builder; 0 = all
  std::int64_t logs = 0;      // builds per builder that keep their logs; 0 = all
  std::int64_t log_days = 0;  // days of logs to keep; 0 = forever

  bool operator==(const Horizons&) const = default;
};

// Per-step log limits (logMaxSize, logMaxTailSize); 0 = unlimited / no tail.
struct LogLimits {
  std::int64_t max_size = 0;
  std::int64_t max_tail_size = 0;

  bool operator==(const LogLimits&) const = default;
};

// Patterns user input (forced builds, sendchange) must match (RE2 regexes, matched from
// the start; actors/intake/user_values.hpp checks them); the defaults are Buildbot's
// c['validation'].
struct InputValidation {
  std::string branch = R"(^[\w.+/~-]*$)";
  std::string revision = R"(^[ \w\.\-\/]*$)";
  std::string property_name = R"(^[\w\.\-\/\~:]*$)";
  std::string property_value = R"(^[\w\.\-\/\~:]*$)";

  bool operator==(const InputValidation&) const = default;
};

// The slave port's certificate: PEM files, relative to the master's directory unless
// absolute. The key must not be encrypted (the master starts unattended).
struct TlsFiles {
  std::string certificate;
  std::string key;

  bool operator==(const TlsFiles&) const = default;
};

struct MasterConfig {
  std::string title = "Eventbot";
  std::string title_url;
  std::string buildbot_url = "http://localhost:8010/";
  std::string master_id;  // default: the host name
  std::string slave_bind = "127.0.0.1";
  int slave_port = kDefaultSlavePort;
  std::optional<TlsFiles> tls;       // none: the slave port speaks in the clear
  std::string durability = "group";  // sync | group | nosync
  bool collapse_requests = true;
  std::string log_server;  // "host:port" of `eventbot log-server`; empty: the embedded store
  // The slave protocol: both sides ping every heartbeat_interval seconds; a peer silent
  // for dead_after seconds is dead; a lost slave's running commands wait reattach_grace
  // seconds for it to come back before their builds end RETRY. Defaults and why:
  // events/wire_defaults.hpp.
  int heartbeat_interval = static_cast<int>(wire_defaults::kHeartbeat.count());
  int dead_after = static_cast<int>(wire_defaults::kDeadAfter.count());
  int reattach_grace = static_cast<int>(wire_defaults::kReattachGrace.count());
  // What the slave port allows before login (master.port_limits; read at start).
  port::PortLimits port_limits;
  WebConfig web;
  PropertyMap properties;
  Horizons horizons;
  LogLimits logs;
  InputValidation validation;
  std::vector<SlaveConfig> slaves;
  std::vector<LockConfig> locks;
  std::vector<ChangeSourceConfig> change_sources;
  std::vector<SchedulerConfig> schedulers;
  std::vector<BuilderConfig> builders;
  std::vector<StatusTargetConfig> status;

  bool operator==(const MasterConfig&) const = default;
};

}  // namespace eventbot::config
