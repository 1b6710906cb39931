// files_plugin.cpp — ABI glue of the files plugin: six tools (read_file, read_chunk, write_file,
// list_dir, file_stat, file_search) whose logic is in fs_ops/search. Every file is opened through
// host->open_file (ABI 1.1): the core checks the path policy for the call's mode and opens beneath
// the allowed roots with openat2; the plugin never opens a path by itself. Handlers run on host
// worker threads (they block on file I/O).
#include <remote_agents/plugin.hpp>

#include <cstdlib>
#include <stdexcept>

#include "fs_ops.hpp"
#include "search.hpp"

namespace {

// The fs_host of one call: the host table's services, bound to the call.
class call_host final : public ra_files::fs_host {
 public:
  explicit call_host(const ra::call_ptr &c) : c_(c) {}

  ra_files::opened open(const std::string &path, uint32_t how, uint32_t mode_bits) override {
    const ra_host_t *h = c_->host();
    if (!RA_HAS(h, ra_host_t, open_file)) return {-1, RA_UNAVAILABLE, "this host has no open_file (ABI 1.1)"};
    char err[1024] = {0};
    ra_status st = RA_INTERNAL;
    int fd = h->open_file(h, c_->raw(), path.c_str(), how, mode_bits, &st, err, sizeof err);
    if (fd >= 0) return {fd, RA_OK, {}};
    if (st == RA_OK) st = RA_INTERNAL;  // a host that failed without saying why
    return {-1, st, err[0] ? std::string(err) : std::string(ra_status_name(st))};
  }

  ra_status backup(const std::string &path, std::string &out) override {
    const ra_host_t *h = c_->host();
    char buf[4096] = {0};
    ra_status s = h->backup(h, c_->raw(), path.c_str(), buf, sizeof buf);
    out = buf;
    return s;
  }

  bool may_read(const std::string &path) override { return c_->authorize(RA_PERM_READ, path).empty(); }
  bool cancelled() override { return c_->cancelled(); }
  std::string home() override {
    const char *h = std::getenv("HOME");
    return h ? h : "";
  }
  int64_t deadline_ms() override { return c_->deadline_ms(); }

 private:
  ra::call_ptr c_;
};

using tool_fn = ra_files::outcome (*)(ra_files::fs_host &, const ra_files::settings &, std::string_view);

class files_plugin : public ra::plugin {
 public:
  files_plugin(const ra_host_t *host, std::string_view config_json) : ra::plugin(host) {
    // R2: open_file is ABI 1.1; at minor 0 there is no way to open a file safely.
    if (host->abi_minor < 1 || !RA_HAS(host, ra_host_t, open_file))
      throw std::runtime_error("needs host ABI >= 1.1 (host->open_file)");
    std::string error;
    auto s = ra_files::parse_settings(config_json, error);
    if (!s) throw std::runtime_error("[plugins.files.config]: " + error);
    settings_ = *s;
  }

