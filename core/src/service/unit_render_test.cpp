#include "service/unit_render.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace ra::service {
namespace {

service_spec sample(policy::mode m = policy::mode::plan, scope where = scope::user) {
  service_spec s;
  s.executable = "/usr/bin/remote-agents";
  s.run_args = {"--relay", "wss://relay.example/", "--room", "ops team", "--name", "web 1"};
  s.where = where;
  s.mode = m;
  s.config_home = "/home/u/.config";
  s.data_home = "/home/u/.local/share";
  s.data_dir = "/home/u/.local/share/remote-agents";
  s.env_file = "/home/u/.config/remote-agents/service.env";
  s.denied_paths = {"/etc/shadow", "/boot"};
  s.secrets = {{"REMOTE_AGENTS_TOKEN", "tok-SECRET-123"}};
  s.log_file = "/home/u/.local/share/remote-agents/service.log";
  return s;
}

bool has_line(const std::string &text, const std::string &line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

// Every line that is "Key=..." for this key.
std::vector<std::string> lines_for(const std::string &text, const std::string &key) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l.rfind(key + "=", 0) == 0) out.push_back(l);
  return out;
}

TEST(UnitRender, ProfileFollowsMode) {
  EXPECT_EQ(profile_for(policy::mode::plan), profile::strict);
  EXPECT_EQ(profile_for(policy::mode::disabled), profile::strict);
  EXPECT_EQ(profile_for(policy::mode::edit), profile::edit);
  EXPECT_EQ(profile_for(policy::mode::bypass), profile::bypass);
}

TEST(UnitRender, CommonServiceSettings) {
  auto u = render_systemd_unit(sample());
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_TRUE(has_line(*u,
                       "ExecStart=\"/usr/bin/remote-agents\" \"run\" \"--relay\" \"wss://relay.example/\" "
                       "\"--room\" \"ops team\" \"--name\" \"web 1\""))
      << *u;
  EXPECT_TRUE(has_line(*u, "EnvironmentFile=/home/u/.config/remote-agents/service.env"));
  EXPECT_TRUE(has_line(*u, "Environment=\"XDG_CONFIG_HOME=/home/u/.config\" \"XDG_DATA_HOME=/home/u/.local/share\""));
  EXPECT_TRUE(has_line(*u, "Restart=always"));
  EXPECT_TRUE(has_line(*u, "RestartSec=5"));
  EXPECT_TRUE(has_line(*u, "StartLimitBurst=10"));
  EXPECT_TRUE(has_line(*u, "StartLimitIntervalSec=300"));
  EXPECT_TRUE(has_line(*u, "RestartPreventExitStatus=2"));
  EXPECT_TRUE(has_line(*u, "WantedBy=default.target"));
  EXPECT_FALSE(has_line(*u, "After=network-online.target"));  // the user manager has no such target
}

TEST(UnitRender, SystemScope) {
  auto u = render_systemd_unit(sample(policy::mode::plan, scope::system));
  ASSERT_TRUE(u);
  EXPECT_TRUE(has_line(*u, "WantedBy=multi-user.target"));
  EXPECT_TRUE(has_line(*u, "After=network-online.target"));
  EXPECT_TRUE(has_line(*u, "Wants=network-online.target"));
}

TEST(UnitRender, TokenNeverInUnit) {
  for (auto m : {policy::mode::plan, policy::mode::edit, policy::mode::bypass}) {
    auto u = render_systemd_unit(sample(m));
    ASSERT_TRUE(u);
    EXPECT_EQ(u->find("SECRET"), std::string::npos) << *u;
  }
}

