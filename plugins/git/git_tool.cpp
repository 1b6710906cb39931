#include "git_tool.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>

#include "json_put.hpp"

namespace ra_git {

namespace {

// ---- schemas ------------------------------------------------------------------------------------
// Shared property texts are spliced in with string-literal concatenation.

#define RA_GIT_REPO                                                                                     \
  R"json("repo": {"type": "string", "minLength": 1, "maxLength": 4096, "description": )json"            \
  R"json("Path of the repository or a directory inside it (absolute recommended: a relative path )json" \
  R"json(is taken from the daemon's working directory)"},)json"
#define RA_GIT_TIMEOUT                                                                                    \
  R"json("timeout_ms": {"type": "integer", "minimum": 1, "maximum": 86400000, "description": )json"       \
  R"json("Kill git (its whole process group) after this many ms (default: the plugin's timeout_ms, )json" \
  R"json(120000)"})json"
#define RA_GIT_REMOTE                                                          \
  R"json("remote": {"type": "string", "maxLength": 4096, "description": )json" \
  R"json("Remote name or URL (default origin); must not start with '-'"},)json"
#define RA_GIT_BRANCH                                                                            \
  R"json("branch": {"type": "string", "maxLength": 255, "description": )json"                    \
  R"json("Branch name, not a refspec ('+' and ':' are refused). Default: git's own choice )json" \
  R"json((the upstream)"},)json"
#define RA_GIT_REF                                                          \
  R"json("ref": {"type": "string", "maxLength": 1024, "description": )json" \
  R"json("Revision or range (e.g. HEAD~3, main..feature, v1.2); must not start with '-'"},)json"
#define RA_GIT_PATH                                                          \
  R"json("path": {"type": "string", "maxLength": 4096, "description": )json" \
  R"json("Only this path (a pathspec relative to the repository); must not start with '-'"},)json"

const char *const status_in = R"json({"type": "object", "properties": {)json" RA_GIT_REPO RA_GIT_TIMEOUT
                              R"json(}, "required": ["repo"], "additionalProperties": false})json";

const char *const log_in = R"json({"type": "object", "properties": {)json" RA_GIT_REPO R"json(
    "max_count": {"type": "integer", "minimum": 1, "maximum": 1000,
                  "description": "Most commits to list (default 20, at most 1000)"},)json" RA_GIT_REF RA_GIT_PATH
    RA_GIT_TIMEOUT R"json(}, "required": ["repo"], "additionalProperties": false})json";

const char *const diff_in = R"json({"type": "object", "properties": {)json" RA_GIT_REPO R"json(
    "staged": {"type": "boolean", "description": "Diff the index (staged changes) against HEAD instead of the working tree against the index (default false)"},
    "stat": {"type": "boolean", "description": "Only a diffstat summary, not the patch (default false)"},)json" RA_GIT_REF
    RA_GIT_PATH RA_GIT_TIMEOUT R"json(}, "required": ["repo"], "additionalProperties": false})json";

const char *const pull_in =
    R"json({"type": "object", "properties": {)json" RA_GIT_REPO RA_GIT_REMOTE RA_GIT_BRANCH RA_GIT_TIMEOUT
    R"json(}, "required": ["repo"], "additionalProperties": false})json";

const char *const push_in = pull_in;

const char *const commit_in = R"json({"type": "object", "properties": {)json" RA_GIT_REPO R"json(
    "message": {"type": "string", "minLength": 1, "maxLength": 1048576, "description": "Commit message (required, not blank)"},
    "files": {"type": "array", "maxItems": 10000, "items": {"type": "string", "minLength": 1, "maxLength": 4096},
              "description": "Paths to commit, relative to the repository; none may start with '-'. Empty or absent: every change (git add -A). Given: exactly these paths are staged and committed; other staged changes stay staged, uncommitted"},)json" RA_GIT_TIMEOUT
                              R"json(}, "required": ["repo", "message"], "additionalProperties": false})json";

#define RA_GIT_COMMON_OUT                                                                                 \
  R"json("success": {"type": "boolean"}, "exit_code": {"type": "integer"},)json"                          \
  R"json( "output": {"type": "string", "description": "git's messages (capped)"},)json"                   \
  R"json( "error": {"type": "string", "description": "Why it failed (only when success is false)"},)json" \
  R"json( "timed_out": {"type": "boolean"}, "duration_ms": {"type": "integer"})json"
#define RA_GIT_ENTRIES                                                                                   \
  R"json({"type": "array", "items": {"type": "object", "properties": {"path": {"type": "string"},)json"  \
  R"json( "orig_path": {"type": "string"}, "status": {"type": "string"}, "xy": {"type": "string"},)json" \
  R"json( "score": {"type": "integer"}, "submodule": {"type": "boolean"}}, "required": ["path", "status"]}})json"

const char *const status_out = R"json({"type": "object", "properties": {)json" RA_GIT_COMMON_OUT R"json(,
    "branch": {"type": ["string", "null"]}, "head": {"type": ["string", "null"]},
    "detached": {"type": "boolean"}, "unborn": {"type": "boolean"},
    "upstream": {"type": ["string", "null"]}, "upstream_gone": {"type": "boolean"},
    "ahead": {"type": "integer"}, "behind": {"type": "integer"},
    "staged": )json" RA_GIT_ENTRIES R"json(, "modified": )json" RA_GIT_ENTRIES R"json(,
    "untracked": )json" RA_GIT_ENTRIES R"json(, "conflicted": )json" RA_GIT_ENTRIES R"json(,
    "clean": {"type": "boolean"}, "truncated": {"type": "boolean"}},
  "required": ["success", "exit_code", "output"]})json";

