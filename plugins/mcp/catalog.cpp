#include "catalog.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <set>

namespace ra::mcp {
namespace {

using value = rapidjson::Value;
using alloc = rapidjson::Document::AllocatorType;

std::string to_json(const value &v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return {b.GetString(), b.GetSize()};
}

std::string str(const value &o, const char *key) {
  if (!o.IsObject()) return {};
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                     : std::string();
}

bool flag(const value &o, const char *key) {
  if (!o.IsObject()) return false;
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

// Tools of the reference that a standard profile leaves out: transfers, tunnels, mapreduce and
// update checks are rare in an AI session and their schemas are long. `full` lists them.
const std::set<std::string> &not_in_standard() {
  static const std::set<std::string> s = {"send_file",   "transfer_get", "sync_dir",  "tunnel_start",
                                          "tunnel_list", "tunnel_stop",  "mapreduce", "fleet_update_check"};
  return s;
}
const std::set<std::string> &in_minimal() {
  static const std::set<std::string> s = {"exec",        "read_file",  "write_file", "list_dir",
                                          "list_agents", "fleet_exec", "op_wait",    "op_result"};
  return s;
}

bool wanted(profile p, const std::string &name) {
  switch (p) {
    case profile::minimal:
      return in_minimal().count(name) > 0;
    case profile::standard:
      return not_in_standard().count(name) == 0;
    case profile::full:
      return true;
  }
  return true;
}

// The first sentence: minimal lists trade detail for context.
std::string first_sentence(const std::string &s) {
  size_t dot = s.find(". ");
  return dot == std::string::npos ? s : s.substr(0, dot + 1);
}

struct host_tools {
  host_view view;
  const value *tools = nullptr;  // array of descriptors
};

const value *find_tool(const value &tools, const std::string &name) {
  if (!tools.IsArray()) return nullptr;
  for (auto &t : tools.GetArray())
    if (str(t, "name") == name) return &t;
  return nullptr;
}

value copy_schema(const value *schema, alloc &a) {
  value out;
  if (schema && schema->IsObject())
    out.CopyFrom(*schema, a);
  else
    out.SetObject();
  if (!out.HasMember("type")) out.AddMember("type", "object", a);
  if (!out.HasMember("properties")) out.AddMember("properties", value(rapidjson::kObjectType), a);
  return out;
}

void add_property(value &schema, const char *name, const char *type, const std::string &description, alloc &a,
                  bool required) {
  value prop(rapidjson::kObjectType);
  prop.AddMember("type", value(type, a), a);
  prop.AddMember("description", value(description.c_str(), a), a);
  auto &props = schema["properties"];
  props.RemoveMember(name);
  props.AddMember(value(name, a), prop, a);
  if (!required) return;
  if (!schema.HasMember("required")) schema.AddMember("required", value(rapidjson::kArrayType), a);
  auto &req = schema["required"];
  for (auto &r : req.GetArray())
    if (r.IsString() && std::string(r.GetString()) == name) return;
  req.PushBack(value(name, a), a);
}

void remove_property(value &schema, const char *name) {
  if (schema.HasMember("properties")) schema["properties"].RemoveMember(name);
  if (schema.HasMember("required") && schema["required"].IsArray()) {
    auto &req = schema["required"];
    for (auto it = req.Begin(); it != req.End();)
      it = it->IsString() && std::string(it->GetString()) == name ? req.Erase(it) : it + 1;
  }
}

// structuredContent of a call on one host: the dispatch result document (abi.md R60) or, for a
// call that outlived the wait, an op handle. `result` carries the tool's own output schema.
value single_output_schema(const value *result_schema, alloc &a) {
  value s(rapidjson::kObjectType);
  s.AddMember("type", "object", a);
  value p(rapidjson::kObjectType);
  auto typed = [&](const char *name, const char *type) {
    value t(rapidjson::kObjectType);
    t.AddMember("type", value(type, a), a);
    p.AddMember(value(name, a), t, a);
  };
  typed("host", "object");
  typed("outcome", "string");
  typed("status", "string");
  value r;
  if (result_schema && result_schema->IsObject())
    r.CopyFrom(*result_schema, a);
  else
    r.SetObject(), r.AddMember("type", "object", a);
  p.AddMember("result", r, a);
  typed("message", "string");
  typed("duration_ms", "integer");
  typed("handle", "string");
  typed("state", "string");
  s.AddMember("properties", p, a);
  return s;
}

value fleet_output_schema(alloc &a) {
  rapidjson::Document d;
  d.Parse(
      R"({"type":"object","properties":{"target":{"type":"string"},"hosts":{"type":"array","items":{"type":"object"}},"counts":{"type":"object"},"text":{"type":"string"},"handle":{"type":"string"},"state":{"type":"string"}}})");
  value v;
  v.CopyFrom(d, a);
  return v;
}

value plain_object_schema(alloc &a) {
  value v(rapidjson::kObjectType);
  v.AddMember("type", "object", a);
  return v;
}

// `title` empty: none inside the annotations (the tool's top-level title says it; profiles below
// full leave the duplicate out to save the model's context).
value annotations_of(const value *desc, const std::string &title, bool open_world, alloc &a) {
  value an(rapidjson::kObjectType);
  if (!title.empty()) an.AddMember("title", value(title.c_str(), a), a);
  const value *src = nullptr;
  if (desc && desc->IsObject() && desc->HasMember("annotations") && (*desc)["annotations"].IsObject())
    src = &(*desc)["annotations"];
  for (const char *k : {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}) {
    bool v = src ? flag(*src, k) : false;
    if (std::string(k) == "openWorldHint") v = v || open_world;
    an.AddMember(value(k, a), value(v), a);
  }
  return an;
}

std::string build_descriptor(const std::string &name, const std::string &title, const std::string &description,
                             value input, value output, value annotations, alloc &a) {
  value t(rapidjson::kObjectType);
  t.AddMember("name", value(name.c_str(), a), a);
  t.AddMember("title", value(title.c_str(), a), a);
  t.AddMember("description", value(description.c_str(), a), a);
  t.AddMember("inputSchema", input, a);
  t.AddMember("outputSchema", output, a);
  t.AddMember("annotations", annotations, a);
  return to_json(t);
}

std::string host_list(const std::vector<std::string> &names) {
  std::string s;
  size_t shown = 0;
  for (auto &n : names) {
    if (shown == 6) return s + ", … (" + std::to_string(names.size()) + " hosts)";
    s += (s.empty() ? "" : ", ") + n;
    ++shown;
  }
  return s;
}

constexpr const char *target_help =
    "Which hosts: all | a name or agent id | web-1,db-1 | os:linux | tag:web | name:web-* | id:… , combined "
    "with and / or / not and parentheses (e.g. \"tag:web and not name:web-3\").";

struct fleet_spec {
  const char *name;
  const char *underlying;
  const char *title;
  const char *description;
};
const fleet_spec fleet_specs[] = {
    {"fleet_exec", "exec", "Run a command on many hosts",
     "Run a shell command on every host the target selects, in parallel. The text groups hosts with identical "
     "output (web-[1-3] (3 hosts, ok)) and counts ok/failed/denied/timeout/unreachable; structuredContent has "
     "one record per host. Every selected host is reported, reachable or not."},
    {"fleet_read", "read_file", "Read a file on many hosts",
     "Read the same file on every host the target selects; identical contents are grouped."},
    {"fleet_write", "write_file", "Write a file on many hosts",
     "Write the same content to a file on every host the target selects (edit/bypass hosts only; edit keeps a "
     "backup). Per-host outcomes are grouped."},
    {"fleet_search", "file_search", "Search files on many hosts",
     "Search files by name or content on every host the target selects; hits are grouped per host."},
};

const char *fleet_git_schema = R"json({"type":"object","properties":{
  "op":{"type":"string","enum":["status","pull","commit","push"],"description":"status | pull | commit | push"},
  "repo":{"type":"string","description":"Repository path on each host"},
  "remote":{"type":"string","description":"Remote (pull/push; default origin)"},
  "branch":{"type":"string","description":"Branch (pull/push)"},
  "message":{"type":"string","description":"Commit message (commit)"},
  "files":{"type":"array","items":{"type":"string"},"description":"Files to commit (empty = all changes)"}},
  "required":["op","repo"]})json";

}  // namespace