TEST(UnitRender, StrictProfile) {
  auto u = render_systemd_unit(sample(policy::mode::plan));
  ASSERT_TRUE(u);
  for (const char *l : {"NoNewPrivileges=yes",
                        "ProtectSystem=strict",
                        "ProtectHome=read-only",
                        "PrivateTmp=yes",
                        "PrivateDevices=yes",
                        "ProtectKernelTunables=yes",
                        "ProtectKernelModules=yes",
                        "ProtectKernelLogs=yes",
                        "ProtectControlGroups=yes",
                        "ProtectClock=yes",
                        "ProtectHostname=yes",
                        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
                        "RestrictNamespaces=yes",
                        "LockPersonality=yes",
                        "MemoryDenyWriteExecute=yes",
                        "RestrictRealtime=yes",
                        "RestrictSUIDSGID=yes",
                        "SystemCallArchitectures=native",
                        "SystemCallFilter=~@privileged @resources",
                        "CapabilityBoundingSet=",
                        "AmbientCapabilities=",
                        "UMask=0077",
                        "ReadWritePaths=\"/home/u/.local/share/remote-agents\""})
    EXPECT_TRUE(has_line(*u, l)) << l << "\n" << *u;
  auto filters = lines_for(*u, "SystemCallFilter");
  ASSERT_EQ(filters.size(), 2u);
  // Landlock must stay callable: the daemon confines its children with it.
  EXPECT_NE(filters[0].find("@system-service"), std::string::npos);
  EXPECT_NE(filters[0].find("landlock_restrict_self"), std::string::npos);
  // Only the data directory is writable; the config directory (and token file) is not.
  EXPECT_EQ(lines_for(*u, "ReadWritePaths").size(), 1u);
}

TEST(UnitRender, EditProfileWithAllowedPaths) {
  auto s = sample(policy::mode::edit);
  s.allowed_paths = {"/srv/app/", "/srv/../srv/data", "/boot/efi"};
  s.backup_dir = "/var/backups/ra";
  auto u = render_systemd_unit(s);
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_TRUE(has_line(*u, "ProtectSystem=strict"));
  EXPECT_TRUE(has_line(*u, "ProtectHome=read-only"));
  // Normalised, optional ("-"), and nothing below a denied path (/boot/efi).
  EXPECT_TRUE(has_line(*u,
                       "ReadWritePaths=\"/home/u/.local/share/remote-agents\" \"-/srv/app\" \"-/srv/data\" "
                       "\"-/var/backups/ra\""))
      << *u;
  EXPECT_TRUE(has_line(*u, "ReadOnlyPaths=\"-/etc/shadow\" \"-/boot\""));
  EXPECT_TRUE(has_line(*u, "NoNewPrivileges=yes"));
  EXPECT_TRUE(has_line(*u, "UMask=0022"));
  EXPECT_FALSE(has_line(*u, "MemoryDenyWriteExecute=yes"));  // JITs (node, java) must run
  EXPECT_FALSE(has_line(*u, "PrivateDevices=yes"));          // GPUs and the like
  EXPECT_FALSE(has_line(*u, "PrivateTmp=yes"));              // files written to /tmp are the host's
  EXPECT_FALSE(has_line(*u, "ProtectClock=yes"));            // implies a device allow-list
}

TEST(UnitRender, EditProfileWithoutAllowedPathsLeavesFilesystemWritable) {
  for (auto allowed : {std::vector<std::string>{}, std::vector<std::string>{"/"}}) {
    auto s = sample(policy::mode::edit);
    s.allowed_paths = allowed;
    auto u = render_systemd_unit(s);
    ASSERT_TRUE(u);
    EXPECT_TRUE(lines_for(*u, "ProtectSystem").empty()) << *u;
    EXPECT_TRUE(lines_for(*u, "ReadWritePaths").empty()) << *u;
    EXPECT_TRUE(has_line(*u, "ReadOnlyPaths=\"-/etc/shadow\" \"-/boot\""));
  }
}

