// Plan-mode classification: a command passes only if every segment is a whitelisted program whose
// arguments cannot make it write or run something else (REFERENCE-SPEC §5.2–5.3, with the §17.8
// escapes closed). Unknown or unreadable → refused, with the reason naming the program.
#include <algorithm>
#include <array>

#include "policy/command_parse.hpp"
#include "policy/invocation.hpp"
#include "policy/policy.hpp"
#include "policy/readonly_rules.hpp"

namespace ra::policy {
namespace {

decision refuse(std::string why) { return decision::deny("plan mode: " + why); }

// Variables a command may be given in plan mode. Others can change what a program runs
// (LD_PRELOAD, GIT_EXTERNAL_DIFF, PAGER, BASH_ENV, PATH …) or how it reads its options
// (POSIXLY_CORRECT turns off GNU argument permutation, which the option checks assume).
bool safe_variable(std::string_view name) {
  static constexpr std::array<std::string_view, 12> names = {
      "LANG",     "LANGUAGE",       "TZ",         "COLUMNS",   "LINES",      "TERM", "NO_COLOR",
      "CLICOLOR", "CLICOLOR_FORCE", "TIME_STYLE", "LS_COLORS", "GREP_COLORS"};
  return name.starts_with("LC_") || std::find(names.begin(), names.end(), name) != names.end();
}

std::string_view variable_name(std::string_view assignment) {
  std::string_view name = assignment.substr(0, assignment.find('='));
  if (name.ends_with('+')) name.remove_suffix(1);
  return name;
}

decision check_variable(std::string_view assignment) {
  std::string_view name = variable_name(assignment);
  if (safe_variable(name)) return decision::allow();
  return refuse("setting " + std::string(name) + " is not allowed (it can change what a program runs)");
}

// A program named with a path must be the system's copy: "./cat" is whatever that file is.
bool in_system_directory(std::string_view program) {
  static constexpr std::array<std::string_view, 6> dirs = {"/bin",      "/sbin",          "/usr/bin",
                                                           "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"};
  if (!program.starts_with('/')) return false;
  std::string normalized = normalize_path(program, "/");
  std::string_view dir = std::string_view(normalized).substr(0, normalized.rfind('/'));
  return std::find(dirs.begin(), dirs.end(), dir) != dirs.end();
}

bool listed(const std::vector<std::string> &list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// words[at] is the program; what follows are its arguments.
decision classify_invocation(const std::vector<word> &words, size_t at, const std::vector<std::string> &readonly,
                             int wrappers_seen) {
  const word &program = words[at];
  if (program.expands || program.glob || program.leading_special) {
    return refuse("the program name '" + program.text + "' is computed at run time");
  }
  if (program.text.find('/') != std::string::npos && !in_system_directory(program.text)) {
    return refuse("'" + program.text + "' is run by path; only programs in the system directories are classified");
  }
  std::string name(basename_of(program.text));
  if (!listed(readonly, name)) return refuse("'" + name + "' is not an allowed read-only command");

  if (const wrapper_spec *w = find_wrapper(name); w != nullptr && w->plan) {
    unwrapped u = skip_wrapper(*w, words, at, /*strict=*/true);
    if (!u.error.empty()) return refuse(u.error);
    for (size_t a : u.assignments) {
      if (decision d = check_variable(words[a].text); !d.allowed) return d;
    }
    if (u.lookup_only || u.program >= words.size()) return decision::allow();
    if (wrappers_seen >= 8) return refuse("too many nested wrapper commands");
    return classify_invocation(words, u.program, readonly, wrappers_seen + 1);
  }

  if (has_argument_rules(name)) {
    std::vector<std::string> args;
    for (size_t k = at + 1; k < words.size(); ++k) {
      const word &a = words[k];
      // "$X" or "*.txt" might become "-i" or "-o FILE" at run time (e.g. a file named "-i").
      if (a.expands || a.leading_special) {
        return refuse("arguments of '" + name + "' must be literal ('" + a.text + "' is expanded at run time)");
      }
      args.push_back(a.text);
    }
    if (std::optional<std::string> why = argument_refusal(name, args)) return refuse(*why);
  }
  return decision::allow();
}

decision classify_segment(const segment &seg, const std::vector<std::string> &readonly) {
  for (const redirection &r : seg.redirections) {
    if (!r.writes()) continue;
    if (r.target.text == "/dev/null" && !r.target.expands) continue;
    return refuse("output redirection ('" + r.op + " " + r.target.text + "') is not allowed");
  }
  const std::vector<word> &words = seg.words;
  size_t i = 0;
  for (; i < words.size(); ++i) {
    if (is_leading_keyword(words[i])) continue;
    if (!words[i].assignment) break;
    if (decision d = check_variable(words[i].text); !d.allowed) return d;
  }
  if (i >= words.size()) return decision::allow();
  return classify_invocation(words, i, readonly, 0);
}

}  // namespace

const std::vector<std::string> &default_readonly_commands() {
  // REFERENCE-SPEC §5.3 without ldd (it may run the program it inspects: see ldd(1)), plus
  // cd/true/false/test/[ (built-ins that write nothing) and the wrappers timeout/nice/stdbuf/command,
  // which are classified by the command they run.
  static const std::vector<std::string> list = {
      "ls",      "cat",     "pwd",       "echo",     "printf",    "grep",     "egrep",    "fgrep",    "rg",
      "find",    "head",    "tail",      "wc",       "sort",      "uniq",     "cut",      "awk",      "sed",
      "tr",      "column",  "nl",        "diff",     "ps",        "df",       "du",       "whoami",   "hostname",
      "uname",   "date",    "uptime",    "free",     "id",        "env",      "printenv", "which",    "type",
      "stat",    "file",    "tree",      "realpath", "dirname",   "basename", "readlink", "ip",       "ifconfig",
      "netstat", "ss",      "dig",       "nslookup", "ping",      "top",      "htop",     "lsblk",    "lscpu",
      "lsof",    "jq",      "yq",        "md5sum",   "sha256sum", "git",      "cargo",    "npm",      "tac",
      "rev",     "comm",    "paste",     "join",     "fold",      "fmt",      "expand",   "unexpand", "numfmt",
      "seq",     "factor",  "look",      "xxd",      "hexdump",   "od",       "strings",  "base64",   "base32",
      "cksum",   "sha1sum", "sha512sum", "b2sum",    "pgrep",     "pidof",    "nproc",    "arch",     "getconf",
      "locale",  "tty",     "groups",    "who",      "w",         "host",     "whois",    "lsmod",    "lspci",
      "lsusb",   "findmnt", "getent",    "readelf",  "nm",        "objdump",  "cal",      "whatis",   "apropos",
      "cd",      "true",    "false",     "test",     "[",         "timeout",  "nice",     "stdbuf",   "command"};
  return list;
}

decision classify_readonly(std::string_view command, const std::vector<std::string> &readonly) {
  parsed_command parsed = parse_command(command);
  if (!parsed.ok()) return refuse("the command could not be parsed (" + parsed.error + ")");
  if (parsed.substitution) return refuse("command substitution ($(…), `…`, <(…), >(…)) is not allowed");
  if (parsed.subshell) return refuse("subshells and function definitions are not allowed");
  if (parsed.background) return refuse("background jobs (&) are not allowed");
  for (const segment &seg : parsed.segments) {
    if (seg.data) continue;  // heredoc text read by a whitelisted program
    if (decision d = classify_segment(seg, readonly); !d.allowed) return d;
  }
  return decision::allow();
}

}  // namespace ra::policy