  std::vector<ra::tool> define_tools() override {
    std::vector<ra::tool> tools;
    auto add = [&](const char *name, const char *title, const char *description, const char *in, const char *out,
                   uint32_t hints, ra_permission perm, tool_fn fn) -> ra::tool & {
      ra::tool t;
      t.name = name;
      t.title = title;
      t.description = description;
      t.input_schema = in;
      t.output_schema = out;
      t.hints = hints;
      t.permission = perm;
      t.handler = [this, fn](ra::call_ptr c) {
        call_host h(c);
        ra_files::outcome o = fn(h, settings_, c->args_json());
        if (o.status == RA_OK)
          c->ok(o.json);
        else
          c->complete(o.status, o.json, o.message.c_str());
      };
      tools.push_back(std::move(t));
      return tools.back();
    };
    const uint32_t ro = RA_HINT_READ_ONLY | RA_HINT_IDEMPOTENT;
    add("read_file", "Read a file",
        "Read a file on this host. Text by default: UTF-8 files come back in `content`; bytes that are not valid "
        "UTF-8 come back exactly in `content_base64` (encoding: \"base64\"), or ask for base64 with "
        "encoding: \"base64\". offset/length read a byte range. Files larger than max_read_bytes (default 10 MiB) "
        "need a range, or read_chunk. Returns path, content or content_base64, size, offset, length, eof, encoding. "
        "Paths are checked against the host's path policy and opened beneath its allowed roots (symlinks cannot lead "
        "out).",
        ra_files::read_file_input_schema, ra_files::read_file_output_schema, ro, RA_PERM_READ, ra_files::read_file)
        .read_path_args = {"path"};
    add("read_chunk", "Read a chunk of a file (base64)",
        "Read bytes [offset, offset+length) of a file, always as base64 (binary-safe downloads; length at most "
        "4 MiB). Returns path, content_base64, size (of the whole file), offset, length (bytes returned: fewer at "
        "the end), eof. An offset past the end is an error.",
        ra_files::read_chunk_input_schema, ra_files::read_chunk_output_schema, ro, RA_PERM_READ, ra_files::read_chunk)
        .read_path_args = {"path"};
    add("write_file", "Write a file",
        "Create or replace a file atomically (a temporary file beside it, fsync, rename: readers see the old or the "
        "new contents, never a mix; on a full disk the old file stays). content is text, or base64 with encoding: "
        "\"base64\"; at most max_write_bytes (default 10 MiB). An existing file keeps its permissions; a new one "
        "gets 0644. In edit mode the old contents are backed up first (create_backup, default true). "
        "create_parents creates missing directories. A symlink at the path is followed (its target is checked by "
        "the policy too). Refused in plan mode. Returns path, bytes_written, backup (path or null), created.",
        ra_files::write_file_input_schema, ra_files::write_file_output_schema, RA_HINT_DESTRUCTIVE | RA_HINT_IDEMPOTENT,
        RA_PERM_WRITE, ra_files::write_file)
        .write_path_args = {"path"};
    add("list_dir", "List a directory",
        "List a directory: entries with name, type (file, dir, symlink, other), size, mtime (ISO 8601, UTC), mode "
        "(octal) and a symlink's target. pattern filters names (glob: * ? [..]; without glob characters a "
        "substring). sort: name (default), size (largest first) or mtime (newest first); dirs_first (default "
        "true); reverse. At most limit entries (default 1000, max 100000); total and truncated say how many "
        "matched. Entries under denied paths are not listed.",
        ra_files::list_dir_input_schema, ra_files::list_dir_output_schema, ro, RA_PERM_READ, ra_files::list_dir)
        .read_path_args = {"path"};
    add("file_stat", "File metadata",
        "Metadata of a file or directory without its contents (symlinks followed): path, type, size, mode, mtime "
        "(ISO 8601) and mtime_ms, mime (from the extension, else sniffed: images, text), is_image, is_symlink and "
        "target.",
        ra_files::file_stat_input_schema, ra_files::file_stat_output_schema, ro, RA_PERM_READ, ra_files::file_stat)
        .read_path_args = {"path"};
    add("file_search", "Search files",
        "Search this host's files by name (kind \"name\", default: glob, or a case-insensitive substring), by "
        "content (kind \"content\": a literal substring; text files up to max_file_bytes, default 2 MiB; binary "
        "files skipped) or for images (kind \"image\": image files whose name matches; \"*\" for all). roots "
        "default to $HOME (or ~/Pictures, ~/Documents, ~/Downloads, ~/Desktop where allowed). Breadth-first, "
        "max_depth levels (default 12); symlinks are not followed; node_modules, .git, .cache, venv, target and "
        "similar are skipped. Stops at max_hits (default 200, truncated: true) or timeout_ms (default 10000, "
        "timed_out: true) with what it found. Returns hits [{path, size, mtime, is_image, line}], truncated, "
        "timed_out, scanned_files, roots.",
        ra_files::file_search_input_schema, ra_files::file_search_output_schema, RA_HINT_READ_ONLY, RA_PERM_READ,
        ra_files::file_search)
        .read_path_args = {"roots[]"};
    return tools;
  }

 private:
  ra_files::settings settings_;
};

}  // namespace

RA_PLUGIN(files, files_plugin, "files", "Files", "0.1.0",
          "Reads, writes (atomically, with backups), lists, stats and searches files beneath the policy's roots")
