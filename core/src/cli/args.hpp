// cli/args.hpp — command-line parsing: global flags, the verb, and its own arguments.
// Flags may appear anywhere before a literal "--"; "--flag=value" and "--flag value" both work.
// Thread safety: pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/status.hpp"

namespace ra::cli {

struct parsed_args {
  std::string verb;                                        // "" when none was given
  std::vector<std::string> positional;                     // after the verb
  std::vector<std::string> after_dashes;                   // everything after "--"
  std::map<std::string, std::vector<std::string>> values;  // --name value (repeatable)
  std::map<std::string, bool> switches;                    // --json, --no-agent, ...
  bool has(const std::string &sw) const { return switches.count(sw) > 0; }
  std::optional<std::string> value(const std::string &name) const;
  std::vector<std::string> all(const std::string &name) const;
};

// Which long flags take a value; everything else starting with "--" is a switch. Short aliases
// (-r, -t, -n, -c) map onto their long names.
result<parsed_args> parse(int argc, const char *const *argv);

}  // namespace ra::cli
