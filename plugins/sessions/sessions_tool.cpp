#include "sessions_tool.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <set>

#ifdef RA_SESSIONS_SQLITE
#include <sqlite3.h>
#endif

#include "json_put.hpp"
#include "sqlite_wal.hpp"
#include "utf8.hpp"
#include "zstd_frame.hpp"

namespace ra_sessions {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;
constexpr uint64_t max_history_bytes = 64ull << 20;  // one history file
constexpr size_t per_provider_cap = 200;             // §14

void put(writer &w, const char *key, std::string_view v) { ra::plugin_text::put_text(w, key, v); }
void put_u(writer &w, const char *key, uint64_t v) {
  w.Key(key);
  w.Uint64(v);
}
void put_b(writer &w, const char *key, bool v) {
  w.Key(key);
  w.Bool(v);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string o(s);
  for (auto &c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

bool ends_with(std::string_view s, std::string_view suf) {
  return s.size() >= suf.size() && s.substr(s.size() - suf.size()) == suf;
}

std::string join(const std::string &a, std::string_view b) {
  if (a.empty()) return std::string(b);
  return a.back() == '/' ? a + std::string(b) : a + "/" + std::string(b);
}

const rapidjson::Value *member(const rapidjson::Value &v, const char *k) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(k);
  return it == v.MemberEnd() ? nullptr : &it->value;
}
std::string str_of(const rapidjson::Value &v, const char *k) {
  auto *m = member(v, k);
  return m && m->IsString() ? std::string(m->GetString(), m->GetStringLength()) : std::string();
}
int64_t i64_of(const rapidjson::Value &v, const char *k) {
  auto *m = member(v, k);
  if (!m) return 0;
  if (m->IsInt64()) return m->GetInt64();
  if (m->IsUint64()) return static_cast<int64_t>(m->GetUint64());
  if (m->IsDouble()) return static_cast<int64_t>(m->GetDouble());
  return 0;
}

// message.content: a string, or parts where type:"text" parts are joined by "\n".
std::string content_text(const rapidjson::Value &c) {
  if (c.IsString()) return std::string(c.GetString(), c.GetStringLength());
  std::string out;
  if (!c.IsArray()) return out;
  bool first = true;
  for (const auto &p : c.GetArray()) {
    if (str_of(p, "type") != "text") continue;
    auto *t = member(p, "text");
    if (!t || !t->IsString()) continue;
    if (!first) out += "\n";
    out.append(t->GetString(), t->GetStringLength());
    first = false;
  }
  return out;
}

struct args {
  rapidjson::Document doc;
  bool parse(std::string_view json) {
    doc.Parse(json.data(), json.size());
    return !doc.HasParseError() && doc.IsObject();
  }
  bool has(const char *k) const { return doc.HasMember(k) && !doc[k].IsNull(); }
  std::string str(const char *k) const {
    return has(k) && doc[k].IsString() ? std::string(doc[k].GetString(), doc[k].GetStringLength()) : std::string();
  }
  uint64_t u64(const char *k, uint64_t def) const { return has(k) && doc[k].IsUint64() ? doc[k].GetUint64() : def; }
};

outcome bad_args() { return outcome::fail(RA_INVALID_ARGUMENT, "arguments must be a JSON object"); }

struct provider_stats {
  uint64_t found = 0, skipped = 0;
  bool readable = true;
  std::string reason;
};

// ---- per-provider discovery ----------------------------------------------------------------------
struct candidate {
  std::string path, id, dir;
  int64_t mtime_ms = 0;
  bool legacy = false;  // opencode: the pre-0.4 storage layout
};

void newest_first(std::vector<candidate> &c) {
  std::stable_sort(c.begin(), c.end(), [](const candidate &a, const candidate &b) { return a.mtime_ms > b.mtime_ms; });
  if (c.size() > per_provider_cap) c.resize(per_provider_cap);
}

std::string first_user_title(const parsed &p) {
  for (const auto &m : p.messages)
    if (m.role == "user") return make_title(m.text);
  return {};
}

session_info claude_info(const candidate &c, const parsed &p) {
  session_info s;
  s.provider = "claude";
  s.id = c.id;
  s.path = c.path;
  s.title = !p.title.empty() ? make_title(p.title) : first_user_title(p);
  if (s.title.empty()) s.title = c.id;
  s.cwd = !p.cwd.empty() ? p.cwd : decode_claude_dir(c.dir);
  s.updated_ms = c.mtime_ms;
  s.messages = p.messages.size();
  return s;
}

void scan_claude(fs_reader &fs, const locations &loc, std::vector<session_info> &out, provider_stats &st) {
  auto projects = fs.list(loc.claude_projects);
  if (!projects) return;
  std::vector<candidate> cands;
  for (const auto &d : *projects) {
    if (!d.is_dir) continue;
    std::string dir = join(loc.claude_projects, d.name);
    auto files = fs.list(dir);
    if (!files) continue;
    for (const auto &f : *files)
      if (f.is_file && ends_with(f.name, ".jsonl") && f.name.size() > 6)
        cands.push_back({join(dir, f.name), f.name.substr(0, f.name.size() - 6), d.name, f.mtime_ms});
  }
  newest_first(cands);
  for (const auto &c : cands) {
    if (fs.cancelled()) return;
    bool cut = false;
    auto text = fs.read(c.path, max_history_bytes, &cut);
    auto p = text ? parse_claude_jsonl(*text) : std::nullopt;
    if (!p) {
      ++st.skipped;
      continue;
    }
    out.push_back(claude_info(c, *p));
    ++st.found;
  }
}

std::string opencode_dir(const locations &loc, const char *sub) { return join(loc.opencode_storage, sub); }

// opencode before 0.4 kept everything under storage/session/: info/<id>.json, message/<id>/<msg>.json
// and part/<id>/<msg>/<part>.json. Since 0.4: session/<project>/<id>.json, message/<id>/<msg>.json
// and part/<msg>/<part>.json. These names are never project ids (hashes or "global").
bool legacy_opencode_dir(std::string_view name) { return name == "info" || name == "message" || name == "part"; }

std::string opencode_message_dir(const locations &loc, const session_info &s) {
  return join(opencode_dir(loc, s.legacy_layout ? "session/message" : "message"), s.id);
}
std::string opencode_part_dir(const locations &loc, const session_info &s, const std::string &msg_id) {
  return s.legacy_layout ? join(join(opencode_dir(loc, "session/part"), s.id), msg_id)
                         : join(opencode_dir(loc, "part"), msg_id);
}

// The session files of both layouts, current first (so a session in both is taken from it).
std::vector<candidate> opencode_candidates(fs_reader &fs, const locations &loc) {
  std::vector<candidate> cands;
  std::string sessions = opencode_dir(loc, "session");
  auto add_files = [&](const std::string &dir, const std::string &project, bool legacy) {
    auto files = fs.list(dir);
    if (!files) return;
    for (const auto &f : *files)
      if (f.is_file && ends_with(f.name, ".json"))
        cands.push_back({join(dir, f.name), f.name.substr(0, f.name.size() - 5), project, f.mtime_ms, legacy});
  };
  auto projects = fs.list(sessions);
  if (!projects) return cands;
  for (const auto &d : *projects)
    if (d.is_dir && !legacy_opencode_dir(d.name)) add_files(join(sessions, d.name), d.name, false);
  add_files(join(sessions, "info"), "", true);
  return cands;
}

// A session file → its listing entry (nullopt: corrupt). The message count is the number of
// message files.
std::optional<session_info> opencode_info(fs_reader &fs, const locations &loc, const candidate &c) {
  auto text = fs.read(c.path, 1u << 20, nullptr);
  auto s = text ? parse_opencode_session(*text) : std::nullopt;
  if (!s || s->id.empty()) return std::nullopt;
  session_info i;
  i.provider = "opencode";
  i.id = s->id;
  i.path = c.path;
  i.legacy_layout = c.legacy;
  i.title = s->title.empty() ? s->id : make_title(s->title);
  i.cwd = s->directory;
  i.updated_ms = s->updated_ms ? s->updated_ms : c.mtime_ms;
  if (auto msgs = fs.list(opencode_message_dir(loc, i))) {
    for (const auto &m : *msgs)
      if (m.is_file && ends_with(m.name, ".json")) ++i.messages;
  }
  return i;
}

void scan_opencode(fs_reader &fs, const locations &loc, std::vector<session_info> &out, provider_stats &st) {
  std::vector<session_info> found;
  std::set<std::string> seen;
  for (const auto &c : opencode_candidates(fs, loc)) {
    if (fs.cancelled()) return;
    auto i = opencode_info(fs, loc, c);
    if (!i) {
      ++st.skipped;
      continue;
    }
    if (!seen.insert(i->id).second) continue;  // migrated: listed once, from the current layout
    found.push_back(std::move(*i));
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const session_info &a, const session_info &b) { return a.updated_ms > b.updated_ms; });
  if (found.size() > per_provider_cap) found.resize(per_provider_cap);
  st.found += found.size();
  for (auto &f : found) out.push_back(std::move(f));
}

// cline/roo/kilo: parse a task dir (ui_messages.json, else api_conversation_history.json).
std::optional<parsed> read_task(fs_reader &fs, const std::string &task_dir) {
  auto ui = fs.read(join(task_dir, "ui_messages.json"), max_history_bytes, nullptr);
  if (ui) {
    if (auto p = parse_cline_ui_messages(*ui)) return p;
  }
  auto api = fs.read(join(task_dir, "api_conversation_history.json"), max_history_bytes, nullptr);
  if (api) {
    if (auto p = parse_cline_api_history(*api)) {
      if (p->title.empty()) p->title = first_user_title(*p);
      return p;
    }
  }
  return std::nullopt;
}

void scan_vscode(fs_reader &fs, const locations &loc, const std::string &provider, std::vector<session_info> &out,
                 provider_stats &st) {
  const char *ext = extension_id(provider);
  std::vector<candidate> cands;
  std::set<std::string> seen;
  for (const auto &root : loc.vscode_storages) {
    std::string tasks = join(join(root, ext), "tasks");
    auto dirs = fs.list(tasks);
    if (!dirs) continue;
    for (const auto &d : *dirs) {
      if (!d.is_dir) continue;
      std::string td = join(tasks, d.name);
      auto files = fs.list(td);
      if (!files) continue;
      int64_t mtime = -1;
      for (const auto &f : *files)
        if (f.is_file && (f.name == "ui_messages.json" || (f.name == "api_conversation_history.json" && mtime < 0)))
          mtime = std::max(mtime, f.mtime_ms);
      if (mtime < 0) continue;
      cands.push_back({td, d.name, root, mtime});
    }
  }
  newest_first(cands);
  for (const auto &c : cands) {
    if (fs.cancelled()) return;
    if (!seen.insert(c.id).second) continue;  // the same task under two editors: the newest wins
    auto p = read_task(fs, c.path);
    if (!p) {
      ++st.skipped;
      continue;
    }
    session_info i;
    i.provider = provider;
    i.id = c.id;
    i.path = c.path;
    i.title = p->title.empty() ? c.id : p->title;
    i.updated_ms = c.mtime_ms;
    i.messages = p->messages.size();
    out.push_back(std::move(i));
    ++st.found;
  }
}

constexpr uint64_t max_zed_bytes = 256ull << 20;

session_info zed_info(const zed_row &row, const std::string &db) {
  session_info i;
  i.provider = "zed";
  i.id = row.id;
  i.path = db;
  i.title = trim(row.summary).empty() ? row.id : make_title(row.summary);
  i.updated_ms = rfc3339_ms(row.updated_at);
  return i;
}

// The database as SQLite would see it: the main file with the committed frames of `<db>-wal`
// applied (zed runs in WAL mode; its newest threads are often only there). Both files are read
// through the fs_reader, i.e. the host's path policy. nullopt when the main file is missing or too
// large (`error`); a missing or unusable -wal file leaves the main file as it is (`note` says why).
std::optional<std::string> zed_image(fs_reader &fs, const std::string &db, std::string &error, std::string &note) {
  bool cut = false;
  auto bytes = fs.read(db, max_zed_bytes, &cut);
  if (!bytes) return std::nullopt;
  if (cut) {
    error = db + " is larger than 256 MiB: not read";
    return std::nullopt;
  }
  auto wal = fs.read(db + "-wal", max_zed_bytes, &cut);
  if (!wal || wal->empty()) return bytes;  // no log, or one emptied by a checkpoint
  std::string reason;
  if (cut)
    reason = "larger than 256 MiB";
  else if (apply_wal(*bytes, *wal, max_zed_bytes, reason))
    return bytes;
  note = db + "-wal ignored: " + reason;
  return bytes;
}

constexpr const char *no_zstd = "zstd threads not readable: built without libzstd";

void scan_zed(fs_reader &fs, const locations &loc, std::vector<session_info> &out, provider_stats &st) {
  if (!zed_supported()) {
    st.readable = false;
    st.reason = "zed threads are a SQLite database and this build has no SQLite";
    return;
  }
  std::set<std::string> seen;
  std::vector<session_info> found;
  for (const auto &db : loc.zed_dbs) {
    std::string error, note;
    auto image = zed_image(fs, db, error, note);
    if (!note.empty()) st.reason = note;
    if (!image) {
      if (!error.empty()) {
        ++st.skipped;
        st.reason = error;
      }
      continue;
    }
    auto rows = zed_rows(std::move(*image), "", per_provider_cap, error);
    if (!rows) {
      ++st.skipped;
      st.reason = db + ": " + error;
      continue;
    }
    for (const auto &row : *rows) {
      if (!valid_id(row.id) || !seen.insert(row.id).second) {
        ++st.skipped;
        continue;
      }
      session_info i = zed_info(row, db);
      std::string e;
      if (auto p = parse_zed_thread(row.data, e)) {
        i.messages = p->messages.size();
      } else if (is_zstd(row.data) && !zstd_supported()) {
        i.messages_known = false;  // listed from its columns; the transcript needs libzstd
        st.reason = no_zstd;
      } else {
        ++st.skipped;
        st.reason = "zed thread '" + row.id + "': " + e;
        continue;
      }
      found.push_back(std::move(i));
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const session_info &a, const session_info &b) { return a.updated_ms > b.updated_ms; });
  if (found.size() > per_provider_cap) found.resize(per_provider_cap);
  st.found += found.size();
  for (auto &f : found) out.push_back(std::move(f));
}

std::optional<zed_row> zed_find(fs_reader &fs, const locations &loc, const std::string &id, std::string &db_out) {
  for (const auto &db : loc.zed_dbs) {
    std::string error, note;
    auto image = zed_image(fs, db, error, note);
    if (!image) continue;
    auto rows = zed_rows(std::move(*image), id, 1, error);
    if (rows && !rows->empty()) {
      db_out = db;
      return rows->front();
    }
  }
  return std::nullopt;
}

void write_session(writer &w, const session_info &s, const std::set<std::string> &live) {
  w.StartObject();
  put(w, "provider", s.provider);
  put(w, "id", s.id);
  put(w, "title", s.title);
  w.Key("cwd");
  if (s.cwd.empty())
    w.Null();
  else
    w.String(ra::plugin_text::lossy_utf8(s.cwd).c_str());
  put(w, "updated", iso8601_ms(s.updated_ms));
  put_u(w, "updated_ms", static_cast<uint64_t>(std::max<int64_t>(0, s.updated_ms)));
  w.Key("messages");
  if (s.messages_known)
    w.Uint64(s.messages);
  else
    w.Null();
  put_b(w, "read_only", !resumable(s.provider));
  put_b(w, "live", live.count(s.id) > 0);
  w.EndObject();
}

std::optional<parsed> load(fs_reader &fs, const session_info &s) {
  if (s.provider == "claude") {
    auto text = fs.read(s.path, max_history_bytes, nullptr);
    return text ? parse_claude_jsonl(*text) : std::nullopt;
  }
  if (s.provider == "opencode") {
    return std::nullopt;  // handled by load_opencode
  }
  return read_task(fs, s.path);
}

// One message's text: its part files, joined in name order (part ids sort by creation), else the
// parts kept inside the message itself (the oldest legacy files).
std::string opencode_text(fs_reader &fs, const std::string &pdir, const opencode_message &m, parsed &p) {
  auto parts = fs.list(pdir);
  if (!parts) return m.inline_text;
  std::vector<std::string> names;
  for (const auto &f : *parts)
    if (f.is_file && ends_with(f.name, ".json")) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  std::string text;
  for (const auto &n : names) {
    auto raw = fs.read(join(pdir, n), 8u << 20, nullptr);
    auto t = raw ? parse_opencode_part(*raw) : std::nullopt;
    if (!t) {
      ++p.skipped_lines;
      continue;
    }
    if (t->empty()) continue;
    if (!text.empty()) text += "\n";
    text += *t;
  }
  return text;
}

std::optional<parsed> load_opencode(fs_reader &fs, const locations &loc, const session_info &s) {
  parsed p;
  std::string mdir = opencode_message_dir(loc, s);
  auto files = fs.list(mdir);
  if (!files) return p;  // a session without messages
  std::vector<opencode_message> msgs;
  for (const auto &f : *files) {
    if (!f.is_file || !ends_with(f.name, ".json")) continue;
    auto text = fs.read(join(mdir, f.name), 8u << 20, nullptr);
    auto m = text ? parse_opencode_message(*text) : std::nullopt;
    if (!m || m->id.empty()) {
      ++p.skipped_lines;
      continue;
    }
    msgs.push_back(*m);
  }
  std::sort(msgs.begin(), msgs.end(), [](const opencode_message &a, const opencode_message &b) {
    return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.id < b.id;
  });
  for (const auto &m : msgs) {
    std::string text = opencode_text(fs, opencode_part_dir(loc, s, m.id), m, p);
    if (trim(text).empty()) continue;
    p.messages.push_back({m.role, text, m.created_ms ? iso8601_ms(m.created_ms) : std::string()});
  }
  return p;
}

}  // namespace

