#include "policy/invocation.hpp"

#include <algorithm>
#include <array>

namespace ra::policy {
namespace {

bool contains(const std::vector<std::string_view> &list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// nice's historic "-10", "--10", "-+10".
bool is_numeric_option(std::string_view t) {
  if (t.size() < 2 || t[0] != '-') return false;
  t.remove_prefix(1);
  if (t[0] == '-' || t[0] == '+') t.remove_prefix(1);
  return all_digits(t);
}

std::string join_words(const std::vector<word> &words, size_t from) {
  std::string out;
  for (size_t k = from; k < words.size(); ++k) {
    if (!out.empty()) out += ' ';
    out += words[k].text;
  }
  return out;
}

// Options per the GNU coreutils / sudo manuals. Wrappers with plan = true must be exact: a letter
// wrongly listed as taking an argument would hide the program it runs.
const std::vector<wrapper_spec> &wrappers() {
  static const std::vector<wrapper_spec> table = [] {
    std::vector<wrapper_spec> t;
    t.push_back({.name = "env",
                 .short_flags = "i0v",
                 .short_with_arg = "uC",
                 .long_flags = {"ignore-environment", "null", "debug", "list-signal-handling", "help", "version",
                                "block-signal", "default-signal", "ignore-signal"},
                 .long_with_arg = {"unset", "chdir"},
                 .assignments = true,
                 .plan = true});
    t.push_back({.name = "nice",
                 .short_with_arg = "n",
                 .long_flags = {"help", "version"},
                 .long_with_arg = {"adjustment"},
                 .numeric_option = true,
                 .plan = true});
    t.push_back({.name = "timeout",
                 .short_flags = "fpv",
                 .short_with_arg = "sk",
                 .long_flags = {"foreground", "preserve-status", "verbose", "help", "version"},
                 .long_with_arg = {"signal", "kill-after"},
                 .operands_before_command = 1,
                 .plan = true});
    t.push_back({.name = "stdbuf",
                 .short_with_arg = "ioe",
                 .long_flags = {"help", "version"},
                 .long_with_arg = {"input", "output", "error"},
                 .plan = true});
    t.push_back({.name = "command", .short_flags = "pvV", .plan = true});
    // Not for plan mode (they elevate, detach or multiply), but the hard deny list looks through them.
    t.push_back({.name = "sudo",
                 .short_flags = "AbEeHhiKklnPSsVv",
                 .short_with_arg = "CDgpRrTtUu",
                 .long_with_arg = {"user", "group", "host", "prompt", "chroot", "chdir", "role", "type", "other-user",
                                   "close-from", "command-timeout"}});
    t.push_back({.name = "doas", .short_flags = "Lns", .short_with_arg = "uC"});
    t.push_back({.name = "nohup"});
    t.push_back({.name = "exec", .short_flags = "cl", .short_with_arg = "a"});
    t.push_back(
        {.name = "time", .short_flags = "apqvV", .short_with_arg = "fo", .long_with_arg = {"format", "output"}});
    t.push_back({.name = "busybox"});
    t.push_back({.name = "builtin"});
    t.push_back({.name = "coproc"});
    t.push_back({.name = "setsid", .short_flags = "cfw"});
    t.push_back({.name = "ionice", .short_flags = "t", .short_with_arg = "cnp"});
    t.push_back({.name = "xargs",
                 .short_flags = "0eilboprtx",
                 .short_with_arg = "adEILnPs",
                 .long_with_arg = {"arg-file", "delimiter", "max-lines", "max-args", "max-procs", "max-chars",
                                   "process-slot-var"}});
    return t;
  }();
  return table;
}

}  // namespace

bool is_leading_keyword(const word &w) {
  static constexpr std::array<std::string_view, 12> keywords = {"!",    "{",  "}",  "if",   "then",  "else",
                                                                "elif", "fi", "do", "done", "while", "until"};
  if (w.quoted || w.expands) return false;
  return std::find(keywords.begin(), keywords.end(), w.text) != keywords.end();
}

size_t command_start(const std::vector<word> &words) {
  size_t i = 0;
  while (i < words.size() && (is_leading_keyword(words[i]) || words[i].assignment)) ++i;
  return i;
}

const wrapper_spec *find_wrapper(std::string_view name) {
  for (const wrapper_spec &w : wrappers()) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

unwrapped skip_wrapper(const wrapper_spec &spec, const std::vector<word> &words, size_t at, bool strict) {
  unwrapped u;
  const size_t n = words.size();
  const bool is_env = spec.name == "env";
  auto fail = [&](std::string why) {
    u.error = std::move(why);
    u.program = n;
    return u;
  };
  auto split = [&](std::string value, size_t rest) {
    if (strict) return fail("'env -S' (a command given as one string) cannot be inspected");
    u.has_split_string = true;
    u.split_string = std::move(value);
    std::string tail = join_words(words, rest);
    if (!tail.empty()) u.split_string += " " + tail;
    u.program = n;
    return u;
  };

  int operands = spec.operands_before_command;
  bool options = true;  // every wrapper here stops reading options at its first operand ("+" getopt)
  size_t i = at + 1;
  for (; i < n; ++i) {
    const word &w = words[i];
    std::string_view t = w.text;
    if (strict && (w.expands || w.leading_special)) {
      return fail("'" + std::string(spec.name) + "' argument '" + w.text + "' is computed at run time");
    }
    if (options && t == "--") {
      options = false;
      continue;
    }
    if (options && is_env && t == "-") continue;  // "env -" is "env -i"
    if (options && spec.numeric_option && is_numeric_option(t)) continue;
    if (options && is_long_option(t)) {
      std::string_view name = long_option_name(t);
      bool has_value = t.find('=') != std::string_view::npos;
      if (is_env && name.size() >= 2 && std::string_view("split-string").starts_with(name)) {
        if (has_value) return split(std::string(t.substr(t.find('=') + 1)), i + 1);
        if (i + 1 < n) return split(words[i + 1].text, i + 2);
        return fail("'env --split-string' has no value");
      }
      if (contains(spec.long_with_arg, name)) {
        if (!has_value) ++i;
        continue;
      }
      if (contains(spec.long_flags, name)) continue;
      if (strict) return fail("'" + std::string(spec.name) + "' option '" + std::string(t) + "' is not understood");
      continue;
    }
    if (options && is_short_option(t)) {
      for (size_t k = 1; k < t.size(); ++k) {
        char c = t[k];
        if (is_env && c == 'S') {
          if (k + 1 < t.size()) return split(std::string(t.substr(k + 1)), i + 1);
          if (i + 1 < n) return split(words[i + 1].text, i + 2);
          return fail("'env -S' has no value");
        }
        if (spec.short_with_arg.find(c) != std::string_view::npos) {
          if (k + 1 == t.size()) ++i;  // the value is the next word
          break;
        }
        if (spec.short_flags.find(c) != std::string_view::npos) {
          if (spec.name == "command" && (c == 'v' || c == 'V')) u.lookup_only = true;
          continue;
        }
        if (strict) {
          return fail("'" + std::string(spec.name) + "' option '-" + std::string(1, c) + "' is not understood");
        }
      }
      continue;
    }
    if (spec.assignments && t.find('=') != std::string_view::npos) {
      u.assignments.push_back(i);
      options = false;
      continue;
    }
    if (operands > 0) {
      --operands;
      options = false;
      continue;
    }
    break;
  }
  u.program = std::min(i, n);
  return u;
}

bool is_short_option(std::string_view arg) { return arg.size() >= 2 && arg[0] == '-' && arg[1] != '-'; }

bool is_long_option(std::string_view arg) { return arg.size() > 2 && arg.starts_with("--"); }

std::string_view long_option_name(std::string_view arg) {
  if (!is_long_option(arg)) return {};
  arg.remove_prefix(2);
  return arg.substr(0, arg.find('='));
}

bool long_option_may_be(std::string_view arg, std::string_view full) {
  std::string_view name = long_option_name(arg);
  return !name.empty() && full.starts_with(name);
}

bool any_short_letter(const std::vector<std::string> &args, std::string_view letters) {
  for (const std::string &a : args) {
    if (a == "--") break;
    if (is_short_option(a) && a.find_first_of(letters, 1) != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> operands_of(const std::vector<std::string> &args, std::string_view short_with_arg,
                                     const std::vector<std::string_view> &long_with_arg) {
  std::vector<std::string> out;
  bool options = true;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (options && a == "--") {
      options = false;
    } else if (options && is_short_option(a)) {
      for (size_t k = 1; k < a.size(); ++k) {
        if (short_with_arg.find(a[k]) != std::string_view::npos) {
          if (k + 1 == a.size()) ++i;
          break;
        }
      }
    } else if (options && is_long_option(a)) {
      if (a.find('=') == std::string_view::npos && contains(long_with_arg, long_option_name(a))) ++i;
    } else {
      out.emplace_back(a);
    }
  }
  return out;
}

}  // namespace ra::policy
