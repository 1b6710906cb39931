#include "sandbox/landlock.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "sandbox/spawn.hpp"
#include "sandbox/test_support.hpp"

namespace ra::sandbox {
namespace {

namespace fs = std::filesystem;
using testing::read_text;
using testing::temp_dir;
using testing::write_text;

// Names, types, permissions, link targets and contents of everything beneath `root`: equal
// descriptions mean nothing was created, removed, renamed or written.
std::string describe_tree(const std::string &root) {
  std::vector<std::string> lines;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    fs::file_status st = it->symlink_status();
    std::string line =
        it->path().string().substr(root.size()) + " " + std::to_string(static_cast<int>(st.permissions())) + " ";
    if (fs::is_symlink(st))
      line += "link->" + fs::read_symlink(it->path()).string();
    else if (fs::is_directory(st))
      line += "dir";
    else if (fs::is_regular_file(st))
      line += "file:" + read_text(it->path().string());
    else
      line += "other";
    lines.push_back(std::move(line));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string &l : lines) out += l + "\n";
  return out;
}

// Replaces every `{key}` in `text` with `value`.
std::string substitute(std::string text, const std::string &key, const std::string &value) {
  for (size_t at; (at = text.find(key)) != std::string::npos;) text.replace(at, key.size(), value);
  return text;
}

bool on_path(const std::string &tool) {
  for (const char *dir : {"/usr/local/bin/", "/usr/bin/", "/bin/"}) {
    if (::access((dir + tool).c_str(), X_OK) == 0) return true;
  }
  return false;
}

class landlock : public ::testing::Test {
 protected:
  void SetUp() override {
    if (landlock_abi_version() == 0) GTEST_SKIP() << "Landlock is not available on this kernel";
  }

  // Runs `command` under /bin/sh with `profile`; a fixed PATH keeps pyenv shims out of the way.
  testing::run_output sh(const std::string &command, fs_profile profile) {
    spawn_request req = testing::shell(command, profile.mode);
    req.profile = std::move(profile);
    req.extra_env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    auto o = testing::run(sup_, std::move(req));
    EXPECT_TRUE(o.started) << o.error.to_string();
    return o;
  }