// ---- settings / locations ------------------------------------------------------------------------
std::optional<settings> parse_settings(std::string_view config_json, std::string &error) {
  settings s;
  rapidjson::Document d;
  d.Parse(config_json.data(), config_json.size());
  if (d.HasParseError() || !d.IsObject()) {
    error = "plugin config is not a JSON object";
    return std::nullopt;
  }
  for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it) {
    std::string_view k(it->name.GetString(), it->name.GetStringLength());
    const auto &v = it->value;
    auto binary_ok = [&] {
      if (!v.IsString() || v.GetStringLength() == 0) return false;
      std::string_view b(v.GetString(), v.GetStringLength());
      return b.find('\0') == std::string_view::npos && (b[0] == '/' || b.find('/') == std::string_view::npos);
    };
    if (k == "timeout_ms" && v.IsUint64() && v.GetUint64() > 0 && v.GetUint64() <= 86'400'000) {
      s.timeout_ms = static_cast<int64_t>(v.GetUint64());
    } else if (k == "max_output" && v.IsUint64() && v.GetUint64() > 0 && v.GetUint64() <= (1ull << 30)) {
      s.max_output = v.GetUint64();
    } else if (k == "claude" && binary_ok()) {
      s.claude = v.GetString();
    } else if (k == "opencode" && binary_ok()) {
      s.opencode = v.GetString();
    } else {
      error = "config key '" + std::string(k) +
              "' is unknown or has a bad value (keys: timeout_ms = 1..86400000, max_output = 1..1073741824 bytes, "
              "claude / opencode = a name on PATH or an absolute path)";
      return std::nullopt;
    }
  }
  return s;
}

