// job_store.hpp — the scheduler's job record, its jobs.json form and schedule_add's argument
// parsing, pure (no host, no clock, no files), so the unit tests and tests/fuzz link it without a host.
// The plugin (scheduler_plugin.cpp) does the locking, the file I/O and the host checks.
// Thread safety: all functions are pure apart from find_time_zone's cache (mutex-guarded).
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cron.hpp"
#include "tz.hpp"

namespace ra_sched {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct run_record {
  int64_t time_ms = 0;
  std::string outcome;  // ok failed denied invalid timeout cancelled unreachable skipped missed error
  std::string message;
  int64_t duration_ms = 0;
  bool operator==(const run_record &) const = default;
};

struct job {
  std::string name, cron, timezone, command, tool, args_json;
  int64_t splay_ms = 0;
  std::string missed = "skip";
  int64_t created_ms = 0;
  int64_t cursor = 0;  // Unix seconds: occurrences at or before it are handled
  int64_t last_run_ms = -1;
  std::string last_outcome, last_message;
  uint64_t run_count = 0;
  std::vector<run_record> history;  // oldest first

  std::string dispatch_tool() const { return command.empty() ? tool : "exec"; }
  std::string dispatch_args() const;
  bool operator==(const job &) const = default;
};

// A string member ("" when absent or not a string) / an int64 member (def when absent or not one).
std::string str(const rapidjson::Value &o, const char *k);
int64_t i64(const rapidjson::Value &o, const char *k, int64_t def);
void put(json_writer &w, const char *k, const std::string &v);
// One run: {job?, time? (ISO 8601 when iso), time_ms, outcome, message, duration_ms}.
void write_record(json_writer &w, const run_record &r, const std::string *job_name, bool iso);

// jobs.json → jobs (entries that are not objects are skipped, missing fields take defaults).
// nullopt when the text is not a jobs file ({"jobs": [...]}).
std::optional<std::vector<job>> decode_jobs(std::string_view text);
// jobs → jobs.json ({"version":1,"jobs":[...]}); decode_jobs(encode_jobs(j)) == j.
std::string encode_jobs(const std::vector<job> &jobs);

// 1-128 characters of A-Z a-z 0-9 . _ -
bool valid_job_name(std::string_view n);

// schedule_add's arguments, checked (the host has already validated them against the tool's
// schema; the checks here do not rely on it). has_tool: is there a tool of that name on this host.
struct add_request {
  job j;  // name, cron, timezone, command | tool + args_json, splay_ms, missed
  cron_expr expr;
  std::shared_ptr<const time_zone> zone;
};
enum class add_error { none, invalid_argument, failed_precondition };
std::optional<add_request> parse_add_args(std::string_view args_json, const std::string &default_timezone,
                                          const std::function<bool(const std::string &)> &has_tool, add_error &code,
                                          std::string &error);

}  // namespace ra_sched
