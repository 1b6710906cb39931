// The hard deny list: commands refused in every mode, bypass included, because one mistake is
// unrecoverable. Matching is structural — on parsed words, looking through wrappers (sudo, env,
// xargs …) and shell strings (sh -c, eval, su -c) — so `rm -rf /tmp/build` and `echo mkfs-notes`
// pass while `sudo rm -r -f -- /` and `bash -c 'mkfs.ext4 /dev/sdb1'` do not (REFERENCE-SPEC §17.9).
// It is a guard against accidents, not against an adversary: a determined caller can always write
// the same thing in Python. The kernel sandbox is the boundary.
#include <fnmatch.h>

#include <algorithm>
#include <array>
#include <span>

#include "policy/command_parse.hpp"
#include "policy/invocation.hpp"
#include "policy/policy.hpp"

namespace ra::policy {
namespace {

using reason = std::optional<std::string>;

constexpr int max_shell_depth = 4;  // sh -c "sh -c '…'" nesting we look into

// Stands for $HOME while checking ~/… targets lexically.
constexpr std::string_view fake_home = "/ra-home";
// Names that a glob in the first component below / or ~ is tried against: if `/u*` can match
// "usr", the glob covers a system directory.
constexpr std::array<std::string_view, 12> root_entries = {"bin", "boot", "dev",  "etc", "home", "lib",
                                                           "opt", "root", "sbin", "srv", "usr",  "var"};
constexpr std::array<std::string_view, 6> home_entries = {".ssh", ".config", ".bashrc", "Documents", "Desktop", "src"};

bool glob_match(std::string_view pattern, std::string_view name, int flags = 0) {
  std::string p(pattern);
  std::string n(name);
  return ::fnmatch(p.c_str(), n.c_str(), flags) == 0;
}

bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Does the program word name `want`? A globbed name (/bin/r?) is matched as the shell would.
bool names(const word &program, std::string_view want) {
  std::string_view base = basename_of(program.text);
  return program.glob ? glob_match(base, want) : base == want;
}

bool is_mkfs(const word &program) {
  std::string_view base = basename_of(program.text);
  if (program.glob) {
    return glob_match(base, "mkfs") || glob_match(base, "mkfs.ext4") || glob_match(base, "mke2fs");
  }
  return base == "mkfs" || base.starts_with("mkfs.") || base == "mke2fs";
}

// Disks, partitions and memory. Harmless sinks (/dev/null, /dev/tty, /dev/stderr …) are not here.
bool is_block_device(std::string_view path) {
  if (!path.starts_with('/')) return false;
  std::string normalized = normalize_path(path, "/");
  std::string_view r = normalized;
  if (!r.starts_with("/dev/")) return false;
  r.remove_prefix(5);
  static constexpr std::array<std::string_view, 4> exact = {"mem", "kmem", "port", "root"};
  static constexpr std::array<std::string_view, 12> prefixes = {"sd",  "hd", "vd",  "xvd",   "nvme",    "mmcblk",
                                                                "dm-", "md", "nbd", "disk/", "mapper/", "block/"};
  if (std::find(exact.begin(), exact.end(), r) != exact.end()) return true;
  return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return r.starts_with(p); });
}

// Is base+rest `base` itself, above it, or a glob over its entries (base/*, base/*/x …)?
bool covers(std::string_view base, std::string_view rest, bool glob, std::span<const std::string_view> samples) {
  std::string path = normalize_path(std::string(base) + std::string(rest), "/");
  if (path == base || !path_is_under(path, base)) return true;
  if (!glob) return false;
  std::string_view below = std::string_view(path).substr(base == "/" ? 1 : base.size() + 1);
  std::string_view first = below.substr(0, below.find('/'));
  if (first.find_first_of("*?[") == std::string_view::npos) return false;
  return std::any_of(samples.begin(), samples.end(),
                     [&](std::string_view s) { return glob_match(first, s, FNM_PERIOD); });
}