locations default_locations(const std::string &home, const std::string &xdg_config, const std::string &xdg_data) {
  locations l;
  std::string config = xdg_config.empty() ? join(home, ".config") : xdg_config;
  std::string data = xdg_data.empty() ? join(home, ".local/share") : xdg_data;
  l.claude_projects = join(home, ".claude/projects");
  l.opencode_storage = join(data, "opencode/storage");
  for (const char *editor : {"Code", "Code - OSS", "VSCodium", "Cursor", "Windsurf"})
    l.vscode_storages.push_back(join(join(config, editor), "User/globalStorage"));
  l.vscode_storages.push_back(join(home, ".vscode-server/data/User/globalStorage"));
  l.zed_dbs = {join(data, "zed/threads/threads.db"), join(data, "Zed/threads/threads.db")};
  return l;
}

bool known_provider(std::string_view p) {
  return std::find(providers().begin(), providers().end(), p) != providers().end();
}
bool resumable(std::string_view p) { return p == "claude" || p == "opencode"; }
const char *extension_id(std::string_view p) {
  if (p == "cline") return "saoudrizwan.claude-dev";
  if (p == "roo") return "rooveterinaryinc.roo-cline";
  if (p == "kilo") return "kilocode.kilo-code";
  return nullptr;
}

// ---- text helpers -----------------------------------------------------------------------------------
std::string utf8_cut(std::string_view s, size_t max_bytes, bool *cut) {
  if (cut) *cut = s.size() > max_bytes;
  if (s.size() <= max_bytes) return std::string(s);
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

std::string make_title(std::string_view text, size_t max_chars) {
  std::string_view t = trim(text);
  size_t chars = 0, i = 0;
  while (i < t.size() && chars < max_chars) {
    ++i;
    while (i < t.size() && (static_cast<unsigned char>(t[i]) & 0xC0) == 0x80) ++i;
    ++chars;
  }
  std::string out(t.substr(0, i));
  for (auto &c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (i < t.size()) out += "\xE2\x80\xA6";  // …
  return out;
}

std::string iso8601_ms(int64_t ms) {
  if (ms <= 0) return "1970-01-01T00:00:00.000Z";
  time_t secs = static_cast<time_t>(ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::string decode_claude_dir(std::string_view dir) {
  std::string o(dir);
  std::replace(o.begin(), o.end(), '-', '/');
  return o;
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 200 || id[0] == '-' || id[0] == '.') return false;
  if (id.find("..") != std::string_view::npos) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

// ---- parsers ----------------------------------------------------------------------------------------
std::optional<parsed> parse_claude_jsonl(std::string_view text) {
  parsed p;
  uint64_t good = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (trim(line).empty()) continue;
    rapidjson::Document d;
    d.Parse(line.data(), line.size());
    if (d.HasParseError() || !d.IsObject()) {
      ++p.skipped_lines;
      continue;
    }
    ++good;
    std::string type = str_of(d, "type");
    if (p.cwd.empty()) p.cwd = str_of(d, "cwd");
    if (type == "ai-title" && p.title.empty()) {
      p.title = std::string(trim(str_of(d, "aiTitle")));
      continue;
    }
    if (type != "user" && type != "assistant" && type != "system") continue;
    std::string t;
    if (auto *m = member(d, "message"); m && m->IsObject()) {
      if (auto *c = member(*m, "content")) t = content_text(*c);
    } else if (auto *c = member(d, "content")) {
      t = content_text(*c);
    }
    if (trim(t).empty()) continue;
    p.messages.push_back({type, std::move(t), str_of(d, "timestamp")});
  }
  if (good == 0) return std::nullopt;
  return p;
}

std::optional<parsed> parse_cline_ui_messages(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsArray()) return std::nullopt;
  parsed p;
  bool first_mappable = true;
  for (const auto &m : d.GetArray()) {
    if (!m.IsObject()) {
      ++p.skipped_lines;
      continue;
    }
    std::string say = str_of(m, "say"), ask = str_of(m, "ask"), type = str_of(m, "type");
    std::string role;
    if (type == "say" || (!say.empty() && ask.empty())) {
      if (say == "task" || say == "user_feedback")
        role = "user";
      else if (say == "text" || say == "completion_result" || say == "reasoning")
        role = "assistant";
    } else if (ask == "followup" || ask == "plan_mode_respond" || ask == "completion_result") {
      role = "assistant";
    }
    if (role.empty()) continue;
    std::string t = str_of(m, "text");
    rapidjson::Document inner;
    inner.Parse(t.data(), t.size());
    if (!inner.HasParseError() && inner.IsObject()) {
      for (const char *k : {"question", "response", "result"}) {
        auto *v = member(inner, k);
        if (v && v->IsString()) {
          t.assign(v->GetString(), v->GetStringLength());
          break;
        }
      }
    }
    t = std::string(trim(t));
    if (say == "task" && p.title.empty()) p.title = make_title(t);
    if (first_mappable && p.title.empty() && role == "user") p.title = make_title(t);
    first_mappable = false;
    if (t.empty()) continue;
    int64_t ts = i64_of(m, "ts");
    p.messages.push_back({role, std::move(t), ts > 0 ? iso8601_ms(ts) : std::string()});
  }
  return p;
}

std::optional<parsed> parse_cline_api_history(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsArray()) return std::nullopt;
  parsed p;
  for (const auto &m : d.GetArray()) {
    std::string role = str_of(m, "role");
    auto *c = member(m, "content");
    if ((role != "user" && role != "assistant") || !c) {
      ++p.skipped_lines;
      continue;
    }
    std::string t = std::string(trim(content_text(*c)));
    if (t.empty()) continue;
    int64_t ts = i64_of(m, "ts");
    p.messages.push_back({role, std::move(t), ts > 0 ? iso8601_ms(ts) : std::string()});
  }
  return p;
}

std::optional<opencode_session> parse_opencode_session(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  opencode_session s;
  s.id = str_of(d, "id");
  s.title = str_of(d, "title");
  s.directory = str_of(d, "directory");
  if (auto *t = member(d, "time")) {
    s.created_ms = i64_of(*t, "created");
    s.updated_ms = i64_of(*t, "updated");
  }
  if (s.id.empty()) return std::nullopt;
  return s;
}

std::optional<opencode_message> parse_opencode_message(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  opencode_message m;
  m.id = str_of(d, "id");
  m.role = str_of(d, "role");
  if (auto *t = member(d, "time")) m.created_ms = i64_of(*t, "created");
  // The oldest files (opencode 0.1–0.2) keep the time under metadata and the parts inline.
  if (auto *md = member(d, "metadata"); md && !m.created_ms) {
    if (auto *t = member(*md, "time")) m.created_ms = i64_of(*t, "created");
  }
  if (auto *parts = member(d, "parts")) m.inline_text = content_text(*parts);
  if (m.id.empty() || (m.role != "user" && m.role != "assistant" && m.role != "system")) return std::nullopt;
  return m;
}

std::optional<std::string> parse_opencode_part(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  if (str_of(d, "type") != "text") return std::string();
  return str_of(d, "text");
}

// ---- zed -----------------------------------------------------------------------------------------
bool zed_supported() {
#ifdef RA_SESSIONS_SQLITE
  return true;
#else
  return false;
#endif
}

int64_t rfc3339_ms(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) < 6 || used <= 0)
    return 0;
  size_t i = static_cast<size_t>(used);
  int64_t frac_ms = 0;
  if (i < str.size() && str[i] == '.') {
    ++i;
    int digits = 0;
    while (i < str.size() && std::isdigit(static_cast<unsigned char>(str[i]))) {
      if (digits < 3) frac_ms = frac_ms * 10 + (str[i] - '0');
      ++digits;
      ++i;
    }
    for (; digits < 3; ++digits) frac_ms *= 10;
  }
  int64_t offset_s = 0;
  if (i < str.size() && (str[i] == '+' || str[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(str.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return 0;
    offset_s = (str[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  } else if (i >= str.size() || (str[i] != 'Z' && str[i] != 'z')) {
    return 0;
  }
  tm t{};
  t.tm_year = y - 1900;
  t.tm_mon = mo - 1;
  t.tm_mday = d;
  t.tm_hour = h;
  t.tm_min = mi;
  t.tm_sec = sec;
  int64_t secs = static_cast<int64_t>(timegm(&t)) - offset_s;
  return secs > 0 ? secs * 1000 + frac_ms : 0;
}

std::optional<std::vector<zed_row>> zed_rows(std::string db_bytes, const std::string &only_id, size_t limit,
                                             std::string &error) {
#ifdef RA_SESSIONS_SQLITE
  // The file's bytes were read through the host (path policy); SQLite opens no file: the image is
  // deserialized into an in-memory, read-only database. The caller has applied the -wal file's
  // committed frames; the WAL-mode header is turned into a legacy one so SQLite looks for no log.
  if (db_bytes.size() < 100 || db_bytes.compare(0, 16, std::string("SQLite format 3\0", 16)) != 0) {
    error = "not a SQLite database";
    return std::nullopt;
  }
  db_bytes[18] = 1;
  db_bytes[19] = 1;
  sqlite3 *db = nullptr;
  if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, nullptr) != SQLITE_OK) {
    error = "sqlite: cannot open an in-memory database";
    sqlite3_close(db);
    return std::nullopt;
  }
  auto *buf = static_cast<unsigned char *>(sqlite3_malloc64(db_bytes.size()));
  if (!buf) {
    sqlite3_close(db);
    error = "out of memory";
    return std::nullopt;
  }
  std::memcpy(buf, db_bytes.data(), db_bytes.size());
  if (sqlite3_deserialize(db, "main", buf, static_cast<sqlite3_int64>(db_bytes.size()),
                          static_cast<sqlite3_int64>(db_bytes.size()),
                          SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) != SQLITE_OK) {
    error = std::string("sqlite: ") + sqlite3_errmsg(db);
    sqlite3_close(db);
    return std::nullopt;
  }
  const char *sql = only_id.empty()
                        ? "SELECT id, summary, updated_at, data FROM threads ORDER BY updated_at DESC LIMIT ?1"
                        : "SELECT id, summary, updated_at, data FROM threads WHERE id = ?2 LIMIT ?1";
  sqlite3_stmt *st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
    error = std::string("sqlite: ") + sqlite3_errmsg(db);
    sqlite3_close(db);
    return std::nullopt;
  }
  sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(limit));
  if (!only_id.empty()) sqlite3_bind_text(st, 2, only_id.data(), static_cast<int>(only_id.size()), SQLITE_TRANSIENT);
  std::vector<zed_row> rows;
  auto col = [&](int i) {
    const void *p = sqlite3_column_blob(st, i);
    int n = sqlite3_column_bytes(st, i);
    return p ? std::string(static_cast<const char *>(p), static_cast<size_t>(n)) : std::string();
  };
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) rows.push_back({col(0), col(1), col(2), col(3)});
  if (rc != SQLITE_DONE) {
    error = std::string("sqlite: ") + sqlite3_errmsg(db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return std::nullopt;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
#else
  (void)db_bytes;
  (void)only_id;
  (void)limit;
  error = "built without SQLite";
  return std::nullopt;
#endif
}

std::optional<parsed> parse_zed_thread(std::string_view data, std::string &error) {
  std::string decoded;  // one round only: JSON never starts with the magic
  if (is_zstd(data)) {
    auto json = zstd_decompress(data, max_history_bytes, error);
    if (!json) return std::nullopt;
    decoded = std::move(*json);
    data = decoded;
  }
  rapidjson::Document d;
  d.Parse(data.data(), data.size());
  auto *msgs = member(d, "messages");
  if (d.HasParseError() || !d.IsObject() || !msgs || !msgs->IsArray()) {
    error = "the thread is not valid JSON with messages[]";
    return std::nullopt;
  }
  parsed p;
  p.title = str_of(d, "title");
  for (const auto &m : msgs->GetArray()) {
    std::string role;
    const rapidjson::Value *body = nullptr;
    if ((body = member(m, "User")))
      role = "user";
    else if ((body = member(m, "Agent")))
      role = "assistant";
    if (!body) {
      // The older serialized thread: {role, segments:[{type:"text", text}]}.
      std::string r = str_of(m, "role");
      auto *segs = member(m, "segments");
      if ((r == "user" || r == "assistant") && segs) {
        std::string t = std::string(trim(content_text(*segs)));
        if (!t.empty()) p.messages.push_back({r, t, {}});
      }
      continue;
    }
    auto *content = member(*body, "content");
    if (!content || !content->IsArray()) continue;
    std::string text;
    for (const auto &c : content->GetArray()) {
      auto *t = member(c, "Text");
      if (!t || !t->IsString()) continue;
      if (!text.empty()) text += "\n";
      text.append(t->GetString(), t->GetStringLength());
    }
    std::string tt(trim(text));
    if (!tt.empty()) p.messages.push_back({role, tt, {}});
  }
  return p;
}

// ---- live -----------------------------------------------------------------------------------------
std::vector<std::string> active_ids(const std::vector<std::vector<std::string>> &cmdlines) {
  std::set<std::string> ids;
  for (const auto &argv : cmdlines) {
    std::string all;
    for (const auto &a : argv) all += lower(a) + " ";
    if (all.find("opencode") == std::string::npos && all.find("claude") == std::string::npos) continue;
    // Tokens: the arguments split on whitespace (ps prints them joined by spaces).
    std::vector<std::string> toks;
    for (const auto &a : argv) {
      size_t i = 0;
      while (i < a.size()) {
        while (i < a.size() && std::isspace(static_cast<unsigned char>(a[i]))) ++i;
        size_t j = i;
        while (j < a.size() && !std::isspace(static_cast<unsigned char>(a[j]))) ++j;
        if (j > i) toks.push_back(a.substr(i, j - i));
        i = j;
      }
    }
    for (size_t i = 0; i < toks.size(); ++i) {
      if (toks[i].rfind("ses_", 0) == 0) ids.insert(toks[i]);
      if ((toks[i] == "-s" || toks[i] == "--session" || toks[i] == "--resume") && i + 1 < toks.size())
        ids.insert(toks[i + 1]);
    }
  }
  return {ids.begin(), ids.end()};
}

std::optional<process> find_live_process(const std::vector<process> &procs, const std::string &id, int self_pid) {
  std::vector<const process *> sorted;
  for (const auto &p : procs) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(), [](const process *a, const process *b) { return a->pid < b->pid; });
  for (const auto *p : sorted) {
    if (p->pid <= 1 || p->pid == self_pid) continue;
    std::string all;
    for (const auto &a : p->argv) all += lower(a) + " ";
    if (all.find("opencode") == std::string::npos && all.find("claude") == std::string::npos) continue;
    for (const auto &a : p->argv) {
      size_t i = 0;
      while (i < a.size()) {
        while (i < a.size() && std::isspace(static_cast<unsigned char>(a[i]))) ++i;
        size_t j = i;
        while (j < a.size() && !std::isspace(static_cast<unsigned char>(a[j]))) ++j;
        if (j > i && a.compare(i, j - i, id) == 0) return *p;
        i = j;
      }
    }
  }
  return std::nullopt;
}

