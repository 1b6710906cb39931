// sessions_tool.hpp — the logic of the sessions plugin, separate from the ABI glue: where each AI
// provider keeps its local chat histories (REFERENCE-SPEC §14), the parsers of their formats
// (claude JSONL, opencode storage JSON in the current and the pre-0.4 layout, cline/roo/kilo task
// dirs, zed's threads.db with its -wal file and zstd-compressed threads), the listing/transcript results,
// the argv of a resume and the live-session detection from process command lines.
// Everything here is pure: file access goes through the fs_reader interface (the plugin implements
// it with host->open_file; the unit tests with an in-memory map).
// Thread safety: all functions are pure; settings and locations are immutable after construction.
#pragma once

#include <remote_agents/status.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ra_sessions {

struct settings {
  int64_t timeout_ms = 600'000;    // session_resume
  uint64_t max_output = 1u << 20;  // session_resume, per stream
  std::string claude = "claude";   // binaries: names looked up on PATH, or absolute
  std::string opencode = "opencode";
};
std::optional<settings> parse_settings(std::string_view config_json, std::string &error);

// ---- file access -------------------------------------------------------------------------------
struct dir_entry {
  std::string name;
  bool is_dir = false;
  bool is_file = false;
  int64_t mtime_ms = 0;
  uint64_t size = 0;
};
class fs_reader {
 public:
  virtual ~fs_reader() = default;
  // nullopt when the directory cannot be opened (missing, refused).
  virtual std::optional<std::vector<dir_entry>> list(const std::string &dir) = 0;
  // At most `max` bytes; *truncated set when the file is longer. nullopt when it cannot be read.
  virtual std::optional<std::string> read(const std::string &path, uint64_t max, bool *truncated) = 0;
  virtual bool cancelled() { return false; }
};

// ---- where the histories are --------------------------------------------------------------------
struct locations {
  std::string claude_projects;               // ~/.claude/projects
  std::string opencode_storage;              // $XDG_DATA_HOME/opencode/storage
  std::vector<std::string> vscode_storages;  // .../User/globalStorage roots
  std::vector<std::string> zed_dbs;          // <data_dir>/{zed,Zed}/threads/threads.db
};
// From HOME, XDG_CONFIG_HOME and XDG_DATA_HOME (empty = the XDG defaults under home).
locations default_locations(const std::string &home, const std::string &xdg_config, const std::string &xdg_data);

inline const std::vector<std::string> &providers() {
  static const std::vector<std::string> p{"claude", "opencode", "cline", "roo", "kilo", "zed"};
  return p;
}
bool known_provider(std::string_view p);
bool resumable(std::string_view p);            // claude, opencode
const char *extension_id(std::string_view p);  // cline/roo/kilo → VS Code extension id, else nullptr

// ---- records -------------------------------------------------------------------------------------
struct message {
  std::string role;  // user | assistant | system
  std::string text;
  std::string time;  // ISO 8601, "" when unknown
};
struct session_info {
  std::string provider, id, title, cwd;
  int64_t updated_ms = 0;
  uint64_t messages = 0;
  bool messages_known = true;  // false: a zed thread that cannot be decoded here
  bool legacy_layout = false;  // opencode: found in the pre-0.4 storage layout (storage/session/info)
  std::string path;            // the file or directory it came from (not shown)
};

// Parsers (pure). Each returns nullopt for a file that is not of the format (corrupt); `skipped`
// counts unparsable lines of a JSONL file.
struct parsed {
  std::vector<message> messages;
  std::string title;  // provider's own title if it has one
  std::string cwd;
  uint64_t skipped_lines = 0;
};
std::optional<parsed> parse_claude_jsonl(std::string_view text);
std::optional<parsed> parse_cline_ui_messages(std::string_view text);
std::optional<parsed> parse_cline_api_history(std::string_view text);
// opencode: the session info file, and one message + its part files.
struct opencode_session {
  std::string id, title, directory;
  int64_t created_ms = 0, updated_ms = 0;
};
std::optional<opencode_session> parse_opencode_session(std::string_view text);
struct opencode_message {
  std::string id, role;
  int64_t created_ms = 0;
  std::string inline_text;  // legacy files with the parts inside the message: their text parts
};
std::optional<opencode_message> parse_opencode_message(std::string_view text);
// The text of a part file ("" for non-text parts); nullopt when corrupt.
std::optional<std::string> parse_opencode_part(std::string_view text);

