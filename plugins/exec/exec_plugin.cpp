// exec_plugin.cpp — ABI glue of the exec plugin: one tool, `exec`. The work happens in a child
// started through host->spawn, so the core's sandbox, process-group kill and output caps apply;
// nothing here blocks.
#include <remote_agents/plugin.hpp>

#include <mutex>

#include "exec_tool.hpp"

namespace {

class exec_plugin : public ra::plugin {
 public:
  exec_plugin(const ra_host_t *host, std::string_view config_json) : ra::plugin(host) {
    std::string error;
    auto s = ra_exec::parse_settings(config_json, error);
    if (!s) throw std::runtime_error("[plugins.exec.config]: " + error);
    settings_ = *s;
  }

  std::vector<ra::tool> define_tools() override {
    ra::tool t;
    t.name = "exec";
    t.title = "Run a shell command";
    t.description =
        "Run a shell command (/bin/sh -c) on this host. Output streams while it runs; each stream is capped "
        "(default 128 KiB, `truncated` flags say when). timeout_ms (default 300000) and cancellation kill the "
        "whole process group. Returns stdout, stderr, exit_code, signal, duration_ms, timed_out. In plan mode only "
        "read-only commands run, in a sandbox that cannot write files.";
    t.input_schema = ra_exec::input_schema;
    t.output_schema = ra_exec::output_schema;
    t.hints = RA_HINT_DESTRUCTIVE | RA_HINT_OPEN_WORLD | RA_HINT_STREAMS | RA_HINT_LONG_RUNNING;
    t.permission = RA_PERM_EXEC;
    t.command_args = {"command"};
    t.read_path_args = {"cwd"};
    t.never_blocks = true;  // spawn is asynchronous
    t.handler = [this](ra::call_ptr c) { run(std::move(c)); };
    return {t};
  }

 private:
  struct run_state {
    std::mutex mu;
    std::string out, err;
    ra_exec::utf8_chunker out_chunks, err_chunks;
  };

  void run(ra::call_ptr c) {
    std::string error;
    auto a = ra_exec::parse_args(c->args_json(), settings_, error);
    if (!a) {
      c->fail(RA_INVALID_ARGUMENT, error);
      return;
    }
    std::vector<const char *> argv = {settings_.shell.c_str(), "-c", a->command.c_str(), nullptr};
    std::vector<const char *> env;
    for (auto &e : a->env) env.push_back(e.c_str());
    env.push_back(nullptr);

    ra_spawn_spec_t spec{};
    spec.struct_size = sizeof spec;
    spec.argv = argv.data();
    spec.env = env.data();
    spec.cwd = a->cwd.empty() ? nullptr : a->cwd.c_str();
    spec.stdin_data = a->has_stdin ? a->stdin_data.data() : nullptr;
    spec.stdin_len = a->stdin_data.size();
    spec.timeout_ms = a->timeout_ms;
    spec.max_output = a->max_output;

    auto state = std::make_shared<run_state>();
    int64_t timeout_ms = a->timeout_ms;
    std::weak_ptr<ra::call> weak = c;
    auto on_output = [state, weak](int stream, std::string_view data) {
      std::string chunk;
      {
        std::lock_guard lock(state->mu);
        (stream == RA_SPAWN_STDERR ? state->err : state->out).append(data);
        chunk = (stream == RA_SPAWN_STDERR ? state->err_chunks : state->out_chunks).feed(data);
      }
      if (auto call = weak.lock(); call && !chunk.empty()) call->emit(ra_exec::partial_event(stream, chunk));
    };
    auto on_exit = [state, weak, timeout_ms](const ra_spawn_result_t &r) {
      auto call = weak.lock();
      if (!call) return;
      std::string out, err, rest_out, rest_err;
      {
        std::lock_guard lock(state->mu);
        out = state->out;
        err = state->err;
        rest_out = state->out_chunks.flush();
        rest_err = state->err_chunks.flush();
      }
      if (!rest_out.empty()) call->emit(ra_exec::partial_event(RA_SPAWN_STDOUT, rest_out));
      if (!rest_err.empty()) call->emit(ra_exec::partial_event(RA_SPAWN_STDERR, rest_err));
      if (r.status != RA_OK) {
        call->fail(r.status, r.error ? r.error : "command failed to start");
        return;
      }
      std::string result = ra_exec::result_json(out, err, r, timeout_ms);
      // A cancelled call completes as cancelled (R43), still with what the command produced.
      if (r.cancelled)
        call->complete(RA_CANCELLED, result, "cancelled: the command's process group was killed");
      else
        call->ok(result);
    };
    ra_status s = c->spawn(spec, on_output, on_exit, &error);
    if (s != RA_OK) c->fail(s, error.empty() ? std::string("cannot start command") : error);
  }

  ra_exec::exec_settings settings_;
};

}  // namespace

RA_PLUGIN(exec, exec_plugin, "exec", "Shell commands", "0.1.0",
          "Runs shell commands in the host's sandbox with streaming output, timeouts and group kill")