// ---- tools ------------------------------------------------------------------------------------------
std::optional<session_info> find_session(fs_reader &fs, const locations &loc, const std::string &provider,
                                         const std::string &id) {
  if (!valid_id(id)) return std::nullopt;
  if (provider == "claude") {
    auto projects = fs.list(loc.claude_projects);
    if (!projects) return std::nullopt;
    for (const auto &d : *projects) {
      if (!d.is_dir) continue;
      std::string dir = join(loc.claude_projects, d.name);
      auto files = fs.list(dir);
      if (!files) continue;
      for (const auto &f : *files) {
        if (!f.is_file || f.name != id + ".jsonl") continue;
        candidate c{join(dir, f.name), id, d.name, f.mtime_ms};
        auto text = fs.read(c.path, max_history_bytes, nullptr);
        auto p = text ? parse_claude_jsonl(*text) : std::nullopt;
        if (!p) return std::nullopt;
        return claude_info(c, *p);
      }
    }
    return std::nullopt;
  }
  if (provider == "opencode") {
    // The current layout first, as in the listing; then the legacy info file.
    std::string sessions = opencode_dir(loc, "session");
    std::vector<candidate> cands;
    if (auto projects = fs.list(sessions)) {
      for (const auto &d : *projects)
        if (d.is_dir && !legacy_opencode_dir(d.name))
          cands.push_back({join(join(sessions, d.name), id + ".json"), id, d.name, 0, false});
    }
    cands.push_back({join(join(sessions, "info"), id + ".json"), id, "", 0, true});
    for (const auto &c : cands) {
      auto i = opencode_info(fs, loc, c);
      if (i && i->id == id) return i;
    }
    return std::nullopt;
  }
  if (provider == "zed") {
    std::string db;
    auto row = zed_find(fs, loc, id, db);
    if (!row) return std::nullopt;
    return zed_info(*row, db);
  }
  if (const char *ext = extension_id(provider)) {
    std::optional<session_info> best;
    for (const auto &root : loc.vscode_storages) {
      std::string tasks = join(join(root, ext), "tasks");
      auto dirs = fs.list(tasks);
      if (!dirs) continue;
      for (const auto &d : *dirs) {
        if (!d.is_dir || d.name != id) continue;
        if (best && best->updated_ms >= d.mtime_ms) continue;
        session_info i;
        i.provider = provider;
        i.id = id;
        i.path = join(tasks, d.name);
        i.updated_ms = d.mtime_ms;
        best = i;
      }
    }
    return best;
  }
  return std::nullopt;
}

