// Unit tests of the sessions plugin's pure part: the parsers on fixture strings (including corrupt
// lines and files), titles, the live-id detection, and list/get/resume over an in-memory file tree.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>

#include "sessions_tool.hpp"

using namespace ra_sessions;

namespace {

// An in-memory tree: files by absolute path; directories are implied by the paths.
class mem_fs final : public fs_reader {
 public:
  void add(const std::string &path, std::string content, int64_t mtime_ms = 1000) {
    files_[path] = {std::move(content), mtime_ms};
  }
  std::optional<std::vector<dir_entry>> list(const std::string &dir) override {
    std::string prefix = dir + "/";
    std::map<std::string, dir_entry> seen;
    for (const auto &[p, f] : files_) {
      if (p.rfind(prefix, 0) != 0) continue;
      std::string rest = p.substr(prefix.size());
      auto slash = rest.find('/');
      dir_entry e;
      e.name = rest.substr(0, slash);
      e.is_dir = slash != std::string::npos;
      e.is_file = !e.is_dir;
      e.mtime_ms = f.second;
      auto &s = seen[e.name];
      if (s.name.empty() || e.mtime_ms > s.mtime_ms) s = e;
    }
    if (seen.empty()) return std::nullopt;
    std::vector<dir_entry> out;
    for (auto &[n, e] : seen) out.push_back(e);
    return out;
  }
  std::optional<std::string> read(const std::string &path, uint64_t max, bool *truncated) override {
    auto it = files_.find(path);
    if (it == files_.end()) return std::nullopt;
    if (truncated) *truncated = it->second.first.size() > max;
    return it->second.first.substr(0, max);
  }

 private:
  std::map<std::string, std::pair<std::string, int64_t>> files_;
};

rapidjson::Document json(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  EXPECT_FALSE(d.HasParseError()) << s;
  return d;
}

const char *claude_fixture =
    R"({"type":"summary","summary":"x"})"
    "\n"
    R"({"type":"user","cwd":"/home/me/proj","timestamp":"2026-01-02T03:04:05.000Z","message":{"role":"user","content":"  Fix the build please  "}})"
    "\n"
    "this line is not json\n"
    R"({"type":"assistant","timestamp":"2026-01-02T03:04:06.000Z","message":{"role":"assistant","content":[{"type":"text","text":"Sure."},{"type":"tool_use","name":"x"},{"type":"text","text":"Done."}]}})"
    "\n"
    R"({"type":"user","message":{"role":"user","content":[{"type":"tool_result","content":"ok"}]}})"
    "\n"
    R"({"type":"system","content":"compacted"})"
    "\n"
    R"({"type":"user","message":{"content":"second question"}})";

}  // namespace

TEST(Claude, ParsesMessagesSkipsCorruptAndBlank) {
  auto p = parse_claude_jsonl(claude_fixture);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->skipped_lines, 1u);
  ASSERT_EQ(p->messages.size(), 4u);
  EXPECT_EQ(p->messages[0].role, "user");
  EXPECT_EQ(p->messages[0].time, "2026-01-02T03:04:05.000Z");
  EXPECT_EQ(p->messages[1].text, "Sure.\nDone.");
  EXPECT_EQ(p->messages[2].role, "system");
  EXPECT_EQ(p->messages[2].text, "compacted");
  EXPECT_EQ(p->cwd, "/home/me/proj");
  EXPECT_TRUE(p->title.empty());
}

