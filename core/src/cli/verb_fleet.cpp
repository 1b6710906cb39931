// verb_fleet.cpp — the fleet verbs: `agents`, `call --target`, `exec [--target]`. Each joins the
// room as a send-only peer (it never runs anyone's calls), waits for the roster, does its work
// and leaves.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "cli/cli.hpp"
#include "cli/format.hpp"
#include "cli/relay_join.hpp"
#include "cli/stop_signals.hpp"
#include "dispatch/fleet.hpp"
#include "dispatch/grouping.hpp"
#include "util/json.hpp"

namespace ra::cli {
namespace {

// How long a fleet verb waits for every peer's encrypted info after joining. Peers answer within
// a round trip; one that does not (another version, a wedged host) must not hold the command.
constexpr auto k_roster_wait = std::chrono::seconds(3);
constexpr auto k_join_wait = std::chrono::seconds(15);

struct session {
  config::config cfg;
  std::unique_ptr<peer::node> node;
};

std::optional<session> join_send_only(const parsed_args &args, int &code) {
  auto cfg = effective_config(args);
  if (!cfg) {
    code = exit_usage;
    return std::nullopt;
  }
  cfg->accepts_commands = false;  // fleet verbs are controllers only
  // A one-shot command prints results, not the daemon's progress log, unless asked to.
  if (!args.value("log-level")) spdlog::set_level(spdlog::level::warn);
  auto id = config::effective_agent_id(*cfg, config::data_dir());
  if (!id) {
    std::fprintf(stderr, "remote-agents: %s\n", id.error().message().c_str());
    code = exit_usage;
    return std::nullopt;
  }
  auto node = join_room(*cfg, *id, {});
  if (!node) {
    std::fprintf(stderr, "remote-agents: %s\n", node.error().message().c_str());
    code = exit_usage;
    return std::nullopt;
  }
  if (!(*node)->wait_joined(k_join_wait)) {
    std::fprintf(stderr,
                 "remote-agents: could not join the room at %s within %lld s (is the relay up? see --log-level info)\n",
                 cfg->relay_url.c_str(), static_cast<long long>(k_join_wait.count()));
    code = exit_failed;
    return std::nullopt;
  }
  (*node)->wait_ready(k_roster_wait);
  return session{std::move(*cfg), std::move(*node)};
}

std::string join_tags(const std::vector<std::string> &tags) {
  std::string s;
  for (auto &t : tags) s += (s.empty() ? "" : ",") + t;
  return s.empty() ? "-" : s;
}

size_t tool_count(const std::string &tools_json) {
  rapidjson::Document d;
  return json::parse(tools_json, d) && d.IsArray() ? d.Size() : 0;
}

int exit_for(const std::vector<dispatch::host_outcome> &rows) {
  bool all_ok = true, all_denied = !rows.empty(), any_timeout = false;
  for (auto &r : rows) {
    all_ok &= r.kind == "ok";
    all_denied &= r.kind == "denied";
    any_timeout |= r.kind == "timeout";
  }
  if (all_ok) return exit_ok;
  if (all_denied) return exit_denied;
  if (any_timeout) return exit_timeout;
  return exit_failed;
}

std::string fleet_json(const std::vector<dispatch::fleet_host> &hosts,
                       const std::vector<dispatch::host_outcome> &rows) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  w.Key("hosts");
  w.StartArray();
  for (size_t i = 0; i < hosts.size(); ++i) {
    const auto &h = hosts[i];
    w.StartObject();
    w.Key("host"), w.String(h.display.c_str());
    w.Key("agent_id"), w.String(h.agent_id.c_str());
    w.Key("peer_id"), w.String(h.peer_id.c_str());
    w.Key("outcome"), w.String(rows[i].kind.c_str());
    w.Key("status"), w.String(ra_status_name(h.result.status));
    std::string msg = json::to_valid_utf8(h.result.message);
    if (!msg.empty()) w.Key("message"), w.String(msg.c_str(), static_cast<rapidjson::SizeType>(msg.size()));
    w.Key("duration_ms"), w.Int64(h.result.duration_ms);
    w.Key("result");
    rapidjson::Document d;
    if (json::parse(h.result.result_json, d))
      d.Accept(w);
    else
      w.StartObject(), w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  std::string grouped = dispatch::grouped_json(rows);
  w.Key("grouped");
  w.RawValue(grouped.data(), grouped.size(), rapidjson::kObjectType);
  w.EndObject();
  return {b.GetString(), b.GetSize()};
}

// Runs one tool on the target's hosts and prints per-host results, grouped.
int run_fleet(const parsed_args &args, const std::string &target, dispatch::request req) {
  int64_t deadline_ms = 0;  // checked before the key derivation and the join, not after
  if (!positive_ms_flag(args, "deadline-ms", deadline_ms)) return exit_usage;
  stop_signals signals;  // before any thread starts
  int code = exit_ok;
  auto s = join_send_only(args, code);
  if (!s) return code;
  auto hosts = dispatch::resolve_target(s->node->peers(), target);
  if (!hosts) {
    std::fprintf(stderr, "remote-agents: %s\n", hosts.error().message().c_str());
    s->node->stop();
    return hosts.error().code() == RA_NOT_FOUND ? exit_failed : exit_usage;
  }
  bool as_json = args.has("json");
  bool single = hosts->size() == 1;
  std::mutex out_mu;
  bool streamed = false;
  dispatch::fleet_options fo;
  fo.per_host_timeout_ms = req.timeout_ms;
  fo.overall_timeout_ms = deadline_ms;
  // Output of long commands shows while they run: for one host raw, as a local call would; for
  // many hosts with --stream, each line prefixed by its host (on stderr, before the grouped view).
  if (!as_json && (single || args.has("stream"))) {
    fo.on_partial = [&](const dispatch::fleet_host &h, std::string_view chunk) {
      rapidjson::Document d;
      if (!json::parse(chunk, d) || !d.IsObject() || !d.HasMember("data") || !d["data"].IsString()) return;
      bool err =
          d.HasMember("stream") && d["stream"].IsString() && std::string_view(d["stream"].GetString()) == "stderr";
      std::string_view data(d["data"].GetString(), d["data"].GetStringLength());
      std::lock_guard lock(out_mu);
      streamed = true;
      FILE *f = err || !single ? stderr : stdout;
      if (single) {
        std::fwrite(data.data(), 1, data.size(), f);
      } else {
        size_t start = 0;
        while (start < data.size()) {
          size_t nl = data.find('\n', start);
          size_t end = nl == std::string_view::npos ? data.size() : nl + 1;
          std::fprintf(f, "%s: %.*s", h.display.c_str(), static_cast<int>(end - start), data.data() + start);
          if (nl == std::string_view::npos) std::fputc('\n', f);
          start = end;
        }
      }
      std::fflush(f);
    };
  }
  // Ctrl-C stops the fleet call: every host's process group is killed.
  std::atomic<bool> interrupted{false};
  signals.watch([&](int) { interrupted = true; });
  auto done = dispatch::fleet_call(*s->node, std::move(*hosts), req.tool, req.args_json, fo);
  signals.stop();
  s->node->stop();

  std::vector<dispatch::host_outcome> rows;
  for (auto &h : done) rows.push_back(dispatch::to_host_outcome(h));
  if (as_json) {
    std::printf("%s\n", fleet_json(done, rows).c_str());
  } else if (single && rows[0].kind == "ok") {
    std::string text = render_result(req.tool, done[0].result.result_json, streamed);
    std::fputs(text.c_str(), streamed ? stderr : stdout);
  } else {
    std::fputs(dispatch::grouped_text(rows).c_str(), stdout);
  }
  return exit_for(rows);
}

}  // namespace

int verb_agents(const parsed_args &args) {
  int code = exit_ok;
  auto s = join_send_only(args, code);
  if (!s) return code;
  auto peers = s->node->peers();
  s->node->stop();
  std::sort(peers.begin(), peers.end(),
            [](auto &a, auto &b) { return std::tie(a.name, a.peer_id) < std::tie(b.name, b.peer_id); });
  if (args.has("json")) {
    std::printf("{\"agents\":[%s]}\n", peer::peers_json(peers, true).c_str());
    return exit_ok;
  }
  size_t shown = 0, silent = 0;
  std::printf("%-20s %-8s %-6s %-10s %-20s %-5s %s\n", "NAME", "MODE", "OS", "ROLE", "TAGS", "TOOLS", "AGENT ID");
  for (auto &p : peers) {
    if (!p.present) continue;
    if (!p.has_info) {
      ++silent;
      continue;
    }
    ++shown;
    std::printf("%-20s %-8s %-6s %-10s %-20s %-5zu %s\n", p.name.c_str(), p.mode.empty() ? "-" : p.mode.c_str(),
                p.os_family.c_str(), p.accepts_commands ? "agent" : "send-only", join_tags(p.tags).c_str(),
                tool_count(p.tools_json), p.agent_id.c_str());
  }
  std::printf("%zu host(s)", shown);
  if (silent) std::printf(", %zu peer(s) sent no readable info (another room token or version?)", silent);
  std::printf("\n");
  return exit_ok;
}

int verb_call_fleet(const parsed_args &args) {
  dispatch::request req;
  if (!parse_call_request(args, req)) return exit_usage;
  return run_fleet(args, *args.value("target"), std::move(req));
}

int verb_exec(const parsed_args &args) {
  if (args.after_dashes.empty() && args.positional.empty()) {
    std::fprintf(stderr, "usage: remote-agents exec [--target T] [--timeout-ms N] [--json] -- <command…>\n");
    return exit_usage;
  }
  std::string command;
  for (auto *list : {&args.positional, &args.after_dashes})
    for (auto &w : *list) command += (command.empty() ? "" : " ") + w;
  dispatch::request req;
  req.tool = "exec";
  req.args_json = "{\"command\":" + json::quote(command) + "}";
  if (!positive_ms_flag(args, "timeout-ms", req.timeout_ms)) return exit_usage;
  if (req.timeout_ms > 0)
    req.args_json = "{\"command\":" + json::quote(command) + ",\"timeout_ms\":" + std::to_string(req.timeout_ms) + "}";
  if (auto target = args.value("target")) return run_fleet(args, *target, std::move(req));
  // No target: this host, exactly like `call exec`.
  parsed_args local = args;
  local.positional = {"exec", req.args_json};
  return verb_call(local);
}

}  // namespace ra::cli