outcome list_sessions(fs_reader &fs, const locations &loc, std::string_view args_json,
                      const std::vector<std::string> &live_ids) {
  args a;
  if (!a.parse(args_json)) return bad_args();
  std::string only = a.str("provider");
  if (!only.empty() && !known_provider(only))
    return outcome::fail(RA_INVALID_ARGUMENT, "unknown provider '" + only + "'");
  uint64_t limit = std::clamp<uint64_t>(a.u64("limit", 50), 1, 1000);
  std::string query = lower(a.str("query"));

  std::vector<session_info> all;
  std::map<std::string, provider_stats> stats;
  for (const auto &p : providers()) {
    if (!only.empty() && p != only) continue;
    auto &st = stats[p];
    if (p == "claude")
      scan_claude(fs, loc, all, st);
    else if (p == "opencode")
      scan_opencode(fs, loc, all, st);
    else if (p == "zed")
      scan_zed(fs, loc, all, st);
    else
      scan_vscode(fs, loc, p, all, st);
    if (fs.cancelled()) return outcome::fail(RA_CANCELLED, "cancelled");
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const session_info &x, const session_info &y) { return x.updated_ms > y.updated_ms; });
  std::vector<const session_info *> shown;
  uint64_t matched = 0;
  for (const auto &s : all) {
    if (!query.empty() && lower(s.title).find(query) == std::string::npos &&
        lower(s.id).find(query) == std::string::npos && lower(s.cwd).find(query) == std::string::npos)
      continue;
    ++matched;
    if (shown.size() < limit) shown.push_back(&s);
  }
  std::set<std::string> live(live_ids.begin(), live_ids.end());
  uint64_t skipped = 0;
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  w.Key("sessions");
  w.StartArray();
  for (const auto *s : shown) write_session(w, *s, live);
  w.EndArray();
  put_u(w, "total", matched);
  put_b(w, "truncated", matched > shown.size());
  w.Key("providers");
  w.StartArray();
  for (const auto &p : providers()) {
    auto it = stats.find(p);
    if (it == stats.end()) continue;
    const auto &st = it->second;
    skipped += st.skipped;
    w.StartObject();
    put(w, "provider", p);
    put_u(w, "sessions", st.found);
    put_u(w, "skipped", st.skipped);
    put_b(w, "readable", st.readable);
    put_b(w, "read_only", !resumable(p));
    if (!st.reason.empty()) put(w, "reason", st.reason);
    w.EndObject();
  }
  w.EndArray();
  put_u(w, "skipped", skipped);
  w.Key("active");
  w.StartArray();
  for (const auto &id : live) w.String(ra::plugin_text::lossy_utf8(id).c_str());
  w.EndArray();
  w.EndObject();
  return {RA_OK, sb.GetString(), {}};
}

