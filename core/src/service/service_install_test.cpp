#include "service/install.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "util/atomic_file.hpp"

namespace ra::service {
namespace {
namespace fs = std::filesystem;

// A temporary HOME with XDG_CONFIG_HOME / XDG_DATA_HOME below it, restored afterwards.
class InstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/ra-install-test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    for (const char *v : {"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"}) {
      const char *old = std::getenv(v);
      saved_.emplace_back(v, old ? std::optional<std::string>(old) : std::nullopt);
    }
    ::setenv("HOME", (dir_ / "home").c_str(), 1);
    ::setenv("XDG_CONFIG_HOME", (dir_ / "home/cfg").c_str(), 1);
    ::setenv("XDG_DATA_HOME", (dir_ / "home/data").c_str(), 1);
    fs::create_directories(dir_ / "home");
  }
  void TearDown() override {
    for (auto &[name, value] : saved_) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
    fs::remove_all(dir_);
  }

  service_spec spec() const {
    service_spec s;
    s.executable = "/usr/bin/remote-agents";
    s.run_args = {"--room", "r1"};
    s.config_home = (dir_ / "home/cfg").string();
    s.data_home = (dir_ / "home/data").string();
    s.data_dir = (dir_ / "home/data/remote-agents").string();
    s.env_file = (dir_ / "home/cfg/remote-agents/service.env").string();
    s.secrets = {{"REMOTE_AGENTS_TOKEN", "tok-123"}};
    s.log_file = s.data_dir + "/service.log";
    return s;
  }

  // Records every command and answers with the scripted exit codes (0 once the script runs out).
  command_runner recorder(std::vector<int> codes = {}) {
    return [this, codes](const std::vector<std::string> &argv) -> result<int> {
      size_t i = ran_.size();
      ran_.push_back(shell_join(argv));
      return i < codes.size() ? codes[i] : 0;
    };
  }

  static unsigned mode_of(const fs::path &p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
  }

  fs::path dir_;
  std::vector<std::string> ran_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST_F(InstallTest, Layout) {
  auto user = layout_for(platform::linux_systemd, scope::user);
  EXPECT_EQ(user.unit_file, dir_ / "home/cfg/systemd/user/remote-agents.service");
  EXPECT_EQ(user.env_file, dir_ / "home/cfg/remote-agents/service.env");
  auto sys = layout_for(platform::linux_systemd, scope::system);
  EXPECT_EQ(sys.unit_file, fs::path("/etc/systemd/system/remote-agents.service"));
  auto mac = layout_for(platform::macos_launchd, scope::user);
  EXPECT_EQ(mac.unit_file, dir_ / "home/Library/LaunchAgents/com.remote-agents.agent.plist");
  EXPECT_TRUE(mac.env_file.empty());
}

TEST_F(InstallTest, RootWritesBelowRootAndRunsNothing) {
  install_options o;
  o.root = dir_ / "root";
  auto rep = install(o, spec(), recorder());
  ASSERT_TRUE(rep) << rep.error().message();
  EXPECT_TRUE(ran_.empty());
  EXPECT_FALSE(rep->started);
  const fs::path unit = o.root / (dir_ / "home/cfg/systemd/user/remote-agents.service").relative_path();
  const fs::path env = o.root / (dir_ / "home/cfg/remote-agents/service.env").relative_path();
  EXPECT_EQ(rep->unit_file, unit);
  EXPECT_EQ(rep->env_file, env);
  EXPECT_EQ(mode_of(unit), 0644u);
  EXPECT_EQ(mode_of(env), 0600u);
  EXPECT_EQ(mode_of(env.parent_path()), 0700u);
  EXPECT_NE(read_file(env)->find("REMOTE_AGENTS_TOKEN=\"tok-123\""), std::string::npos);
  EXPECT_EQ(read_file(unit)->find("tok-123"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "home/cfg"));  // nothing outside the root
  EXPECT_FALSE(fs::exists(dir_ / "home/data"));
}

TEST_F(InstallTest, StartsWithSystemctlUser) {
  install_options o;
  auto rep = install(o, spec(), recorder());
  ASSERT_TRUE(rep) << rep.error().message();
  EXPECT_TRUE(rep->started);
  EXPECT_EQ(ran_,
            (std::vector<std::string>{"systemctl --user daemon-reload", "systemctl --user enable remote-agents.service",
                                      "systemctl --user restart remote-agents.service"}));
  EXPECT_TRUE(fs::is_directory(dir_ / "home/data/remote-agents"));  // ReadWritePaths= needs it
  EXPECT_EQ(mode_of(dir_ / "home/data/remote-agents"), 0700u);
}

TEST_F(InstallTest, NoStartWritesOnly) {
  install_options o;
  o.start = false;
  auto rep = install(o, spec(), recorder());
  ASSERT_TRUE(rep);
  EXPECT_TRUE(ran_.empty());
  EXPECT_TRUE(fs::exists(rep->unit_file));
}

TEST_F(InstallTest, FailedStartKeepsFiles) {
  install_options o;
  auto rep = install(o, spec(), recorder({0, 1}));
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->started);
  ASSERT_EQ(rep->commands.size(), 2u);  // stops at the failing enable
  EXPECT_FALSE(rep->commands.back().result);
  EXPECT_TRUE(fs::exists(rep->unit_file));
  EXPECT_TRUE(fs::exists(rep->env_file));
}