TEST(Claude, AiTitleWins) {
  auto p = parse_claude_jsonl(R"({"type":"ai-title","aiTitle":" Build fix "})"
                              "\n"
                              R"({"type":"user","message":{"content":"hello"}})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->title, "Build fix");
}

TEST(Claude, AllCorruptIsNotAHistory) {
  EXPECT_FALSE(parse_claude_jsonl("garbage\n{not json\n"));
  EXPECT_FALSE(parse_claude_jsonl(""));
}

TEST(Cline, UiMessagesMapping) {
  auto p = parse_cline_ui_messages(R"([
    {"ts":1700000000000,"type":"say","say":"task","text":"Write a parser"},
    {"ts":1700000001000,"type":"say","say":"api_req_started","text":"{}"},
    {"ts":1700000002000,"type":"say","say":"text","text":"  Working on it  "},
    {"ts":1700000003000,"type":"ask","ask":"followup","text":"{\"question\":\"Which format?\",\"options\":[]}"},
    {"ts":1700000004000,"type":"say","say":"user_feedback","text":"JSON"},
    {"ts":1700000005000,"type":"ask","ask":"command","text":"ls"},
    {"ts":1700000006000,"type":"say","say":"completion_result","text":"{\"result\":\"All done\"}"},
    42])");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->title, "Write a parser");
  ASSERT_EQ(p->messages.size(), 5u);
  EXPECT_EQ(p->messages[1].text, "Working on it");
  EXPECT_EQ(p->messages[1].role, "assistant");
  EXPECT_EQ(p->messages[2].text, "Which format?");
  EXPECT_EQ(p->messages[3].role, "user");
  EXPECT_EQ(p->messages[4].text, "All done");
  EXPECT_EQ(p->messages[0].time, "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(p->skipped_lines, 1u);
  EXPECT_FALSE(parse_cline_ui_messages("{\"not\":\"an array\"}"));
  EXPECT_FALSE(parse_cline_ui_messages("[{\"ts\":1,"));
}

TEST(Cline, ApiHistory) {
  auto p = parse_cline_api_history(
      R"([{"role":"user","content":[{"type":"text","text":"<task>hi</task>"}]},{"role":"assistant","content":"yo"},{"x":1}])");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->messages.size(), 2u);
  EXPECT_EQ(p->messages[1].text, "yo");
  EXPECT_EQ(p->skipped_lines, 1u);
}