// What an rm target would remove, when that is / or the home directory.
reason root_like(const word &w) {
  std::string_view t = w.text;
  if (t.starts_with('~')) {  // ~, ~/…, ~user/…
    size_t slash = t.find('/');
    std::string_view rest = slash == std::string_view::npos ? std::string_view() : t.substr(slash);
    if (covers(fake_home, rest, w.glob, home_entries)) return std::string("the home directory");
    return std::nullopt;
  }
  if (t.starts_with('$')) {  // $NAME/…, ${NAME}/…: an empty variable leaves "/…"
    std::string_view name;
    size_t end = 1;
    if (t.starts_with("${")) {
      end = t.find('}');
      if (end == std::string_view::npos) return std::nullopt;
      std::string_view inner = t.substr(2, end - 2);
      if (inner.find(":?") != std::string_view::npos) return std::nullopt;  // ${X:?} fails when empty
      size_t k = 0;
      while (k < inner.size() && is_ident_char(inner[k])) ++k;
      name = inner.substr(0, k);
      ++end;
    } else {
      while (end < t.size() && is_ident_char(t[end])) ++end;
      name = t.substr(1, end - 1);
    }
    if (name.empty()) return std::nullopt;
    std::string_view rest = t.substr(end);
    if (name == "HOME") {
      if ((rest.empty() || rest.starts_with('/')) && covers(fake_home, rest, w.glob, home_entries)) {
        return std::string("the home directory");
      }
      return std::nullopt;
    }
    if (rest.starts_with('/') && covers("/", rest, w.glob, root_entries)) {
      std::string n(name);
      return "/ when $" + n + " is empty (write ${" + n + ":?} to guard it)";
    }
    return std::nullopt;
  }
  if (t.starts_with('/') && covers("/", t, w.glob, root_entries)) return std::string("/");
  return std::nullopt;
}

// Recursive rm of / or ~. -f is not required: without a terminal rm -r does not ask.
reason check_rm(const std::vector<word> &words, size_t at) {
  bool recursive = false;
  bool no_preserve_root = false;
  bool options = true;  // GNU rm permutes: options may follow operands
  std::vector<const word *> targets;
  for (size_t k = at + 1; k < words.size(); ++k) {
    const word &w = words[k];
    std::string_view t = w.text;
    if (options && t == "--") {
      options = false;
    } else if (options && is_long_option(t)) {
      recursive = recursive || long_option_may_be(t, "recursive");
      no_preserve_root = no_preserve_root || long_option_may_be(t, "no-preserve-root");
    } else if (options && is_short_option(t)) {
      recursive = recursive || t.find_first_of("rR") != std::string_view::npos;
    } else {
      if (options && w.leading_special) recursive = true;  // "$FLAGS" or a file named "-rf"
      targets.push_back(&w);
    }
  }
  if (!recursive) return std::nullopt;
  if (no_preserve_root) return std::string("recursive delete of / (--no-preserve-root)");
  for (const word *w : targets) {
    if (reason what = root_like(*w)) return "recursive delete of " + *what;
  }
  return std::nullopt;
}

reason check_dd(const std::vector<word> &words, size_t at) {
  for (size_t k = at + 1; k < words.size(); ++k) {
    std::string_view t = words[k].text;
    if (!words[k].expands && t.starts_with("of=") && is_block_device(t.substr(3))) {
      return "dd onto a block device (" + std::string(t.substr(3)) + ")";
    }
  }
  return std::nullopt;
}

reason check_tee(const std::vector<word> &words, size_t at) {
  for (size_t k = at + 1; k < words.size(); ++k) {
    if (!words[k].expands && is_block_device(words[k].text)) {
      return "tee into a block device (" + words[k].text + ")";
    }
  }
  return std::nullopt;
}

reason check_parsed(const parsed_command &parsed, int depth);

reason check_script(std::string_view script, int depth) {
  if (depth >= max_shell_depth) return std::string("shell commands nested too deeply to inspect");
  parsed_command parsed = parse_command(script);
  if (!parsed.ok()) return "a shell command that could not be parsed (" + parsed.error + ")";
  return check_parsed(parsed, depth + 1);
}

// sh -c SCRIPT (also -xc, -o opt -c …). A script file operand is not looked into.
reason check_shell(const std::vector<word> &words, size_t at, int depth) {
  bool c = false;
  for (size_t k = at + 1; k < words.size(); ++k) {
    std::string_view t = words[k].text;
    if (t == "--" || t == "-") {
      if (c && k + 1 < words.size()) return check_script(words[k + 1].text, depth);
      return std::nullopt;
    }
    if (t.starts_with("--")) {
      if (t == "--rcfile" || t == "--init-file") ++k;
      continue;
    }
    if (t.size() > 1 && (t[0] == '-' || t[0] == '+')) {
      c = c || t.find('c') != std::string_view::npos;
      if (t.back() == 'o' || t.back() == 'O') ++k;  // -o OPTION
      continue;
    }
    return c ? check_script(t, depth) : std::nullopt;
  }
  return std::nullopt;
}

reason check_su(const std::vector<word> &words, size_t at, int depth) {
  for (size_t k = at + 1; k < words.size(); ++k) {
    std::string_view t = words[k].text;
    if ((t == "-c" || t == "--command") && k + 1 < words.size()) return check_script(words[k + 1].text, depth);
    if (t.starts_with("--command=")) return check_script(t.substr(10), depth);
    if (t.starts_with("-c") && t.size() > 2) return check_script(t.substr(2), depth);
  }
  return std::nullopt;
}