  process_supervisor sup_;
};

fs_profile plan() { return fs_profile{policy::mode::plan, {}, {}}; }
fs_profile bypass() { return fs_profile{policy::mode::bypass, {}, {}}; }

// dir/ with files, a subtree, a symlink to a file outside and one to the outside directory.
void make_plan_tree(const temp_dir &t) {
  fs::create_directories(t / "dir/sub/deep");
  fs::create_directories(t / "outside");
  write_text(t / "dir/a", "zeta\nalpha\n");
  write_text(t / "dir/b", "beta\n");
  write_text(t / "dir/sub/c", "gamma\n");
  write_text(t / "dir/sub/deep/d", "delta\n");
  write_text(t / "outside/target", "outside\n");
  fs::create_symlink(t / "outside/target", t / "dir/ext");
  fs::create_symlink(t / "outside", t / "dir/extdir");
}

TEST_F(landlock, plan_mode_leaves_the_filesystem_unchanged) {
  struct test_case {
    const char *needs;  // a tool outside coreutils, or nullptr
    const char *command;
  };
  const test_case cases[] = {
      {nullptr, "rm -r -f {D}/sub"},
      {nullptr, "env rm {D}/a"},
      {nullptr, "sed -n 'w {D}/out' {D}/a"},
      {nullptr, "sort -o {D}/a {D}/a"},
      {"git", "git diff --no-index --output={D}/o {D}/a {D}/b"},
      {"python3", "python3 -c \"open('{D}/x','w').write('y')\""},
      {nullptr, "ln -s {D}/a {D}/l"},
      {nullptr, "ln {D}/a {D}/hard"},
      {nullptr, "touch {D}/new"},
      {nullptr, "mkdir {D}/d"},
      {nullptr, "mkfifo {D}/fifo"},
      {nullptr, "mv {D}/a {D}/b"},
      {nullptr, "mv {D}/sub {O}/"},
      {nullptr, "truncate -s0 {D}/a"},
      {nullptr, "dd if=/dev/zero of={D}/a bs=1 count=1 conv=notrunc"},
      {nullptr, "exec 3<>{D}/b; echo x >&3"},
      {nullptr, "echo x > {D}/ext"},
      {nullptr, "echo x > {D}/extdir/new"},
      {nullptr, "cp {D}/a {O}/copy"},
      {nullptr, "rm {D}/ext"},
      {"git", "git init -q {D}/repo"},
  };
  for (const test_case &c : cases) {
    const char *pattern = c.command;
    if (c.needs != nullptr && !on_path(c.needs)) {
      std::cout << "note: not run (" << c.needs << " is not installed): " << pattern << "\n";
      continue;
    }
    SCOPED_TRACE(pattern);
    auto expand = [&](const temp_dir &t) {
      return substitute(substitute(pattern, "{D}", t / "dir"), "{O}", t / "outside");
    };
    {
      temp_dir t;
      make_plan_tree(t);
      std::string before = describe_tree(t.path());
      auto o = sh(expand(t), plan());
      EXPECT_TRUE(o.result.sandboxed);
      EXPECT_EQ(describe_tree(t.path()), before) << "stderr: " << o.err;
    }
    {
      // Control: without the sandbox the same command does change the tree, so the check above
      // proves the sandbox stopped it (and not, say, a typo in the command).
      temp_dir t;
      make_plan_tree(t);
      std::string before = describe_tree(t.path());
      auto o = sh(expand(t), bypass());
      EXPECT_NE(describe_tree(t.path()), before) << "control did nothing; stderr: " << o.err;
    }
  }
}

TEST_F(landlock, plan_mode_still_reads_executes_and_writes_to_sinks) {
  temp_dir t;
  make_plan_tree(t);
  auto o = sh("cat " + (t / "dir/a"), plan());
  EXPECT_EQ(o.result.exit_code, 0);
  EXPECT_EQ(o.out, "zeta\nalpha\n");

  o = sh("ls " + (t / "dir/sub") + " && cat " + (t / "dir/ext"), plan());
  EXPECT_EQ(o.out, "c\ndeep\noutside\n");

  o = sh("echo hi > /dev/null && echo hi >/dev/zero && echo ok", plan());
  EXPECT_EQ(o.result.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "ok\n");

  o = sh("echo to-stdout > /dev/stdout; echo to-stderr > /dev/stderr", plan());
  EXPECT_EQ(o.out, "to-stdout\n");
  EXPECT_EQ(o.err, "to-stderr\n");
}

// allowed/ (writable) holds secret/ (denied), a work/ subdirectory, a file x and two symlinks:
// link → outside/, slink → allowed/secret.
struct edit_tree {
  temp_dir t;
  std::string allowed = t / "allowed";
  std::string outside = t / "outside";
  edit_tree() {
    fs::create_directories(allowed + "/work");
    fs::create_directories(allowed + "/secret");
    fs::create_directories(outside);
    write_text(allowed + "/x", "x0\n");
    write_text(allowed + "/work/w", "w0\n");
    write_text(allowed + "/secret/s", "s0\n");
    write_text(outside + "/o", "o0\n");
    fs::create_symlink(outside, allowed + "/link");
    fs::create_symlink(allowed + "/secret", allowed + "/slink");
  }
  fs_profile profile() const { return fs_profile{policy::mode::edit, {allowed}, {allowed + "/secret"}}; }
  std::string fill_in(const std::string &pattern) const {
    return substitute(substitute(pattern, "{A}", allowed), "{O}", outside);
  }
};

TEST_F(landlock, edit_mode_writes_beneath_the_allowed_root) {
  edit_tree e;
  auto o = sh(e.fill_in("echo new > {A}/x && echo more >> {A}/work/w && echo y > {A}/work/y && "
                        "mkdir {A}/work/d && mv {A}/work/y {A}/work/d/y && ln -s y {A}/work/l && "
                        "rm {A}/work/l"),
              e.profile());
  EXPECT_EQ(o.result.exit_code, 0) << o.err;
  EXPECT_TRUE(o.result.sandboxed);
  EXPECT_EQ(read_text(e.allowed + "/x"), "new\n");
  EXPECT_EQ(read_text(e.allowed + "/work/w"), "w0\nmore\n");
  EXPECT_EQ(read_text(e.allowed + "/work/d/y"), "y\n");
}

TEST_F(landlock, edit_mode_denies_outside_denied_paths_and_symlink_escapes) {
  const char *commands[] = {
      "echo x > {O}/x",
      "echo x > {O}/o",
      "echo x > {A}/secret/x",
      "echo x > {A}/secret/s",
      "truncate -s0 {A}/secret/s",
      "rm {A}/secret/s",
      "rm -rf {A}/secret",
      "mv {A}/secret {A}/work/",
      "mv {A}/secret/s {A}/work/",
      "mv {A}/work {A}/secret/",
      "ln {A}/secret/s {A}/work/h",
      "echo x > {A}/link/x",
      "echo x > {A}/slink/x",
      "mkdir {A}/secret/d",
      // The documented trade-off: directly inside an ancestor of a denied path nothing can be
      // created, removed or renamed.
      "touch {A}/newfile",
      "rm {A}/x",
      "mv {A}/x {A}/work/",
  };
  for (const char *pattern : commands) {
    SCOPED_TRACE(pattern);
    edit_tree e;
    std::string before = describe_tree(e.t.path());
    auto o = sh(e.fill_in(pattern), e.profile());
    EXPECT_NE(o.result.exit_code, 0);
    EXPECT_EQ(describe_tree(e.t.path()), before) << "stderr: " << o.err;
  }
}

TEST_F(landlock, edit_mode_without_denied_paths_allows_creating_in_the_root) {
  edit_tree e;
  fs_profile p{policy::mode::edit, {e.allowed}, {}};
  auto o = sh(e.fill_in("touch {A}/newfile && rm {A}/x"), p);
  EXPECT_EQ(o.result.exit_code, 0) << o.err;
  EXPECT_TRUE(fs::exists(e.allowed + "/newfile"));
  o = sh(e.fill_in("touch {O}/x"), p);
  EXPECT_NE(o.result.exit_code, 0);
  EXPECT_FALSE(fs::exists(e.outside + "/x"));
}

TEST_F(landlock, edit_mode_with_a_file_as_root_allows_only_that_file) {
  edit_tree e;
  fs_profile p{policy::mode::edit, {e.allowed + "/x"}, {}};
  auto o = sh(e.fill_in("echo new > {A}/x"), p);
  EXPECT_EQ(o.result.exit_code, 0) << o.err;
  EXPECT_EQ(read_text(e.allowed + "/x"), "new\n");
  o = sh(e.fill_in("touch {A}/y"), p);
  EXPECT_NE(o.result.exit_code, 0);
  EXPECT_FALSE(fs::exists(e.allowed + "/y"));
}

TEST_F(landlock, edit_mode_whole_filesystem_minus_a_denied_path) {
  temp_dir t;
  fs::create_directories(t / "other");
  fs::create_directories(t / "secret");
  fs_profile p{policy::mode::edit, {}, {t / "secret"}};  // no roots = "/"
  auto o = sh("echo ok > " + (t / "other/f"), p);
  EXPECT_EQ(o.result.exit_code, 0) << o.err;
  EXPECT_EQ(read_text(t / "other/f"), "ok\n");
  o = sh("echo no > " + (t / "secret/f"), p);
  EXPECT_NE(o.result.exit_code, 0);
  EXPECT_FALSE(fs::exists(t / "secret/f"));
}

TEST_F(landlock, edit_mode_denied_path_that_does_not_exist_yet_cannot_be_created) {
  edit_tree e;
  fs_profile p{policy::mode::edit, {e.allowed}, {e.allowed + "/future"}};
  auto o = sh(e.fill_in("mkdir {A}/future"), p);
  EXPECT_NE(o.result.exit_code, 0);
  EXPECT_FALSE(fs::exists(e.allowed + "/future"));
  o = sh(e.fill_in("echo n > {A}/work/n"), p);
  EXPECT_EQ(o.result.exit_code, 0) << o.err;
}

TEST_F(landlock, edit_mode_missing_root_grants_nothing) {
  temp_dir t;
  fs_profile p{policy::mode::edit, {t / "missing"}, {}};
  auto o = sh("mkdir " + (t / "missing"), p);
  EXPECT_NE(o.result.exit_code, 0);
  EXPECT_FALSE(fs::exists(t / "missing"));
}

TEST_F(landlock, root_inside_a_denied_path_grants_nothing) {
  edit_tree e;
  fs_profile p{policy::mode::edit, {e.allowed + "/secret"}, {e.allowed}};
  auto o = sh(e.fill_in("echo x > {A}/secret/s"), p);
  EXPECT_NE(o.result.exit_code, 0);
  EXPECT_EQ(read_text(e.allowed + "/secret/s"), "s0\n");
}

TEST_F(landlock, bypass_mode_is_unrestricted) {
  temp_dir t;
  auto o = sh("touch " + (t / "new") + " && mkdir " + (t / "d"), bypass());
  EXPECT_EQ(o.result.exit_code, 0) << o.err;
  EXPECT_FALSE(o.result.sandboxed);
  EXPECT_TRUE(fs::exists(t / "new"));
}

TEST_F(landlock, build_ruleset_by_mode) {
  auto b = build_ruleset(bypass());
  ASSERT_TRUE(b.is_ok());
  EXPECT_FALSE(b->active());
  for (policy::mode m : {policy::mode::plan, policy::mode::edit, policy::mode::disabled}) {
    auto r = build_ruleset(fs_profile{m, {}, {}});
    ASSERT_TRUE(r.is_ok()) << r.error().to_string();
    EXPECT_TRUE(r->active());
  }
}

TEST_F(landlock, relative_paths_are_rejected) {
  auto r = build_ruleset(fs_profile{policy::mode::edit, {"relative/dir"}, {}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error().code(), RA_INVALID_ARGUMENT);
  r = build_ruleset(fs_profile{policy::mode::edit, {"/tmp"}, {"secret"}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error().code(), RA_INVALID_ARGUMENT);
}

TEST(landlock_abi, version_is_stable) {
  int v = landlock_abi_version();
  EXPECT_GE(v, 0);
  EXPECT_EQ(landlock_abi_version(), v);
  ruleset moved_from(-1);
  ruleset r = std::move(moved_from);
  EXPECT_FALSE(r.active());
}

}  // namespace
}  // namespace ra::sandbox
