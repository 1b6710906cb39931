// verb_tools.cpp — `tools` (what this host can run) and `call` (run one tool locally through the
// same dispatch path remote calls use).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <mutex>

#include "cli/cli.hpp"
#include "cli/format.hpp"
#include "cli/stop_signals.hpp"
#include "runtime/runtime.hpp"
#include "util/json.hpp"

namespace ra::cli {
namespace {

std::unique_ptr<runtime> start_runtime(const parsed_args &args, int &code) {
  auto cfg = effective_config(args);
  if (!cfg) {
    code = exit_usage;
    return nullptr;
  }
  auto rt = runtime::start(std::move(*cfg), runtime_options{});
  if (!rt) {
    std::fprintf(stderr, "remote-agents: %s\n", rt.error().message().c_str());
    code = exit_usage;
    return nullptr;
  }
  return std::move(*rt);
}

std::string tools_json(runtime &rt) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("plugins");
  w.StartArray();
  for (auto &p : rt.plugins().plugins()) {
    w.StartObject();
    w.Key("id"), w.String(p->id.c_str());
    w.Key("name"), w.String(p->name.c_str());
    w.Key("version"), w.String(p->version.c_str());
    w.Key("description"), w.String(p->description.c_str());
    w.Key("origin"), w.String(p->origin.c_str());
    w.Key("tools");
    w.StartArray();
    for (auto &t : p->tools) w.String(t.c_str());
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("tools");
  std::string tools = tool_descriptors_json(rt);
  w.RawValue(tools.data(), tools.size(), rapidjson::kArrayType);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace

int verb_tools(const parsed_args &args) {
  int code = exit_ok;
  auto rt = start_runtime(args, code);
  if (!rt) return code;
  if (args.has("json")) {
    std::printf("%s\n", tools_json(*rt).c_str());
    return exit_ok;
  }
  std::printf("plugins:\n");
  if (rt->plugins().plugins().empty()) std::printf("  (none loaded)\n");
  for (auto &p : rt->plugins().plugins())
    std::printf("  %-12s %-8s %s\n", p->id.c_str(), p->version.c_str(), p->origin.c_str());
  std::printf("tools:\n");
  for (auto &t : rt->tools().all())
    std::printf("  %-14s %-8s %-8s %s\n", t->name.c_str(), permission_name(t->permission), t->provider.c_str(),
                t->title.c_str());
  return exit_ok;
}

bool parse_call_request(const parsed_args &args, dispatch::request &req) {
  req.tool = args.positional[0];
  req.args_json = args.positional.size() > 1 ? args.positional[1] : "{}";
  if (req.args_json == "-") {
    // Arguments from stdin: for large ones (a single argv string is limited to 128 KiB).
    req.args_json.clear();
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
      req.args_json.append(buf, n);
      if (req.args_json.size() > json::max_bytes) {
        std::fprintf(stderr, "remote-agents: arguments on stdin exceed %zu bytes\n", json::max_bytes);
        return false;
      }
    }
  }
  return positive_ms_flag(args, "timeout-ms", req.timeout_ms);
}

int verb_call(const parsed_args &args) {
  if (args.positional.empty() || args.positional.size() > 2) {
    std::fprintf(stderr,
                 "usage: remote-agents call [--target T] <tool> ['<json arguments>' | -] [--json] [--timeout-ms N]\n");
    return exit_usage;
  }
  if (args.value("target")) return verb_call_fleet(args);
  dispatch::request req;
  if (!parse_call_request(args, req)) return exit_usage;
  stop_signals signals;  // before any thread starts
  int code = exit_ok;
  auto rt = start_runtime(args, code);
  if (!rt) return code;
  // Ctrl-C or SIGTERM cancels the call: its process groups are killed and the outcome says so.
  signals.watch([&rt](int) { rt->interrupt(); });

  bool as_json = args.has("json");
  bool streamed = false;
  std::mutex out_mu;
  if (!as_json) {
    // Partial output of streaming tools goes straight to the terminal while the call runs.
    req.on_partial = [&](std::string_view chunk) {
      rapidjson::Document d;
      if (!json::parse(chunk, d) || !d.IsObject() || !d.HasMember("stream") || !d.HasMember("data")) return;
      if (!d["stream"].IsString() || !d["data"].IsString()) return;
      std::lock_guard lock(out_mu);
      streamed = true;
      FILE *f = std::string_view(d["stream"].GetString()) == "stderr" ? stderr : stdout;
      std::fwrite(d["data"].GetString(), 1, d["data"].GetStringLength(), f);
      std::fflush(f);
    };
  }
  dispatch::outcome o = rt->dispatcher().call_sync(std::move(req));
  signals.stop();
  rt->shutdown();

  if (as_json) {
    std::printf("%s\n", outcome_json(o).c_str());
  } else if (o.status == RA_OK) {
    std::string text = render_result(args.positional[0], o.result_json, streamed);
    std::fputs(text.c_str(), streamed ? stderr : stdout);
  } else {
    std::fprintf(stderr, "remote-agents: %s: %s\n", dispatch::outcome_name(o.kind).data(), o.message.c_str());
  }
  switch (o.kind) {
    case dispatch::outcome_kind::ok:
      if (result_says_timed_out(o.result_json)) return exit_timeout;
      return result_says_failure(o.result_json) ? exit_failed : exit_ok;
    case dispatch::outcome_kind::denied:
      return exit_denied;
    case dispatch::outcome_kind::invalid:
      return exit_usage;
    case dispatch::outcome_kind::timeout:
      return exit_timeout;
    default:
      return exit_failed;
  }
}

}  // namespace ra::cli
