// verb_install.cpp — `install` / `uninstall`: run the daemon as a systemd (or launchd) service.
// The work is service/'s; this file turns flags into a service_spec and prints the outcome.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/cli.hpp"
#include "policy/mode_store.hpp"
#include "policy/policy.hpp"
#include "service/install.hpp"

namespace ra::cli {
namespace {
namespace fs = std::filesystem;
using service::platform;
using service::scope;

// Flags shared by install and uninstall: --platform (hidden: renders the macOS plist on Linux for
// tests), --user/--system, --root DIR, --no-start.
std::optional<service::install_options> target_options(const parsed_args &args) {
  service::install_options o;
#if defined(__APPLE__)
  o.plat = platform::macos_launchd;
#endif
  if (auto p = args.value("platform")) {
    if (*p == "linux")
      o.plat = platform::linux_systemd;
    else if (*p == "macos")
      o.plat = platform::macos_launchd;
    else {
      std::fprintf(stderr, "remote-agents: --platform must be linux or macos\n");
      return std::nullopt;
    }
  }
  if (args.has("user") && args.has("system")) {
    std::fprintf(stderr, "remote-agents: --user and --system exclude each other\n");
    return std::nullopt;
  }
  o.where = ::geteuid() == 0 ? scope::system : scope::user;
  if (args.has("user")) o.where = scope::user;
  if (args.has("system")) o.where = scope::system;
  if (o.plat == platform::macos_launchd) {
    if (args.has("system")) {
      std::fprintf(stderr, "remote-agents: on macOS only a per-user LaunchAgent is supported (no --system)\n");
      return std::nullopt;
    }
    o.where = scope::user;
  }
  if (auto r = args.value("root")) {
    if (r->empty()) {
      std::fprintf(stderr, "remote-agents: --root needs a directory\n");
      return std::nullopt;
    }
    o.root = fs::absolute(*r);
  }
  o.start = !args.has("no-start");
  if (o.where == scope::system && o.root.empty() && ::geteuid() != 0) {
    std::fprintf(stderr, "remote-agents: a system unit needs root (run with sudo), or use --user\n");
    return std::nullopt;
  }
  if (!args.positional.empty()) {
    std::fprintf(stderr, "remote-agents: %s takes no arguments (see remote-agents --help)\n", args.verb.c_str());
    return std::nullopt;
  }
  return o;
}

std::string describe(const service::install_options &o) {
  if (o.plat == platform::macos_launchd) return "launchd LaunchAgent";
  return o.where == scope::system ? "systemd system unit" : "systemd user unit";
}

// A secret from its flag, else from the installer's own environment (so it need not be typed on
// a command line at all): REMOTE_AGENTS_TOKEN=… remote-agents install …
void add_secret(service::service_spec &spec, const parsed_args &args, const char *flag, const char *env) {
  std::optional<std::string> v = args.value(flag);
  if (!v) {
    const char *e = std::getenv(env);
    if (e != nullptr && *e != '\0') v = e;
  }
  if (v && !v->empty()) spec.secrets.emplace_back(env, *v);
}

void print_manual_start(const service::install_options &o) {
  for (const auto &argv : service::start_commands(o.plat, o.where, service::layout_for(o.plat, o.where)))
    std::printf("  %s\n", service::shell_join(argv).c_str());
}

}  // namespace

int verb_install(const parsed_args &args) {
  auto opts = target_options(args);
  if (!opts) return exit_usage;
  auto cfg = effective_config(args);
  if (!cfg) return exit_usage;

  policy::mode mode = policy::mode_store(config::data_dir(), cfg->security.mode).current();
  if (auto m = args.value("mode")) {
    auto parsed = policy::parse_mode(*m);
    if (!parsed) {
      std::fprintf(stderr, "remote-agents: --mode must be plan, edit, bypass or disabled\n");
      return exit_usage;
    }
    mode = *parsed;
  }
  auto exe = service::current_executable();
  if (!exe) {
    std::fprintf(stderr, "remote-agents: %s\n", exe.error().message().c_str());
    return exit_failed;
  }

  const service::service_layout layout = service::layout_for(opts->plat, opts->where);
  service::service_spec spec;
  spec.executable = *exe;
  spec.where = opts->where;
  spec.mode = mode;
  spec.config_home = config::config_dir().parent_path().string();
  spec.data_home = config::data_dir().parent_path().string();
  spec.data_dir = config::data_dir().string();
  spec.env_file = layout.env_file.string();
  spec.log_file = (config::data_dir() / "service.log").string();
  spec.allowed_paths = cfg->security.allowed_paths;
  spec.denied_paths = cfg->security.denied_paths;
  if (!cfg->security.backup_dir.empty()) {
    std::string b = policy::normalize_path(cfg->security.backup_dir, "/");
    if (!policy::path_is_under(b, spec.data_dir)) spec.backup_dir = b;
  }
  // The daemon's command line: only what was given here, as given (the reference's behaviour),
  // with files made absolute because the service does not run in this directory.
  if (auto c = args.value("config")) spec.run_args.insert(spec.run_args.end(), {"--config", fs::absolute(*c).string()});
  for (const auto &p : args.all("plugin-path"))
    spec.run_args.insert(spec.run_args.end(), {"--plugin-path", fs::absolute(p).string()});
  for (const char *flag : {"log-level", "relay", "room", "name", "tags"})
    if (auto v = args.value(flag)) spec.run_args.insert(spec.run_args.end(), {std::string("--") + flag, *v});
  if (args.has("no-agent")) spec.run_args.push_back("--no-agent");
  add_secret(spec, args, "token", "REMOTE_AGENTS_TOKEN");
  add_secret(spec, args, "relay-token", "REMOTE_AGENTS_RELAY_TOKEN");

  auto rep = service::install(*opts, spec);
  if (!rep) {
    std::fprintf(stderr, "remote-agents: cannot install the service: %s\n", rep.error().message().c_str());
    return rep.error().code() == RA_INVALID_ARGUMENT ? exit_usage : exit_failed;
  }
  const std::string mode_name(policy::mode_name(mode));
  std::printf("Installed remote-agents as a %s (mode %s, sandbox profile %s).\n", describe(*opts).c_str(),
              mode_name.c_str(), std::string(service::profile_name(service::profile_for(mode))).c_str());
  std::printf("  unit:     %s\n", rep->unit_file.c_str());
  if (!rep->env_file.empty())
    std::printf("  env file: %s (0600%s)\n", rep->env_file.c_str(), spec.secrets.empty() ? "" : ", holds the token");
  if (!opts->root.empty()) {
    std::printf("Written below %s; nothing was started.\n", opts->root.c_str());
    return exit_ok;
  }
  std::printf("The sandbox follows this host's mode: after `remote-agents mode …`, run this install again.\n");
  if (!opts->start) {
    std::printf("Not started (--no-start). To start it:\n");
    print_manual_start(*opts);
  } else if (!rep->started) {
    const auto &failed = rep->commands.back();
    std::fprintf(stderr, "remote-agents: could not start the service: `%s`: %s\n",
                 service::shell_join(failed.argv).c_str(), failed.result.message().c_str());
    std::fprintf(stderr, "The files are written. Start the service with:\n");
    for (const auto &argv : service::start_commands(opts->plat, opts->where, layout))
      std::fprintf(stderr, "  %s\n", service::shell_join(argv).c_str());
    return exit_failed;
  } else {
    std::printf("Started and enabled.\n");
  }
  std::printf("  status: %s\n", service::status_hint(opts->plat, opts->where).c_str());
  std::printf("  logs:   %s\n", service::logs_hint(opts->plat, opts->where, spec.log_file).c_str());
  if (opts->plat == platform::linux_systemd && opts->where == scope::user)
    std::printf("  to keep it running while you are logged out: loginctl enable-linger\n");
  return exit_ok;
}

int verb_uninstall(const parsed_args &args) {
  auto opts = target_options(args);
  if (!opts) return exit_usage;
  auto rep = service::uninstall(*opts);
  if (!rep) {
    std::fprintf(stderr, "remote-agents: %s\n", rep.error().message().c_str());
    return exit_failed;
  }
  for (const auto &c : rep->commands)
    if (!c.result)
      std::fprintf(stderr, "warning: `%s`: %s (ignored)\n", service::shell_join(c.argv).c_str(),
                   c.result.message().c_str());
  for (const auto &p : rep->removed) std::printf("Removed %s\n", p.c_str());
  std::printf("Service '%s' uninstalled.\n", service::service_name);
  return exit_ok;
}

}  // namespace ra::cli