const char *const log_out = R"json({"type": "object", "properties": {)json" RA_GIT_COMMON_OUT R"json(,
    "commits": {"type": "array", "items": {"type": "object", "properties": {
      "commit": {"type": "string"}, "author": {"type": "string"}, "email": {"type": "string"},
      "date": {"type": "string", "description": "ISO 8601 author date"}, "subject": {"type": "string"}}}},
    "truncated": {"type": "boolean"}},
  "required": ["success", "exit_code", "output"]})json";

const char *const diff_out = R"json({"type": "object", "properties": {)json" RA_GIT_COMMON_OUT R"json(,
    "diff": {"type": "string"}, "truncated": {"type": "boolean"},
    "diff_bytes": {"type": "integer", "description": "Size of the whole diff, also when truncated"}},
  "required": ["success", "exit_code", "output"]})json";

const char *const pull_out = R"json({"type": "object", "properties": {)json" RA_GIT_COMMON_OUT R"json(,
    "up_to_date": {"type": "boolean"}, "conflict": {"type": "boolean"}, "conflicted": )json" RA_GIT_ENTRIES R"json(},
  "required": ["success", "exit_code", "output"]})json";

const char *const commit_out = R"json({"type": "object", "properties": {)json" RA_GIT_COMMON_OUT R"json(,
    "commit": {"type": ["string", "null"], "description": "The new commit's id"},
    "summary": {"type": "string"}, "nothing_to_commit": {"type": "boolean"}},
  "required": ["success", "exit_code", "output"]})json";

const char *const push_out = R"json({"type": "object", "properties": {)json" RA_GIT_COMMON_OUT R"json(,
    "rejected": {"type": "boolean"},
    "refs": {"type": "array", "items": {"type": "object", "properties": {
      "from": {"type": "string"}, "to": {"type": "string"}, "status": {"type": "string"},
      "summary": {"type": "string"}}}}},
  "required": ["success", "exit_code", "output"]})json";

// ---- text helpers -------------------------------------------------------------------------------

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_right(s);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
    s.remove_prefix(1);
  return s;
}

bool blank(std::string_view s) { return trim(s).empty(); }

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

std::vector<std::string_view> lines_of(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t nl = s.find('\n');
    std::string_view line = s.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

// Splits NUL-terminated records. `tail_incomplete` is set when the data does not end with NUL
// (the last record was cut); that record is then left out.
std::vector<std::string_view> nul_records(std::string_view z, bool &tail_incomplete) {
  std::vector<std::string_view> out;
  tail_incomplete = false;
  while (!z.empty()) {
    size_t n = z.find('\0');
    if (n == std::string_view::npos) {
      tail_incomplete = true;
      break;
    }
    out.push_back(z.substr(0, n));
    z.remove_prefix(n + 1);
  }
  return out;
}

std::string short_ref(std::string_view ref) {
  for (std::string_view p : {"refs/heads/", "refs/tags/", "refs/remotes/"})
    if (ref.starts_with(p)) return std::string(ref.substr(p.size()));
  return std::string(ref);
}

// ---- JSON ---------------------------------------------------------------------------------------

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(writer &w, const char *key, std::string_view text) { ra::plugin_text::put_text(w, key, text); }

void put_opt(writer &w, const char *key, const std::optional<std::string> &v) {
  if (v)
    put(w, key, *v);
  else
    w.Key(key), w.Null();
}

void put_entries(writer &w, const char *key, const std::vector<status_entry> &list) {
  w.Key(key);
  w.StartArray();
  for (const auto &e : list) {
    w.StartObject();
    put(w, "path", e.path);
    if (!e.orig_path.empty()) put(w, "orig_path", e.orig_path);
    put(w, "status", e.status);
    if (!e.xy.empty()) put(w, "xy", e.xy);
    if (e.score >= 0) w.Key("score"), w.Int(e.score);
    if (e.submodule) w.Key("submodule"), w.Bool(true);
    w.EndObject();
  }
  w.EndArray();
}

// The members every result ends with.
void put_common(writer &w, bool success, const std::string &output, const run_result &r, const std::string &error) {
  w.Key("success"), w.Bool(success);
  put(w, "output", output);
  w.Key("exit_code"), w.Int(r.exit_code);
  w.Key("timed_out"), w.Bool(r.timed_out);
  w.Key("duration_ms"), w.Int64(r.duration_ms);
  if (!error.empty()) put(w, "error", error);
}

std::string done(rapidjson::StringBuffer &buf) { return {buf.GetString(), buf.GetSize()}; }

// ---- failures -----------------------------------------------------------------------------------

// A failed, timed-out or cancelled run of git `step`: the status and the message. nullopt when
// the run succeeded.
std::optional<std::pair<ra_status, std::string>> run_failed(const git_args &a, const run_result &r,
                                                            std::string_view step) {
  std::string git_step = "git " + std::string(step);
  if (r.timed_out)
    return std::pair{RA_DEADLINE_EXCEEDED, git_step + " timed out after " + std::to_string(a.timeout_ms) +
                                               " ms (its process group was killed)"};
  if (r.cancelled) return std::pair{RA_CANCELLED, "cancelled: " + git_step + " was killed"};
  if (r.exit_code == 0) return std::nullopt;
  const std::string &e = r.err;
  if (contains(e, "not a git repository") || contains(e, "Not a git repository"))
    return std::pair{RA_FAILED_PRECONDITION, "not a git repository: " + a.repo};
  if (contains(e, "cannot change to"))
    return std::pair{RA_FAILED_PRECONDITION, "cannot open the repository directory: " + failure_reason(r.out, e)};
  if (contains(e, "dubious ownership"))
    return std::pair{RA_FAILED_PRECONDITION,
                     "git refuses the repository " + a.repo +
                         ": it is owned by another user (if it is trusted, add it to safe.directory in the git "
                         "config of the daemon's user)"};
  if (contains(e, "Please tell me who you are") || contains(e, "unable to auto-detect email"))
    return std::pair{RA_FAILED_PRECONDITION,
                     "git has no author identity for the daemon's user: set user.name and user.email (git config), "
                     "or GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL/GIT_COMMITTER_NAME/GIT_COMMITTER_EMAIL in the daemon's "
                     "environment"};
  std::string why = failure_reason(r.out, e);
  if (r.term_signal != 0)
    return std::pair{RA_FAILED_PRECONDITION, git_step + " was killed by signal " + std::to_string(r.term_signal)};
  return std::pair{RA_FAILED_PRECONDITION,
                   git_step + " failed (exit " + std::to_string(r.exit_code) + ")" + (why.empty() ? "" : ": " + why)};
}

outcome failure(const std::pair<ra_status, std::string> &f, const std::string &output, const run_result &r) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  put_common(w, false, output, r, f.second);
  w.EndObject();
  return {f.first, done(buf), f.second};
}