TEST(Opencode, Files) {
  auto s = parse_opencode_session(
      R"({"id":"ses_1","projectID":"p","directory":"/w","title":"T","time":{"created":5,"updated":9}})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->updated_ms, 9);
  EXPECT_EQ(s->directory, "/w");
  EXPECT_FALSE(parse_opencode_session("{\"title\":\"no id\"}"));
  EXPECT_FALSE(parse_opencode_session("nope"));
  auto m = parse_opencode_message(R"({"id":"msg_1","sessionID":"ses_1","role":"user","time":{"created":7}})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->created_ms, 7);
  EXPECT_FALSE(parse_opencode_message(R"({"id":"msg_1","role":"robot"})"));
  EXPECT_EQ(parse_opencode_part(R"({"type":"text","text":"hi"})").value(), "hi");
  EXPECT_EQ(parse_opencode_part(R"({"type":"tool","tool":"bash"})").value(), "");
  EXPECT_FALSE(parse_opencode_part("{"));
}

TEST(Text, TitleAndCut) {
  EXPECT_EQ(make_title("  abc  "), "abc");
  std::string long_text(100, 'x');
  EXPECT_EQ(make_title(long_text), std::string(80, 'x') + "\xE2\x80\xA6");
  std::string cyr;
  for (int i = 0; i < 100; ++i) cyr += "\xD0\xB6";  // ж
  std::string t = make_title(cyr);
  EXPECT_EQ(t.size(), 160u + 3u);
  bool cut = false;
  EXPECT_EQ(utf8_cut("\xD0\xB6\xD0\xB6", 3, &cut), "\xD0\xB6");
  EXPECT_TRUE(cut);
  EXPECT_EQ(decode_claude_dir("-home-me-proj"), "/home/me/proj");
  EXPECT_EQ(iso8601_ms(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_TRUE(valid_id("0b8e-12_ab.c"));
  EXPECT_FALSE(valid_id("../x"));
  EXPECT_FALSE(valid_id("a/b"));
  EXPECT_FALSE(valid_id("-rf"));
}

TEST(Live, ActiveIds) {
  auto ids = active_ids({{"/usr/bin/node", "/usr/bin/claude", "--resume", "abc"},
                         {"opencode", "run", "-s", "ses_x"},
                         {"bash", "-c", "echo ses_ignored --resume no"},
                         {"opencode", "tui ses_y"}});
  EXPECT_EQ(ids, (std::vector<std::string>{"abc", "ses_x", "ses_y"}));
}

TEST(Settings, Parse) {
  std::string err;
  auto s = parse_settings(R"({"timeout_ms":5,"claude":"/opt/claude"})", err);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->timeout_ms, 5);
  EXPECT_EQ(s->claude, "/opt/claude");
  EXPECT_FALSE(parse_settings(R"({"bogus":1})", err));
  EXPECT_FALSE(parse_settings(R"({"claude":"bin/claude"})", err));
  EXPECT_EQ(parse_settings("{}", err)->timeout_ms, 600000);
}

class Tree : public ::testing::Test {
 protected:
  void SetUp() override {
    loc = default_locations("/h", "", "");
    fs.add("/h/.claude/projects/-w-proj/c1.jsonl", claude_fixture, 5000);
    fs.add("/h/.claude/projects/-w-proj/bad.jsonl", "nope\n", 6000);
    fs.add("/h/.claude/projects/-w-other/c2.jsonl", R"({"type":"user","message":{"content":"other project"}})", 3000);
    fs.add("/h/.local/share/opencode/storage/session/p1/ses_a.json",
           R"({"id":"ses_a","directory":"/w/oc","title":"Opencode work","time":{"created":1,"updated":7000}})");
    fs.add("/h/.local/share/opencode/storage/session/p1/ses_bad.json", "{corrupt");
    fs.add("/h/.local/share/opencode/storage/message/ses_a/msg_1.json",
           R"({"id":"msg_1","role":"user","time":{"created":10}})");
    fs.add("/h/.local/share/opencode/storage/message/ses_a/msg_2.json",
           R"({"id":"msg_2","role":"assistant","time":{"created":20}})");
    fs.add("/h/.local/share/opencode/storage/part/msg_1/prt_1.json", R"({"type":"text","text":"hello oc"})");
    fs.add("/h/.local/share/opencode/storage/part/msg_2/prt_1.json", R"({"type":"step-start"})");
    fs.add("/h/.local/share/opencode/storage/part/msg_2/prt_2.json", R"({"type":"text","text":"hi back"})");
    fs.add("/h/.config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks/t1/ui_messages.json",
           R"([{"ts":1,"type":"say","say":"task","text":"cline task"}])", 4000);
    fs.add("/h/.config/Cursor/User/globalStorage/rooveterinaryinc.roo-cline/tasks/t2/ui_messages.json", "[[[", 2000);
  }
  mem_fs fs;
  locations loc;
};

TEST_F(Tree, ListAll) {
  auto o = list_sessions(fs, loc, "{}", {"c1"});
  ASSERT_EQ(o.status, RA_OK) << o.message;
  auto d = json(o.json);
  const auto &s = d["sessions"];
  ASSERT_EQ(s.Size(), 4u);
  EXPECT_STREQ(s[0]["id"].GetString(), "ses_a");
  EXPECT_STREQ(s[1]["id"].GetString(), "c1");
  EXPECT_TRUE(s[1]["live"].GetBool());
  EXPECT_STREQ(s[1]["title"].GetString(), "Fix the build please");
  EXPECT_STREQ(s[1]["cwd"].GetString(), "/home/me/proj");
  EXPECT_EQ(s[1]["messages"].GetUint(), 4u);
  EXPECT_STREQ(s[2]["provider"].GetString(), "cline");
  EXPECT_TRUE(s[2]["read_only"].GetBool());
  EXPECT_STREQ(s[3]["cwd"].GetString(), "/w/other");
  EXPECT_EQ(s[0]["messages"].GetUint(), 2u);
  EXPECT_EQ(d["skipped"].GetUint(), 3u);  // bad.jsonl, ses_bad, roo t2
}

TEST_F(Tree, FilterAndLimit) {
  auto d = json(list_sessions(fs, loc, R"({"provider":"claude","query":"OTHER"})", {}).json);
  ASSERT_EQ(d["sessions"].Size(), 1u);
  EXPECT_STREQ(d["sessions"][0]["id"].GetString(), "c2");
  d = json(list_sessions(fs, loc, R"({"limit":1})", {}).json);
  EXPECT_EQ(d["sessions"].Size(), 1u);
  EXPECT_TRUE(d["truncated"].GetBool());
  EXPECT_EQ(list_sessions(fs, loc, R"({"provider":"nope"})", {}).status, RA_INVALID_ARGUMENT);
}

TEST_F(Tree, GetPaged) {
  auto o = get_session(fs, loc, R"({"provider":"claude","id":"c1","limit":2,"offset":1})");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  auto d = json(o.json);
  EXPECT_EQ(d["total"].GetUint(), 4u);
  EXPECT_EQ(d["count"].GetUint(), 2u);
  EXPECT_EQ(d["next_offset"].GetUint(), 3u);
  EXPECT_STREQ(d["messages"][0]["role"].GetString(), "assistant");
  o = get_session(fs, loc, R"({"provider":"opencode","id":"ses_a"})");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  d = json(o.json);
  ASSERT_EQ(d["messages"].Size(), 2u);
  EXPECT_STREQ(d["messages"][1]["text"].GetString(), "hi back");
  EXPECT_TRUE(d["next_offset"].IsNull());
  o = get_session(fs, loc, R"({"provider":"cline","id":"t1"})");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  EXPECT_EQ(get_session(fs, loc, R"({"provider":"claude","id":"zz"})").status, RA_NOT_FOUND);
  EXPECT_EQ(get_session(fs, loc, R"({"provider":"cline","id":"../t1"})").status, RA_INVALID_ARGUMENT);
}

// opencode before 0.4: storage/session/{info,message,part}; a session in both layouts is listed
// once (the current copy); the oldest message files carry their parts inline.
TEST_F(Tree, OpencodeLegacyLayout) {
  const std::string st = "/h/.local/share/opencode/storage/session/";
  fs.add(st + "info/ses_old.json", R"({"id":"ses_old","title":"Legacy work","time":{"created":1,"updated":8000}})");
  fs.add(st + "message/ses_old/msg_a.json", R"({"id":"msg_a","role":"user","time":{"created":5}})");
  fs.add(st + "part/ses_old/msg_a/prt_1.json", R"({"type":"text","text":"legacy question"})");
  fs.add(st + "message/ses_old/msg_b.json",
         R"({"id":"msg_b","role":"assistant","metadata":{"time":{"created":9}},)"
         R"("parts":[{"type":"step-start"},{"type":"text","text":"inline answer"}]})");
  fs.add(st + "info/ses_a.json", R"({"id":"ses_a","title":"Stale legacy copy","time":{"updated":9000}})");
  fs.add(st + "info/broken.json", "{nope");
  auto d = json(list_sessions(fs, loc, R"({"provider":"opencode"})", {}).json);
  const auto &s = d["sessions"];
  ASSERT_EQ(s.Size(), 2u);
  EXPECT_STREQ(s[0]["id"].GetString(), "ses_old");
  EXPECT_STREQ(s[0]["title"].GetString(), "Legacy work");
  EXPECT_EQ(s[0]["messages"].GetUint(), 2u);
  EXPECT_TRUE(s[0]["cwd"].IsNull());
  EXPECT_STREQ(s[1]["id"].GetString(), "ses_a");
  EXPECT_STREQ(s[1]["title"].GetString(), "Opencode work");  // the current layout's copy wins
  EXPECT_EQ(d["skipped"].GetUint(), 2u);                     // ses_bad, broken

  auto o = get_session(fs, loc, R"({"provider":"opencode","id":"ses_old"})");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  auto g = json(o.json);
  ASSERT_EQ(g["messages"].Size(), 2u);
  EXPECT_STREQ(g["messages"][0]["text"].GetString(), "legacy question");
  EXPECT_STREQ(g["messages"][1]["role"].GetString(), "assistant");
  EXPECT_STREQ(g["messages"][1]["text"].GetString(), "inline answer");
  EXPECT_STREQ(g["messages"][1]["time"].GetString(), "1970-01-01T00:00:00.009Z");
  o = get_session(fs, loc, R"({"provider":"opencode","id":"ses_a"})");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  EXPECT_STREQ(json(o.json)["title"].GetString(), "Opencode work");
  outcome err;
  settings set;
  auto p = plan_resume(fs, loc, set, R"({"provider":"opencode","id":"ses_old","prompt":"go on"})", err);
  ASSERT_TRUE(p) << err.message;
}

TEST_F(Tree, Resume) {
  settings s;
  outcome err;
  auto p = plan_resume(fs, loc, s, R"({"provider":"claude","id":"c1","prompt":"go on"})", err);
  ASSERT_TRUE(p) << err.message;
  EXPECT_EQ(p->argv, (std::vector<std::string>{"claude", "-p", "go on", "--resume", "c1"}));
  EXPECT_EQ(p->cwd, "/home/me/proj");
  p = plan_resume(fs, loc, s, R"({"provider":"opencode","id":"ses_a","prompt":"more"})", err);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->argv, (std::vector<std::string>{"opencode", "run", "--session", "ses_a", "more"}));
  EXPECT_FALSE(plan_resume(fs, loc, s, R"({"provider":"cline","id":"t1","prompt":"x"})", err));
  EXPECT_EQ(err.status, RA_FAILED_PRECONDITION);
  EXPECT_NE(err.message.find("view-only"), std::string::npos);
  EXPECT_FALSE(plan_resume(fs, loc, s, R"({"provider":"claude","id":"c1","prompt":"--dangerously"})", err));
  EXPECT_EQ(err.status, RA_INVALID_ARGUMENT);
  EXPECT_FALSE(plan_resume(fs, loc, s, R"({"provider":"claude","id":"nope","prompt":"x"})", err));
  EXPECT_EQ(err.status, RA_NOT_FOUND);
  run_result r;
  r.out = "answer";
  auto o = resume_outcome(*plan_resume(fs, loc, s, R"({"provider":"claude","id":"c1","prompt":"go"})", err), r);
  EXPECT_EQ(o.status, RA_OK);
  r.exit_code = 2;
  r.err = "boom";
  o = resume_outcome(*plan_resume(fs, loc, s, R"({"provider":"claude","id":"c1","prompt":"go"})", err), r);
  EXPECT_EQ(o.status, RA_ABORTED);
  EXPECT_NE(o.message.find("boom"), std::string::npos);
}

TEST(Zed, ThreadJson) {
  std::string err;
  auto p = parse_zed_thread(
      R"({"title":"T","messages":[{"User":{"id":"u","content":[{"Text":"hi"},{"Mention":{}},{"Text":"there"}]}},
          {"Agent":{"content":[{"Thinking":{"text":"hmm"}},{"Text":"answer"}]}},{"Resume":null},
          {"User":{"content":[{"Image":{}}]}}]})",
      err);
  ASSERT_TRUE(p) << err;
  ASSERT_EQ(p->messages.size(), 2u);
  EXPECT_EQ(p->messages[0].text, "hi\nthere");
  EXPECT_EQ(p->messages[1].role, "assistant");
  EXPECT_FALSE(parse_zed_thread(std::string("\x28\xB5\x2F\xFD\x00\x01", 6), err));
  EXPECT_NE(err.find("zstd"), std::string::npos);
  EXPECT_FALSE(parse_zed_thread("{broken", err));
  EXPECT_EQ(rfc3339_ms("2023-11-14T22:13:20.123Z"), 1700000000123);
  EXPECT_EQ(rfc3339_ms("2023-11-14T23:13:20.5+01:00"), 1700000000500);
  EXPECT_EQ(rfc3339_ms("yesterday"), 0);
}

