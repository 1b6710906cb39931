// policy/readonly_rules.hpp — plan mode's argument rules for whitelisted programs that can write
// files or run other programs when given certain options (sed -i, sort -o, find -exec, git diff
// --output, awk system() …). Internal to policy/; classify_readonly is the public entry point.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ra::policy {

// Programs whose arguments are inspected. Their arguments must be literal words: an expansion or
// a leading glob could become an option at run time.
bool has_argument_rules(std::string_view program);

// Why these arguments would make `program` write or run something; nullopt when read-only.
std::optional<std::string> argument_refusal(std::string_view program, const std::vector<std::string> &args);

// Script scanners (readonly_scripts.cpp). They refuse what they cannot read.
std::optional<std::string> sed_script_refusal(std::string_view script);
std::optional<std::string> awk_program_refusal(std::string_view program);

}  // namespace ra::policy
