// fs_ops.hpp — the files plugin's tools, apart from the ABI glue: read_file, read_chunk,
// write_file, list_dir and file_stat (file_search is in search.hpp). Every file is reached through
// an fs_host, whose open() is host->open_file in the plugin (policy + openat2 beneath the roots)
// and plain openat in the unit tests. Below a descriptor the tools use fstat/fdopendir/*at() calls
// on single names only; nothing here opens or stats a path by itself (ABI rule R65).
// Thread safety: the functions keep no state; an fs_host belongs to one call.
#pragma once

#include <remote_agents/host.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ra_files {

struct settings {
  uint64_t max_read_bytes = 10u << 20;   // read_file (whole file or range) and read_chunk
  uint64_t max_write_bytes = 10u << 20;  // write_file content, after base64 decoding
};

// [plugins.files.config]: max_read_bytes, max_write_bytes (integers ≥ 1); unknown keys refused.
std::optional<settings> parse_settings(std::string_view config_json, std::string &error);

// A descriptor from the host, or why not.
struct opened {
  int fd = -1;
  ra_status status = RA_OK;
  std::string error;
  explicit operator bool() const { return fd >= 0; }
};

class fs_host {
 public:
  virtual ~fs_host() = default;
  // host->open_file: `how` is RA_OPEN_* (| RA_OPEN_CREATE/TRUNCATE). The caller closes the fd.
  virtual opened open(const std::string &path, uint32_t how, uint32_t mode_bits = 0) = 0;
  // host->backup: RA_OK with the backup's path in `out` ("" when backups are off for the mode),
  // RA_NOT_FOUND when there is nothing to back up, another status with the reason in `out`.
  virtual ra_status backup(const std::string &path, std::string &out) = 0;
  // The lexical read policy alone (host->authorize), for names reported without being opened.
  virtual bool may_read(const std::string &path) = 0;
  virtual bool cancelled() = 0;
  // $HOME ("" when unset), for file_search's default roots.
  virtual std::string home() = 0;
  // The call's deadline on CLOCK_MONOTONIC in ms; 0 = none.
  virtual int64_t deadline_ms() = 0;
};

// A tool's result: the JSON object on RA_OK, else a status and a message for the caller.
struct outcome {
  ra_status status = RA_OK;
  std::string json = "{}";
  std::string message;
  static outcome fail(ra_status s, std::string m) { return {s, "{}", std::move(m)}; }
};

outcome read_file(fs_host &h, const settings &s, std::string_view args_json);
outcome read_chunk(fs_host &h, const settings &s, std::string_view args_json);
outcome write_file(fs_host &h, const settings &s, std::string_view args_json);
outcome list_dir(fs_host &h, const settings &s, std::string_view args_json);
outcome file_stat(fs_host &h, const settings &s, std::string_view args_json);

// Closes a descriptor exactly once.
class fd_guard {
 public:
  explicit fd_guard(int fd = -1) : fd_(fd) {}
  fd_guard(const fd_guard &) = delete;
  fd_guard &operator=(const fd_guard &) = delete;
  ~fd_guard() { reset(); }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

 private:
  int fd_;
};

// CLOCK_MONOTONIC now, in ms (the clock of ra_call_t::deadline_ms).
int64_t monotonic_ms();

// The descriptors of each tool, in files_plugin.cpp and the tests.
extern const char *const read_file_input_schema;
extern const char *const read_file_output_schema;
extern const char *const read_chunk_input_schema;
extern const char *const read_chunk_output_schema;
extern const char *const write_file_input_schema;
extern const char *const write_file_output_schema;
extern const char *const list_dir_input_schema;
extern const char *const list_dir_output_schema;
extern const char *const file_stat_input_schema;
extern const char *const file_stat_output_schema;

}  // namespace ra_files
