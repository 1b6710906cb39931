// check_tool_class and check_command: the order of the command checks is the policy —
// hard deny (every mode), the configured deny list, the allow list, then plan classification.
// Deny always wins; nothing later can allow what an earlier step refused.
#include <fnmatch.h>

#include "policy/command_parse.hpp"
#include "policy/invocation.hpp"
#include "policy/policy.hpp"

namespace ra::policy {
namespace {

bool known_mode(mode m) { return m == mode::plan || m == mode::edit || m == mode::bypass || m == mode::disabled; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Lower-case (ASCII) with every run of whitespace collapsed to one space, so "rm  -rf\t/" matches
// the pattern "rm -rf /" (the reference matched the raw lower-cased text).
std::string collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (is_space(c)) {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (space) out += ' ';
  return out;
}

std::optional<std::string> configured_deny_match(std::string_view command, const std::vector<std::string> &denied) {
  const std::string text = collapse(command);
  for (const std::string &pattern : denied) {
    std::string p = collapse(pattern);
    if (p.find_first_not_of(' ') == std::string::npos) continue;  // empty patterns match nothing
    if (text.find(p) != std::string::npos) return pattern;
  }
  return std::nullopt;
}

bool allowed_program(std::string_view name, const std::vector<std::string> &allowed) {
  std::string n(name);
  for (const std::string &pattern : allowed) {
    if (::fnmatch(pattern.c_str(), n.c_str(), 0) == 0) return true;
  }
  return false;
}

// Every program the command runs — in every segment, substitution and through wrappers — must
// match allowed_commands.
std::optional<std::string> allow_list_refusal(const parsed_command &parsed, const std::vector<std::string> &allowed) {
  for (const segment &seg : parsed.segments) {
    if (seg.data) continue;
    for (size_t at = command_start(seg.words); at < seg.words.size();) {
      const word &p = seg.words[at];
      if (p.expands || p.glob || p.text.find('{') != std::string::npos) {  // {rm,x} is brace expansion
        return "the program name '" + p.text + "' is computed at run time, so allowed_commands cannot check it";
      }
      std::string_view name = basename_of(p.text);
      if (!allowed_program(name, allowed)) return "'" + std::string(name) + "' is not in allowed_commands";
      const wrapper_spec *w = find_wrapper(name);
      if (w == nullptr) break;
      unwrapped u = skip_wrapper(*w, seg.words, at, /*strict=*/true);
      if (!u.error.empty()) return "cannot tell which program '" + std::string(name) + "' runs: " + u.error;
      if (u.lookup_only) break;
      at = u.program;
    }
  }
  return std::nullopt;
}

}  // namespace

decision check_tool_class(mode m, ra_permission permission) {
  const bool known = permission == RA_PERM_READ || permission == RA_PERM_WRITE || permission == RA_PERM_EXEC ||
                     permission == RA_PERM_NETWORK || permission == RA_PERM_INFO || permission == RA_PERM_ADMIN ||
                     permission == RA_PERM_EXEC_SANDBOXED;
  if (!known) return decision::deny("unknown permission class " + std::to_string(static_cast<long>(permission)));
  switch (m) {
    case mode::disabled:
      return permission == RA_PERM_INFO ? decision::allow() : decision::deny("host is disabled");
    case mode::plan:
      if (permission == RA_PERM_WRITE) return decision::deny("plan mode is read-only: write tools are refused");
      if (permission == RA_PERM_NETWORK) return decision::deny("plan mode is read-only: network tools are refused");
      return decision::allow();
    case mode::edit:
    case mode::bypass:
      return decision::allow();
  }
  return decision::deny("unknown mode");
}

decision check_command(std::string_view command, mode m, const rules &r) {
  if (!known_mode(m)) return decision::deny("unknown mode");
  if (m == mode::disabled) return decision::deny("host is disabled");
  parsed_command parsed = parse_command(command);
  // What we cannot parse we cannot check; the shell would reject it too.
  if (!parsed.ok()) return decision::deny("command could not be parsed: " + parsed.error);
  if (std::optional<std::string> why = hard_deny_reason(command)) {
    return decision::deny("command blocked by the hard deny list (" + *why + ")");
  }
  if (std::optional<std::string> p = configured_deny_match(command, r.denied_commands)) {
    return decision::deny("command blocked by the configured deny list (matched '" + *p + "')");
  }
  if (!r.allowed_commands.empty()) {
    if (std::optional<std::string> why = allow_list_refusal(parsed, r.allowed_commands)) {
      return decision::deny("command not allowed: " + *why);
    }
  }
  if (m == mode::plan) {
    return classify_readonly(command, r.readonly_commands.empty() ? default_readonly_commands() : r.readonly_commands);
  }
  return decision::allow();
}

decision check_sandboxed_command(std::string_view command, mode m, const rules &r) {
  if (m != mode::plan) return check_command(command, m, r);
  if (!r.kernel_readonly_sandbox) {
    parsed_command parsed = parse_command(command);
    std::string program = parsed.ok() && !parsed.segments.empty() && !parsed.segments[0].words.empty()
                              ? std::string(basename_of(parsed.segments[0].words[0].text))
                              : std::string(command);
    return decision::deny("plan mode runs '" + program +
                          "' only inside the kernel's read-only sandbox, and this kernel has no Landlock");
  }
  // The same checks edit mode makes; the read-only classification is replaced by the sandbox.
  return check_command(command, mode::edit, r);
}

}  // namespace ra::policy
