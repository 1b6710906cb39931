// tests/fuzz/fuzz_tasks_store.cpp — libFuzzer target for the tasks plugin's JSON parsers
// (plugins/tasks/tasks_core.*): the task files re-read at start (from_store_json), the plugin's
// config (parse_settings) and task_dispatch's arguments, chosen by a peer (parse_dispatch).
//
// The input is given to all three. Besides crashes, sanitizer reports and timeouts it checks:
//  * a task read from the store re-encodes (store_json) to JSON that reads back to a task with the
//    same encoding; task_json / summary_json are JSON objects; recover() leaves no running task;
//  * accepted settings have runners with a name and a run template, each found by find_runner,
//    and a prompt expands to an argv that starts with the template's argv[0] and holds the prompt;
//  * accepted dispatch arguments have a non-empty prompt without NUL, a timeout in
//    1..max_timeout_ms, an absolute cwd or none, and a valid session id or none;
//  * a rejection always comes with a non-empty error.
//
// Build and run: scripts/fuzz.
// Thread safety: libFuzzer calls the target from one thread.
#include <rapidjson/document.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tasks_core.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace ra_tasks;

using fuzz::check;
using fuzz::json_object;

void check_task(task t) {
  std::string enc = store_json(t);
  check(json_object(enc));
  auto back = from_store_json(enc);
  check(back.has_value());
  check(store_json(*back) == enc);
  check(json_object(task_json(t)) && json_object(summary_json(t)));
  recover(t, 1'700'000'000'000);
  check(t.st != state::running);
}

void check_dispatch(std::string_view text, const settings &s) {
  std::string err;
  auto a = parse_dispatch(text, s, err);
  if (!a) {
    check(!err.empty());
    return;
  }
  check(!a->prompt.empty() && a->prompt.find('\0') == std::string::npos);
  check(a->timeout_ms >= 1 && a->timeout_ms <= s.max_timeout_ms);
  check(a->cwd.empty() || a->cwd[0] == '/');
  check(a->session_id.empty() || valid_session_id(a->session_id));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  if (auto t = from_store_json(text)) check_task(std::move(*t));

  std::string err;
  static const settings defaults = [] {
    std::string e;
    return *parse_settings("{}", e);
  }();
  check_dispatch(text, defaults);

  auto s = parse_settings(text, err);
  if (!s) {
    check(!err.empty());
    return 0;
  }
  check(!s->runners.empty());
  for (const runner_def &r : s->runners) {
    check(!r.name.empty() && !r.run.empty());
    check(find_runner(*s, r.name) != nullptr);
    std::string e;
    if (auto argv = expand(r, "fuzz prompt", "", e)) {
      check(argv->size() >= r.run.size());
      bool has = std::any_of(argv->begin(), argv->end(),
                             [](const std::string &a) { return a.find("fuzz prompt") != std::string::npos; });
      check(has);
    } else {
      check(!e.empty());
    }
  }
  check_dispatch(text, *s);
  return 0;
}