// Names of a status letter (index or work tree side) and of an unmerged pair.
std::string letter_name(char c) {
  switch (c) {
    case 'M':
      return "modified";
    case 'T':
      return "type_changed";
    case 'A':
      return "added";
    case 'D':
      return "deleted";
    case 'R':
      return "renamed";
    case 'C':
      return "copied";
    case 'U':
      return "unmerged";
    default:
      return std::string("changed (") + c + ")";
  }
}

std::string conflict_name(std::string_view xy) {
  if (xy == "DD") return "both_deleted";
  if (xy == "AU") return "added_by_us";
  if (xy == "UD") return "deleted_by_them";
  if (xy == "UA") return "added_by_them";
  if (xy == "DU") return "deleted_by_us";
  if (xy == "AA") return "both_added";
  if (xy == "UU") return "both_modified";
  return "unmerged";
}

// The first n space-separated fields of a record, and the rest (the path). False when too short.
bool fields(std::string_view rec, size_t n, std::vector<std::string_view> &f, std::string_view &rest) {
  f.clear();
  for (size_t k = 0; k < n; ++k) {
    size_t sp = rec.find(' ');
    if (sp == std::string_view::npos) return false;
    f.push_back(rec.substr(0, sp));
    rec.remove_prefix(sp + 1);
  }
  rest = rec;
  return !rest.empty();
}

// ---- argument validation -----------------------------------------------------------------------

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string refused_option(const char *what, std::string_view v) {
  return std::string(what) + " '" + std::string(v) +
         "' starts with '-': refused, git would read it as an option (write ./" + std::string(v) + " for a path)";
}

// git check-ref-format rules for a branch name, plus: not a refspec (no leading '+', no ':').
std::optional<std::string> branch_problem(std::string_view b) {
  if (b.starts_with('-')) return "starts with '-' (git would read it as an option)";
  if (b.starts_with('+')) return "starts with '+' (a forced refspec: not allowed)";
  if (b == "@") return "is '@'";
  for (char c : b) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[' ||
        c == '\\')
      return "contains a character git does not allow in branch names (space, control, ~ ^ : ? * [ \\)";
  }
  if (contains(b, "..") || contains(b, "@{") || contains(b, "//")) return "contains '..', '@{' or '//'";
  if (b.starts_with('/') || b.ends_with('/') || b.ends_with('.')) return "starts or ends with '/', or ends with '.'";
  for (std::string_view rest = b; !rest.empty();) {
    size_t sl = rest.find('/');
    std::string_view comp = rest.substr(0, sl);
    if (comp.starts_with('.') || comp.ends_with(".lock")) return "has a component starting with '.' or ending in .lock";
    if (sl == std::string_view::npos) break;
    rest.remove_prefix(sl + 1);
  }
  return std::nullopt;
}

std::vector<std::string> prefix(const git_settings &s, const std::string &repo, bool write) {
  std::vector<std::string> v = {s.git, "--no-pager"};
  if (write) {
    // Only for the write tools: plan mode's classifier refuses -c (it can make git run programs).
    v.insert(v.end(), {"-c", "core.quotePath=false", "-c", "protocol.ext.allow=never"});
  } else {
    v.push_back("--no-optional-locks");
  }
  v.insert(v.end(), {"-C", repo});
  return v;
}

}  // namespace

// ---- settings and arguments --------------------------------------------------------------------