std::optional<profile> parse_profile(std::string_view t) {
  if (t == "minimal") return profile::minimal;
  if (t == "standard") return profile::standard;
  if (t == "full") return profile::full;
  return std::nullopt;
}

std::string_view profile_name(profile p) {
  switch (p) {
    case profile::minimal:
      return "minimal";
    case profile::standard:
      return "standard";
    case profile::full:
      return "full";
  }
  return "standard";
}

const mcp_tool *catalog::find(std::string_view name) const {
  for (auto &t : tools)
    if (t.name == name) return &t;
  return nullptr;
}

std::string catalog::list_json(bool modern) const {
  std::string out = "{\"tools\":[";
  bool first = true;
  for (auto &t : tools) {
    if (!first) out += ",";
    first = false;
    if (modern) {
      out += t.descriptor;
      continue;
    }
    rapidjson::Document d;
    d.Parse(t.descriptor.c_str(), t.descriptor.size());
    d.RemoveMember("outputSchema");
    d.RemoveMember("title");
    out += to_json(d);
  }
  return out + "]}";
}

std::string catalog::fingerprint() const {
  std::string f;
  for (auto &t : tools) f += t.descriptor + "\n";
  return f;
}

catalog build_catalog(std::string_view describe_json, profile p) {
  catalog c;
  rapidjson::Document d;
  d.Parse(describe_json.data(), describe_json.size());
  auto &a = d.GetAllocator();
  std::vector<host_tools> hosts;
  if (d.IsObject()) {
    if (d.HasMember("relay") && d["relay"].IsObject()) {
      c.relay_configured = flag(d["relay"], "configured");
      c.relay_joined = flag(d["relay"], "joined");
    }
    auto view_of = [](const value &h, bool self) {
      host_view v;
      v.agent_id = str(h, "id");
      v.name = str(h, "name");
      v.peer_id = str(h, "peer_id");
      v.mode = str(h, "mode");
      v.os = str(h, "os");
      v.version = str(h, "version");
      v.self = self;
      v.accepts_commands = flag(h, "accepts_commands");
      if (h.HasMember("tags") && h["tags"].IsArray())
        for (auto &t : h["tags"].GetArray())
          if (t.IsString()) v.tags.emplace_back(t.GetString());
      if (h.HasMember("tools") && h["tools"].IsArray()) v.tool_count = h["tools"].Size();
      return v;
    };
    if (d.HasMember("self") && d["self"].IsObject()) {
      auto &s = d["self"];
      hosts.push_back({view_of(s, true), s.HasMember("tools") ? &s["tools"] : nullptr});
      c.self_name = hosts.back().view.name;
    }
    if (d.HasMember("peers") && d["peers"].IsArray())
      for (auto &peer : d["peers"].GetArray())
        if (peer.IsObject())
          hosts.push_back({view_of(peer, false), peer.HasMember("tools") ? &peer["tools"] : nullptr});
  }
  for (auto &h : hosts) c.hosts.push_back(h.view);

  // Every tool some host that runs commands offers, in first-seen order (this host first).
  std::vector<std::string> order;
  std::map<std::string, const value *> desc;
  std::map<std::string, std::vector<std::string>> where;
  std::set<std::string> on_self;
  for (auto &h : hosts) {
    // A disabled host runs nothing but get_info: its tools would only be refused.
    if (!h.view.accepts_commands || h.view.mode == "disabled" || !h.tools || !h.tools->IsArray()) continue;
    for (auto &t : h.tools->GetArray()) {
      std::string name = str(t, "name");
      if (name.empty() || name == "list_agents") continue;  // list_agents is answered here, from the catalogue
      if (flag(t, "internal")) continue;                    // another plugin's plumbing (RA_HINT_INTERNAL)
      if (!desc.count(name)) order.push_back(name), desc[name] = &t;
      where[name].push_back(h.view.name.empty() ? h.view.agent_id : h.view.name);
      if (h.view.self) on_self.insert(name);
    }
  }

  // Below `full`, output schemas keep their top level only (result is "an object"): the nested
  // shapes are a third of a tools/list and the model reads the text content anyway. structuredContent
  // still validates against the shorter schema.
  const bool detailed = p == profile::full;
  auto ann_title = [&](const std::string &t) { return detailed ? t : std::string(); };
  auto add = [&](mcp_tool t) {
    if (wanted(p, t.name)) c.tools.push_back(std::move(t));
  };

  for (auto &name : order) {
    const value *t = desc[name];
    std::string title = str(*t, "title");
    std::string description = str(*t, "description");
    if (p == profile::minimal) description = first_sentence(description);
    value input = copy_schema(t->HasMember("inputSchema") ? &(*t)["inputSchema"] : nullptr, a);
    bool local = on_self.count(name) > 0;
    std::string agent_help = local ? "Host to run on: an agent id or host name (see list_agents). Omit for this host."
                                   : "Host to run on: an agent id or host name (see list_agents).";
    if (!local) description += " Runs on: " + host_list(where[name]) + ".";
    if (c.relay_configured || !local) add_property(input, "agent_id", "string", agent_help, a, !local);
    const value *out_schema = t->HasMember("outputSchema") ? &(*t)["outputSchema"] : nullptr;
    mcp_tool m;
    m.name = name;
    m.kind = tool_kind::base;
    m.underlying = name;
    m.long_running = flag(*t, "long_running");
    m.streams = flag(*t, "streams");
    m.descriptor = build_descriptor(name, title, description, std::move(input),
                                    single_output_schema(detailed ? out_schema : nullptr, a),
                                    annotations_of(t, ann_title(title), false, a), a);
    add(std::move(m));
  }

  // Fleet tools: only with a relay, and only for tools some host runs.
  if (c.relay_configured) {
    for (auto &f : fleet_specs) {
      if (!desc.count(f.underlying)) continue;
      const value *t = desc[f.underlying];
      value input = copy_schema(t->HasMember("inputSchema") ? &(*t)["inputSchema"] : nullptr, a);
      if (std::string(f.name) == "fleet_write") remove_property(input, "create_backup");
      add_property(input, "target", "string", target_help, a, true);
      std::string description = p == profile::minimal ? first_sentence(f.description) : f.description;
      mcp_tool m;
      m.name = f.name;
      m.kind = tool_kind::fleet;
      m.underlying = f.underlying;
      m.long_running = true;
      m.streams = flag(*t, "streams");
      m.descriptor = build_descriptor(f.name, f.title, description, std::move(input), fleet_output_schema(a),
                                      annotations_of(t, ann_title(f.title), true, a), a);
      add(std::move(m));
    }
    if (!order.empty()) {
      // Any tool on many hosts: what has no fleet_* tool of its own (schedule_add on tag:web, …).
      rapidjson::Document s;
      s.Parse(R"json({"type":"object","properties":{
        "tool":{"type":"string","description":"The tool to run on each host (as tools/list names it)"},
        "arguments":{"type":"object","description":"Its arguments (default {})"}},"required":["tool"]})json");
      value input;
      input.CopyFrom(s, a);
      add_property(input, "target", "string", target_help, a, true);
      mcp_tool m;
      m.name = "fleet_call";
      m.kind = tool_kind::fleet;
      m.underlying = "";
      m.long_running = true;
      m.descriptor = build_descriptor(
          "fleet_call", "Any tool on many hosts",
          p == profile::minimal ? "Run any tool on every host the target selects."
                                : "Run any tool on every host the target selects, in parallel (e.g. schedule_add on "
                                  "tag:web). Per-host outcomes are grouped like fleet_exec's.",
          std::move(input), fleet_output_schema(a),
          annotations_of(nullptr, ann_title("Any tool on many hosts"), true, a), a);
      add(std::move(m));
    }
    bool any_git = false;
    for (auto &name : order) any_git = any_git || name.rfind("git_", 0) == 0;
    if (any_git) {
      rapidjson::Document s;
      s.Parse(fleet_git_schema);
      value input;
      input.CopyFrom(s, a);
      add_property(input, "target", "string", target_help, a, true);
      mcp_tool m;
      m.name = "fleet_git";
      m.kind = tool_kind::fleet;
      m.underlying = "git_";
      m.long_running = true;
      value an = annotations_of(nullptr, ann_title("Git on many hosts"), true, a);
      m.descriptor = build_descriptor(
          "fleet_git", "Git on many hosts",
          "Run a git operation (status, pull, commit, push) in the same repository on every host the target "
          "selects; per-host outcomes are grouped.",
          std::move(input), fleet_output_schema(a), std::move(an), a);
      add(std::move(m));
    }
  }

  {
    mcp_tool m;
    m.name = "list_agents";
    m.kind = tool_kind::list_agents;
    rapidjson::Document s;
    s.Parse(R"({"type":"object","properties":{}})");
    value input;
    input.CopyFrom(s, a);
    rapidjson::Document o;
    o.Parse(
        R"({"type":"object","properties":{"agents":{"type":"array","items":{"type":"object"}},"relay":{"type":"object"}}})");
    value output;
    output.CopyFrom(o, a);
    value an = annotations_of(nullptr, ann_title("List hosts"), false, a);
    an["readOnlyHint"] = true;
    an["idempotentHint"] = true;
    m.descriptor = build_descriptor("list_agents", "List hosts",
                                    "List the hosts in the room (this one first): agent id, name, mode, OS, tags, "
                                    "whether it runs commands and how many tools it offers.",
                                    std::move(input), std::move(output), std::move(an), a);
    add(std::move(m));
  }

  struct op_spec {
    const char *name;
    tool_kind kind;
    const char *title;
    const char *description;
    const char *schema;
    bool read_only;
  };
  const op_spec ops[] = {
      {"op_wait", tool_kind::op_wait, "Wait for a long call",
       "Wait for a call that returned a handle because it ran longer than the client waits: returns its result "
       "when it finishes within wait_ms (at most 50000), else its state.",
       R"json({"type":"object","properties":{"handle":{"type":"string","description":"The handle a long call returned (op-N)"},"wait_ms":{"type":"integer","minimum":0,"maximum":50000,"description":"How long to wait (default 30000, at most 50000)"}},"required":["handle"]})json",
       true},
      {"op_result", tool_kind::op_result, "Result of a long call",
       "The result of a call that returned a handle, or its state while it still runs (no waiting).",
       R"json({"type":"object","properties":{"handle":{"type":"string","description":"The handle a long call returned (op-N)"}},"required":["handle"]})json",
       true},
      {"op_cancel", tool_kind::op_cancel, "Cancel a long call",
       "Stop a call that returned a handle: its process groups are killed on every host still running it.",
       R"json({"type":"object","properties":{"handle":{"type":"string","description":"The handle a long call returned (op-N)"}},"required":["handle"]})json",
       false},
  };
  for (auto &o : ops) {
    rapidjson::Document s;
    s.Parse(o.schema);
    value input;
    input.CopyFrom(s, a);
    value an = annotations_of(nullptr, ann_title(o.title), false, a);
    an["readOnlyHint"] = o.read_only;
    an["idempotentHint"] = true;
    mcp_tool m;
    m.name = o.name;
    m.kind = o.kind;
    m.descriptor =
        build_descriptor(o.name, o.title, o.description, std::move(input), plain_object_schema(a), std::move(an), a);
    add(std::move(m));
  }
  return c;
}

