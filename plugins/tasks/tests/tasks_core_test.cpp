#include "tasks_core.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace ra_tasks {
namespace {

settings defaults() {
  std::string err;
  auto s = parse_settings("{}", err);
  EXPECT_TRUE(s) << err;
  return *s;
}

TEST(TasksCoreTest, SettingsDefaultsAndBuiltins) {
  auto s = defaults();
  EXPECT_EQ(s.max_running, 2u);
  EXPECT_EQ(s.max_output, 1u << 20);
  EXPECT_EQ(s.default_timeout_ms, 3600000);
  EXPECT_EQ(s.plan, plan_policy::sandboxed);
  ASSERT_EQ(s.runners.size(), 2u);
  EXPECT_EQ(s.runners[0].name, "claude");
  EXPECT_EQ(s.runners[0].run, (std::vector<std::string>{"claude", "-p", "{prompt}", "--output-format", "text"}));
  EXPECT_EQ(s.runners[1].resume,
            (std::vector<std::string>{"opencode", "run", "--session", "{session_id}", "{prompt}"}));
}

TEST(TasksCoreTest, SettingsConfiguredRunnersAndErrors) {
  std::string err;
  auto s = parse_settings(
      R"({"plan":"refuse","max_running":3,"max_output":4096,
          "runners":{"claude":["/opt/claude","{prompt}"],"aider":{"run":["aider","--message","{prompt}"],
          "resume":["aider","--restore","{session_id}","{prompt}"]}}})",
      err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->plan, plan_policy::refuse);
  EXPECT_EQ(s->max_running, 3u);
  EXPECT_EQ(s->max_output, 4096u);
  ASSERT_EQ(s->runners.size(), 3u);
  EXPECT_EQ(s->runners[0].run[0], "/opt/claude");
  EXPECT_TRUE(s->runners[0].resume.empty()) << "a configured template replaces the built-in resume too";
  EXPECT_EQ(find_runner(*s, "aider")->run[1], "--message");
  EXPECT_EQ(find_runner(*s, "nope"), nullptr);
  for (const char *bad : {R"({"plan":"maybe"})", R"({"max_running":0})", R"({"colour":1})", R"({"runners":{"x":[]}})",
                          R"({"runners":{"x":[""]}})", R"({"runners":{"x":{"resume":["a","{session_id}"]}}})",
                          R"({"runners":{"x":{"run":["a"],"resume":["a","b"]}}})", R"({"runners":{"x":"a b"}})", "[]",
                          R"({"max_output":1})"}) {
    EXPECT_FALSE(parse_settings(bad, err)) << bad;
    EXPECT_FALSE(err.empty());
  }
}

TEST(TasksCoreTest, ExpandKeepsPromptOneArgvElement) {
  auto s = defaults();
  std::string err;
  auto argv = expand(*find_runner(s, "claude"), "say \"hi\"; rm -rf / $(id) `x`", "", err);
  ASSERT_TRUE(argv) << err;
  EXPECT_EQ(*argv,
            (std::vector<std::string>{"claude", "-p", "say \"hi\"; rm -rf / $(id) `x`", "--output-format", "text"}));
  argv = expand(*find_runner(s, "claude"), "go on", "abc-123", err);
  ASSERT_TRUE(argv) << err;
  EXPECT_EQ(*argv, (std::vector<std::string>{"claude", "-p", "go on", "--resume", "abc-123"}));
  argv = expand(*find_runner(s, "opencode"), "{session_id}", "s1", err);
  ASSERT_TRUE(argv) << err;
  EXPECT_EQ(argv->back(), "{session_id}") << "the prompt's own text is never expanded";
  // A prompt that looks like an option gets a leading space.
  argv = expand(*find_runner(s, "opencode"), "--help", "", err);
  ASSERT_TRUE(argv);
  EXPECT_EQ(argv->back(), " --help");
  // Without {prompt} the prompt is appended.
  runner_def r{"x", {"x", "--go"}, {}};
  argv = expand(r, "p", "", err);
  ASSERT_TRUE(argv);
  EXPECT_EQ(*argv, (std::vector<std::string>{"x", "--go", "p"}));
  EXPECT_FALSE(expand(r, "p", "sess", err));
  EXPECT_NE(err.find("no resume template"), std::string::npos);
  EXPECT_FALSE(expand(*find_runner(s, "claude"), "p", "--evil", err));
  EXPECT_FALSE(valid_session_id("a b"));
  EXPECT_TRUE(valid_session_id("ses_01:ab.c-d"));
}

