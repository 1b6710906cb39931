// cli/mcp_clients.cpp — the client table, paths, entry and JSON merge behind `install-mcp`
// (REFERENCE-SPEC §15.2). Pure: the verb does the file I/O.
#include "cli/mcp_clients.hpp"

#include <rapidjson/document.h>

#include <array>
#include <cstdio>

#include "util/json.hpp"

namespace ra::cli::mcp {
namespace {

namespace fs = std::filesystem;

constexpr std::array<client, 11> table{{
    {"claude-desktop", "Claude Desktop", "global (Claude config dir)", shape::mcp_servers, anchor::config_dir,
     "Claude/claude_desktop_config.json"},
    {"claude-code", "Claude Code", "project-local .mcp.json (cwd)", shape::mcp_servers, anchor::cwd, ".mcp.json"},
    {"cursor", "Cursor", "global (~/.cursor/mcp.json)", shape::mcp_servers, anchor::home, ".cursor/mcp.json"},
    {"cline", "Cline", "VS Code globalStorage", shape::mcp_servers, anchor::config_dir,
     "Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"},
    {"roo", "Roo Code", "VS Code globalStorage", shape::mcp_servers, anchor::config_dir,
     "Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json"},
    {"kilo", "Kilo Code", "VS Code globalStorage", shape::mcp_servers, anchor::config_dir,
     "Code/User/globalStorage/kilocode.kilo-code/settings/mcp_settings.json"},
    {"windsurf", "Windsurf", "global (~/.codeium/windsurf)", shape::mcp_servers, anchor::home,
     ".codeium/windsurf/mcp_config.json"},
    {"zed", "Zed", "global (zed settings.json)", shape::context_servers, anchor::config_dir, "zed/settings.json"},
    {"opencode", "opencode", "global (opencode.json)", shape::opencode, anchor::config_dir, "opencode/opencode.json"},
    {"continue", "Continue", "YAML — snippet printed", shape::yaml_continue, anchor::home, ".continue/config.yaml"},
    {"goose", "Goose", "YAML — snippet printed", shape::yaml_goose, anchor::config_dir, "goose/config.yaml"},
}};

const char *container_key(shape s) {
  switch (s) {
    case shape::mcp_servers:
      return "mcpServers";
    case shape::context_servers:
      return "context_servers";
    case shape::opencode:
      return "mcp";
    default:
      return "";
  }
}

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

rapidjson::Value str(std::string_view s, rapidjson::Document::AllocatorType &a) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

rapidjson::Value entry_value(const client &c, const server_entry &e, rapidjson::Document::AllocatorType &a) {
  rapidjson::Value v(rapidjson::kObjectType);
  rapidjson::Value args(rapidjson::kArrayType);
  for (const auto &s : e.args) args.PushBack(str(s, a), a);
  switch (c.kind) {
    case shape::context_servers:
      v.AddMember("source", "custom", a);
      v.AddMember("command", str(e.command, a), a);
      v.AddMember("args", args, a);
      v.AddMember("env", rapidjson::Value(rapidjson::kObjectType), a);
      break;
    case shape::opencode: {
      // opencode wants the whole argv in one array.
      rapidjson::Value cmd(rapidjson::kArrayType);
      cmd.PushBack(str(e.command, a), a);
      for (auto &s : args.GetArray()) cmd.PushBack(s, a);
      v.AddMember("type", "local", a);
      v.AddMember("command", cmd, a);
      v.AddMember("enabled", true, a);
      break;
    }
    default:
      v.AddMember("command", str(e.command, a), a);
      v.AddMember("args", args, a);
      break;
  }
  return v;
}

// A YAML key that reads back as the same string when written bare: letters, digits, '_', '-' and
// '.', not starting like a number or an indicator, and none of YAML 1.1's booleans/nulls.
bool plain_yaml_key(std::string_view s) {
  if (s.empty()) return false;
  char c0 = s[0];
  if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || c0 == '_')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '.'))
      return false;
  }
  std::string lower;
  for (char c : s) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const char *word : {"true", "false", "yes", "no", "on", "off", "null", "y", "n"})
    if (lower == word) return false;
  return true;
}

}  // namespace

std::span<const client> clients() { return table; }

const client *find_client(std::string_view id) {
  for (const auto &c : table)
    if (c.id == id) return &c;
  return nullptr;
}

std::string listing() {
  std::string out;
  for (const auto &c : table) {
    std::string id(c.id);
    if (id.size() < 15) id.append(15 - id.size(), ' ');
    out += "  " + id + " " + std::string(c.display) + " — " + std::string(c.note) + "\n";
  }
  return out;
}

fs::path config_dir(host_os os, const locations &loc) {
  if (os == host_os::macos) return loc.home / "Library" / "Application Support";
  if (!loc.xdg_config_home.empty()) return loc.xdg_config_home;
  return loc.home / ".config";
}

