// policy/invocation.hpp — which program a segment runs: past leading keywords (`!`, `{`, `then` …),
// NAME=value assignments and wrapper programs (env, nice, timeout, sudo, xargs …); plus helpers
// for reading getopt-style options. Shared by the hard deny list, plan classification and
// allowed_commands so that all three agree on what runs.
// Thread safety: pure functions; the wrapper table is immutable.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "policy/command_parse.hpp"

namespace ra::policy {

// Reserved words that may precede a command without changing which program runs.
bool is_leading_keyword(const word &w);

// Index of the first word that is neither a leading keyword nor an assignment (words.size() if none).
size_t command_start(const std::vector<word> &words);

// A program that runs another program given in its arguments.
struct wrapper_spec {
  std::string_view name;
  std::string_view short_flags;                 // option letters without an argument
  std::string_view short_with_arg;              // option letters with one (attached or next word)
  std::vector<std::string_view> long_flags;     // --name or --name=value (optional values attached)
  std::vector<std::string_view> long_with_arg;  // --name=value or --name value
  int operands_before_command = 0;              // timeout DURATION
  bool assignments = false;                     // env: NAME=VALUE words before the command
  bool numeric_option = false;                  // nice -10
  bool plan = false;                            // parsed exactly enough to be used in plan mode
};

// The wrapper called `name` (a basename), or nullptr.
const wrapper_spec *find_wrapper(std::string_view name);

struct unwrapped {
  size_t program = 0;               // index of the wrapped program's word; words.size() if none
  std::vector<size_t> assignments;  // env's NAME=VALUE words
  bool lookup_only = false;         // `command -v/-V`: the program is only looked up, not run
  bool has_split_string = false;    // env -S STRING: the command is STRING split into words
  std::string split_string;
  std::string error;  // strict mode: why the arguments could not be read exactly
};

// Reads the wrapper's own arguments; words[at] is the wrapper. strict: unknown options, env -S
// and run-time-computed arguments are errors (plan mode, allowed_commands); otherwise unknown
// options are skipped as flags (the hard deny list, which must still find the program).
unwrapped skip_wrapper(const wrapper_spec &spec, const std::vector<word> &words, size_t at, bool strict);

// ---- getopt helpers ---------------------------------------------------------------------------
bool is_short_option(std::string_view arg);               // "-x…", not "-" and not "--…"
bool is_long_option(std::string_view arg);                // "--x…", not "--"
std::string_view long_option_name(std::string_view arg);  // "--name=value" → "name"
// GNU getopt_long accepts any unambiguous abbreviation, so "--in" may mean "--in-place". True when
// `arg` is a long option whose name is a non-empty prefix of `full`.
bool long_option_may_be(std::string_view arg, std::string_view full);
// Short option clusters ("-xvf") among args that contain any of `letters` (before "--").
bool any_short_letter(const std::vector<std::string> &args, std::string_view letters);
// Operands (non-option words) of a getopt-style command line whose options that take a separate
// argument are `short_with_arg` / `long_with_arg`.
std::vector<std::string> operands_of(const std::vector<std::string> &args, std::string_view short_with_arg,
                                     const std::vector<std::string_view> &long_with_arg = {});

}  // namespace ra::policy
