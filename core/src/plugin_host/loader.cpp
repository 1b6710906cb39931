#include "plugin_host/loader.hpp"

#include <sys/auxv.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "build_config.h"

namespace ra::plugin_host {
namespace fs = std::filesystem;

bool valid_plugin_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(id[0])) return false;
  if (id.find("..") != std::string_view::npos) return false;
  return std::all_of(id.begin(), id.end(), [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

std::vector<fs::path> plugin_search_path(const std::vector<std::string> &configured) {
  std::vector<fs::path> dirs;
  for (auto &d : configured)
    if (!d.empty()) dirs.emplace_back(d);
  // A setuid/setgid process must not take plugin directories from its caller's environment.
  if (const char *env = std::getenv("RA_PLUGIN_PATH"); env && !getauxval(AT_SECURE)) {
    std::string_view rest(env);
    while (!rest.empty()) {
      auto colon = rest.find(':');
      auto item = rest.substr(0, colon);
      if (!item.empty()) dirs.emplace_back(std::string(item));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  dirs.emplace_back(RA_PLUGINDIR);
  return dirs;
}

loader::loader(host_env &env, registry &tools, std::vector<fs::path> search_dirs)
    : env_(env), tools_(tools), dirs_(std::move(search_dirs)) {}

loader::~loader() { unload_all(); }

result<fs::path> loader::find_file(const config::plugin_entry &entry) const {
  if (!entry.path.empty()) {
    std::error_code ec;
    if (!fs::exists(entry.path, ec)) return not_found("file " + entry.path + " does not exist");
    return fs::path(entry.path);
  }
  std::string file = "ra-" + entry.id + ".so";
  std::string looked;
  for (auto &dir : dirs_) {
    fs::path p = dir / file;
    std::error_code ec;
    if (fs::exists(p, ec)) return p;
    looked += (looked.empty() ? "" : ", ") + dir.string();
  }
  return not_found(file + " not found (searched: " + looked + ")");
}

namespace {

// Rule R5: the file must not be writable by anyone but its owner, and must be owned by root or by
// the user running the daemon — otherwise another user could swap code into this process. The
// checks run on an open descriptor of the resolved file, and the library is loaded through that
// same descriptor (/proc/self/fd/N), so the file cannot be replaced between check and load.
result<int> open_checked(const fs::path &p) {
  std::error_code ec;
  fs::path real = fs::canonical(p, ec);
  if (ec) return not_found("cannot resolve " + p.string() + ": " + ec.message());
  int fd = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return not_found("cannot open " + real.string() + ": " + std::strerror(errno));
  struct stat st {};
  auto refuse = [&](status s) -> result<int> {
    ::close(fd);
    return s;
  };
  if (::fstat(fd, &st) != 0) return refuse(not_found("cannot stat " + real.string()));
  if (!S_ISREG(st.st_mode)) return refuse(failed_precondition(p.string() + " is not a regular file"));
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return refuse(permission_denied(p.string() + " is group- or world-writable (chmod go-w to fix)"));
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    return refuse(permission_denied(p.string() + " is owned by uid " + std::to_string(st.st_uid) +
                                    ", not by root or the daemon's user"));
  return fd;
}

}  // namespace

status loader::load(const config::plugin_entry &entry) {
  auto fail = [&](const status &s) { return status(s.code(), "plugin '" + entry.id + "' refused: " + s.message()); };
  if (!valid_plugin_id(entry.id)) return fail(invalid_argument("malformed plugin id (want [a-z0-9][a-z0-9._-]*)"));
  for (auto &p : plugins_)
    if (p->id == entry.id) return fail(failed_precondition("already loaded"));

  auto rec = std::make_unique<plugin_record>();
  rec->id = entry.id;

  const static_plugin *builtin = nullptr;
  if (entry.path.empty())
    for (auto &sp : static_plugins())
      if (entry.id == sp.id) builtin = &sp;

  if (builtin) {
    rec->entry = builtin->entry;
    rec->origin = "(built in)";
  } else {
    auto file = find_file(entry);
    if (!file) return fail(file.error());
    auto fd = open_checked(*file);
    if (!fd) return fail(fd.error());
    // The descriptor stays open for the life of the process, like the library itself (D15):
    // glibc recognises an already loaded library by its name, so a /proc/self/fd/N name must
    // never be reused for another file.
    struct fd_closer {
      int fd;
      bool keep = false;
      ~fd_closer() {
        if (!keep) ::close(fd);
      }
    } closer{*fd};
    try {
      auto lib = std::make_shared<boost::dll::shared_library>(
          fs::path("/proc/self/fd/" + std::to_string(*fd)),
          boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
      if (!lib->has(RA_PLUGIN_ENTRY_SYMBOL))
        return fail(not_found(file->string() + " has no entry symbol '" RA_PLUGIN_ENTRY_SYMBOL "'"));
      rec->entry = &lib->get<const ra_plugin_entry_t>(RA_PLUGIN_ENTRY_SYMBOL);
      rec->library = lib;
      closer.keep = true;
    } catch (const std::exception &e) {
      return fail(internal_error("cannot load " + file->string() + ": " + e.what()));
    }
    rec->origin = file->string();
  }
  return instantiate(entry, std::move(rec));
}

status loader::instantiate(const config::plugin_entry &entry, std::unique_ptr<plugin_record> rec) {
  auto fail = [&](const status &s) { return status(s.code(), "plugin '" + entry.id + "' refused: " + s.message()); };
  const ra_plugin_entry_t *e = rec->entry;
  // R1: the major version comes first and must match exactly.
  if (e->abi_major != RA_ABI_MAJOR)
    return fail(failed_precondition("built for ABI " + std::to_string(e->abi_major) + "." +
                                    std::to_string(e->abi_minor) + ", host speaks " + std::to_string(RA_ABI_MAJOR) +
                                    "." + std::to_string(RA_ABI_MINOR)));
  if (e->struct_size < offsetof(ra_plugin_entry_t, create) + sizeof(e->create) || !e->create || !e->info)
    return fail(invalid_argument("entry struct is incomplete (struct_size " + std::to_string(e->struct_size) + ")"));
  const ra_plugin_info_t *info = e->info;
  if (info->struct_size < offsetof(ra_plugin_info_t, description) + sizeof(info->description) || !info->id)
    return fail(invalid_argument("plugin info is incomplete"));
  // R3: the plugin's own id must be the one the config names (and the file's name).
  if (entry.id != info->id)
    return fail(invalid_argument(std::string("id mismatch: the file declares '") + info->id + "', the config names '" +
                                 entry.id + "'"));
  rec->name = info->name ? info->name : entry.id;
  rec->version = info->version ? info->version : "?";
  rec->description = info->description ? info->description : "";

  uint32_t minor = std::min<uint32_t>(e->abi_minor, RA_ABI_MINOR);
  rec->host = std::make_unique<plugin_host_table>(entry.id, minor, &env_);
  char err[512] = {0};
  ra_instance_t *inst = nullptr;
  try {
    inst = e->create(rec->host->get(), minor, entry.config_json.c_str(), entry.config_json.size(), err, sizeof err);
  } catch (...) {
    return fail(internal_error("create() threw an exception across the C ABI"));
  }
  err[sizeof err - 1] = '\0';  // a C plugin may have filled the buffer without a terminator
  if (!inst) return fail(failed_precondition(std::string("create() failed: ") + (err[0] ? err : "no reason given")));
  auto destroy = [&] {
    if (inst->destroy) inst->destroy(inst);
  };
  if (inst->struct_size < offsetof(ra_instance_t, cancel) + sizeof(inst->cancel) || !inst->invoke ||
      !inst->tool_count || !inst->tool_get || !inst->destroy) {
    destroy();
    return fail(invalid_argument("instance vtable is incomplete"));
  }
  rec->instance = inst;

  std::vector<tool_entry> tools;
  uint32_t n = inst->tool_count(inst);
  if (n > 1024) {
    destroy();
    return fail(invalid_argument("declares " + std::to_string(n) + " tools (limit 1024)"));
  }
  for (uint32_t i = 0; i < n; ++i) {
    auto t = describe(inst->tool_get(inst, i), entry.id, /*builtin=*/false, minor);
    if (!t) {
      destroy();
      return fail(t.error());
    }
    t->instance = inst;
    rec->tools.push_back(t->name);
    tools.push_back(std::move(*t));
  }
  if (auto st = tools_.add_all(std::move(tools)); !st) {
    destroy();
    return fail(st);
  }
  if (inst->start) {
    ra_status s = inst->start(inst);
    if (s != RA_OK) {
      tools_.remove_provider(entry.id);
      destroy();
      return fail(status(s, std::string("start() returned ") + ra_status_name(s)));
    }
  }
  rec->started = true;
  spdlog::debug("plugin '{}' {} loaded from {} ({} tools)", rec->id, rec->version, rec->origin, rec->tools.size());
  plugins_.push_back(std::move(rec));
  return status::ok();
}

status loader::load_all(const std::vector<config::plugin_entry> &entries) {
  for (auto &e : entries) {
    if (e.load == config::plugin_load::disabled) continue;
    auto st = load(e);
    if (st) continue;
    if (e.load == config::plugin_load::required) return st;
    spdlog::warn("{} (optional plugin skipped)", st.message());
  }
  return status::ok();
}

void loader::stop_all() {
  for (auto it = plugins_.rbegin(); it != plugins_.rend(); ++it) {
    auto &rec = *it;
    // R67: no event reaches a plugin once its stop() runs (removal waits for a running callback).
    if (env_.bridge && rec->started) env_.bridge->subscribe(rec->id, "", {});
    if (rec->instance && rec->started && rec->instance->stop) rec->instance->stop(rec->instance);
    rec->started = false;
  }
}

void loader::unload_all() {
  stop_all();
  // Never dlclose (R45): code of a plugin may still be on some thread's stack on its way out.
  static auto *keep_mapped = new std::vector<std::shared_ptr<void>>();
  while (!plugins_.empty()) {
    auto &rec = plugins_.back();
    tools_.remove_provider(rec->id);
    if (rec->instance) rec->instance->destroy(rec->instance);
    if (rec->library) keep_mapped->push_back(rec->library);
    plugins_.pop_back();
  }
}

}  // namespace ra::plugin_host

namespace ra::plugin_host {
// Shared builds link no plugins in; a static build's generated table overrides this definition.
__attribute__((weak)) std::span<const static_plugin> static_plugins() { return {}; }
}  // namespace ra::plugin_host
