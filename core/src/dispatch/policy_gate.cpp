#include "dispatch/policy_gate.hpp"

#include <string>
#include <vector>

namespace ra::dispatch {
namespace {

// Values of one declared argument: "name" → the string, "name[]" → each string of the array.
// A declared argument of the wrong type is refused rather than skipped: the check must not be
// avoidable by sending a number where a path was expected.
bool collect(const rapidjson::Value &args, const std::string &decl, std::vector<std::string> &out,
             std::string &problem) {
  bool many = decl.size() > 2 && decl.ends_with("[]");
  std::string name = many ? decl.substr(0, decl.size() - 2) : decl;
  auto it = args.FindMember(name.c_str());
  if (it == args.MemberEnd() || it->value.IsNull()) return true;
  if (!many) {
    if (!it->value.IsString()) {
      problem = "argument '" + name + "' must be a string";
      return false;
    }
    out.emplace_back(it->value.GetString(), it->value.GetStringLength());
    return true;
  }
  if (!it->value.IsArray()) {
    problem = "argument '" + name + "' must be an array of strings";
    return false;
  }
  for (auto &v : it->value.GetArray()) {
    if (!v.IsString()) {
      problem = "argument '" + name + "' must be an array of strings";
      return false;
    }
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return true;
}

}  // namespace

policy::decision check_call(const plugin_host::tool_entry &tool, const rapidjson::Value &args, policy::mode m,
                            const policy::rules &rules, std::string_view cwd) {
  auto d = policy::check_tool_class(m, tool.permission);
  if (!d.allowed) return d;

  std::string problem;
  auto check_paths = [&](const std::vector<std::string> &decls, policy::access a) -> policy::decision {
    for (auto &decl : decls) {
      std::vector<std::string> values;
      if (!collect(args, decl, values, problem)) return policy::decision::deny(problem);
      for (auto &v : values) {
        auto pd = policy::check_path(v, a, m, rules, cwd);
        if (!pd.allowed) return pd;
      }
    }
    return policy::decision::allow();
  };
  if (d = check_paths(tool.read_path_args, policy::access::read); !d.allowed) return d;
  if (d = check_paths(tool.write_path_args, policy::access::write); !d.allowed) return d;
  for (auto &decl : tool.command_args) {
    std::vector<std::string> values;
    if (!collect(args, decl, values, problem)) return policy::decision::deny(problem);
    for (auto &v : values) {
      auto cd = tool.permission == RA_PERM_EXEC_SANDBOXED ? policy::check_sandboxed_command(v, m, rules)
                                                          : policy::check_command(v, m, rules);
      if (!cd.allowed) return cd;
    }
  }
  return policy::decision::allow();
}

}  // namespace ra::dispatch