std::optional<git_settings> parse_settings(std::string_view config_json, std::string &error) {
  git_settings s;
  rapidjson::Document d;
  d.Parse(config_json.data(), config_json.size());
  if (d.HasParseError() || !d.IsObject()) {
    error = "plugin config is not a JSON object";
    return std::nullopt;
  }
  for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it) {
    std::string_view k(it->name.GetString(), it->name.GetStringLength());
    const auto &v = it->value;
    if (k == "timeout_ms" && v.IsUint64() && v.GetUint64() > 0 && v.GetUint64() <= 86'400'000) {
      s.timeout_ms = static_cast<int64_t>(v.GetUint64());
    } else if (k == "max_output" && v.IsUint64() && v.GetUint64() > 0 && v.GetUint64() <= (1ull << 30)) {
      s.max_output = v.GetUint64();
    } else if (k == "git" && v.IsString() && v.GetStringLength() > 0 &&
               std::string_view(v.GetString(), v.GetStringLength()).find('\0') == std::string_view::npos &&
               (v.GetString()[0] == '/' || std::string_view(v.GetString()).find('/') == std::string_view::npos)) {
      s.git = v.GetString();
    } else if (k == "ssh_command" && v.IsString() &&
               !has_control(std::string_view(v.GetString(), v.GetStringLength()))) {
      s.ssh_command = v.GetString();
    } else {
      error = "config key '" + std::string(k) +
              "' is unknown or has a bad value (keys: timeout_ms = 1..86400000, max_output = 1..1073741824 bytes, "
              "git = \"git\" or \"/abs/path/git\", ssh_command = \"ssh -o BatchMode=yes …\" or \"\")";
      return std::nullopt;
    }
  }
  return s;
}

std::optional<op> op_of(std::string_view n) {
  if (n == "git_status") return op::status;
  if (n == "git_log") return op::log;
  if (n == "git_diff") return op::diff;
  if (n == "git_pull") return op::pull;
  if (n == "git_commit") return op::commit;
  if (n == "git_push") return op::push;
  return std::nullopt;
}

const char *tool_name(op o) {
  switch (o) {
    case op::status:
      return "git_status";
    case op::log:
      return "git_log";
    case op::diff:
      return "git_diff";
    case op::pull:
      return "git_pull";
    case op::commit:
      return "git_commit";
    case op::push:
      return "git_push";
  }
  return "git";
}

std::optional<git_args> parse_args(op o, std::string_view args_json, const git_settings &s, std::string &error) {
  rapidjson::Document d;
  d.Parse(args_json.data(), args_json.size());
  if (d.HasParseError() || !d.IsObject()) {
    error = "arguments are not a JSON object";
    return std::nullopt;
  }
  auto str = [&](const char *key, std::string &out) {
    if (d.HasMember(key) && d[key].IsString()) out.assign(d[key].GetString(), d[key].GetStringLength());
  };
  git_args a;
  a.timeout_ms = s.timeout_ms;
  str("repo", a.repo);
  if (a.repo.empty()) {
    error = "'repo' must be a non-empty string (the repository's path)";
    return std::nullopt;
  }
  if (has_nul(a.repo)) {
    error = "'repo' contains a NUL character";
    return std::nullopt;
  }
  if (d.HasMember("timeout_ms") && d["timeout_ms"].IsInt64()) {
    a.timeout_ms = d["timeout_ms"].GetInt64();
    if (a.timeout_ms <= 0) {
      error = "'timeout_ms' must be positive";
      return std::nullopt;
    }
  }

  if (o == op::pull || o == op::push) {
    str("remote", a.remote);
    if (a.remote.empty()) a.remote = "origin";
    if (a.remote.starts_with('-')) {
      error = refused_option("remote", a.remote);
      return std::nullopt;
    }
    if (has_control(a.remote)) {
      error = "'remote' contains control characters";
      return std::nullopt;
    }
    str("branch", a.branch);
    if (!a.branch.empty()) {
      if (auto why = branch_problem(a.branch)) {
        error = "branch '" + valid_utf8(a.branch) + "' refused: it " + *why;
        return std::nullopt;
      }
    }
  }
  if (o == op::log || o == op::diff) {
    str("ref", a.ref);
    if (a.ref.starts_with('-')) {
      error = "ref '" + valid_utf8(a.ref) + "' starts with '-': refused, git would read it as an option";
      return std::nullopt;
    }
    if (has_control(a.ref)) {
      error = "'ref' contains control characters";
      return std::nullopt;
    }
    str("path", a.path);
    if (a.path.starts_with('-')) {
      error = refused_option("path", a.path);
      return std::nullopt;
    }
    if (has_nul(a.path)) {
      error = "'path' contains a NUL character";
      return std::nullopt;
    }
  }
  if (o == op::log && d.HasMember("max_count") && d["max_count"].IsInt64()) {
    a.max_count = d["max_count"].GetInt64();
    if (a.max_count < 1 || a.max_count > 1000) {
      error = "'max_count' must be 1..1000";
      return std::nullopt;
    }
  }
  if (o == op::diff) {
    a.staged = d.HasMember("staged") && d["staged"].IsBool() && d["staged"].GetBool();
    a.stat = d.HasMember("stat") && d["stat"].IsBool() && d["stat"].GetBool();
  }
  if (o == op::commit) {
    str("message", a.message);
    if (blank(a.message)) {
      error = "'message' must not be empty or blank";
      return std::nullopt;
    }
    if (has_nul(a.message)) {
      error = "'message' contains a NUL character";
      return std::nullopt;
    }
    if (d.HasMember("files") && d["files"].IsArray()) {
      for (const auto &f : d["files"].GetArray()) {
        if (!f.IsString() || f.GetStringLength() == 0) {
          error = "'files' entries must be non-empty strings";
          return std::nullopt;
        }
        std::string p(f.GetString(), f.GetStringLength());
        if (p.starts_with('-')) {
          error = refused_option("file", p);
          return std::nullopt;
        }
        if (has_nul(p)) {
          error = "a 'files' entry contains a NUL character";
          return std::nullopt;
        }
        a.files.push_back(std::move(p));
      }
    }
  }
  return a;
}