// zed: threads.db (SQLite) — needs the build with SQLite (RA_SESSIONS_SQLITE); without it
// zed_supported() is false and zed is reported as not readable.
bool zed_supported();
struct zed_row {
  std::string id, summary, updated_at;
  std::string data;  // the thread: JSON, or a zstd frame
};
// The rows of a threads.db image (the whole file's bytes, with the -wal file's committed frames
// already applied — see sqlite_wal.hpp), newest first, at most `limit`; only the
// row `only_id` when it is not empty. nullopt with `error` when it is not such a database.
std::optional<std::vector<zed_row>> zed_rows(std::string db_bytes, const std::string &only_id, size_t limit,
                                             std::string &error);
// One thread's data: messages externally tagged {"User":{content:[{"Text":…}]}} / {"Agent":…}.
// A zstd frame is decompressed first (at most 64 MiB; zstd_frame.hpp). nullopt with `error` for a
// corrupt or oversized frame, a build without libzstd, or corrupt JSON.
std::optional<parsed> parse_zed_thread(std::string_view data, std::string &error);
// RFC 3339 → ms since the epoch; 0 when unparsable.
int64_t rfc3339_ms(std::string_view s);

// Title helpers: trimmed, at most 80 characters (code points) plus "…".
std::string make_title(std::string_view text, size_t max_chars = 80);
// UTF-8 safe cut to at most max_bytes; *cut set when shortened.
std::string utf8_cut(std::string_view s, size_t max_bytes, bool *cut = nullptr);
std::string iso8601_ms(int64_t ms);
// "-home-me-proj" → "/home/me/proj" (lossy, §14).
std::string decode_claude_dir(std::string_view dir);

// ---- live sessions (§14 "active") --------------------------------------------------------------
// From process command lines (argv lists): for those mentioning opencode or claude, every token
// starting with "ses_" and every token after -s, --session or --resume; sorted, unique.
std::vector<std::string> active_ids(const std::vector<std::vector<std::string>> &cmdlines);

// session_terminate (§14): the first process (pid order) whose command line mentions claude or
// opencode and has an argument token exactly equal to `id`; never `self_pid` or pid 1.
struct process {
  int pid = 0;
  std::vector<std::string> argv;
};
std::optional<process> find_live_process(const std::vector<process> &procs, const std::string &id, int self_pid);

// ---- tools ---------------------------------------------------------------------------------------
struct outcome {
  ra_status status = RA_OK;
  std::string json = "{}";
  std::string message;
  static outcome fail(ra_status s, std::string m) { return {s, "{}", std::move(m)}; }
};

constexpr size_t text_cap = 16 * 1024;  // bytes of one message's text in session_get

// session_list / session_get over the fs_reader; `live` are active_ids (may be empty).
outcome list_sessions(fs_reader &fs, const locations &loc, std::string_view args_json,
                      const std::vector<std::string> &live);
outcome get_session(fs_reader &fs, const locations &loc, std::string_view args_json);

// session_resume: validation and the argv; the session's cwd is filled from the history.
struct resume_plan {
  std::string provider, id, prompt, cwd;
  std::vector<std::string> argv;
};
// nullopt with `err` (status + message) when the call must be refused before running anything.
std::optional<resume_plan> plan_resume(fs_reader &fs, const locations &loc, const settings &s,
                                       std::string_view args_json, outcome &err);
struct run_result {
  std::string out, err;
  int exit_code = 0;
  int term_signal = 0;
  bool timed_out = false, cancelled = false, out_truncated = false, sandboxed = false;
  int64_t duration_ms = 0;
};
outcome resume_outcome(const resume_plan &p, const run_result &r);

// Finds a session of a provider by id (nullopt = not found).
std::optional<session_info> find_session(fs_reader &fs, const locations &loc, const std::string &provider,
                                         const std::string &id);
bool valid_id(std::string_view id);

}  // namespace ra_sessions
