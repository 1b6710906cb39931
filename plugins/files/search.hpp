// search.hpp — file_search: walks directory trees breadth-first (shallow hits first), matching file
// names (glob or substring), contents (a literal substring, text files only) or image files. Every
// directory it enters and every file whose contents it reads is opened through the host
// (host->open_file: policy-checked, beneath the roots); symlinks are never followed; the heavy
// directories the reference prunes (node_modules, .git, …) are skipped. It stops at max_hits, at
// the timeout, at the call's deadline and on cancel, and says which.
// Thread safety: stateless; one fs_host per call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fs_ops.hpp"

namespace ra_files {

enum class search_kind { name, content, image };

struct search_args {
  std::string query;
  search_kind kind = search_kind::name;
  std::vector<std::string> roots;  // as given; empty = the defaults
  uint64_t max_hits = 200;
  uint32_t max_depth = 12;
  uint64_t max_file_bytes = 2u << 20;
  int64_t timeout_ms = 10'000;
};

struct search_hit {
  std::string path;
  uint64_t size = 0;
  int64_t mtime = 0;  // unix seconds
  bool is_image = false;
  uint64_t line = 0;  // content: the first matching line (1-based)
};

struct search_result {
  std::vector<search_hit> hits;
  std::vector<std::string> roots;                                  // searched, normalised
  std::vector<std::pair<std::string, std::string>> skipped_roots;  // given but unusable: (path, why)
  bool truncated = false;                                          // max_hits reached before the walk ended
  bool timed_out = false;                                          // timeout_ms or the call's deadline
  bool cancelled = false;
  uint64_t scanned_files = 0, scanned_dirs = 0;
  uint64_t skipped_dirs = 0;   // could not be opened (denied, vanished, no permission)
  uint64_t skipped_files = 0;  // content: too large, binary, unreadable or denied
};

// Directory names skipped anywhere below a root (the reference's list).
const std::vector<std::string> &pruned_dir_names();

// Parses already validated arguments; applies the defaults.
bool parse_search_args(std::string_view args_json, search_args &out, std::string &error);

// The roots to search: the given ones (normalised; nested ones folded into their ancestor), or
// $HOME, else those of ~/Pictures, ~/Documents, ~/Downloads, ~/Desktop that can be opened.
// Opening each through the host also checks it. Fails when none is left.
bool resolve_roots(fs_host &h, const search_args &a, search_result &r, std::string &error);

// The walk itself, over r.roots (from resolve_roots).
void run_search(fs_host &h, const search_args &a, search_result &r);

// file_search as a tool: parse, resolve roots, walk, JSON.
outcome file_search(fs_host &h, const settings &s, std::string_view args_json);

// Literal substring search over a stream read from fd, in bounded memory; skips files whose first
// 8 KiB hold a NUL byte (binary). Returns the 1-based line of the first match, 0 when none, and
// sets `binary` when the file was skipped as binary.
uint64_t find_in_fd(int fd, std::string_view needle, bool &binary);
// The same with a caller's buffer (grown to 64 KiB + the needle once, then reused).
uint64_t find_in_fd(int fd, std::string_view needle, bool &binary, std::string &scratch);

extern const char *const file_search_input_schema;
extern const char *const file_search_output_schema;

}  // namespace ra_files
