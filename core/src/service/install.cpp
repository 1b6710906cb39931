#include "service/install.hpp"

#include <pwd.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <cstring>

#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

#include "config/config.hpp"
#include "util/atomic_file.hpp"

extern char **environ;

namespace ra::service {
namespace fs = std::filesystem;
namespace {

std::string errno_text() { return std::strerror(errno); }

// $HOME when absolute, else the passwd entry (the same order config/paths.cpp uses).
fs::path home_dir() {
  const char *h = std::getenv("HOME");
  if (h != nullptr && h[0] == '/') return h;
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : 16384);
  struct passwd pw {};
  struct passwd *found = nullptr;
  if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr &&
      found->pw_dir != nullptr && found->pw_dir[0] == '/')
    return found->pw_dir;
  return {};
}

fs::path under_root(const fs::path &root, const fs::path &p) { return root.empty() ? p : root / p.relative_path(); }

// mkdir -p where each directory this call creates gets `mode` (existing ones are left alone).
status make_dirs(const fs::path &dir, unsigned mode) {
  if (dir.empty()) return status::ok();
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return status::ok();
    return failed_precondition(dir.string() + " exists and is not a directory");
  }
  if (auto s = make_dirs(dir.parent_path(), mode); !s) return s;
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST)
    return internal_error("cannot create directory " + dir.string() + ": " + errno_text());
  return status::ok();
}

// Writes a file that holds the token: 0600 from its first byte. write_file_atomic keeps an
// existing file's mode for the replacement, so a looser existing file (or a symlink, whose
// target would be chmod-ed) is dealt with first.
status write_private_file(const fs::path &path, const std::string &text) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      if (::unlink(path.c_str()) != 0) return internal_error("cannot replace " + path.string() + ": " + errno_text());
    } else if ((st.st_mode & 07777) != 0600 && ::chmod(path.c_str(), 0600) != 0) {
      return internal_error("cannot chmod " + path.string() + ": " + errno_text());
    }
  }
  if (auto s = write_file_atomic(path, text, 0600); !s) return s;
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 07777) != 0600)
    return internal_error(path.string() + " is not mode 0600 after writing");
  return status::ok();
}

std::vector<std::string> systemctl(scope where, std::initializer_list<std::string> rest) {
  std::vector<std::string> argv = {"systemctl"};
  if (where == scope::user) argv.push_back("--user");
  argv.insert(argv.end(), rest);
  return argv;
}

std::string launchd_domain() { return "gui/" + std::to_string(::getuid()); }

command_outcome run_one(const command_runner &run, std::vector<std::string> argv) {
  command_outcome o;
  o.argv = std::move(argv);
  auto r = run(o.argv);
  if (!r)
    o.result = r.error();
  else if (*r != 0)
    o.result = internal_error(o.argv[0] + " exited with status " + std::to_string(*r));
  return o;
}

const std::string unit_name = std::string(service_name) + ".service";

}  // namespace

service_layout layout_for(platform plat, scope where) {
  service_layout l;
  if (plat == platform::macos_launchd) {
    l.unit_file = home_dir() / "Library" / "LaunchAgents" / (std::string(launchd_label) + ".plist");
    return l;
  }
  if (where == scope::system)
    l.unit_file = fs::path("/etc/systemd/system") / unit_name;
  else  // config_dir() is <XDG config base>/remote-agents; the user units live beside it
    l.unit_file = config::config_dir().parent_path() / "systemd" / "user" / unit_name;
  l.env_file = config::config_dir() / "service.env";
  return l;
}

result<int> run_command(const std::vector<std::string> &argv) {
  if (argv.empty()) return invalid_argument("empty command");
  std::vector<char *> cargv;
  for (const auto &a : argv) cargv.push_back(const_cast<char *>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, cargv[0], nullptr, nullptr, cargv.data(), environ);
  if (rc == ENOENT) return not_found(argv[0] + " not found");
  if (rc != 0) return internal_error("cannot run " + argv[0] + ": " + std::strerror(rc));
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return internal_error("waitpid: " + errno_text());
  }
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  return 128 + WTERMSIG(wstatus);
}