// ---- argv and environment -----------------------------------------------------------------------

const char *const log_format = "%H%x00%aN%x00%aE%x00%aI%x00%s";

std::vector<std::string> status_argv(const git_settings &s, const std::string &repo) {
  auto v = prefix(s, repo, false);
  v.insert(v.end(), {"status", "--porcelain=v2", "--branch", "-z", "--untracked-files=normal"});
  return v;
}

std::vector<std::string> log_argv(const git_settings &s, const git_args &a) {
  auto v = prefix(s, a.repo, false);
  v.insert(v.end(), {"log", "-z", "--no-color", "--no-show-signature", std::string("--format=") + log_format,
                     "--max-count=" + std::to_string(a.max_count)});
  if (!a.ref.empty()) v.push_back(a.ref);
  v.push_back("--");
  if (!a.path.empty()) v.push_back(a.path);
  return v;
}

std::vector<std::string> diff_argv(const git_settings &s, const git_args &a) {
  auto v = prefix(s, a.repo, false);
  v.insert(v.end(), {"diff", "--no-color", "--no-ext-diff"});
  if (a.staged) v.push_back("--cached");
  if (a.stat) v.push_back("--stat=200");
  if (!a.ref.empty()) v.push_back(a.ref);
  v.push_back("--");
  if (!a.path.empty()) v.push_back(a.path);
  return v;
}

std::vector<std::string> pull_argv(const git_settings &s, const git_args &a) {
  auto v = prefix(s, a.repo, true);
  // --no-rebase: always a merge, as the reference (and no "divergent branches" refusal); no "--"
  // before the remote: git pull hands its operands to fetch, which would still read options there,
  // so the '-' refusal in parse_args is what protects.
  v.insert(v.end(), {"pull", "--no-edit", "--no-rebase", a.remote});
  if (!a.branch.empty()) v.push_back(a.branch);
  return v;
}

std::vector<std::string> push_argv(const git_settings &s, const git_args &a) {
  auto v = prefix(s, a.repo, true);
  v.insert(v.end(), {"push", "--porcelain", "--", a.remote});
  if (!a.branch.empty()) v.push_back(a.branch);
  return v;
}

std::vector<std::string> add_argv(const git_settings &s, const git_args &a) {
  auto v = prefix(s, a.repo, true);
  if (a.files.empty()) {
    v.insert(v.end(), {"add", "-A"});
  } else {
    v.insert(v.end(), {"add", "--"});
    v.insert(v.end(), a.files.begin(), a.files.end());
  }
  return v;
}

std::vector<std::string> commit_argv(const git_settings &s, const git_args &a) {
  auto v = prefix(s, a.repo, true);
  // The message comes on stdin (-F -): any text, any size, never read as an option.
  v.insert(v.end(), {"commit", "-F", "-"});
  if (!a.files.empty()) {
    v.insert(v.end(), {"--only", "--"});
    v.insert(v.end(), a.files.begin(), a.files.end());
  }
  return v;
}

std::vector<std::string> head_argv(const git_settings &s, const std::string &repo) {
  auto v = prefix(s, repo, false);
  v.insert(v.end(), {"rev-parse", "--verify", "-q", "HEAD"});
  return v;
}

std::vector<std::string> git_dir_argv(const git_settings &s, const std::string &repo) {
  auto v = prefix(s, repo, false);
  v.insert(v.end(), {"rev-parse", "--git-dir"});
  return v;
}

std::vector<std::string> read_env() { return {"LC_ALL=C"}; }

std::vector<std::string> write_env(const git_settings &s, const char *inherited_ssh_command) {
  std::vector<std::string> env = {"LC_ALL=C",
                                  "GIT_TERMINAL_PROMPT=0",
                                  "GIT_ASKPASS=",
                                  "SSH_ASKPASS=",
                                  "SSH_ASKPASS_REQUIRE=never",
                                  "GIT_EDITOR=true",
                                  "GIT_SEQUENCE_EDITOR=true",
                                  "GIT_MERGE_AUTOEDIT=no",
                                  "GIT_PAGER=cat",
                                  "PAGER=cat"};
  bool user_has_one = inherited_ssh_command && !blank(inherited_ssh_command);
  if (!user_has_one && !s.ssh_command.empty()) env.push_back("GIT_SSH_COMMAND=" + s.ssh_command);
  return env;
}

// ---- parsers ------------------------------------------------------------------------------------

