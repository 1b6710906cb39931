// exec_tool.hpp — the logic of the `exec` tool, separate from the ABI glue: argument parsing,
// the settings from [plugins.exec.config], the UTF-8-safe streaming of output, and the result JSON.
// Thread safety: exec_settings is immutable after parsing; exec_output is guarded by its owner.
#pragma once

#include <remote_agents/host.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ra_exec {

struct exec_settings {
  std::string shell = "/bin/sh";
  int64_t default_timeout_ms = 300'000;   // [security] command_timeout in the reference
  uint64_t max_output_bytes = 131'072;    // per stream, default
  uint64_t max_output_limit = 64u << 20;  // the most a caller may ask for per stream
  std::vector<std::string> env = {"LANG=C.UTF-8", "LC_ALL=C.UTF-8"};
};

// Parses the plugin's config JSON. On error returns nullopt and sets `error`.
std::optional<exec_settings> parse_settings(std::string_view config_json, std::string &error);

struct exec_args {
  std::string command;
  int64_t timeout_ms = 0;
  std::string cwd;
  std::vector<std::string> env;  // "K=V"
  bool has_stdin = false;
  std::string stdin_data;
  uint64_t max_output = 0;
};

// Parses already schema-validated arguments, applying defaults; checks what a schema cannot
// (environment variable names, the output limit).
std::optional<exec_args> parse_args(std::string_view args_json, const exec_settings &s, std::string &error);

// Splits a byte stream into chunks that never cut a UTF-8 sequence in two: feed() returns the
// longest prefix that ends on a sequence boundary and keeps up to 3 trailing bytes for the next.
class utf8_chunker {
 public:
  std::string feed(std::string_view bytes);
  std::string flush();  // whatever is left, at the end of the stream

 private:
  std::string held_;
};

// {"stream":"stdout","data":"..."} — the partial-output event.
std::string partial_event(int stream, std::string_view data);

// The final result object.
std::string result_json(const std::string &out, const std::string &err, const ra_spawn_result_t &r, int64_t timeout_ms);

extern const char *const input_schema;
extern const char *const output_schema;

}  // namespace ra_exec