outcome get_session(fs_reader &fs, const locations &loc, std::string_view args_json) {
  args a;
  if (!a.parse(args_json)) return bad_args();
  std::string provider = a.str("provider"), id = a.str("id");
  if (!known_provider(provider)) return outcome::fail(RA_INVALID_ARGUMENT, "unknown provider '" + provider + "'");
  if (provider == "zed" && !zed_supported())
    return outcome::fail(RA_UNIMPLEMENTED, "zed threads are a SQLite database and this build has no SQLite");
  if (!valid_id(id)) return outcome::fail(RA_INVALID_ARGUMENT, "invalid session id");
  uint64_t limit = std::clamp<uint64_t>(a.u64("limit", 200), 1, 1000);
  uint64_t offset = a.u64("offset", 0);
  auto s = find_session(fs, loc, provider, id);
  if (!s) return outcome::fail(RA_NOT_FOUND, provider + " session '" + id + "' not found");
  std::optional<parsed> p;
  if (provider == "zed") {
    std::string db, error;
    auto row = zed_find(fs, loc, id, db);
    if (row) p = parse_zed_thread(row->data, error);
    if (!p)
      return outcome::fail(row && is_zstd(row->data) && !zstd_supported() ? RA_UNIMPLEMENTED : RA_DATA_LOSS,
                           "zed session '" + id + "': " + (error.empty() ? "not readable" : error));
  } else {
    p = provider == "opencode" ? load_opencode(fs, loc, *s) : load(fs, *s);
  }
  if (!p) return outcome::fail(RA_DATA_LOSS, provider + " session '" + id + "' could not be parsed");
  if (s->title.empty() || s->title == id) {
    std::string t = !p->title.empty() ? make_title(p->title) : first_user_title(*p);
    if (!t.empty()) s->title = t;
  }
  uint64_t total = p->messages.size();
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  put(w, "provider", s->provider);
  put(w, "id", s->id);
  put(w, "title", s->title);
  w.Key("cwd");
  std::string cwd = !p->cwd.empty() ? p->cwd : s->cwd;
  if (cwd.empty())
    w.Null();
  else
    w.String(ra::plugin_text::lossy_utf8(cwd).c_str());
  put(w, "updated", iso8601_ms(s->updated_ms));
  put_b(w, "read_only", !resumable(provider));
  put_u(w, "total", total);
  put_u(w, "offset", offset);
  put_u(w, "skipped", p->skipped_lines);
  w.Key("messages");
  w.StartArray();
  uint64_t count = 0;
  for (uint64_t i = offset; i < total && count < limit; ++i, ++count) {
    const auto &m = p->messages[i];
    w.StartObject();
    put(w, "role", m.role);
    bool cut = false;
    put(w, "text", utf8_cut(m.text, text_cap, &cut));
    if (cut) {
      put_b(w, "truncated", true);
      put_u(w, "text_bytes", m.text.size());
    }
    if (!m.time.empty()) put(w, "time", m.time);
    w.EndObject();
  }
  w.EndArray();
  put_u(w, "count", count);
  w.Key("next_offset");
  if (offset + count < total)
    w.Uint64(offset + count);
  else
    w.Null();
  w.EndObject();
  return {RA_OK, sb.GetString(), {}};
}

