// policy/policy.hpp — the lexical policy: a pure decision function over (mode, permission class,
// paths, commands). It is the FIRST filter; the kernel sandbox (sandbox/) is the real boundary.
// Rules: deny always wins; a hard deny list applies in every mode; plan mode lets through only
// commands it can classify as read-only (REFERENCE-SPEC §5, with the §17 escapes closed).
// Thread safety: pure functions of their arguments; rules are immutable values.
#pragma once

#include <remote_agents/plugin.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/mode.hpp"

namespace ra::policy {

struct rules {
  std::vector<std::string> allowed_paths;  // empty = all paths not denied
  std::vector<std::string> denied_paths;
  std::vector<std::string> allowed_commands;   // program names or globs; empty = any program
  std::vector<std::string> denied_commands;    // case-insensitive substrings of the command line
  std::vector<std::string> readonly_commands;  // plan-mode whitelist of program names
  // The kernel can confine a child to no file-system writes (Landlock): what lets plan mode run
  // an exec_sandboxed program (R36) that is not a read-only command.
  bool kernel_readonly_sandbox = false;
};

// The built-in plan-mode whitelist (REFERENCE-SPEC §5.3).
const std::vector<std::string> &default_readonly_commands();

struct decision {
  bool allowed = true;
  std::string reason;  // why not, when !allowed; a sentence fit for the caller
  static decision allow() { return {}; }
  static decision deny(std::string why) { return {false, std::move(why)}; }
};

enum class access { read, write };

// May a tool of this permission class run at all in this mode? (disabled: only RA_PERM_INFO.)
decision check_tool_class(mode m, ra_permission permission);

// Path policy on a lexically normalised path (relative paths resolved against `cwd`):
// deny list first (component-wise prefix), then the allow list. In plan mode a write is denied.
decision check_path(std::string_view path, access a, mode m, const rules &r, std::string_view cwd);

// Command policy: hard deny (every mode, structural: `rm -r -f /`, mkfs, fork bombs, writes to
// block devices …), configured deny substrings, the allow list, then (plan) read-only
// classification. Disabled denies everything.
decision check_command(std::string_view command, mode m, const rules &r);

// exec_sandboxed (abi.md R36): the command policy of exec (hard deny, deny list, allow list), but
// in plan mode the program need not be a read-only command; it needs kernel_readonly_sandbox,
// since the sandbox is then the only thing keeping it from writing.
decision check_sandboxed_command(std::string_view command, mode m, const rules &r);

// Plan-mode classification alone: is every segment of this shell command read-only?
decision classify_readonly(std::string_view command, const std::vector<std::string> &readonly);

// The hard deny list alone: why this command is on it ("recursive delete of /", "fork bomb" …),
// or nullopt. Structural (on parsed words, through sudo/env/sh -c …), not substring matching.
std::optional<std::string> hard_deny_reason(std::string_view command);

// Lexical normalisation: absolute, no "." or "..", no duplicate or trailing slashes.
std::string normalize_path(std::string_view path, std::string_view cwd);
// Component-wise prefix: "/boot" is under "/boot" and "/boot/x", not "/bootx".
bool path_is_under(std::string_view normalized_path, std::string_view normalized_prefix);

}  // namespace ra::policy