std::optional<repo_status> parse_status(std::string_view z, bool truncated, std::string &error) {
  repo_status st;
  bool tail_incomplete = false;
  std::vector<std::string_view> recs = nul_records(z, tail_incomplete);
  if (tail_incomplete && !truncated) {
    // git terminates every record; accept an unterminated last one all the same.
    size_t start = 0;
    for (auto r : recs) start += r.size() + 1;
    recs.push_back(z.substr(start));
  }
  st.truncated = truncated;
  bool ab_seen = false;
  std::vector<std::string_view> f;
  std::string_view path;
  for (size_t i = 0; i < recs.size(); ++i) {
    std::string_view rec = recs[i];
    if (rec.empty()) continue;
    auto bad = [&](const char *why) {
      error = std::string("unexpected git status record (") + why + "): " + valid_utf8(rec.substr(0, 200));
      return std::nullopt;
    };
    switch (rec[0]) {
      case '#': {
        std::string_view h = rec.substr(std::min<size_t>(2, rec.size()));
        if (h.starts_with("branch.oid ")) {
          std::string_view oid = h.substr(11);
          if (oid == "(initial)")
            st.unborn = true;
          else
            st.head = std::string(oid);
        } else if (h.starts_with("branch.head ")) {
          std::string_view b = h.substr(12);
          if (b == "(detached)")
            st.detached = true;
          else
            st.branch = std::string(b);
        } else if (h.starts_with("branch.upstream ")) {
          st.upstream = std::string(h.substr(16));
        } else if (h.starts_with("branch.ab ")) {
          std::string_view ab = h.substr(10);
          size_t sp = ab.find(' ');
          if (sp == std::string_view::npos || ab.size() < 2 || ab[0] != '+' || sp + 1 >= ab.size() || ab[sp + 1] != '-')
            return bad("branch.ab");
          std::string_view a1 = ab.substr(1, sp - 1), b1 = ab.substr(sp + 2);
          if (std::from_chars(a1.data(), a1.data() + a1.size(), st.ahead).ec != std::errc{} ||
              std::from_chars(b1.data(), b1.data() + b1.size(), st.behind).ec != std::errc{})
            return bad("branch.ab");
          ab_seen = true;
        }
        break;  // other headers (# stash …) are ignored
      }
      case '1':
      case '2': {
        bool rename = rec[0] == '2';
        if (!fields(rec, rename ? 9 : 8, f, path) || f[1].size() != 2) return bad("too few fields");
        std::string orig;
        int score = -1;
        if (rename) {
          if (i + 1 >= recs.size()) {
            if (truncated) break;  // the original path was cut off: drop the record
            return bad("rename without its original path");
          }
          orig = std::string(recs[++i]);
          std::string_view sc = f[8];
          if (!sc.empty()) {
            int n = 0;
            if (std::from_chars(sc.data() + 1, sc.data() + sc.size(), n).ec == std::errc{}) score = n;
          }
        }
        char x = f[1][0], y = f[1][1];
        bool sub = f[2].starts_with('S');
        auto entry = [&](char c) {
          status_entry e;
          e.path = std::string(path);
          e.status = letter_name(c);
          e.xy = std::string(f[1]);
          e.submodule = sub;
          if (rename && (c == 'R' || c == 'C')) {
            e.orig_path = orig;
            e.score = score;
          }
          return e;
        };
        if (x != '.') st.staged.push_back(entry(x));
        if (y != '.') st.modified.push_back(entry(y));
        break;
      }
      case 'u': {
        if (!fields(rec, 10, f, path) || f[1].size() != 2) return bad("too few fields");
        status_entry e;
        e.path = std::string(path);
        e.xy = std::string(f[1]);
        e.status = conflict_name(f[1]);
        e.submodule = f[2].starts_with('S');
        st.conflicted.push_back(std::move(e));
        break;
      }
      case '?': {
        if (rec.size() < 3 || rec[1] != ' ') return bad("untracked");
        status_entry e;
        e.path = std::string(rec.substr(2));
        e.status = "untracked";
        st.untracked.push_back(std::move(e));
        break;
      }
      case '!':
        break;  // ignored files (not asked for)
      default:
        return bad("unknown record type");
    }
  }
  st.upstream_gone = st.upstream.has_value() && !ab_seen;
  return st;
}