routed_call route_call(const mcp_tool &t, const rapidjson::Value &arguments) {
  routed_call r;
  if (!arguments.IsObject()) {
    r.error = "arguments must be a JSON object";
    return r;
  }
  rapidjson::Document args;
  args.CopyFrom(arguments, args.GetAllocator());
  auto &a = args.GetAllocator();
  auto take_string = [&](const char *key, std::string &out) -> bool {
    auto it = args.FindMember(key);
    if (it == args.MemberEnd()) return true;
    if (!it->value.IsString()) {
      r.error = std::string(key) + " must be a string";
      return false;
    }
    out.assign(it->value.GetString(), it->value.GetStringLength());
    args.EraseMember(key);
    return true;
  };
  // A call with its own timeout gets that plus a margin as the host's deadline, so the tool's
  // timeout (which kills and reports) fires before the transport gives up.
  if (auto it = args.FindMember("timeout_ms"); it != args.MemberEnd() && it->value.IsUint64())
    r.timeout_ms = static_cast<int64_t>(std::min<uint64_t>(it->value.GetUint64(), 86400000)) + 10000;

  if (t.kind == tool_kind::base) {
    r.tool = t.underlying;
    if (!take_string("agent_id", r.target)) return r;
  } else if (t.kind == tool_kind::fleet) {
    r.fleet = true;
    if (!take_string("target", r.target)) return r;
    if (r.target.find_first_not_of(" \t") == std::string::npos) {
      r.error = std::string("target is required. ") + target_help;
      return r;
    }
    if (t.name == "fleet_call") {
      std::string tool;
      if (!take_string("tool", tool)) return r;
      if (tool.empty()) {
        r.error = "tool is required (a tool name from tools/list)";
        return r;
      }
      auto it = args.FindMember("arguments");
      if (it != args.MemberEnd() && !it->value.IsObject()) {
        r.error = "arguments must be a JSON object";
        return r;
      }
      r.tool = tool;
      r.args_json = it == args.MemberEnd() ? "{}" : to_json(it->value);
      return r;
    }
    if (t.name == "fleet_git") {
      std::string op;
      if (!take_string("op", op)) return r;
      static const std::map<std::string, std::vector<const char *>> keys = {{"status", {"repo"}},
                                                                            {"pull", {"repo", "remote", "branch"}},
                                                                            {"commit", {"repo", "message", "files"}},
                                                                            {"push", {"repo", "remote", "branch"}}};
      auto k = keys.find(op);
      if (k == keys.end()) {
        r.error = "unknown git op '" + op + "' (status, pull, commit or push)";
        return r;
      }
      rapidjson::Document g(rapidjson::kObjectType);
      for (const char *key : k->second)
        if (args.HasMember(key))
          g.AddMember(value(key, g.GetAllocator()), value(args[key], g.GetAllocator()), g.GetAllocator());
      r.tool = "git_" + op;
      r.args_json = to_json(g);
      return r;
    }
    r.tool = t.underlying;
    if (t.name == "fleet_write") {
      args.EraseMember("create_backup");
      args.AddMember("create_backup", true, a);  // as the reference: fleet writes always keep a backup
    }
  }
  r.args_json = to_json(args);
  return r;
}

