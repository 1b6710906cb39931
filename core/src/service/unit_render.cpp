#include "service/unit_render.hpp"

#include "policy/policy.hpp"
#include "service/systemd_escape.hpp"

namespace ra::service {
namespace {

// Appends each rendered word (or returns the first error) — the renderers below are a list of
// lines in which any value may be refused.
struct unit_writer {
  std::string text;
  status error = status::ok();

  void line(std::string_view l) {
    text += l;
    text += '\n';
  }
  // "Key=" followed by the words, separated by spaces.
  void words(std::string_view key, const std::vector<result<std::string>> &ws) {
    std::string l(key);
    l += '=';
    bool first = true;
    for (const auto &w : ws) {
      if (!w) {
        if (error) error = w.error();
        return;
      }
      if (!first) l += ' ';
      l += *w;
      first = false;
    }
    line(l);
  }
};

bool under_any(const std::string &path, const std::vector<std::string> &prefixes) {
  for (const auto &p : prefixes)
    if (policy::path_is_under(path, p)) return true;
  return false;
}

// Directives every profile shares: no remote command needs them off, or the daemon already
// imposes the same on every child (no_new_privs).
void common_hardening(unit_writer &w) {
  w.line("NoNewPrivileges=yes");
  w.line("RestrictSUIDSGID=yes");
  w.line("LockPersonality=yes");
  w.line("RestrictRealtime=yes");
  w.line("KeyringMode=private");
}

void strict_profile(unit_writer &w, const service_spec &s) {
  w.line("# Profile 'strict' (plan host): read-only system, only the daemon's state is writable.");
  common_hardening(w);
  w.line("ProtectSystem=strict");
  w.line("ProtectHome=read-only");
  // The config directory stays read-only: the daemon never writes it, and a compromised daemon
  // must not be able to rewrite its own config or token file.
  w.words("ReadWritePaths", {path_word(s.data_dir, false)});
  w.line("PrivateTmp=yes");
  w.line("PrivateDevices=yes");
  w.line("PrivateMounts=yes");
  w.line("ProtectKernelTunables=yes");
  w.line("ProtectKernelModules=yes");
  w.line("ProtectKernelLogs=yes");
  w.line("ProtectControlGroups=yes");
  w.line("ProtectClock=yes");
  w.line("ProtectHostname=yes");
  w.line("RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX");
  w.line("RestrictNamespaces=yes");
  w.line("MemoryDenyWriteExecute=yes");
  w.line("SystemCallArchitectures=native");
  // systemd 252's @system-service lacks the Landlock calls the daemon uses to confine children.
  w.line("SystemCallFilter=@system-service landlock_create_ruleset landlock_add_rule landlock_restrict_self");
  w.line("SystemCallFilter=~@privileged @resources");
  // A refused call fails with EPERM instead of killing the process (a child probing for a
  // feature should see an error, not die of SIGSYS).
  w.line("SystemCallErrorNumber=EPERM");
  w.line("CapabilityBoundingSet=");
  w.line("AmbientCapabilities=");
  w.line("UMask=0077");
}

void edit_profile(unit_writer &w, const service_spec &s) {
  w.line("# Profile 'edit': writes where security.allowed_paths allow; kernel and devices guarded.");
  common_hardening(w);
  std::vector<std::string> allowed;
  bool everywhere = s.allowed_paths.empty();
  for (const auto &p : s.allowed_paths) {
    std::string n = policy::normalize_path(p, "/");
    if (n == "/") everywhere = true;
    // The policy refuses writes below a denied path anyway; do not open them in the unit.
    if (!under_any(n, s.denied_paths)) allowed.push_back(n);
  }
  if (everywhere) {
    w.line("# security.allowed_paths is empty (or \"/\"): the file system stays writable except the denied paths.");
  } else {
    w.line("ProtectSystem=strict");
    w.line("ProtectHome=read-only");
    std::vector<result<std::string>> rw = {path_word(s.data_dir, false)};
    // "-": an allowed path that does not exist (yet) must not stop the service from starting.
    for (const auto &p : allowed) rw.push_back(path_word(p, true));
    if (!s.backup_dir.empty()) rw.push_back(path_word(s.backup_dir, true));
    w.words("ReadWritePaths", rw);
  }
  if (!s.denied_paths.empty()) {
    std::vector<result<std::string>> ro;
    for (const auto &p : s.denied_paths) ro.push_back(path_word(policy::normalize_path(p, "/"), true));
    w.words("ReadOnlyPaths", ro);
  }
  w.line("ProtectKernelTunables=yes");
  w.line("ProtectKernelModules=yes");
  w.line("ProtectKernelLogs=yes");
  w.line("ProtectControlGroups=yes");
  w.line("ProtectHostname=yes");
  w.line("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK");
  w.line("RestrictNamespaces=yes");
  w.line("SystemCallArchitectures=native");
  w.line("SystemCallFilter=~@clock @cpu-emulation @module @mount @obsolete @raw-io @reboot @swap");
  w.line("SystemCallErrorNumber=EPERM");
  // As root, editing files owned by others needs these; nothing else.
  w.line("CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID");
  w.line("AmbientCapabilities=");
  w.line("UMask=0022");
}

void bypass_profile(unit_writer &w) {
  w.line("# Profile 'bypass': the operator's full trust; only what no command needs is withheld.");
  common_hardening(w);
  w.line("UMask=0022");
}

}  // namespace

profile profile_for(policy::mode m) {
  switch (m) {
    case policy::mode::edit:
      return profile::edit;
    case policy::mode::bypass:
      return profile::bypass;
    default:
      return profile::strict;
  }
}

std::string_view profile_name(profile p) {
  switch (p) {
    case profile::edit:
      return "edit";
    case profile::bypass:
      return "bypass";
    default:
      return "strict";
  }
}

result<std::string> render_systemd_unit(const service_spec &s) {
  unit_writer w;
  const profile p = profile_for(s.mode);
  const std::string mode(policy::mode_name(s.mode));
  w.line("# Written by `remote-agents install`. Re-run it after changing this host's mode: the");
  w.line("# sandbox below follows the mode. The room token is in the EnvironmentFile (0600), never");
  w.line("# on the command line.");
  w.line("[Unit]");
  w.line("Description=remote-agents daemon (mode " + mode + ", profile " + std::string(profile_name(p)) + ")");
  if (s.where == scope::system) {
    // The per-user manager has no network-online.target; PID 1 does.
    w.line("Wants=network-online.target");
    w.line("After=network-online.target");
  }
  // Restart=always below retries every 5 s; more than 10 starts in 5 minutes means something
  // restarting cannot fix, and the unit stops (systemctl reset-failed to retry).
  w.line("StartLimitIntervalSec=300");
  w.line("StartLimitBurst=10");
  w.line("");
  w.line("[Service]");
  w.line("Type=exec");
  {
    std::vector<result<std::string>> cmd = {exec_path(s.executable), exec_arg("run")};
    for (const auto &a : s.run_args) cmd.push_back(exec_arg(a));
    w.words("ExecStart", cmd);
  }
  {
    auto env = raw_path(s.env_file);
    if (!env) return env.error();
    w.line("EnvironmentFile=" + *env);
  }
  w.words("Environment",
          {environment_word("XDG_CONFIG_HOME", s.config_home), environment_word("XDG_DATA_HOME", s.data_home)});
  w.line("Restart=always");
  w.line("RestartSec=5");
  // Exit 2 is a config or usage error: restarting would only fail the same way.
  w.line("RestartPreventExitStatus=2");
  // SIGTERM to the daemon alone, which stops its children's process groups itself; whatever is
  // left after the timeout is killed.
  w.line("KillMode=mixed");
  w.line("TimeoutStopSec=30");
  w.line("");
  switch (p) {
    case profile::strict:
      strict_profile(w, s);
      break;
    case profile::edit:
      edit_profile(w, s);
      break;
    case profile::bypass:
      bypass_profile(w);
      break;
  }
  w.line("");
  w.line("[Install]");
  w.line(s.where == scope::system ? "WantedBy=multi-user.target" : "WantedBy=default.target");
  if (!w.error) return w.error;
  return w.text;
}

result<std::string> render_env_file(const std::vector<std::pair<std::string, std::string>> &secrets) {
  std::string out =
      "# remote-agents service environment, read by systemd (EnvironmentFile=). Keep it 0600:\n"
      "# it holds the room token.\n";
  for (const auto &[name, value] : secrets) {
    auto l = env_file_line(name, value);
    if (!l) return l.error();
    out += *l;
  }
  return out;
}

result<std::string> xml_escape(std::string_view text) {
  if (!is_valid_utf8(text)) return invalid_argument("text is not valid UTF-8");
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f)
      return invalid_argument("text contains a control character XML cannot carry");
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

result<std::string> render_launchd_plist(const service_spec &s) {
  std::string out;
  status error = status::ok();
  auto str = [&](std::string_view indent, std::string_view v) {
    auto e = xml_escape(v);
    if (!e) {
      if (error) error = e.error();
      return;
    }
    out += std::string(indent) + "<string>" + *e + "</string>\n";
  };
  auto key = [&](std::string_view indent, std::string_view k) {
    auto e = xml_escape(k);
    if (!e) {
      if (error) error = e.error();
      return;
    }
    out += std::string(indent) + "<key>" + *e + "</key>\n";
  };
  out +=
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
      "<plist version=\"1.0\">\n"
      "<dict>\n";
  key("  ", "Label");
  str("  ", launchd_label);
  key("  ", "ProgramArguments");
  out += "  <array>\n";
  str("    ", s.executable);
  str("    ", "run");
  for (const auto &a : s.run_args) str("    ", a);
  out += "  </array>\n";
  key("  ", "EnvironmentVariables");
  out += "  <dict>\n";
  key("    ", "XDG_CONFIG_HOME");
  str("    ", s.config_home);
  key("    ", "XDG_DATA_HOME");
  str("    ", s.data_home);
  for (const auto &[name, value] : s.secrets) {
    key("    ", name);
    str("    ", value);
  }
  out += "  </dict>\n";
  key("  ", "RunAtLoad");
  out += "  <true/>\n";
  key("  ", "KeepAlive");
  out += "  <true/>\n";
  // launchd's counterpart of RestartSec=5: at most one start per 5 s.
  key("  ", "ThrottleInterval");
  out += "  <integer>5</integer>\n";
  if (profile_for(s.mode) == profile::strict) {
    // launchd has no sandbox directives comparable to systemd's; a private umask (0077) is the
    // part of the strict profile it can express.
    key("  ", "Umask");
    out += "  <integer>63</integer>\n";
  }
  if (!s.log_file.empty()) {
    key("  ", "StandardOutPath");
    str("  ", s.log_file);
    key("  ", "StandardErrorPath");
    str("  ", s.log_file);
  }
  out += "</dict>\n</plist>\n";
  if (!error) return error;
  return out;
}

}  // namespace ra::service