std::set<std::string> *g_exec;
bool fake_exec(const std::string &p) { return g_exec->count(p) > 0; }

TEST(TasksCoreTest, DetectRunnerFirstOnPath) {
  auto s = defaults();
  std::set<std::string> present = {"/b/opencode"};
  g_exec = &present;
  EXPECT_EQ(detect_runner(s, "/a:/b", fake_exec)->name, "opencode");
  present.insert("/a/claude");
  EXPECT_EQ(detect_runner(s, "/a:/b", fake_exec)->name, "claude");
  present.clear();
  EXPECT_EQ(detect_runner(s, "/a:/b", fake_exec), nullptr);
  EXPECT_EQ(runner_names(s), "claude (claude), opencode (opencode)");
}

TEST(TasksCoreTest, StateMachine) {
  EXPECT_TRUE(can_transition(state::queued, state::running));
  EXPECT_TRUE(can_transition(state::queued, state::cancelled));
  EXPECT_TRUE(can_transition(state::queued, state::failed));
  EXPECT_FALSE(can_transition(state::queued, state::done));
  EXPECT_TRUE(can_transition(state::running, state::done));
  EXPECT_TRUE(can_transition(state::running, state::cancelled));
  EXPECT_FALSE(can_transition(state::running, state::queued));
  for (state f : {state::done, state::failed, state::cancelled})
    for (state t : {state::queued, state::running, state::done, state::failed, state::cancelled})
      EXPECT_FALSE(can_transition(f, t));
  task t;
  EXPECT_TRUE(transition(t, state::running, 1000));
  EXPECT_EQ(t.started_ms, 1000);
  EXPECT_FALSE(transition(t, state::queued, 1500));
  EXPECT_TRUE(transition(t, state::done, 2500));
  EXPECT_EQ(t.finished_ms, 2500);
  EXPECT_FALSE(transition(t, state::failed, 3000));
  EXPECT_EQ(t.st, state::done);
  for (state st : {state::queued, state::running, state::done, state::failed, state::cancelled})
    EXPECT_EQ(parse_state(state_name(st)), st);
  EXPECT_FALSE(parse_state("paused"));
}

TEST(TasksCoreTest, OutputKeepsTheTail) {
  task t;
  append_output(t, "abcdef", 4);
  EXPECT_EQ(t.output, "cdef");
  EXPECT_TRUE(t.output_truncated);
  append_output(t, "gh", 4);
  EXPECT_EQ(t.output, "efgh");
  EXPECT_EQ(t.output_bytes, 8u);
  task u;
  append_output(u, "ab", 10);
  EXPECT_FALSE(u.output_truncated);
  // Never starts inside a UTF-8 sequence: "é" is 2 bytes.
  task v;
  append_output(v, "xx\xc3\xa9yz", 3);
  EXPECT_EQ(v.output, "yz");
  task w;
  append_output(w, "x\xc3\xa9yz", 4);
  EXPECT_EQ(w.output, "\xc3\xa9yz");
}