reason check_invocation(const std::vector<word> &words, size_t at, int depth) {
  static constexpr std::array<std::string_view, 8> shells = {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash"};
  // Look through wrappers; each consumes at least its own word, so this ends.
  for (;;) {
    if (at >= words.size() || words[at].expands) return std::nullopt;
    const word &p = words[at];
    const wrapper_spec *w = p.glob ? nullptr : find_wrapper(basename_of(p.text));
    if (w == nullptr) break;
    unwrapped u = skip_wrapper(*w, words, at, /*strict=*/false);
    if (u.has_split_string) return check_script(u.split_string, depth);
    at = u.program;
  }
  const word &p = words[at];
  std::string_view base = basename_of(p.text);
  if (names(p, "rm")) return check_rm(words, at);
  if (is_mkfs(p)) return "filesystem creation (" + std::string(base) + ")";
  if (names(p, "dd")) return check_dd(words, at);
  if (names(p, "tee")) return check_tee(words, at);
  if (!p.glob && std::find(shells.begin(), shells.end(), base) != shells.end()) return check_shell(words, at, depth);
  if (names(p, "su")) return check_su(words, at, depth);
  if (names(p, "eval")) {
    std::string script;
    for (size_t k = at + 1; k < words.size(); ++k) script += words[k].text + " ";
    return check_script(script, depth);
  }
  return std::nullopt;
}

reason check_segment(const segment &seg, int depth) {
  for (const redirection &r : seg.redirections) {
    if (r.writes() && !r.target.expands && is_block_device(r.target.text)) {
      return "redirection into a block device (" + r.target.text + ")";
    }
  }
  return check_invocation(seg.words, command_start(seg.words), depth);
}

bool feeds_pipe(separator s) { return s == separator::pipe || s == separator::pipe_stderr; }

// After a definition of `name`, does its body (a { } or ( ) group) run `name` in a pipeline or in
// the background? That is what makes :(){ :|:& };: multiply. first_word: where the body starts in
// segs[body] (the `function f { …` form).
bool body_forks_itself(const std::vector<segment> &segs, size_t body, size_t first_word, std::string_view name) {
  int level = 0;
  bool entered = false;
  for (size_t k = body; k < segs.size(); ++k) {
    const segment &s = segs[k];
    std::string program;
    bool closes = false;
    for (size_t w = (k == body ? first_word : 0); w < s.words.size(); ++w) {
      std::string_view t = s.words[w].text;
      if (t == "{") {
        ++level;
        entered = true;
      } else if (t == "}") {
        --level;
      } else {
        if (t.size() > 1 && t.front() == '{') {  // "{:" — written without the space
          ++level;
          entered = true;
          t.remove_prefix(1);
        }
        if (t.size() > 1 && t.back() == '}') {  // ":}"
          closes = true;
          t.remove_suffix(1);
        }
        program = t;
        break;
      }
    }
    if (!entered && !program.empty()) return false;  // not a group body
    bool forks = s.after == separator::background || feeds_pipe(s.after) || (k > body && feeds_pipe(segs[k - 1].after));
    if (entered && level > 0 && program == name && forks) return true;
    if (closes) --level;
    if (s.after == separator::open_paren) {
      ++level;
      entered = true;
    } else if (s.after == separator::close_paren) {
      --level;
    }
    if (entered && level <= 0) return false;
  }
  return false;
}

reason fork_bomb(const std::vector<segment> &segs) {
  for (size_t i = 0; i < segs.size(); ++i) {
    const segment &s = segs[i];
    if (s.after == separator::open_paren && !s.words.empty() && i + 1 < segs.size() && segs[i + 1].words.empty() &&
        segs[i + 1].after == separator::close_paren) {
      const std::string &name = s.words.back().text;  // NAME() or function NAME()
      if (body_forks_itself(segs, i + 2, 0, name)) return "fork bomb (function '" + name + "' starts copies of itself)";
    } else if (size_t at = command_start(s.words); s.words.size() >= at + 3 && s.words[at].text == "function") {
      const std::string &name = s.words[at + 1].text;  // function NAME { …
      if (body_forks_itself(segs, i, at + 2, name))
        return "fork bomb (function '" + name + "' starts copies of itself)";
    }
  }
  return std::nullopt;
}

reason check_parsed(const parsed_command &parsed, int depth) {
  for (const segment &seg : parsed.segments) {
    if (reason r = check_segment(seg, depth)) return r;
  }
  return fork_bomb(parsed.segments);
}

}  // namespace

std::optional<std::string> hard_deny_reason(std::string_view command) {
  parsed_command parsed = parse_command(command);
  if (!parsed.ok()) return std::nullopt;  // check_command refuses unparseable commands itself
  return check_parsed(parsed, 0);
}

}  // namespace ra::policy