#ifdef RA_SESSIONS_SQLITE
#include <sqlite3.h>

#include "wal_fixture.hpp"
#include "zstd_frame.hpp"
#ifdef RA_SESSIONS_ZSTD
#include <zstd.h>
#endif

namespace {
const std::string packed_thread =
    R"({"messages":[{"User":{"content":[{"Text":"packed q"}]}},{"Agent":{"content":[{"Text":"packed a"}]}}]})";

// What zed writes for data_type 'zstd' (a plain frame); without libzstd just the magic + junk.
std::string zstd_blob(const std::string &plain) {
#ifdef RA_SESSIONS_ZSTD
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
#else
  (void)plain;
  return std::string("\x28\xB5\x2F\xFD\x00\x01", 6);
#endif
}

const char *zed_schema =
    "CREATE TABLE threads (id TEXT PRIMARY KEY, summary TEXT NOT NULL, updated_at TEXT NOT NULL, "
    "data_type TEXT NOT NULL, data BLOB NOT NULL)";

std::string hex(const std::string &b) {
  std::string h;
  char buf[3];
  for (unsigned char c : b) {
    snprintf(buf, sizeof buf, "%02X", c);
    h += buf;
  }
  return h;
}

std::string make_zed_db() {
  sqlite3 *db = nullptr;
  sqlite3_open(":memory:", &db);
  std::string sql =
      std::string(zed_schema) +
      ";INSERT INTO threads VALUES ('z-old','Old thread','2024-01-01T00:00:00Z','json',"
      "'{\"messages\":[{\"User\":{\"content\":[{\"Text\":\"old q\"}]}}]}');"
      "INSERT INTO threads VALUES ('z-new','New thread','2025-06-01T12:00:00.5Z','json',"
      "'{\"messages\":[{\"User\":{\"content\":[{\"Text\":\"q\"}]}},{\"Agent\":{\"content\":[{\"Text\":\"a\"}]}}]}');"
      "INSERT INTO threads VALUES ('z-zstd','Packed','2024-06-01T00:00:00Z','zstd', X'" +
      hex(zstd_blob(packed_thread)) +
      "');"
      "INSERT INTO threads VALUES ('z-corrupt','Broken','2024-05-01T00:00:00Z','zstd', X'28B52FFD0001');";
  sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_int64 n = 0;
  unsigned char *bytes = sqlite3_serialize(db, "main", &n, 0);
  std::string out(reinterpret_cast<char *>(bytes), static_cast<size_t>(n));
  sqlite3_free(bytes);
  sqlite3_close(db);
  return out;
}
}  // namespace