TEST(TasksCoreTest, OutputThatIsNotUtf8StillGivesValidJson) {
  task t;
  t.id = "t-1";
  t.runner = "claude";
  t.prompt = "p\xff";
  t.output = "ok \xff\xfe end";
  for (const std::string &json : {task_json(t), store_json(t), finished_event_json(t)}) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseValidateEncodingFlag>(json.c_str());
    ASSERT_FALSE(d.HasParseError()) << json;
  }
  rapidjson::Document d;
  d.Parse(task_json(t).c_str());
  EXPECT_STREQ(d["output"].GetString(), "ok \xef\xbf\xbd\xef\xbf\xbd end");
}

TEST(TasksCoreTest, JsonShapes) {
  EXPECT_EQ(iso8601(0), "");
  EXPECT_EQ(iso8601(1700000000123), "2023-11-14T22:13:20.123Z");
  task t;
  t.id = "t-1";
  t.prompt = std::string(300, 'p');
  t.runner = "claude";
  t.created_ms = 1700000000000;
  t.started_ms = 1700000000100;
  t.finished_ms = 1700000001100;
  t.st = state::failed;
  t.exit_code = 3;
  t.error = "runner exited with code 3";
  t.output = "out";
  rapidjson::Document d;
  d.Parse(task_json(t).c_str());
  ASSERT_TRUE(d.IsObject());
  EXPECT_STREQ(d["state"].GetString(), "failed");
  EXPECT_EQ(d["exit_code"].GetInt(), 3);
  EXPECT_EQ(d["duration_ms"].GetInt(), 1000);
  EXPECT_STREQ(d["started"].GetString(), "2023-11-14T22:13:20.100Z");
  EXPECT_STREQ(d["output"].GetString(), "out");
  EXPECT_EQ(d["prompt"].GetStringLength(), 300u);
  EXPECT_TRUE(d["cwd"].IsNull());
  d.Parse(summary_json(t).c_str());
  EXPECT_EQ(d["prompt"].GetStringLength(), 200u);
  EXPECT_FALSE(d.HasMember("output"));
  task q;
  q.id = "t-2";
  d.Parse(task_json(q).c_str());
  EXPECT_TRUE(d["started"].IsNull());
  EXPECT_TRUE(d["duration_ms"].IsNull());
  EXPECT_TRUE(d["exit_code"].IsNull());
}

TEST(TasksCoreTest, StoreRoundTripAndRecovery) {
  task t;
  t.id = new_task_id();
  EXPECT_EQ(t.id.size(), 26u);
  EXPECT_NE(t.id, new_task_id());
  t.prompt = "do \"it\"\n\xc3\xa9";
  t.cwd = "/tmp";
  t.runner = "claude";
  t.session_id = "s1";
  t.argv = {"claude", "-p", t.prompt};
  t.caller = "peer-1";
  t.reply_to = "0123456789abcdef0123456789abcdef";
  t.st = state::running;
  t.timeout_ms = 5000;
  t.created_ms = 10;
  t.started_ms = 20;
  t.output = "partial";
  t.output_bytes = 7;
  auto back = from_store_json(store_json(t));
  ASSERT_TRUE(back);
  EXPECT_EQ(store_json(*back), store_json(t));
  EXPECT_FALSE(from_store_json("{}"));
  EXPECT_FALSE(from_store_json("not json"));
  std::string bad = store_json(t);
  bad.replace(bad.find("\"running\""), 9, "\"paused\"");
  EXPECT_FALSE(from_store_json(bad));

  char tmpl[] = "/tmp/tasks-core-test-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  std::string dir = tmpl;
  std::string err;
  ASSERT_TRUE(store_write(dir, t, err)) << err;
  task done = t;
  done.id = "t-0done";
  done.st = state::done;
  done.created_ms = 5;
  ASSERT_TRUE(store_write(dir, done, err)) << err;
  std::ofstream(dir + "/t-junk.json") << "{broken";
  std::vector<std::string> skipped;
  auto all = store_load(dir, skipped);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "t-0done") << "ordered by creation";
  EXPECT_EQ(skipped, (std::vector<std::string>{"t-junk.json"}));
  EXPECT_FALSE(std::filesystem::exists(dir + "/." + t.id + ".json.tmp"));
  EXPECT_TRUE(recover(all[1], 99));
  EXPECT_EQ(all[1].st, state::failed);
  EXPECT_EQ(all[1].error, kStoppedReason);
  EXPECT_EQ(all[1].finished_ms, 99);
  EXPECT_FALSE(recover(all[0], 99));
  std::filesystem::remove_all(dir);
}