std::vector<log_entry> parse_log(std::string_view z, bool &incomplete) {
  bool tail = false;
  std::vector<std::string_view> recs = nul_records(z, tail);
  incomplete = tail || recs.size() % 5 != 0;
  std::vector<log_entry> out;
  for (size_t i = 0; i + 5 <= recs.size(); i += 5) {
    log_entry e;
    std::string_view c = recs[i];
    while (!c.empty() && c.front() == '\n') c.remove_prefix(1);  // defensive: a separator newline
    e.commit = std::string(c);
    e.author = std::string(recs[i + 1]);
    e.email = std::string(recs[i + 2]);
    e.date = std::string(recs[i + 3]);
    e.subject = std::string(recs[i + 4]);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<push_ref> parse_push(std::string_view out) {
  std::vector<push_ref> refs;
  for (std::string_view line : lines_of(out)) {
    if (line.size() < 3 || line[1] != '\t') continue;  // "To <url>", "Done"
    push_ref r;
    r.flag = line[0];
    std::string_view rest = line.substr(2);
    size_t tab = rest.find('\t');
    std::string_view spec = rest.substr(0, tab);
    r.summary = tab == std::string_view::npos ? "" : std::string(rest.substr(tab + 1));
    size_t colon = spec.find(':');
    r.from = std::string(spec.substr(0, colon));
    r.to = colon == std::string_view::npos ? "" : std::string(spec.substr(colon + 1));
    refs.push_back(std::move(r));
  }
  return refs;
}

std::string combine_output(std::string_view out, std::string_view err) {
  std::string s(out);
  if (!blank(err)) {
    if (!s.empty() && s.back() != '\n') s += '\n';
    s += err;
  }
  return std::string(trim_right(s));
}

std::string failure_reason(std::string_view out, std::string_view err) {
  std::string why;
  for (std::string_view line : lines_of(err)) {
    for (std::string_view p : {"fatal: ", "error: "}) {
      if (line.starts_with(p)) {
        if (!why.empty()) why += "; ";
        why += trim(line.substr(p.size()));
      }
    }
  }
  if (why.empty()) {
    for (std::string_view text : {err, out}) {
      auto ls = lines_of(text);
      for (auto it = ls.rbegin(); it != ls.rend(); ++it) {
        if (!blank(*it) && !it->starts_with("hint: ")) {
          why = std::string(trim(*it));
          break;
        }
      }
      if (!why.empty()) break;
    }
  }
  if (why.size() > 2000) why = why.substr(0, 2000) + "…";
  return valid_utf8(why);
}

// ---- outcomes -------------------------------------------------------------------------------------

outcome status_outcome(const git_args &a, const run_result &r) {
  std::string output(trim_right(r.err));
  if (auto f = run_failed(a, r, "status")) return failure(*f, output, r);
  std::string error;
  auto st = parse_status(r.out, r.out_truncated, error);
  if (!st) return failure({RA_INTERNAL, error}, output, r);
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  put_opt(w, "branch", st->branch);
  put_opt(w, "head", st->head);
  w.Key("detached"), w.Bool(st->detached);
  w.Key("unborn"), w.Bool(st->unborn);
  put_opt(w, "upstream", st->upstream);
  w.Key("upstream_gone"), w.Bool(st->upstream_gone);
  w.Key("ahead"), w.Int64(st->ahead);
  w.Key("behind"), w.Int64(st->behind);
  put_entries(w, "staged", st->staged);
  put_entries(w, "modified", st->modified);
  put_entries(w, "untracked", st->untracked);
  put_entries(w, "conflicted", st->conflicted);
  w.Key("clean"), w.Bool(st->clean() && !st->truncated);
  w.Key("truncated"), w.Bool(st->truncated);
  put_common(w, true, output, r, "");
  w.EndObject();
  return {RA_OK, done(buf), ""};
}

outcome log_outcome(const git_args &a, const run_result &r) {
  std::string output(trim_right(r.err));
  std::vector<log_entry> commits;
  bool incomplete = false;
  // An unborn branch has no history: an empty list, not an error.
  bool unborn = r.exit_code != 0 && !r.timed_out && !r.cancelled && contains(r.err, "does not have any commits yet");
  if (!unborn) {
    if (auto f = run_failed(a, r, "log")) return failure(*f, output, r);
    commits = parse_log(r.out, incomplete);
  }
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  w.Key("commits");
  w.StartArray();
  for (const auto &c : commits) {
    w.StartObject();
    put(w, "commit", c.commit);
    put(w, "author", c.author);
    put(w, "email", c.email);
    put(w, "date", c.date);
    put(w, "subject", c.subject);
    w.EndObject();
  }
  w.EndArray();
  w.Key("truncated"), w.Bool(r.out_truncated || incomplete);
  run_result shown = r;
  if (unborn) shown.exit_code = 0;
  put_common(w, true, output, shown, "");
  w.EndObject();
  return {RA_OK, done(buf), ""};
}

std::optional<outcome> repo_check_outcome(const git_args &a, const run_result &r) {
  if (auto f = run_failed(a, r, "rev-parse")) return failure(*f, std::string(trim_right(r.err)), r);
  return std::nullopt;
}

outcome diff_outcome(const git_args &a, const run_result &r) {
  std::string output(trim_right(r.err));
  if (auto f = run_failed(a, r, "diff")) return failure(*f, output, r);
  std::string_view text = r.out;
  if (r.out_truncated) {
    // Do not end inside a character: drop an incomplete trailing sequence.
    size_t cut = text.size();
    for (size_t back = 1; back <= 3 && back <= text.size(); ++back) {
      unsigned char c = static_cast<unsigned char>(text[text.size() - back]);
      if ((c & 0xC0) == 0x80) continue;
      if (c >= 0xC0 && ra::plugin_text::utf8_seq_len(text, text.size() - back) == 0) cut = text.size() - back;
      break;
    }
    text = text.substr(0, cut);
  }
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  put(w, "diff", text);
  w.Key("truncated"), w.Bool(r.out_truncated);
  w.Key("diff_bytes"), w.Uint64(r.out_bytes ? r.out_bytes : r.out.size());
  put_common(w, true, output, r, "");
  w.EndObject();
  return {RA_OK, done(buf), ""};
}

outcome pull_outcome(const git_args &a, const run_result &pull, const run_result *after) {
  std::string output = combine_output(pull.out, pull.err);
  std::vector<status_entry> conflicted;
  if (after && after->exit_code == 0 && !after->timed_out && !after->cancelled) {
    std::string ignored;
    if (auto st = parse_status(after->out, after->out_truncated, ignored)) conflicted = st->conflicted;
  }
  auto f = run_failed(a, pull, "pull");
  bool conflict = f && f->first == RA_FAILED_PRECONDITION && !conflicted.empty() &&
                  (contains(pull.out, "CONFLICT") || contains(pull.out, "Automatic merge failed"));
  if (conflict) {
    std::string names;
    for (size_t i = 0; i < conflicted.size() && i < 20; ++i) names += (i ? ", " : "") + conflicted[i].path;
    if (conflicted.size() > 20) names += ", … (" + std::to_string(conflicted.size()) + " in all)";
    f->second = "merge conflict in " + valid_utf8(names) +
                ". The repository is left mid-merge with conflict markers in those files: resolve them and commit "
                "(git_commit), or abandon the merge with `git merge --abort`";
  }
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  w.Key("up_to_date"),
      w.Bool(!f && (contains(pull.out, "Already up to date") || contains(pull.out, "Already up-to-date")));
  w.Key("conflict"), w.Bool(conflict);
  put_entries(w, "conflicted", conflicted);
  put_common(w, !f, output, pull, f ? f->second : "");
  w.EndObject();
  if (f) return {f->first, done(buf), f->second};
  return {RA_OK, done(buf), ""};
}

outcome push_outcome(const git_args &a, const run_result &r) {
  std::string output = combine_output(r.out, r.err);
  std::vector<push_ref> refs = parse_push(r.out);
  auto f = run_failed(a, r, "push");
  bool rejected = false;
  std::string reasons;
  for (const auto &p : refs) {
    if (p.flag != '!') continue;
    rejected = true;
    std::string why;
    if (contains(p.summary, "non-fast-forward") || contains(p.summary, "fetch first"))
      why =
          "the remote branch has commits that this branch does not have (non-fast-forward): pull (git_pull), then "
          "push again";
    else if (contains(p.summary, "remote rejected"))
      why = "the remote refused it: " + p.summary;
    else if (contains(p.summary, "stale info"))
      why = "the remote branch changed since it was last fetched (stale info)";
    else
      why = p.summary;
    if (!reasons.empty()) reasons += "; ";
    reasons += short_ref(p.from) + " -> " + short_ref(p.to) + " " + p.summary + ": " + why;
  }
  if (f && rejected && f->first == RA_FAILED_PRECONDITION) f->second = "push rejected: " + valid_utf8(reasons);
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  w.Key("rejected"), w.Bool(rejected);
  w.Key("refs");
  w.StartArray();
  for (const auto &p : refs) {
    const char *st = p.flag == ' '   ? "fast_forward"
                     : p.flag == '+' ? "forced"
                     : p.flag == '-' ? "deleted"
                     : p.flag == '*' ? "new"
                     : p.flag == '!' ? "rejected"
                     : p.flag == '=' ? "up_to_date"
                                     : "unknown";
    w.StartObject();
    put(w, "from", short_ref(p.from));
    put(w, "to", short_ref(p.to));
    w.Key("status"), w.String(st);
    put(w, "summary", p.summary);
    w.EndObject();
  }
  w.EndArray();
  put_common(w, !f, output, r, f ? f->second : "");
  w.EndObject();
  if (f) return {f->first, done(buf), f->second};
  return {RA_OK, done(buf), ""};
}

outcome commit_outcome(const git_args &a, const run_result &add, const run_result *commit, const run_result *head) {
  std::string output = combine_output(add.out, add.err);
  if (auto f = run_failed(a, add, "add")) return failure(*f, output, add);
  if (!commit) return failure({RA_INTERNAL, "git commit did not run"}, output, add);
  std::string c_out = combine_output(commit->out, commit->err);
  if (!c_out.empty()) output += (output.empty() ? "" : "\n") + c_out;
  auto f = run_failed(a, *commit, "commit");
  bool nothing = false;
  if (f && f->first == RA_FAILED_PRECONDITION) {
    std::string all = commit->out + "\n" + commit->err;
    if (contains(all, "nothing to commit") || contains(all, "nothing added to commit") ||
        contains(all, "no changes added to commit")) {
      nothing = true;
      f->second = a.files.empty() ? "nothing to commit: the working tree has no changes"
                                  : "nothing to commit: the selected files have no changes";
    }
  }
  std::optional<std::string> oid;
  if (!f && head && head->exit_code == 0 && !head->timed_out && !head->cancelled) {
    std::string_view h = trim(head->out);
    if (!h.empty()) oid = std::string(h);
  }
  std::string summary;
  if (!f) {
    auto ls = lines_of(trim_right(commit->out));
    for (size_t i = 0; i < ls.size() && i < 2; ++i) summary += (i ? "\n" : "") + std::string(trim(ls[i]));
  }
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  put_opt(w, "commit", oid);
  put(w, "summary", summary);
  w.Key("nothing_to_commit"), w.Bool(nothing);
  put_common(w, !f, output, *commit, f ? f->second : "");
  w.EndObject();
  if (f) return {f->first, done(buf), f->second};
  return {RA_OK, done(buf), ""};
}

const char *input_schema(op o) {
  switch (o) {
    case op::status:
      return status_in;
    case op::log:
      return log_in;
    case op::diff:
      return diff_in;
    case op::pull:
      return pull_in;
    case op::commit:
      return commit_in;
    case op::push:
      return push_in;
  }
  return status_in;
}

const char *output_schema(op o) {
  switch (o) {
    case op::status:
      return status_out;
    case op::log:
      return log_out;
    case op::diff:
      return diff_out;
    case op::pull:
      return pull_out;
    case op::commit:
      return commit_out;
    case op::push:
      return push_out;
  }
  return status_out;
}

}  // namespace ra_git