std::optional<resume_plan> plan_resume(fs_reader &fs, const locations &loc, const settings &s,
                                       std::string_view args_json, outcome &err) {
  args a;
  if (!a.parse(args_json)) {
    err = bad_args();
    return std::nullopt;
  }
  resume_plan p;
  p.provider = a.str("provider");
  p.id = a.str("id");
  p.prompt = a.str("prompt");
  if (!known_provider(p.provider)) {
    err = outcome::fail(RA_INVALID_ARGUMENT, "unknown provider '" + p.provider + "'");
    return std::nullopt;
  }
  if (!resumable(p.provider)) {
    err = outcome::fail(RA_FAILED_PRECONDITION, "'" + p.provider + "' sessions are view-only (no headless resume)");
    return std::nullopt;
  }
  if (!valid_id(p.id)) {
    err = outcome::fail(RA_INVALID_ARGUMENT, "invalid session id");
    return std::nullopt;
  }
  if (trim(p.prompt).empty()) {
    err = outcome::fail(RA_INVALID_ARGUMENT, "prompt must not be empty");
    return std::nullopt;
  }
  if (p.prompt[0] == '-') {
    err = outcome::fail(RA_INVALID_ARGUMENT,
                        "prompt must not start with '-' (the CLI would read it as an option); start it with a space");
    return std::nullopt;
  }
  if (p.prompt.find('\0') != std::string::npos) {
    err = outcome::fail(RA_INVALID_ARGUMENT, "prompt must not contain NUL");
    return std::nullopt;
  }
  auto info = find_session(fs, loc, p.provider, p.id);
  if (!info) {
    err = outcome::fail(RA_NOT_FOUND, p.provider + " session '" + p.id + "' not found");
    return std::nullopt;
  }
  p.cwd = info->cwd;
  if (p.provider == "claude")
    p.argv = {s.claude, "-p", p.prompt, "--resume", p.id};
  else
    p.argv = {s.opencode, "run", "--session", p.id, p.prompt};
  return p;
}

