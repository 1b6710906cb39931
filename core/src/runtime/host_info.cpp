// host_info.cpp — what get_info reports about this host.
#include <sys/utsname.h>
#include <unistd.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>
#include <fstream>

#include "build_config.h"
#include "runtime/runtime.hpp"
#include "sandbox/landlock.hpp"
#include "util/json.hpp"
#include <rapidjson/document.h>

namespace ra {
namespace {

std::string os_release_pretty_name() {
  for (const char *file : {"/etc/os-release", "/usr/lib/os-release"}) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
      std::string v = line.substr(12);
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "";
}

std::string machine_arch() {
  struct utsname u {};
  if (::uname(&u) != 0) return "unknown";
  std::string m = u.machine;
  return m;
}

std::string kernel_release() {
  struct utsname u {};
  return ::uname(&u) == 0 ? std::string(u.release) : std::string();
}

std::string host_name() {
  char buf[256] = {0};
  return ::gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string("unknown");
}

}  // namespace

const char *permission_name(ra_permission p) {
  switch (p) {
    case RA_PERM_READ:
      return "read";
    case RA_PERM_WRITE:
      return "write";
    case RA_PERM_EXEC:
      return "exec";
    case RA_PERM_NETWORK:
      return "network";
    case RA_PERM_EXEC_SANDBOXED:
      return "exec_sandboxed";
    case RA_PERM_INFO:
      return "info";
    case RA_PERM_ADMIN:
      return "admin";
    default:
      return "?";
  }
}

namespace {

void write_schema(rapidjson::Writer<rapidjson::StringBuffer> &w, const std::string &text) {
  rapidjson::Document d;
  if (json::parse(text, d))
    d.Accept(w);
  else
    w.Null();
}

}  // namespace

std::string host_info_json(const runtime &rt) {
  const auto &cfg = rt.cfg();
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&](const char *k, const std::string &v) {
    w.Key(k);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  };
  w.StartObject();
  str("id", rt.agent_id());
  str("name", cfg.name);
  str("mode", std::string(policy::mode_name(rt.current_mode())));
  str("os", "linux");
  str("arch", machine_arch());
  str("hostname", host_name());
  w.Key("tags");
  w.StartArray();
  for (auto &t : cfg.tags) w.String(t.c_str());
  w.EndArray();
  w.Key("platform");
  w.StartObject();
  str("family", "linux");
  str("arch", machine_arch());
  str("distro", os_release_pretty_name());
  str("kernel", kernel_release());
  const char *shell = std::getenv("SHELL");
  str("shell", shell && *shell ? shell : "/bin/sh");
  w.EndObject();
  w.Key("accepts_commands");
  w.Bool(cfg.accepts_commands);
  str("version", RA_VERSION);
  w.Key("plugins");
  w.StartArray();
  for (auto &p : rt.plugins().plugins()) {
    w.StartObject();
    str("id", p->id);
    str("version", p->version);
    w.Key("tools");
    w.StartArray();
    for (auto &t : p->tools) w.String(t.c_str());
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("sandbox");
  w.StartObject();
  w.Key("landlock_abi");
  w.Int(sandbox::landlock_abi_version());
  w.Key("no_new_privs");
  w.Bool(true);
  w.EndObject();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string tool_descriptors_json(runtime &rt) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartArray();
  for (auto &t : rt.tools().all()) {
    w.StartObject();
    w.Key("name"), w.String(t->name.c_str());
    w.Key("title"), w.String(t->title.c_str());
    w.Key("description"), w.String(t->description.c_str());
    w.Key("inputSchema"), write_schema(w, t->input_schema);
    if (!t->output_schema.empty()) w.Key("outputSchema"), write_schema(w, t->output_schema);
    w.Key("annotations");
    w.StartObject();
    w.Key("readOnlyHint"), w.Bool(t->hints & RA_HINT_READ_ONLY);
    w.Key("destructiveHint"), w.Bool(t->hints & RA_HINT_DESTRUCTIVE);
    w.Key("idempotentHint"), w.Bool(t->hints & RA_HINT_IDEMPOTENT);
    w.Key("openWorldHint"), w.Bool(t->hints & RA_HINT_OPEN_WORLD);
    w.EndObject();
    w.Key("permission"), w.String(permission_name(t->permission));
    w.Key("provider"), w.String(t->provider.c_str());
    // Not MCP annotations: hints for frontends (a handle for long calls, progress from partials).
    w.Key("long_running"), w.Bool(t->hints & RA_HINT_LONG_RUNNING);
    w.Key("streams"), w.Bool(t->hints & RA_HINT_STREAMS);
    if (t->hints & RA_HINT_INTERNAL) w.Key("internal"), w.Bool(true);
    w.EndObject();
  }
  w.EndArray();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace ra