std::string agents_json(const catalog &c) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto &a = d.GetAllocator();
  value list(rapidjson::kArrayType);
  for (auto &h : c.hosts) {
    value o(rapidjson::kObjectType);
    o.AddMember("agent_id", value(h.agent_id.c_str(), a), a);
    o.AddMember("name", value(h.name.c_str(), a), a);
    o.AddMember("self", h.self, a);
    o.AddMember("mode", value(h.mode.c_str(), a), a);
    o.AddMember("os", value(h.os.c_str(), a), a);
    value tags(rapidjson::kArrayType);
    for (auto &t : h.tags) tags.PushBack(value(t.c_str(), a), a);
    o.AddMember("tags", tags, a);
    o.AddMember("version", value(h.version.c_str(), a), a);
    o.AddMember("accepts_commands", h.accepts_commands, a);
    o.AddMember("tools", static_cast<uint64_t>(h.tool_count), a);
    if (!h.peer_id.empty()) o.AddMember("peer_id", value(h.peer_id.c_str(), a), a);
    list.PushBack(o, a);
  }
  d.AddMember("agents", list, a);
  value relay(rapidjson::kObjectType);
  relay.AddMember("configured", c.relay_configured, a);
  relay.AddMember("joined", c.relay_joined, a);
  d.AddMember("relay", relay, a);
  return to_json(d);
}

}  // namespace ra::mcp
