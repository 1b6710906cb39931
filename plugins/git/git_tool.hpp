// git_tool.hpp — the logic of the git plugin's tools, separate from the ABI glue: the settings from
// [plugins.git.config], argument parsing and validation (option injection refused), the argv and
// environment of every git invocation, the parsers of git's machine output (status porcelain v2
// with -z, log -z, push --porcelain), and the outcome (status, result JSON, message) of each tool.
// Everything here is pure: unit-testable without a host.
// Thread safety: all functions are pure; git_settings is immutable after parsing.
#pragma once

#include <remote_agents/status.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "utf8.hpp"

namespace ra_git {

// ssh for git's network operations unless the daemon's environment already names one.
inline constexpr const char *default_ssh_command = "ssh -o BatchMode=yes -o ConnectTimeout=10";

struct git_settings {
  int64_t timeout_ms = 120'000;                   // per git invocation
  uint64_t max_output = 1u << 20;                 // per stream, bytes
  std::string git = "git";                        // the git binary: a name looked up on PATH, or absolute
  std::string ssh_command = default_ssh_command;  // "" = leave GIT_SSH_COMMAND unset
};

// Parses the plugin's config JSON. Unknown keys and bad values → nullopt with `error` set.
std::optional<git_settings> parse_settings(std::string_view config_json, std::string &error);

enum class op { status, log, diff, pull, commit, push };

// "git_status" → op::status …; nullopt for other names.
std::optional<op> op_of(std::string_view tool_name);
const char *tool_name(op o);

struct git_args {
  std::string repo;
  std::string remote = "origin";
  std::string branch;              // pull/push; "" = none
  std::string ref;                 // log/diff; "" = none
  std::string path;                // log/diff; "" = none
  std::string message;             // commit
  std::vector<std::string> files;  // commit; empty = all changes
  int64_t max_count = 20;          // log
  bool staged = false;             // diff
  bool stat = false;               // diff
  int64_t timeout_ms = 0;
};

// Parses schema-validated arguments, applying defaults, and checks what a schema cannot: no
// argument that reaches git's command line may start with '-' (option injection), branch names
// follow git's rules and are not refspecs ('+' forces, ':' deletes), no NUL or control characters.
std::optional<git_args> parse_args(op o, std::string_view args_json, const git_settings &s, std::string &error);

// ---- argv and environment -----------------------------------------------------------------------
// argv[0] is settings.git. Read tools use only options the plan-mode classifier accepts (no -c).
std::vector<std::string> status_argv(const git_settings &s, const std::string &repo);
std::vector<std::string> log_argv(const git_settings &s, const git_args &a);
std::vector<std::string> diff_argv(const git_settings &s, const git_args &a);
std::vector<std::string> pull_argv(const git_settings &s, const git_args &a);
std::vector<std::string> push_argv(const git_settings &s, const git_args &a);
std::vector<std::string> add_argv(const git_settings &s, const git_args &a);
std::vector<std::string> commit_argv(const git_settings &s, const git_args &a);  // message on stdin
std::vector<std::string> head_argv(const git_settings &s, const std::string &repo);
// `rev-parse --git-dir`: run before git_diff, which outside a repository would silently turn into
// `git diff --no-index <a> <b>` and compare two arbitrary files (ref and path) past the path policy.
std::vector<std::string> git_dir_argv(const git_settings &s, const std::string &repo);

// Environment entries added to the daemon's for read tools (plan mode accepts only LC_*/LANG).
std::vector<std::string> read_env();
// For pull/commit/push: never interactive. `inherited_ssh_command` is the daemon's
// GIT_SSH_COMMAND (nullptr when unset); a non-blank one is kept as it is.
std::vector<std::string> write_env(const git_settings &s, const char *inherited_ssh_command);

// ---- one finished git invocation --------------------------------------------------------------
struct run_result {
  std::string out, err;
  int exit_code = 0;
  int term_signal = 0;
  bool timed_out = false;
  bool cancelled = false;
  bool out_truncated = false;
  bool err_truncated = false;
  uint64_t out_bytes = 0;
  int64_t duration_ms = 0;
};

// ---- parsers ------------------------------------------------------------------------------------
struct status_entry {
  std::string path;
  std::string orig_path;  // renames and copies
  std::string status;     // "modified", "added", "deleted", "renamed", "copied", "type_changed", "both_modified" …
  std::string xy;         // git's two-letter code ("M.", "R.", "UU" …); empty for untracked
  int score = -1;         // rename/copy similarity, -1 when none
  bool submodule = false;
};

struct repo_status {
  std::optional<std::string> branch;  // nullopt when detached
  std::optional<std::string> head;    // commit id; nullopt on an unborn branch
  bool detached = false;
  bool unborn = false;
  std::optional<std::string> upstream;
  bool upstream_gone = false;  // configured, but the remote-tracking branch does not exist
  int64_t ahead = 0, behind = 0;
  std::vector<status_entry> staged, modified, untracked, conflicted;
  bool truncated = false;  // the output was cut at max_output: the lists are incomplete
  bool clean() const { return staged.empty() && modified.empty() && untracked.empty() && conflicted.empty(); }
};

// `git status --porcelain=v2 --branch -z` output. `truncated`: the stream was cut (the last,
// unterminated record is dropped). Malformed records → nullopt with `error`.
std::optional<repo_status> parse_status(std::string_view z, bool truncated, std::string &error);

struct log_entry {
  std::string commit, author, email, date, subject;
};
// `git log -z --format=<log_format>` output; an incomplete trailing record is dropped and
// `incomplete` set.
std::vector<log_entry> parse_log(std::string_view z, bool &incomplete);
extern const char *const log_format;

struct push_ref {
  char flag = ' ';  // ' ' fast-forward, '+' forced, '-' deleted, '*' new, '!' rejected, '=' up to date
  std::string from, to, summary;
};
std::vector<push_ref> parse_push(std::string_view porcelain_stdout);

// The reference's combination: stdout, then (if stderr is not blank) a newline if needed and
// stderr; trailing whitespace trimmed.
std::string combine_output(std::string_view out, std::string_view err);
// Why git failed, from its output: the "fatal:"/"error:" lines (prefix dropped), else the last line.
std::string failure_reason(std::string_view out, std::string_view err);
// Replaces ill-formed UTF-8 with U+FFFD.
inline std::string valid_utf8(std::string_view s) { return ra::plugin_text::lossy_utf8(s); }

// ---- outcomes -------------------------------------------------------------------------------------
// What the glue completes the call with. status RA_OK with success true, or a failure status
// (RA_FAILED_PRECONDITION when git refused, RA_DEADLINE_EXCEEDED, RA_CANCELLED) whose result
// object still carries success false, output, exit_code and error.
struct outcome {
  ra_status status = RA_OK;
  std::string result_json;
  std::string message;  // empty on success
};

outcome status_outcome(const git_args &a, const run_result &r);
outcome log_outcome(const git_args &a, const run_result &r);
outcome diff_outcome(const git_args &a, const run_result &r);
// The result of git_dir_argv: nullopt when repo is a repository, else the failure to report.
std::optional<outcome> repo_check_outcome(const git_args &a, const run_result &r);
// `after` is a status run after a failed pull (to list conflicts), or nullptr.
outcome pull_outcome(const git_args &a, const run_result &pull, const run_result *after);
outcome push_outcome(const git_args &a, const run_result &r);
// Steps so far: add, then commit (nullptr if add failed), then rev-parse HEAD (nullptr if not run).
outcome commit_outcome(const git_args &a, const run_result &add, const run_result *commit, const run_result *head);

// A failure before git ran (e.g. the spawn was refused) is reported by the glue directly.

const char *input_schema(op o);
const char *output_schema(op o);

}  // namespace ra_git
