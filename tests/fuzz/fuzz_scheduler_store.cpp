// tests/fuzz/fuzz_scheduler_store.cpp — libFuzzer target for the scheduler plugin's jobs.json
// decoding and schedule_add's argument parsing (plugins/scheduler/job_store.*): a peer chooses the
// schedule_add arguments, and jobs.json is re-read by every process that loads the plugin.
//
// The input is given both to decode_jobs (as jobs.json) and to parse_add_args (as the arguments;
// the host has tools "exec" and "echo" only). Besides crashes, sanitizer reports and timeouts it checks:
//  * a decoded file re-encodes to JSON that decodes to the same jobs, and encoding is stable;
//  * what the runner and schedule_list do with a decoded job works: parse_cron / find_time_zone
//    and next_after from the stored cursor (a result is after the cursor), iso8601_utc of the
//    stored times, dispatch_args is a JSON object;
//  * accepted arguments give a valid name, exactly one of command / tool (tool on the host and not
//    a schedule_* one), args_json a JSON object, a cron that parses, a zone that resolves, splay_ms
//    0..3600000, and the job round-trips through encode_jobs / decode_jobs;
//  * rejected arguments have an error code and a non-empty message.
//
// Build and run: scripts/fuzz.
// Thread safety: libFuzzer calls the target from one thread.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "job_store.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace ra_sched;

using fuzz::check;
using fuzz::json_object;

void check_round_trip(const std::vector<job> &jobs) {
  std::string enc = encode_jobs(jobs);
  check(json_object(enc));
  auto back = decode_jobs(enc);
  check(back.has_value() && *back == jobs);
  check(encode_jobs(*back) == enc);
}

void check_decoded(const std::vector<job> &jobs) {
  check_round_trip(jobs);
  size_t n = 0;
  for (const job &j : jobs) {
    if (++n > 4) break;  // bound the work per input
    check(json_object(j.dispatch_args()) || (j.command.empty() && !j.args_json.empty()));
    iso8601_utc(j.last_run_ms, true);
    iso8601_utc(j.created_ms, true);
    for (const run_record &r : j.history) iso8601_utc(r.time_ms, true);
    std::string err;
    auto e = parse_cron(j.cron, err);
    auto zone = find_time_zone(j.timezone, err);
    if (!e || !zone) continue;
    auto next = next_after(*e, j.cursor, *zone);
    if (!next) continue;
    check(*next > j.cursor);
    iso8601_utc(*next * 1000);
  }
}

void check_add(std::string_view args) {
  add_error code = add_error::none;
  std::string error;
  auto has_tool = [](const std::string &t) { return t == "exec" || t == "echo"; };
  auto r = parse_add_args(args, "UTC", has_tool, code, error);
  if (!r) {
    check(code != add_error::none && !error.empty());
    return;
  }
  const job &j = r->j;
  check(valid_job_name(j.name));
  check(j.command.empty() != j.tool.empty());
  if (!j.tool.empty()) check(has_tool(j.tool) && j.tool.rfind("schedule_", 0) != 0 && !j.args_json.empty());
  check(j.command.empty() || j.args_json.empty());
  check(r->zone != nullptr);
  std::string err;
  check(parse_cron(j.cron, err).has_value());
  check(j.splay_ms >= 0 && j.splay_ms <= 3'600'000);
  check_round_trip({j});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  if (auto jobs = decode_jobs(text)) check_decoded(*jobs);
  check_add(text);
  return 0;
}