result<install_report> install(const install_options &opts, const service_spec &spec, const command_runner &run) {
  const service_layout layout = layout_for(opts.plat, opts.where);
  install_report rep;
  rep.unit_file = under_root(opts.root, layout.unit_file);

  if (opts.plat == platform::macos_launchd) {
    auto plist = render_launchd_plist(spec);
    if (!plist) return plist.error();
    if (auto s = make_dirs(rep.unit_file.parent_path(), 0755); !s) return s;
    // The plist carries the token in EnvironmentVariables: private like the env file.
    if (auto s = write_private_file(rep.unit_file, *plist); !s) return s;
  } else {
    auto unit = render_systemd_unit(spec);
    if (!unit) return unit.error();
    auto env = render_env_file(spec.secrets);
    if (!env) return env.error();
    rep.env_file = under_root(opts.root, layout.env_file);
    if (auto s = make_dirs(rep.env_file.parent_path(), 0700); !s) return s;
    if (auto s = write_private_file(rep.env_file, *env); !s) return s;
    if (auto s = make_dirs(rep.unit_file.parent_path(), 0755); !s) return s;
    if (auto s = write_file_atomic(rep.unit_file, *unit, 0644); !s) return s;
  }
  if (!opts.root.empty()) return rep;  // packaging / tests: nothing outside the root is touched

  // ReadWritePaths= needs the directory to exist when the service starts, and under
  // ProtectSystem=strict the daemon could not create it itself.
  if (!spec.data_dir.empty())
    if (auto s = make_dirs(spec.data_dir, 0700); !s) return s;
  if (!spec.backup_dir.empty() && profile_for(spec.mode) == profile::edit)
    if (auto s = make_dirs(spec.backup_dir, 0700); !s) return s;
  if (!opts.start) return rep;

  std::vector<std::vector<std::string>> steps;
  if (opts.plat == platform::macos_launchd) {
    const std::string target = launchd_domain() + "/" + launchd_label;
    // bootout fails when the agent is not loaded yet; that is expected, so it is not a step.
    (void)run_one(run, {"launchctl", "bootout", target});
    steps = {{"launchctl", "enable", target}, {"launchctl", "bootstrap", launchd_domain(), layout.unit_file.string()}};
  } else {
    // enable + restart rather than enable --now: a re-install must restart a running daemon so
    // the new unit (arguments, profile) takes effect.
    steps = {systemctl(opts.where, {"daemon-reload"}), systemctl(opts.where, {"enable", unit_name}),
             systemctl(opts.where, {"restart", unit_name})};
  }
  for (auto &argv : steps) {
    rep.commands.push_back(run_one(run, argv));
    if (!rep.commands.back().result) return rep;
  }
  rep.started = true;
  return rep;
}

result<uninstall_report> uninstall(const install_options &opts, const command_runner &run) {
  const service_layout layout = layout_for(opts.plat, opts.where);
  const bool manage = opts.root.empty() && opts.start;
  uninstall_report rep;
  if (manage) {
    if (opts.plat == platform::macos_launchd)
      rep.commands.push_back(run_one(run, {"launchctl", "bootout", launchd_domain() + "/" + launchd_label}));
    else
      rep.commands.push_back(run_one(run, systemctl(opts.where, {"disable", "--now", unit_name})));
  }
  for (const fs::path &p : {layout.unit_file, layout.env_file}) {
    if (p.empty()) continue;
    fs::path target = under_root(opts.root, p);
    if (::unlink(target.c_str()) == 0)
      rep.removed.push_back(target);
    else if (errno != ENOENT)
      return internal_error("cannot delete " + target.string() + ": " + errno_text());
  }
  if (manage && opts.plat == platform::linux_systemd)
    rep.commands.push_back(run_one(run, systemctl(opts.where, {"daemon-reload"})));
  return rep;
}

std::vector<std::vector<std::string>> start_commands(platform plat, scope where, const service_layout &layout) {
  if (plat == platform::macos_launchd) return {{"launchctl", "bootstrap", launchd_domain(), layout.unit_file.string()}};
  return {systemctl(where, {"daemon-reload"}), systemctl(where, {"enable", "--now", service_name})};
}

std::string status_hint(platform plat, scope where) {
  if (plat == platform::macos_launchd) return "launchctl print " + launchd_domain() + "/" + launchd_label;
  return shell_join(systemctl(where, {"status", service_name}));
}

std::string logs_hint(platform plat, scope where, const std::string &log_file) {
  if (plat == platform::macos_launchd) return shell_join({"tail", "-f", log_file});
  std::vector<std::string> argv = {"journalctl"};
  if (where == scope::user) argv.push_back("--user");
  argv.insert(argv.end(), {"-u", service_name, "-f"});
  return shell_join(argv);
}

result<std::string> current_executable() {
#if defined(__APPLE__)
  uint32_t size = 0;
  _NSGetExecutablePath(nullptr, &size);
  std::string buf(size, '\0');
  if (_NSGetExecutablePath(buf.data(), &size) != 0) return internal_error("cannot find the running executable");
  char resolved[PATH_MAX];
  if (::realpath(buf.c_str(), resolved) == nullptr)
    return internal_error("cannot resolve " + buf + ": " + errno_text());
  return std::string(resolved);
#else
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return internal_error("cannot read /proc/self/exe: " + ec.message());
  std::string s = p.string();
  // The binary was replaced or deleted after it started: the unit would point at nothing.
  if (s.size() > 10 && s.compare(s.size() - 10, 10, " (deleted)") == 0)
    return failed_precondition("the running binary " + s.substr(0, s.size() - 10) +
                               " was deleted or replaced; run install from the installed binary");
  return s;
#endif
}

std::string shell_join(const std::vector<std::string> &argv) {
  std::string out;
  for (const auto &a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty();
    for (char c : a)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("/._-=:@,+%", c) != nullptr)) plain = false;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) {
      if (c == '\'')
        out += "'\\''";
      else
        out += c;
    }
    out += '\'';
  }
  return out;
}

}  // namespace ra::service
