// Plan mode's argument rules, one function per program. Each names the options that make a
// whitelisted program write files or run other programs (REFERENCE-SPEC §5.2 plus the §17.8
// escapes). Long options are matched the way GNU getopt does, abbreviations included.
#include <algorithm>
#include <initializer_list>

#include "policy/invocation.hpp"
#include "policy/readonly_rules.hpp"

namespace ra::policy {
namespace {

using args_t = std::vector<std::string>;
using refusal = std::optional<std::string>;

template <class Range>
bool in(const Range &list, std::string_view s) {
  return std::find(std::begin(list), std::end(list), s) != std::end(list);
}
bool in(std::initializer_list<std::string_view> list, std::string_view s) { return in<>(list, s); }

bool any_long(const args_t &a, std::string_view full) {
  for (const std::string &t : a) {
    if (t == "--") break;
    if (long_option_may_be(t, full)) return true;
  }
  return false;
}

std::string quote(std::string_view program, std::string_view arg) {
  return "'" + std::string(program) + " " + std::string(arg) + "'";
}

// ---- git ---------------------------------------------------------------------------------------

// git branch / git tag: only listing options; NAME operands only as patterns of --list.
refusal git_listing(std::string_view sub, const args_t &rest, std::initializer_list<std::string_view> flags,
                    std::string_view short_letters) {
  // Options whose value is "=v" or the next word, and options with an optional attached "=v".
  static constexpr std::string_view valued[] = {"--contains",  "--no-contains", "--merged", "--no-merged",
                                                "--points-at", "--sort",        "--format"};
  static constexpr std::string_view attached[] = {"--color", "--column", "--abbrev"};
  bool list = false;
  bool named = false;
  for (size_t i = 0; i < rest.size(); ++i) {
    std::string_view t = rest[i];
    if (t == "-l" || t == "--list") {
      list = true;
    } else if (!t.starts_with('-')) {
      named = true;
    } else if (is_short_option(t) && t.find_first_not_of(short_letters, 1) == std::string_view::npos) {
      list = list || t.find('l') != std::string_view::npos;
    } else if (in(flags, t)) {
      // a listing flag
    } else if (std::string_view name = t.substr(0, t.find('=')); in(valued, name)) {
      if (name.size() == t.size()) {
        if (i + 1 >= rest.size() || rest[i + 1].starts_with('-')) {
          return quote("git " + std::string(sub), t) + " needs a value written as " + std::string(t) + "=VALUE";
        }
        ++i;
      }
    } else if (!in(attached, name)) {
      return quote("git " + std::string(sub), t) + " is not a listing option";
    }
  }
  if (named && !list) return quote("git " + std::string(sub), "NAME") + " creates a " + std::string(sub);
  return std::nullopt;
}

refusal git_config(const args_t &rest) {
  static constexpr std::string_view getters[] = {"--get",  "--get-all", "--get-regexp", "--get-urlmatch",
                                                 "--list", "-l",        "--get-color",  "--get-colorbool"};
  static constexpr std::string_view modifiers[] = {
      "--global", "--system",      "--local",     "--worktree",    "--show-origin", "--show-scope",
      "-z",       "--null",        "--name-only", "--includes",    "--no-includes", "--bool",
      "--int",    "--bool-or-int", "--path",      "--expiry-date", "--fixed-value"};
  static constexpr std::string_view valued[] = {"--file", "--blob", "--type", "--default"};
  bool get = false;
  std::vector<std::string_view> names;
  for (std::string_view t : rest) {
    if (!t.starts_with('-')) {
      names.push_back(t);
    } else if (in(getters, t)) {
      get = true;
    } else if (!in(modifiers, t) && !(t.find('=') != std::string_view::npos && in(valued, t.substr(0, t.find('='))))) {
      return quote("git config", t) + " is not a read-only config query";
    }
  }
  if (get || names.empty()) return std::nullopt;
  // git 2.46 subcommands: "git config get|list …" read; set/unset/edit/… write.
  if (names[0] == "get" || names[0] == "list") return std::nullopt;
  if (names.size() == 1 && !in({"set", "unset", "rename-section", "remove-section", "edit"}, names[0])) {
    return std::nullopt;
  }
  return std::string("'git config NAME VALUE' and its write subcommands change the configuration");
}

refusal git_first_operand(std::string_view sub, const args_t &rest, std::initializer_list<std::string_view> ok) {
  for (std::string_view t : rest) {
    if (t.starts_with('-')) continue;
    if (in(ok, t)) return std::nullopt;
    return quote("git " + std::string(sub), t) + " is not read-only";
  }
  return std::nullopt;
}

refusal git_rules(const args_t &a) {
  static constexpr std::string_view global_valued[] = {"-C", "--git-dir", "--work-tree", "--namespace"};
  static constexpr std::string_view global_flags[] = {"--no-pager",
                                                      "-P",
                                                      "--no-replace-objects",
                                                      "--literal-pathspecs",
                                                      "--glob-pathspecs",
                                                      "--noglob-pathspecs",
                                                      "--icase-pathspecs",
                                                      "--no-optional-locks",
                                                      "--bare"};
  static constexpr std::string_view simple[] = {"status",   "log",         "diff",     "show",  "ls-files",
                                                "ls-tree",  "rev-parse",   "describe", "blame", "shortlog",
                                                "cat-file", "whatchanged", "grep"};
  size_t i = 0;
  while (i < a.size() && a[i].starts_with('-')) {
    std::string_view t = a[i];
    std::string_view name = t.substr(0, t.find('='));
    if (in(global_valued, t)) {
      i += 2;  // -C DIR (accepted, unlike the reference), --git-dir DIR …
    } else if (name != t && name.starts_with("--") && in(global_valued, name)) {
      ++i;
    } else if (in(global_flags, t)) {
      ++i;
    } else if (t == "--version" && i + 1 == a.size()) {
      return std::nullopt;
    } else {
      // -c, --config-env, --exec-path, -p (pager) … can make git run other programs.
      return "git option '" + std::string(t) + "' is not allowed (it can change what git runs or writes)";
    }
  }
  if (i >= a.size()) return std::string("'git' needs a read-only subcommand");
  const std::string &sub = a[i];
  args_t rest(a.begin() + static_cast<std::ptrdiff_t>(i) + 1, a.end());
  for (const std::string &t : rest) {
    if (t == "-o" || long_option_may_be(t, "output")) {
      return quote("git " + sub, t) + " writes its output to a file";
    }
  }
  if (sub == "grep") {
    for (const std::string &t : rest) {
      if ((is_short_option(t) && t.find('O') != std::string::npos) || long_option_may_be(t, "open-files-in-pager")) {
        return quote("git grep", t) + " runs a pager program";
      }
    }
  }
  if (in(simple, sub)) return std::nullopt;
  if (sub == "branch") {
    return git_listing(sub, rest,
                       {"--all", "--remotes", "--verbose", "--quiet", "--show-current", "--no-color", "--no-column",
                        "--no-abbrev", "--ignore-case", "--omit-empty"},
                       "arvlqi");
  }
  if (sub == "tag") {
    args_t kept;  // without -n / -n<num> (annotation lines to print)
    for (const std::string &t : rest) {
      bool lines = t.starts_with("-n") && t.find_first_not_of("0123456789", 2) == std::string::npos;
      if (!lines) kept.push_back(t);
    }
    return git_listing(sub, kept, {"--ignore-case", "--omit-empty", "--no-column", "--no-color"}, "li");
  }
  if (sub == "config") return git_config(rest);
  if (sub == "remote") return git_first_operand(sub, rest, {"show", "get-url"});
  if (sub == "reflog") return git_first_operand(sub, rest, {"show", "exists"});
  return "'git " + sub + "' is not a read-only git command";
}

// ---- package managers (reference lists, minus the §17.8 escapes) --------------------------------

std::string_view first_operand(const args_t &a) {
  for (const std::string &t : a) {
    if (!t.starts_with('-')) return t;
  }
  return {};
}

refusal cargo_rules(const args_t &a) {
  for (const std::string &t : a) {
    if (long_option_may_be(t, "config") || t.starts_with("-Z")) {
      return quote("cargo", t) + " can make cargo run other programs";
    }
  }
  std::string_view sub = first_operand(a);
  if (sub.empty() || in({"tree", "metadata", "search", "version"}, sub)) return std::nullopt;
  if (sub == "fmt") {
    if (std::find(a.begin(), a.end(), "--check") != a.end()) return std::nullopt;
    return std::string("'cargo fmt' rewrites files (use 'cargo fmt --check')");
  }
  // cargo check was in the reference list, but it compiles and runs build scripts and proc macros.
  return quote("cargo", sub) + " builds, runs or changes files";
}

refusal npm_rules(const args_t &a) {
  std::string_view sub = first_operand(a);
  if (!in({"ls", "list", "view", "outdated", "audit", "ping"}, sub)) {
    return quote("npm", sub.empty() ? std::string_view("") : sub) + " is not a read-only npm command";
  }
  if (sub == "audit" && std::find(a.begin(), a.end(), "fix") != a.end()) {
    return std::string("'npm audit fix' changes installed packages");
  }
  return std::nullopt;
}

// ---- file tools ----------------------------------------------------------------------------------

refusal find_rules(const args_t &a) {
  for (const std::string &t : a) {
    if (in({"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprintf", "-fprint", "-fprint0", "-fls"}, t)) {
      return quote("find", t) + " runs commands, deletes or writes files";
    }
  }
  return std::nullopt;
}

// GNU getopt_long: an exact name, or the one option the abbreviation can stand for.
std::string_view resolve_long(std::string_view name, std::initializer_list<std::string_view> options) {
  std::string_view found;
  for (std::string_view o : options) {
    if (o == name) return o;
    if (!name.empty() && o.starts_with(name)) {
      if (!found.empty()) return {};  // ambiguous: getopt refuses it too
      found = o;
    }
  }
  return found;
}

refusal sed_rules(const args_t &a) {
  std::vector<std::string> scripts;
  bool operand_before_e = false;  // a non-permuting getopt (BSD, POSIXLY_CORRECT) takes it as the script
  std::vector<std::string_view> operands;
  bool options = true;
  for (size_t i = 0; i < a.size(); ++i) {
    std::string_view t = a[i];
    if (options && t == "--") {
      options = false;
    } else if (options && is_long_option(t)) {
      std::string_view full = resolve_long(
          long_option_name(t), {"in-place", "expression", "file", "line-length", "quiet", "silent", "debug", "posix",
                                "regexp-extended", "separate", "sandbox", "unbuffered", "null-data", "zero-terminated",
                                "follow-symlinks", "binary", "help", "version"});
      bool has_value = t.find('=') != std::string_view::npos;
      if (full.empty()) return quote("sed", t) + " is not an option this check understands";
      if (full == "in-place") return quote("sed", t) + " edits files in place";
      if (full == "file") return quote("sed", t) + " reads a script file that cannot be inspected";
      if (full == "expression") {
        if (!operands.empty() && scripts.empty()) operand_before_e = true;
        if (has_value) {
          scripts.emplace_back(t.substr(t.find('=') + 1));
        } else if (i + 1 < a.size()) {
          scripts.push_back(a[++i]);
        }
      } else if (full == "line-length" && !has_value) {
        ++i;
      }
    } else if (options && is_short_option(t)) {
      for (size_t k = 1; k < t.size(); ++k) {
        char c = t[k];
        if (c == 'i') return quote("sed", t) + " edits files in place";
        if (c == 'f') return quote("sed", t) + " reads a script file that cannot be inspected";
        if (c == 'e') {
          if (!operands.empty() && scripts.empty()) operand_before_e = true;
          if (k + 1 < t.size()) {
            scripts.emplace_back(t.substr(k + 1));
          } else if (i + 1 < a.size()) {
            scripts.push_back(a[++i]);
          }
          break;
        }
        if (c == 'l') {
          if (k + 1 == t.size()) ++i;
          break;
        }
        if (std::string_view("nErsuzb").find(c) == std::string_view::npos) {
          return quote("sed", t) + " is not an option this check understands";
        }
      }
    } else {
      operands.push_back(t);  // GNU sed permutes: options may still follow
    }
  }
  if ((scripts.empty() || operand_before_e) && !operands.empty()) scripts.emplace_back(operands.front());
  for (const std::string &s : scripts) {
    if (refusal why = sed_script_refusal(s)) return why;
  }
  return std::nullopt;
}

refusal awk_rules(const args_t &a) {
  std::vector<std::string> programs;
  bool program_given = false;
  size_t i = 0;
  for (; i < a.size(); ++i) {  // awk stops reading options at its first operand
    std::string_view t = a[i];
    if (t == "--") {
      ++i;
      break;
    }
    if (is_long_option(t)) {
      std::string_view name = long_option_name(t);
      bool has_value = t.find('=') != std::string_view::npos;
      if (name == "field-separator" || name == "assign") {
        if (!has_value) ++i;
      } else if (name == "source") {
        program_given = true;
        if (has_value) {
          programs.emplace_back(t.substr(t.find('=') + 1));
        } else if (i + 1 < a.size()) {
          programs.push_back(a[++i]);
        }
      } else if (!in({"characters-as-bytes", "traditional", "copyright", "help", "lint", "bignum", "use-lc-numeric",
                      "non-decimal-data", "optimize", "posix", "re-interval", "no-optimize", "sandbox", "lint-old",
                      "version", "gen-pot", "csv"},
                     name)) {
        // --file, --exec, --include (inplace), --load, --dump-variables, --profile, --pretty-print …
        return quote("awk", t) + " can load code or write files";
      }
      continue;
    }
    if (!is_short_option(t)) break;
    for (size_t k = 1; k < t.size(); ++k) {
      char c = t[k];
      if (c == 'F' || c == 'v') {
        if (k + 1 == t.size()) ++i;
        break;
      }
      if (c == 'e') {
        program_given = true;
        if (k + 1 < t.size()) {
          programs.emplace_back(t.substr(k + 1));
        } else if (i + 1 < a.size()) {
          programs.push_back(a[++i]);
        }
        break;
      }
      if (c == 'L') break;  // --lint with an optional attached value
      if (c == 'f') return quote("awk", t) + " reads a program file that cannot be inspected";
      if (std::string_view("bcCghkMNnOPrsStV").find(c) == std::string_view::npos) {
        return quote("awk", t) + " can load code or write files";  // -i -l -E -o -p -d -D -W …
      }
    }
  }
  if (!program_given && i < a.size()) programs.push_back(a[i]);
  for (const std::string &p : programs) {
    if (refusal why = awk_program_refusal(p)) return why;
  }
  return std::nullopt;
}

refusal sort_rules(const args_t &a) {
  if (any_short_letter(a, "o") || any_long(a, "output")) return std::string("'sort -o' writes a file");
  if (any_long(a, "compress-program")) return std::string("'sort --compress-program' runs a program");
  return std::nullopt;
}

refusal uniq_rules(const args_t &a) {
  if (operands_of(a, "fsw", {"skip-fields", "skip-chars", "check-chars"}).size() >= 2) {
    return std::string("'uniq INPUT OUTPUT' writes OUTPUT");
  }
  return std::nullopt;
}

refusal tree_rules(const args_t &a) {
  if (any_short_letter(a, "oR") || any_long(a, "output")) return std::string("'tree -o/-R' writes files");
  return std::nullopt;
}

refusal yq_rules(const args_t &a) {
  if (any_short_letter(a, "i") || any_long(a, "inplace") || any_long(a, "in-place")) {
    return std::string("'yq -i' edits files in place");
  }
  if (any_short_letter(a, "s") || any_long(a, "split-exp")) return std::string("'yq -s' writes a file per result");
  return std::nullopt;
}

refusal xxd_rules(const args_t &a) {
  // xxd writes only to its second operand. Its options are single-dash words.
  size_t operands = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    std::string_view t = a[i];
    if (t == "-" || !t.starts_with('-')) {
      ++operands;
    } else if (in({"-c", "-cols", "-g", "-groupsize", "-l", "-len", "-o", "-offset", "-s", "-seek", "-n", "-name",
                   "-R"},
                  t)) {
      ++i;
    }
  }
  if (operands >= 2) return std::string("'xxd INFILE OUTFILE' writes OUTFILE");
  return std::nullopt;
}

// ---- system tools that change settings with certain arguments ------------------------------------

refusal date_rules(const args_t &a) {
  bool options = true;
  for (size_t i = 0; i < a.size(); ++i) {
    std::string_view t = a[i];
    if (options && t == "--") {
      options = false;
    } else if (options && is_long_option(t)) {
      if (long_option_may_be(t, "set")) return std::string("'date --set' sets the clock");
      if (t.find('=') == std::string_view::npos && in({"date", "file", "reference"}, long_option_name(t))) ++i;
    } else if (options && is_short_option(t)) {
      for (size_t k = 1; k < t.size(); ++k) {
        char c = t[k];
        if (c == 's') return std::string("'date -s' sets the clock");
        if (c == 'd' || c == 'f' || c == 'r') {
          if (k + 1 == t.size()) ++i;
          break;
        }
        if (c == 'I') break;  // -I[FMT]
      }
    } else if (!t.starts_with('+')) {
      return std::string("'date MMDDhhmm' sets the clock");
    }
  }
  return std::nullopt;
}

refusal hostname_rules(const args_t &a) {
  if (any_short_letter(a, "Fb") || any_long(a, "file") || any_long(a, "boot") || !operands_of(a, "F").empty()) {
    return std::string("'hostname NAME' (or -F/-b) sets the host name");
  }
  return std::nullopt;
}

refusal ifconfig_rules(const args_t &a) {
  if (operands_of(a, "").size() >= 2) return std::string("'ifconfig IFACE SETTINGS' changes the interface");
  return std::nullopt;
}

refusal ip_rules(const args_t &a) {
  auto abbrev = [](std::string_view full, std::string_view t, size_t min) {
    return t.size() >= min && full.starts_with(t);
  };
  std::vector<std::string_view> ops;
  for (size_t i = 0; i < a.size(); ++i) {
    std::string_view t = a[i];
    if (!t.starts_with('-')) {
      ops.push_back(t);
    } else if (abbrev("-batch", t, 2) || abbrev("-force", t, 3)) {
      return quote("ip", t) + " runs commands from a file";
    } else if (abbrev("-family", t, 2) || abbrev("-netns", t, 2) || abbrev("-loops", t, 2) || abbrev("-rcvbuf", t, 3)) {
      ++i;
    }
  }
  // ip OBJECT [COMMAND]: only the listing commands, spelled out (abbreviations differ per object).
  if (ops.size() >= 2 && !in({"show", "list", "lst", "get"}, ops[1])) {
    return "'ip " + std::string(ops[0]) + " " + std::string(ops[1]) + "' changes network settings";
  }
  return std::nullopt;
}

refusal ss_rules(const args_t &a) {
  if (any_short_letter(a, "KD") || any_long(a, "kill") || any_long(a, "diag")) {
    return std::string("'ss -K/-D' kills sockets or writes a file");
  }
  return std::nullopt;
}

refusal file_rules(const args_t &a) {
  if (any_short_letter(a, "C") || any_long(a, "compile")) return std::string("'file -C' writes a magic file");
  return std::nullopt;
}

refusal rg_rules(const args_t &a) {
  if (any_long(a, "pre")) return std::string("'rg --pre' runs a program on every file");
  if (any_long(a, "hostname-bin")) return std::string("'rg --hostname-bin' runs a program");
  return std::nullopt;
}

refusal printf_rules(const args_t &a) {
  if (!a.empty() && is_short_option(a[0]) && a[0].find('v') != std::string::npos) {
    return std::string("'printf -v' assigns a shell variable");
  }
  return std::nullopt;
}

struct program_rule {
  std::string_view name;
  refusal (*check)(const args_t &);
};

constexpr program_rule program_rules[] = {
    {"git", git_rules},
    {"cargo", cargo_rules},
    {"npm", npm_rules},
    {"find", find_rules},
    {"sed", sed_rules},
    {"awk", awk_rules},
    {"gawk", awk_rules},
    {"mawk", awk_rules},
    {"nawk", awk_rules},
    {"sort", sort_rules},
    {"uniq", uniq_rules},
    {"tree", tree_rules},
    {"yq", yq_rules},
    {"xxd", xxd_rules},
    {"date", date_rules},
    {"hostname", hostname_rules},
    {"ifconfig", ifconfig_rules},
    {"ip", ip_rules},
    {"ss", ss_rules},
    {"file", file_rules},
    {"rg", rg_rules},
    {"printf", printf_rules},
};

const program_rule *find_rule(std::string_view program) {
  for (const program_rule &r : program_rules) {
    if (r.name == program) return &r;
  }
  return nullptr;
}

}  // namespace

bool has_argument_rules(std::string_view program) { return find_rule(program) != nullptr; }

std::optional<std::string> argument_refusal(std::string_view program, const std::vector<std::string> &args) {
  const program_rule *r = find_rule(program);
  return r ? r->check(args) : std::nullopt;
}

}  // namespace ra::policy
