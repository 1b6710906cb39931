// config/paths.cpp — XDG base directories and the default display name.
#include <pwd.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <vector>

#include "config/config.hpp"

namespace ra::config {
namespace {

// An environment variable that names an absolute directory, else nothing. The XDG base-directory
// spec says relative values are invalid and must be ignored, which also stops a stray
// XDG_CONFIG_HOME=foo from making the daemon read config from whatever its cwd happens to be.
std::optional<std::filesystem::path> absolute_env(const char *name) {
  const char *v = std::getenv(name);
  if (v == nullptr || *v == '\0' || *v != '/') return std::nullopt;
  return std::filesystem::path(v);
}

// $HOME, else the passwd entry (services started without HOME), else the cwd-relative path the
// reference falls back to (its files then live in the working directory).
std::filesystem::path home_dir() {
  if (auto home = absolute_env("HOME")) return *home;
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : 16384);
  struct passwd pw {};
  struct passwd *found = nullptr;
  if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr &&
      found->pw_dir != nullptr && found->pw_dir[0] == '/')
    return std::filesystem::path(found->pw_dir);
  return {};
}

}  // namespace

std::filesystem::path config_dir() {
  if (auto xdg = absolute_env("XDG_CONFIG_HOME")) return *xdg / "remote-agents";
  return home_dir() / ".config" / "remote-agents";
}

std::filesystem::path data_dir() {
  if (auto xdg = absolute_env("XDG_DATA_HOME")) return *xdg / "remote-agents";
  return home_dir() / ".local" / "share" / "remote-agents";
}

std::filesystem::path default_config_path() { return config_dir() / "config.toml"; }

std::string default_name() {
  char buf[HOST_NAME_MAX + 1] = {};
  // gethostname may truncate without terminating; the zeroed last byte keeps it a C string.
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown";
  return buf;
}

}  // namespace ra::config
