// tasks_core.hpp — the pure part of the tasks plugin, separate from the ABI glue: settings from
// [plugins.tasks.config], runner templates and their expansion, the task record and its state
// machine, the capped output tail, the JSON the tools return and the JSON the store keeps, and the
// atomic store itself (one file per task in the plugin's data dir).
// Thread safety: settings are immutable after parsing; a task record is guarded by its owner.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ra_tasks {

// ---- Settings and runners --------------------------------------------------------------------
struct runner_def {
  std::string name;
  std::vector<std::string> run;     // argv template; "{prompt}" is replaced (appended when absent)
  std::vector<std::string> resume;  // argv template with "{session_id}"; empty = cannot resume
  // Appended when the host is in plan mode at run time: the CLI's own read-only mode (claude
  // --permission-mode plan, opencode --agent plan), on top of the kernel's read-only sandbox.
  std::vector<std::string> plan_args;
};

enum class plan_policy { sandboxed, refuse };

struct settings {
  std::vector<runner_def> runners;  // detection order: the built-ins first, then configured names
  plan_policy plan = plan_policy::sandboxed;
  uint32_t max_running = 2;
  uint64_t max_output = 1u << 20;  // bytes of output kept per task (the tail)
  int64_t default_timeout_ms = 3'600'000;
  int64_t max_timeout_ms = 7 * 24 * 3'600'000LL;
};

// Built-in claude and opencode templates, then the config: runners = {name = [argv…] or
// {run = [argv…], resume = [argv…]}}, plan = "sandboxed"|"refuse", max_running, max_output.
std::optional<settings> parse_settings(std::string_view config_json, std::string &error);

const runner_def *find_runner(const settings &s, std::string_view name);

// The argv for one run: each "{prompt}" / "{session_id}" inside an element is replaced (the prompt
// is always one argv element of its own or part of one, never shell text). A prompt starting with
// '-' gets a leading space so a CLI cannot take it for an option. With a session id the resume
// template is used. nullopt + error when the runner cannot resume or the template is unusable.
// `plan`: append the runner's plan_args.
std::optional<std::vector<std::string>> expand(const runner_def &r, std::string_view prompt,
                                               std::string_view session_id, std::string &error, bool plan = false);

// Session ids are passed as argv elements too, but must look like ids ([A-Za-z0-9._:-], 1..200,
// not starting with '-').
bool valid_session_id(std::string_view id);

// The first runner whose argv[0] is found on `path_env` (a PATH value), or nullptr.
// `is_executable` is injectable for tests.
const runner_def *detect_runner(const settings &s, std::string_view path_env,
                                bool (*is_executable)(const std::string &path) = nullptr);
std::string runner_names(const settings &s);  // "claude, opencode" — for error messages

// ---- Tasks -------------------------------------------------------------------------------------
enum class state { queued, running, done, failed, cancelled };
const char *state_name(state s);
std::optional<state> parse_state(std::string_view s);
bool is_final(state s);
// queued → running | cancelled | failed; running → done | failed | cancelled; nothing else.
bool can_transition(state from, state to);

struct task {
  std::string id;
  std::string prompt;
  std::string cwd;
  std::string runner;
  std::string session_id;
  std::vector<std::string> argv;
  std::string caller;
  std::string reply_to;  // where the completion event goes (ra_call_t.reply_to); "" = nobody
  state st = state::queued;
  int64_t timeout_ms = 0;
  int64_t created_ms = 0;   // wall clock, ms since the epoch
  int64_t started_ms = 0;   // 0 = not yet
  int64_t finished_ms = 0;  // 0 = not yet
  std::optional<int32_t> exit_code;
  std::string error;   // why it failed / was cancelled
  std::string output;  // stdout and stderr interleaved, the last max_output bytes
  bool output_truncated = false;
  uint64_t output_bytes = 0;  // produced in total
};

// Moves t to `to` when allowed; false (and t unchanged) otherwise.
bool transition(task &t, state to, int64_t now_ms);

// Appends to the output, keeping only the last `cap` bytes (cut at a UTF-8 boundary).
void append_output(task &t, std::string_view data, uint64_t cap);

std::string iso8601(int64_t ms);  // 2026-01-02T03:04:05.678Z; "" for 0

// task_get's result (full record, output included).
std::string task_json(const task &t);
// One task_list entry (no output; the prompt cut to 200 bytes).
std::string summary_json(const task &t);

// The task.finished event body: the summary plus the last 2 KiB of output ("output_tail").
std::string finished_event_json(const task &t);

// The store's form, and back. from_store_json: nullopt on anything malformed.
std::string store_json(const task &t);
std::optional<task> from_store_json(std::string_view json);

// After a restart: a task that was running is failed with kStoppedReason.
extern const char *const kStoppedReason;
bool recover(task &t, int64_t now_ms);  // true when t changed

std::string new_task_id();  // "t-" + 24 hex digits from getrandom

// ---- Store: <dir>/<id>.json, written temp + fsync + rename + fsync(dir) ------------------------
bool store_write(const std::string &dir, const task &t, std::string &error);
// Every readable task in dir (malformed files are skipped and named in `skipped`).
std::vector<task> store_load(const std::string &dir, std::vector<std::string> &skipped);

// ---- Tool arguments ----------------------------------------------------------------------------
struct dispatch_args {
  std::string prompt, cwd, runner, session_id;
  int64_t timeout_ms = 0;
};
std::optional<dispatch_args> parse_dispatch(std::string_view json, const settings &s, std::string &error);

extern const char *const dispatch_schema;
extern const char *const get_schema;
extern const char *const list_schema;
extern const char *const wait_schema;
extern const char *const cancel_schema;
extern const char *const run_schema;

}  // namespace ra_tasks
