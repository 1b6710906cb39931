#include "cli/args.hpp"

#include <set>

namespace ra::cli {
namespace {

const std::set<std::string> &value_flags() {
  static const std::set<std::string> v = {
      "config", "plugin-path", "log-level", "relay",       "room",        "token", "name", "tags",     "timeout-ms",
      "client", "server-name", "target",    "relay-token", "deadline-ms", "root",  "mode", "platform", "profile"};
  return v;
}

const std::set<std::string> &switch_flags() {
  static const std::set<std::string> v = {"json",     "no-agent", "help", "version", "force",
                                          "no-start", "stream",   "user", "system"};
  return v;
}

std::string long_name_of(const std::string &s) {
  if (s == "-r") return "room";
  if (s == "-t") return "token";
  if (s == "-n") return "name";
  if (s == "-c") return "client";
  if (s == "-h") return "help";
  if (s == "-V") return "version";
  return "";
}

}  // namespace

std::optional<std::string> parsed_args::value(const std::string &name) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> parsed_args::all(const std::string &name) const {
  auto it = values.find(name);
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

result<parsed_args> parse(int argc, const char *const *argv) {
  parsed_args out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      for (int j = i + 1; j < argc; ++j) out.after_dashes.emplace_back(argv[j]);
      break;
    }
    std::string name, inline_value;
    bool has_inline = false;
    if (a.rfind("--", 0) == 0 && a.size() > 2) {
      name = a.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_inline = true;
      }
    } else if (a.size() == 2 && a[0] == '-' && a[1] != '-') {
      name = long_name_of(a);
      if (name.empty()) return invalid_argument("unknown option '" + a + "'");
    }
    if (name.empty()) {
      if (out.verb.empty())
        out.verb = a;
      else
        out.positional.push_back(a);
      continue;
    }
    if (value_flags().count(name)) {
      if (!has_inline) {
        if (i + 1 >= argc) return invalid_argument("option '--" + name + "' needs a value");
        inline_value = argv[++i];
      }
      out.values[name].push_back(inline_value);
    } else if (switch_flags().count(name)) {
      if (has_inline) return invalid_argument("option '--" + name + "' takes no value");
      out.switches[name] = true;
    } else {
      return invalid_argument("unknown option '--" + name + "'");
    }
  }
  return out;
}

}  // namespace ra::cli
