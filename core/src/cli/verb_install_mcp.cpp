// verb_install_mcp.cpp — `install-mcp --client ID`: register `remote-agents mcp` (with the
// connection flags given here) in an MCP client's JSON config, or print the YAML to paste for the
// clients that use YAML. The table, paths and merge are mcp_clients.cpp's; this file does the I/O:
// read, refuse to touch a config it cannot parse, keep a .bak of the old bytes, write atomically.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli/cli.hpp"
#include "cli/mcp_clients.hpp"
#include "service/install.hpp"
#include "util/atomic_file.hpp"

namespace ra::cli {
namespace {
namespace fs = std::filesystem;

// An absolute $NAME, else empty (a relative XDG value is invalid per the base-directory spec).
fs::path absolute_env(const char *name) {
  const char *v = std::getenv(name);
  return v != nullptr && *v == '/' ? fs::path(v) : fs::path();
}

std::optional<mcp::host_os> target_os(const parsed_args &args) {
#if defined(__APPLE__)
  mcp::host_os os = mcp::host_os::macos;
#else
  mcp::host_os os = mcp::host_os::linux_xdg;
#endif
  if (auto p = args.value("platform")) {
    if (*p == "linux")
      os = mcp::host_os::linux_xdg;
    else if (*p == "macos")
      os = mcp::host_os::macos;
    else {
      std::fprintf(stderr, "remote-agents: --platform must be linux or macos\n");
      return std::nullopt;
    }
  }
  return os;
}

unsigned file_mode(const fs::path &p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

// The old bytes go to <file>.bak with the original's permission bits (it may hold a token too).
// A .bak that is a symlink is removed first: writing "through" it would put the copy, and the
// mode change, somewhere else.
status write_backup(const fs::path &bak, const std::string &old, unsigned mode) {
  std::error_code ec;
  auto st = fs::symlink_status(bak, ec);
  if (!ec && fs::is_symlink(st)) {
    fs::remove(bak, ec);
  } else if (!ec && fs::is_regular_file(st)) {
    // write_file_atomic keeps an existing file's bits; make them the original's first.
    ::chmod(bak.c_str(), mode);
  }
  return write_file_atomic(bak, old, mode);
}

}  // namespace

int verb_install_mcp(const parsed_args &args) {
  if (!args.positional.empty()) {
    std::fprintf(stderr, "remote-agents: install-mcp takes no arguments (see remote-agents --help)\n");
    return exit_usage;
  }
  auto id = args.value("client");
  if (!id) {
    std::printf("Supported clients:\n%s", mcp::listing().c_str());
    return exit_ok;
  }
  const mcp::client *client = mcp::find_client(*id);
  if (client == nullptr) {
    std::fprintf(stderr, "remote-agents: unknown client '%s'. Supported:\n%s", id->c_str(), mcp::listing().c_str());
    return exit_usage;
  }
  auto os = target_os(args);
  if (!os) return exit_usage;
  // Checked here rather than when the client first starts the server: a GUI client tends to
  // show a failing MCP server as a bare "disconnected".
  if (auto p = args.value("profile"); p && *p != "minimal" && *p != "standard" && *p != "full") {
    std::fprintf(stderr, "remote-agents: --profile must be minimal, standard or full\n");
    return exit_usage;
  }

  mcp::locations loc;
  loc.home = absolute_env("HOME");
  loc.xdg_config_home = absolute_env("XDG_CONFIG_HOME");
  std::error_code ec;
  loc.cwd = fs::current_path(ec);
  if (client->base == mcp::anchor::cwd ? loc.cwd.empty() : loc.home.empty()) {
    std::fprintf(stderr, "remote-agents: cannot locate %s's config: %s\n", std::string(client->display).c_str(),
                 client->base == mcp::anchor::cwd ? "no current directory" : "HOME is not set to an absolute path");
    return exit_failed;
  }

  mcp::server_entry entry;
  entry.name = args.value("server-name").value_or("remote-agents");
  auto exe = service::current_executable();
  entry.command = exe ? *exe : "remote-agents";  // the reference's fallback: found through PATH
  entry.args = mcp::mcp_args(args);
  if (status st = mcp::validate(entry); !st) {
    std::fprintf(stderr, "remote-agents: %s\n", st.message().c_str());
    return exit_usage;
  }

  fs::path path = mcp::config_path(*client, *os, loc);
  if (client->kind == mcp::shape::yaml_continue || client->kind == mcp::shape::yaml_goose) {
    std::printf("%s uses YAML. Add this to %s:\n\n%s", std::string(client->display).c_str(), path.c_str(),
                mcp::yaml_snippet(*client, entry).c_str());
    return exit_ok;
  }

  // A config kept in a dotfiles repo is often a symlink: update the file it points at rather than
  // replacing the link with a copy.
  if (fs::is_symlink(path, ec)) {
    fs::path target = fs::canonical(path, ec);
    if (!ec) path = target;
  }
  auto old = read_file(path);
  const bool existed = old.is_ok();
  if (!existed && old.error().code() != RA_NOT_FOUND) {
    std::fprintf(stderr, "remote-agents: %s\n", old.error().message().c_str());
    return exit_failed;
  }
  const std::string previous = existed ? *old : std::string();
  auto merged = mcp::merge(previous, *client, entry, path.string());
  if (!merged) {
    std::fprintf(stderr, "remote-agents: %s\n", merged.error().message().c_str());
    return exit_usage;
  }

  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    std::fprintf(stderr, "remote-agents: cannot create %s: %s\n", path.parent_path().c_str(), ec.message().c_str());
    return exit_failed;
  }
  fs::path backup;
  if (!previous.empty()) {
    backup = path;
    backup += ".bak";
    if (status st = write_backup(backup, previous, file_mode(path) ? file_mode(path) : 0600); !st) {
      std::fprintf(stderr, "remote-agents: cannot keep a backup, %s left unchanged: %s\n", path.c_str(),
                   st.message().c_str());
      return exit_failed;
    }
  }
  // The token sits in the entry's args, so a file we create is the owner's alone; an existing
  // file keeps its bits (the client may rely on them), with a warning below if they are loose.
  const bool has_token = args.value("token").has_value();
  if (status st = write_file_atomic(path, merged->text, has_token ? 0600 : 0644); !st) {
    std::fprintf(stderr, "remote-agents: %s\n", st.message().c_str());
    return exit_failed;
  }

  std::printf("✓ Registered MCP server '%s' for %s (%s %s)\n", entry.name.c_str(), std::string(client->display).c_str(),
              existed ? "merged into" : "created", path.c_str());
  if (!backup.empty()) std::printf("  previous version kept in %s\n", backup.c_str());
  if (has_token) {
    const unsigned mode = file_mode(path);
    std::printf("  the room token (--token) is written into this file; its mode is %04o\n", mode);
    if ((mode & 044) != 0)
      std::fprintf(stderr, "remote-agents: warning: %s is readable by other users; chmod 600 it\n", path.c_str());
    if (client->base == mcp::anchor::cwd)
      std::fprintf(stderr,
                   "remote-agents: warning: a project's .mcp.json is often committed; keep this one out of version "
                   "control, it holds the room token\n");
  }
  return exit_ok;
}

}  // namespace ra::cli