outcome resume_outcome(const resume_plan &p, const run_result &r) {
  bool success = r.exit_code == 0 && !r.timed_out && !r.cancelled && r.term_signal == 0;
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  put(w, "provider", p.provider);
  put(w, "id", p.id);
  put_b(w, "success", success);
  w.Key("exit_code");
  w.Int(r.exit_code);
  if (r.term_signal) {
    w.Key("signal");
    w.Int(r.term_signal);
  }
  put_b(w, "timed_out", r.timed_out);
  put_b(w, "sandboxed", r.sandboxed);
  w.Key("duration_ms");
  w.Int64(r.duration_ms);
  put(w, "output", r.out);
  put_b(w, "output_truncated", r.out_truncated);
  put(w, "stderr", utf8_cut(r.err, 16 * 1024));
  if (!p.cwd.empty()) put(w, "cwd", p.cwd);
  w.EndObject();
  outcome o{RA_OK, sb.GetString(), {}};
  if (r.cancelled) {
    o.status = RA_CANCELLED;
    o.message = "cancelled";
  } else if (r.timed_out) {
    o.status = RA_DEADLINE_EXCEEDED;
    o.message = p.provider + " did not finish within the timeout (its process group was killed)";
  } else if (!success) {
    o.status = RA_ABORTED;
    std::string tail = utf8_cut(std::string(trim(r.err)), 2000);
    o.message = p.provider + " exited with " +
                (r.term_signal ? "signal " + std::to_string(r.term_signal) : "code " + std::to_string(r.exit_code)) +
                (tail.empty() ? std::string() : ": " + tail);
  }
  return o;
}

}  // namespace ra_sessions
