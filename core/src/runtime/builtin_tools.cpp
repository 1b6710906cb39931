#include "runtime/builtin_tools.hpp"

#include <rapidjson/document.h>

#include "runtime/runtime.hpp"
#include "util/json.hpp"

namespace ra {
namespace {

using plugin_host::call_context;
using plugin_host::call_result;

plugin_host::tool_entry make(const char *name, const char *title, const char *description, const char *schema,
                             ra_permission perm, uint32_t hints) {
  plugin_host::tool_entry t;
  t.name = name;
  t.title = title;
  t.description = description;
  t.input_schema = schema;
  t.permission = perm;
  t.hints = hints;
  t.provider = "core";
  auto compiled = plugin_host::compiled_schema::compile(schema);
  t.schema = *compiled;  // built-in schemas are constants; a unit test compiles each one
  return t;
}

constexpr const char *no_args = R"({"type":"object","properties":{},"additionalProperties":false})";

}  // namespace

std::vector<plugin_host::tool_entry> builtin_tools(runtime &rt) {
  std::vector<plugin_host::tool_entry> out;

  auto info = make("get_info", "Host information",
                   "Identity, platform, safety mode, loaded plugins and sandbox status of this host.", no_args,
                   RA_PERM_INFO, RA_HINT_READ_ONLY | RA_HINT_IDEMPOTENT);
  info.native = [&rt](const std::shared_ptr<call_context> &ctx) {
    plugin_host::finish(ctx, call_result{RA_OK, host_info_json(rt), ""});
  };
  out.push_back(std::move(info));

  auto list = make("list_agents", "List agents",
                   "The hosts reachable from here with their info. Without a relay connection: this host only.",
                   no_args, RA_PERM_INFO, RA_HINT_READ_ONLY | RA_HINT_IDEMPOTENT);
  list.native = [&rt](const std::shared_ptr<call_context> &ctx) {
    std::string agents = host_info_json(rt);
    if (rt.hooks().peers_json) {
      std::string peers = rt.hooks().peers_json();
      if (!peers.empty()) agents += "," + peers;
    }
    plugin_host::finish(ctx, call_result{RA_OK, "{\"agents\":[" + agents + "]}", ""});
  };
  out.push_back(std::move(list));

  auto set_mode = make(
      "set_mode", "Set safety mode",
      "Set this host's safety mode: plan (read-only), edit (writes with backups), bypass (no "
      "backups, deny lists still apply) or disabled. Peers may always lower the mode; raising it "
      "remotely needs security.allow_remote_mode_raise; nobody lifts 'disabled' remotely.",
      R"({"type":"object","properties":{"mode":{"type":"string","enum":["plan","edit","bypass","disabled","PLAN","EDIT","BYPASS","DISABLED","Plan","Edit","Bypass","Disabled"],"description":"plan | edit | bypass | disabled"}},"required":["mode"],"additionalProperties":false})",
      RA_PERM_ADMIN, RA_HINT_IDEMPOTENT);
  set_mode.native = [&rt](const std::shared_ptr<call_context> &ctx) {
    rapidjson::Document args;
    (void)json::parse(ctx->args, args);  // validated by the dispatcher already
    auto wanted = policy::parse_mode(args["mode"].GetString());
    policy::mode now = rt.modes().current();
    bool remote = ctx->caller != "local";
    auto fail = [&](ra_status s, std::string msg) { plugin_host::finish(ctx, call_result{s, "{}", std::move(msg)}); };
    if (remote && now == policy::mode::disabled)
      return fail(RA_PERMISSION_DENIED, "this host is disabled; only its operator can re-enable it");
    if (remote && policy::mode_power(*wanted) > policy::mode_power(now) && !rt.cfg().security.allow_remote_mode_raise)
      return fail(RA_PERMISSION_DENIED, "raising the mode remotely (" + std::string(policy::mode_name(now)) + " → " +
                                            std::string(policy::mode_name(*wanted)) +
                                            ") is not allowed on this host (security.allow_remote_mode_raise)");
    if (auto st = rt.modes().set(*wanted); !st) return fail(st.code(), st.message());
    if (rt.hooks().info_changed) rt.hooks().info_changed();
    plugin_host::finish(ctx, call_result{RA_OK,
                                         "{\"mode\":\"" + std::string(policy::mode_name(*wanted)) +
                                             "\",\"previous\":\"" + std::string(policy::mode_name(now)) + "\"}",
                                         ""});
  };
  out.push_back(std::move(set_mode));
  return out;
}

}  // namespace ra