TEST(Zed, Database) {
  std::string err;
  auto rows = zed_rows(make_zed_db(), "", 200, err);
  ASSERT_TRUE(rows) << err;
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].id, "z-new");
  rows = zed_rows(make_zed_db(), "z-old", 1, err);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].summary, "Old thread");
  EXPECT_FALSE(zed_rows("SQLite format 3 but not really", "", 10, err));
  EXPECT_FALSE(zed_rows(std::string(200, 'x'), "", 10, err));

  mem_fs fs;
  locations loc = default_locations("/h", "", "");
  fs.add("/h/.local/share/zed/threads/threads.db", make_zed_db());
  auto d = json(list_sessions(fs, loc, R"({"provider":"zed"})", {}).json);
  // With libzstd z-corrupt (a broken frame) is skipped, never fatal; without it every frame is
  // listed undecoded, corrupt or not.
  ASSERT_EQ(d["sessions"].Size(), zstd_supported() ? 3u : 4u);
  EXPECT_EQ(d["skipped"].GetUint(), zstd_supported() ? 1u : 0u);
  EXPECT_STREQ(d["sessions"][0]["id"].GetString(), "z-new");
  EXPECT_EQ(d["sessions"][0]["messages"].GetUint(), 2u);
  EXPECT_STREQ(d["sessions"][0]["updated"].GetString(), "2025-06-01T12:00:00.500Z");
  EXPECT_TRUE(d["sessions"][0]["read_only"].GetBool());
  EXPECT_STREQ(d["sessions"][1]["id"].GetString(), "z-zstd");
  auto o = get_session(fs, loc, R"({"provider":"zed","id":"z-new"})");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  EXPECT_EQ(json(o.json)["messages"][1]["text"], "a");
  o = get_session(fs, loc, R"({"provider":"zed","id":"z-zstd"})");
  if (zstd_supported()) {
    EXPECT_EQ(d["sessions"][1]["messages"].GetUint(), 2u);
    EXPECT_NE(std::string(d["providers"][0]["reason"].GetString()).find("z-corrupt"), std::string::npos);
    ASSERT_EQ(o.status, RA_OK) << o.message;
    EXPECT_EQ(json(o.json)["messages"][0]["text"], "packed q");
    EXPECT_EQ(json(o.json)["messages"][1]["text"], "packed a");
  } else {
    EXPECT_TRUE(d["sessions"][1]["messages"].IsNull());  // listed, not decodable
    EXPECT_STREQ(d["providers"][0]["reason"].GetString(), "zstd threads not readable: built without libzstd");
    EXPECT_EQ(o.status, RA_UNIMPLEMENTED);
    EXPECT_NE(o.message.find("built without libzstd"), std::string::npos) << o.message;
  }
  o = get_session(fs, loc, R"({"provider":"zed","id":"z-corrupt"})");
  EXPECT_NE(o.status, RA_OK);
  EXPECT_NE(o.message.find("zstd"), std::string::npos) << o.message;
  EXPECT_EQ(get_session(fs, loc, R"({"provider":"zed","id":"nope"})").status, RA_NOT_FOUND);
}