fs::path config_path(const client &c, host_os os, const locations &loc) {
  switch (c.base) {
    case anchor::config_dir:
      return config_dir(os, loc) / c.relative;
    case anchor::home:
      return loc.home / c.relative;
    case anchor::cwd:
      return loc.cwd / c.relative;
  }
  return {};
}

std::vector<std::string> mcp_args(const parsed_args &args) {
  std::vector<std::string> out{"mcp"};
  for (const char *flag : {"relay", "room", "token", "name", "tags", "profile"})
    if (auto v = args.value(flag)) out.insert(out.end(), {std::string("--") + flag, *v});
  if (args.has("no-agent")) out.push_back("--no-agent");
  return out;
}

status validate(const server_entry &e) {
  if (e.name.empty()) return invalid_argument("--server-name must not be empty");
  if (!json::is_valid_utf8(e.name)) return invalid_argument("--server-name is not valid UTF-8");
  if (!json::is_valid_utf8(e.command))
    return invalid_argument("the executable's path is not valid UTF-8: " + json::to_valid_utf8(e.command));
  for (const auto &a : e.args)
    if (!json::is_valid_utf8(a)) return invalid_argument("argument is not valid UTF-8: " + json::to_valid_utf8(a));
  return status::ok();
}

std::pair<size_t, size_t> line_col(std::string_view text, size_t offset) {
  if (offset > text.size()) offset = text.size();
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++col;  // continuation bytes belong to the code point already counted
    }
  }
  return {line, col};
}

result<merged> merge(std::string_view existing, const client &c, const server_entry &e, std::string_view label) {
  const std::string where(label);
  const char *key = container_key(c.kind);
  if (*key == '\0') return invalid_argument(where + ": " + std::string(c.display) + " does not use a JSON config");
  // A UTF-8 byte-order mark (some Windows-born editors write one) is not JSON; positions are
  // counted after it, as an editor shows them.
  if (existing.substr(0, 3) == "\xEF\xBB\xBF") existing.remove_prefix(3);

  rapidjson::Document doc;
  bool blank = true;
  for (char ch : existing) blank = blank && is_json_space(ch);
  if (blank) {
    doc.SetObject();
  } else if (status st = json::parse(existing, doc); !st) {
    std::string why = st.message();
    std::string pos;
    if (doc.HasParseError()) {
      auto [line, col] = line_col(existing, doc.GetErrorOffset());
      pos = ":" + std::to_string(line) + ":" + std::to_string(col);
      // json::parse says "invalid JSON at offset N: <reason>"; the position is already in front.
      if (auto colon = why.find(": "); colon != std::string::npos) why = why.substr(colon + 2);
      if (!why.empty() && why.back() == '.') why.pop_back();  // RapidJSON's reasons end in one
    }
    return invalid_argument(where + pos + ": existing config is not valid JSON (" + why +
                            "); refusing to overwrite it");
  }
  if (!doc.IsObject())
    return invalid_argument(where + ": existing config root is not a JSON object; refusing to overwrite it");

  auto &a = doc.GetAllocator();
  auto container = doc.FindMember(key);
  if (container == doc.MemberEnd()) {
    doc.AddMember(rapidjson::Value(key, a), rapidjson::Value(rapidjson::kObjectType), a);
    container = doc.FindMember(key);
  } else if (!container->value.IsObject()) {
    return invalid_argument(where + ": existing '" + key + "' is not a JSON object; refusing to overwrite it");
  }

  rapidjson::Value &servers = container->value;
  rapidjson::Value entry = entry_value(c, e, a);
  merged out;
  // Replace in place, so a re-install leaves the file's order (and the user's diff) alone; a
  // duplicate of our key later in the object would shadow or confuse clients, so it goes.
  for (auto it = servers.MemberBegin(); it != servers.MemberEnd();) {
    if (std::string_view(it->name.GetString(), it->name.GetStringLength()) != e.name) {
      ++it;
    } else if (!out.replaced) {
      it->value = entry;  // moves
      out.replaced = true;
      ++it;
    } else {
      it = servers.EraseMember(it);
    }
  }
  if (!out.replaced) servers.AddMember(str(e.name, a), entry, a);
  out.text = json::to_pretty_string(doc) + "\n";
  return out;
}

std::string yaml_snippet(const client &c, const server_entry &e) {
  const std::string name = plain_yaml_key(e.name) ? e.name : json::quote(e.name);
  std::string out;
  if (c.kind == shape::yaml_goose) {
    out = "extensions:\n  " + name + ":\n    enabled: true\n    type: stdio\n    cmd: " + json::quote(e.command) +
          "\n    args:\n";
  } else {
    out = "mcpServers:\n  - name: " + name + "\n    command: " + json::quote(e.command) + "\n    args:\n";
  }
  for (const auto &arg : e.args) out += "      - " + json::quote(arg) + "\n";
  return out;
}

}  // namespace ra::cli::mcp