TEST(UnitRender, BypassProfile) {
  auto u = render_systemd_unit(sample(policy::mode::bypass));
  ASSERT_TRUE(u);
  EXPECT_TRUE(has_line(*u, "NoNewPrivileges=yes"));  // the daemon sets no_new_privs on children anyway
  EXPECT_TRUE(lines_for(*u, "ProtectSystem").empty());
  EXPECT_TRUE(lines_for(*u, "SystemCallFilter").empty());
  EXPECT_TRUE(lines_for(*u, "CapabilityBoundingSet").empty());
}

TEST(UnitRender, ArgumentsAreEscaped) {
  auto s = sample();
  s.executable = "/opt/my apps/100%/remote-agents";
  s.run_args = {"--name", "a \"quoted\" $HOME 50% back\\slash", "--tags", "x,y"};
  s.data_dir = "/home/my user/.local/share/remote-agents";
  auto u = render_systemd_unit(s);
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_TRUE(has_line(*u,
                       "ExecStart=\"/opt/my apps/100%%/remote-agents\" \"run\" \"--name\" "
                       "\"a \\\"quoted\\\" $$HOME 50%% back\\\\slash\" \"--tags\" \"x,y\""))
      << *u;
  EXPECT_TRUE(has_line(*u, "ReadWritePaths=\"/home/my user/.local/share/remote-agents\""));
}

TEST(UnitRender, UnrepresentableValuesAreErrors) {
  auto s = sample();
  s.executable = "/opt/it's/remote-agents";
  EXPECT_FALSE(render_systemd_unit(s));
  s = sample();
  s.run_args = {"--name", "\xff"};
  EXPECT_FALSE(render_systemd_unit(s));
  s = sample();
  s.env_file = "relative/service.env";
  EXPECT_FALSE(render_systemd_unit(s));
  s = sample();
  s.data_dir = "/a\nb";
  EXPECT_FALSE(render_systemd_unit(s));
}

TEST(UnitRender, EnvFile) {
  auto e = render_env_file({{"REMOTE_AGENTS_TOKEN", "t$k\"n"}, {"REMOTE_AGENTS_RELAY_TOKEN", "r"}});
  ASSERT_TRUE(e);
  EXPECT_TRUE(has_line(*e, "REMOTE_AGENTS_TOKEN=\"t\\$k\\\"n\""));
  EXPECT_TRUE(has_line(*e, "REMOTE_AGENTS_RELAY_TOKEN=\"r\""));
  auto empty = render_env_file({});
  ASSERT_TRUE(empty);
  std::istringstream in(*empty);
  for (std::string l; std::getline(in, l);) EXPECT_EQ(l.rfind('#', 0), 0u) << l;  // comments only
  EXPECT_FALSE(render_env_file({{"REMOTE_AGENTS_TOKEN", "a\nb"}}));
}

TEST(UnitRender, XmlEscape) {
  EXPECT_EQ(*xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(*xml_escape("tab\tok"), "tab\tok");
  EXPECT_FALSE(xml_escape("bell\x07"));
  EXPECT_FALSE(xml_escape("\xff"));
}

TEST(UnitRender, LaunchdPlist) {
  auto s = sample();
  s.run_args = {"--name", "<web & db>"};
  auto p = render_launchd_plist(s);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
  EXPECT_NE(p->find("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\""), std::string::npos);
  EXPECT_NE(p->find("<string>com.remote-agents.agent</string>"), std::string::npos);
  EXPECT_NE(p->find("    <string>/usr/bin/remote-agents</string>\n    <string>run</string>\n"
                    "    <string>--name</string>\n    <string>&lt;web &amp; db&gt;</string>\n"),
            std::string::npos)
      << *p;
  EXPECT_NE(p->find("<key>REMOTE_AGENTS_TOKEN</key>"), std::string::npos);
  EXPECT_NE(p->find("<key>KeepAlive</key>\n  <true/>"), std::string::npos);
  EXPECT_NE(p->find("<key>RunAtLoad</key>\n  <true/>"), std::string::npos);
  s.run_args = {"--name", "bell\x07"};
  EXPECT_FALSE(render_launchd_plist(s));
}

}  // namespace
}  // namespace ra::service