TEST(TasksCoreTest, PlanArgsAreAppendedOnlyInPlan) {
  std::string error;
  auto s = parse_settings(R"({"runners":{"aider":{"run":["aider","--message","{prompt}"],"plan_args":["--dry-run"]}}})",
                          error);
  ASSERT_TRUE(s) << error;
  auto claude = expand(*find_runner(*s, "claude"), "look", "", error, /*plan=*/true);
  ASSERT_TRUE(claude);
  EXPECT_EQ(*claude,
            (std::vector<std::string>{"claude", "-p", "look", "--output-format", "text", "--permission-mode", "plan"}));
  auto resumed = expand(*find_runner(*s, "claude"), "look", "s-1", error, true);
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->back(), "plan");
  auto oc = expand(*find_runner(*s, "opencode"), "look", "", error, true);
  ASSERT_TRUE(oc);
  EXPECT_EQ(*oc, (std::vector<std::string>{"opencode", "run", "look", "--agent", "plan"}));
  auto aider = expand(*find_runner(*s, "aider"), "look", "", error, true);
  ASSERT_TRUE(aider);
  EXPECT_EQ(*aider, (std::vector<std::string>{"aider", "--message", "look", "--dry-run"}));
  auto edit = expand(*find_runner(*s, "aider"), "look", "", error, false);
  ASSERT_TRUE(edit);
  EXPECT_EQ(*edit, (std::vector<std::string>{"aider", "--message", "look"}));
  EXPECT_FALSE(parse_settings(R"({"runners":{"x":{"run":["x"],"plan_args":"--dry-run"}}})", error));
}

TEST(TasksCoreTest, FinishedEventCarriesTheSummaryAndTheOutputTail) {
  task t;
  t.id = "t-1";
  t.runner = "claude";
  t.prompt = "p";
  t.st = state::failed;
  t.exit_code = 3;
  t.error = "runner exited with code 3";
  t.output = std::string(3000, 'a') + "\xc3\xa9END";  // the 2 KiB cut must not split the é
  t.output_bytes = t.output.size();
  rapidjson::Document d;
  d.Parse(finished_event_json(t).c_str());
  ASSERT_TRUE(d.IsObject());
  EXPECT_STREQ(d["id"].GetString(), "t-1");
  EXPECT_STREQ(d["state"].GetString(), "failed");
  EXPECT_EQ(d["exit_code"].GetInt(), 3);
  std::string tail = d["output_tail"].GetString();
  EXPECT_LE(tail.size(), 2048u);
  EXPECT_TRUE(tail.ends_with("\xc3\xa9END"));
  EXPECT_FALSE(d.HasMember("output"));
}

TEST(TasksCoreTest, DispatchArgs) {
  auto s = defaults();
  std::string err;
  auto a = parse_dispatch(R"({"prompt":"hi"})", s, err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->timeout_ms, 3600000);
  a = parse_dispatch(R"({"prompt":"hi","cwd":"/w","timeout_ms":5,"runner":"opencode","session_id":"x"})", s, err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->runner, "opencode");
  EXPECT_FALSE(parse_dispatch(R"({"prompt":""})", s, err));
  EXPECT_FALSE(parse_dispatch(R"({"prompt":"x","cwd":"rel"})", s, err));
  EXPECT_FALSE(parse_dispatch(R"({"prompt":"x","session_id":"-x"})", s, err));
  EXPECT_FALSE(parse_dispatch(R"({"prompt":"x","timeout_ms":0})", s, err));
}

}  // namespace
}  // namespace ra_tasks