TEST_F(InstallTest, MissingSystemctlIsReported) {
  install_options o;
  auto rep = install(o, spec(),
                     [](const std::vector<std::string> &) -> result<int> { return not_found("systemctl not found"); });
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->started);
  ASSERT_EQ(rep->commands.size(), 1u);
  EXPECT_EQ(rep->commands[0].result.code(), RA_NOT_FOUND);
}

TEST_F(InstallTest, LooseExistingEnvFileBecomesPrivate) {
  const fs::path env = dir_ / "home/cfg/remote-agents/service.env";
  fs::create_directories(env.parent_path());
  { std::ofstream(env) << "old\n"; }
  ::chmod(env.c_str(), 0644);
  install_options o;
  o.start = false;
  ASSERT_TRUE(install(o, spec(), recorder()));
  EXPECT_EQ(mode_of(env), 0600u);
  EXPECT_NE(read_file(env)->find("tok-123"), std::string::npos);
}

TEST_F(InstallTest, SymlinkedEnvFileIsReplacedNotFollowed) {
  const fs::path env = dir_ / "home/cfg/remote-agents/service.env";
  const fs::path victim = dir_ / "victim";
  { std::ofstream(victim) << "keep\n"; }
  ::chmod(victim.c_str(), 0644);
  fs::create_directories(env.parent_path());
  fs::create_symlink(victim, env);
  install_options o;
  o.start = false;
  ASSERT_TRUE(install(o, spec(), recorder()));
  EXPECT_FALSE(fs::is_symlink(env));
  EXPECT_EQ(*read_file(victim), "keep\n");
  EXPECT_EQ(mode_of(victim), 0644u);
}

TEST_F(InstallTest, UninstallIsIdempotentAndIgnoresCommandFailures) {
  install_options o;
  o.start = false;
  auto rep = install(o, spec(), recorder());
  ASSERT_TRUE(rep);
  o.start = true;
  auto u = uninstall(o, recorder({5, 5}));
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(ran_, (std::vector<std::string>{"systemctl --user disable --now remote-agents.service",
                                            "systemctl --user daemon-reload"}));
  EXPECT_EQ(u->removed.size(), 2u);
  ASSERT_EQ(u->commands.size(), 2u);
  EXPECT_FALSE(u->commands[0].result);
  EXPECT_FALSE(fs::exists(rep->unit_file));
  EXPECT_FALSE(fs::exists(rep->env_file));
  auto again = uninstall(o, recorder());
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->removed.empty());
}

TEST_F(InstallTest, UninstallBelowRoot) {
  install_options o;
  o.root = dir_ / "root";
  ASSERT_TRUE(install(o, spec(), recorder()));
  auto u = uninstall(o, recorder());
  ASSERT_TRUE(u);
  EXPECT_TRUE(ran_.empty());
  EXPECT_EQ(u->removed.size(), 2u);
}

TEST_F(InstallTest, LaunchdPlistIsPrivate) {
  install_options o;
  o.plat = platform::macos_launchd;
  o.root = dir_ / "root";
  auto rep = install(o, spec(), recorder());
  ASSERT_TRUE(rep) << rep.error().message();
  EXPECT_EQ(rep->unit_file,
            o.root / (dir_ / "home/Library/LaunchAgents/com.remote-agents.agent.plist").relative_path());
  EXPECT_EQ(mode_of(rep->unit_file), 0600u);  // it carries the token
  EXPECT_TRUE(rep->env_file.empty());
}

TEST_F(InstallTest, BadValueWritesNothing) {
  install_options o;
  o.root = dir_ / "root";
  auto s = spec();
  s.run_args = {"--name", "\xff"};
  auto rep = install(o, s, recorder());
  ASSERT_FALSE(rep);
  EXPECT_EQ(rep.error().code(), RA_INVALID_ARGUMENT);
  EXPECT_FALSE(fs::exists(o.root));
}

TEST(ServiceHints, Commands) {
  EXPECT_EQ(status_hint(platform::linux_systemd, scope::user), "systemctl --user status remote-agents");
  EXPECT_EQ(status_hint(platform::linux_systemd, scope::system), "systemctl status remote-agents");
  EXPECT_EQ(logs_hint(platform::linux_systemd, scope::user, ""), "journalctl --user -u remote-agents -f");
  EXPECT_EQ(logs_hint(platform::linux_systemd, scope::system, ""), "journalctl -u remote-agents -f");
  EXPECT_EQ(shell_join({"a", "b c", "it's", ""}), "a 'b c' 'it'\\''s' ''");
}

TEST(ServiceRunCommand, ExitStatusAndMissingProgram) {
  EXPECT_EQ(*run_command({"true"}), 0);
  EXPECT_EQ(*run_command({"sh", "-c", "exit 3"}), 3);
  auto missing = run_command({"ra-no-such-program-xyz"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), RA_NOT_FOUND);
}

TEST(ServiceExecutable, IsAbsolute) {
  auto exe = current_executable();
  ASSERT_TRUE(exe) << exe.error().message();
  EXPECT_EQ(exe->front(), '/');
}

}  // namespace
}  // namespace ra::service