// zed in WAL mode: the newest thread is only in threads.db-wal (read through the fs_reader too).
TEST(Zed, ThreadsOnlyInTheWal) {
  auto f = wal_fixture::make(
      std::string(zed_schema) +
          ";INSERT INTO threads VALUES ('z-main','In the main file','2024-01-01T00:00:00Z','json',"
          "'{\"messages\":[{\"User\":{\"content\":[{\"Text\":\"main q\"}]}}]}')",
      {"INSERT INTO threads VALUES ('z-wal','Only in the log','2025-01-01T00:00:00Z','json',"
       "'{\"messages\":[{\"User\":{\"content\":[{\"Text\":\"wal q\"}]}},{\"Agent\":{\"content\":[{\"Text\":\"wal "
       "a\"}]}}]}')"});
  ASSERT_FALSE(f.wal.empty());
  mem_fs fs;
  locations loc = default_locations("/h", "", "");
  fs.add("/h/.local/share/zed/threads/threads.db", f.db);
  fs.add("/h/.local/share/zed/threads/threads.db-wal", f.wal);
  auto d = json(list_sessions(fs, loc, R"({"provider":"zed"})", {}).json);
  ASSERT_EQ(d["sessions"].Size(), 2u);
  EXPECT_STREQ(d["sessions"][0]["id"].GetString(), "z-wal");
  EXPECT_EQ(d["sessions"][0]["messages"].GetUint(), 2u);
  EXPECT_FALSE(d["providers"][0].HasMember("reason"));
  auto o = get_session(fs, loc, R"({"provider":"zed","id":"z-wal"})");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  EXPECT_EQ(json(o.json)["messages"][1]["text"], "wal a");

  // A garbage log is ignored with a reason; the main file's threads are still listed.
  fs.add("/h/.local/share/zed/threads/threads.db-wal", "garbage, not a log");
  d = json(list_sessions(fs, loc, R"({"provider":"zed"})", {}).json);
  ASSERT_EQ(d["sessions"].Size(), 1u);
  EXPECT_STREQ(d["sessions"][0]["id"].GetString(), "z-main");
  EXPECT_NE(std::string(d["providers"][0]["reason"].GetString()).find("-wal ignored"), std::string::npos);
  EXPECT_EQ(get_session(fs, loc, R"({"provider":"zed","id":"z-wal"})").status, RA_NOT_FOUND);
}
#endif

TEST(Live, FindProcessToTerminate) {
  std::vector<process> ps{{900, {"vim", "abc"}},
                          {700, {"/usr/bin/claude", "--resume", "abcd"}},
                          {800, {"node", "/opt/claude/cli.js", "--resume", "abc"}},
                          {850, {"opencode", "run", "-s abc"}},
                          {1, {"claude", "abc"}},
                          {42, {"claude", "abc"}}};
  auto p = find_live_process(ps, "abc", 42);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->pid, 800);
  EXPECT_FALSE(find_live_process(ps, "zzz", 42));
  EXPECT_FALSE(find_live_process({{5, {"vim", "abc"}}}, "abc", 42));
}
