#include "sandbox/open_beneath.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sandbox/test_support.hpp"

namespace ra::sandbox {
namespace {

namespace fs = std::filesystem;
using testing::temp_dir;
using testing::write_text;

std::string read_fd(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

class open_beneath_test : public ::testing::Test {
 protected:
  void SetUp() override {
    // A layout every test shares: root/ holds the allowed files, outside/ the secret.
    fs::create_directories(t_ / "root/sub");
    fs::create_directories(t_ / "outside");
    write_text(t_ / "root/a.txt", "inside");
    write_text(t_ / "root/sub/b.txt", "deeper");
    write_text(t_ / "outside/secret", "SECRET");
    root_ = t_ / "root";
    // Probe: a kernel without openat2 cannot run these tests, and says so.
    auto probe = open_beneath({root_}, root_ + "/a.txt", O_RDONLY, 0);
    if (!probe && probe.error().code() == RA_UNAVAILABLE) GTEST_SKIP() << probe.error().message();
  }

  result<unique_fd> open(const std::string &path, int flags = O_RDONLY) {
    return open_beneath({root_}, path, flags, 0);
  }

  temp_dir t_;
  std::string root_;
};

TEST_F(open_beneath_test, OpensFilesBeneathTheRoot) {
  auto r = open(root_ + "/a.txt");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(read_fd(r->get()), "inside");
  EXPECT_TRUE(::fcntl(r->get(), F_GETFD) & FD_CLOEXEC);
  r = open(root_ + "/sub/../sub/./b.txt");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(read_fd(r->get()), "deeper");
  // The empty relative part is the root itself.
  r = open(root_, O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*fd_real_path(r->get()), root_);
}

TEST_F(open_beneath_test, DotDotIsLexicalAndNeverLeavesTheRoot) {
  // "/root/../outside/secret" is normalised to "/outside/secret": not beneath the root at all.
  auto r = open(root_ + "/../outside/secret");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_PERMISSION_DENIED);
  EXPECT_NE(r.error().message().find("not beneath any allowed root"), std::string::npos);
  // A symlinked dir followed by "..": the string wins, as for the policy check.
  fs::create_symlink(t_ / "outside", t_ / "root/out");
  r = open(root_ + "/out/../a.txt");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(read_fd(r->get()), "inside");
}

TEST_F(open_beneath_test, SymlinksOutOfTheRootAreRefused) {
  fs::create_symlink(t_ / "outside/secret", t_ / "root/abs");               // absolute, outside
  fs::create_symlink("../outside/secret", t_ / "root/rel");                 // relative, outside
  fs::create_symlink(t_ / "outside", t_ / "root/dirlink");                  // a directory outside
  fs::create_symlink(root_ + "/a.txt", t_ / "root/abs_inside");             // absolute, back inside
  fs::create_symlink("sub/../a.txt", t_ / "root/rel_inside");               // relative, inside
  fs::create_symlink("../../outside/secret", t_ / "root/sub/deep_escape");  // two levels up
  for (const char *name : {"abs", "rel", "dirlink/secret", "abs_inside", "sub/deep_escape"}) {
    auto r = open(root_ + "/" + name);
    ASSERT_FALSE(r) << name << " was opened";
    EXPECT_EQ(r.error().code(), RA_PERMISSION_DENIED) << name;
    EXPECT_NE(r.error().message().find("escapes " + root_), std::string::npos) << r.error().message();
  }
  auto r = open(root_ + "/rel_inside");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(read_fd(r->get()), "inside");
}

TEST_F(open_beneath_test, TheLongestRootDecides) {
  // Inside /root/sub (the longer root) a link up into /root escapes that root, though /root is
  // itself allowed: each root is its own boundary.
  fs::create_symlink("../a.txt", t_ / "root/sub/up");
  auto r = open_beneath({root_, root_ + "/sub"}, root_ + "/sub/up", O_RDONLY, 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_PERMISSION_DENIED);
  r = open_beneath({root_}, root_ + "/sub/up", O_RDONLY, 0);
  ASSERT_TRUE(r) << r.error().to_string();
}

TEST_F(open_beneath_test, LoopsMagicLinksAndErrors) {
  fs::create_symlink("loop2", t_ / "root/loop1");
  fs::create_symlink("loop1", t_ / "root/loop2");
  auto r = open(root_ + "/loop1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_PERMISSION_DENIED);
  r = open(root_ + "/missing");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_NOT_FOUND);
  r = open(root_ + "/a.txt/x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_FAILED_PRECONDITION);
  r = open("relative/path");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_INVALID_ARGUMENT);
  r = open(root_ + std::string("/a.txt\0x", 8));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_INVALID_ARGUMENT);
  r = open_beneath({}, root_ + "/a.txt", O_RDONLY, 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_PERMISSION_DENIED);
  r = open_beneath({t_ / "nope"}, t_ / "nope/x", O_RDONLY, 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_NOT_FOUND);
}

TEST_F(open_beneath_test, FromSlashAbsoluteLinksWorkButMagicLinksDoNot) {
  // With no allowed_paths the root is "/": absolute symlinks resolve as usual…
  fs::create_symlink(t_ / "root/a.txt", t_ / "outside/to_a");
  auto r = open_beneath({"/"}, t_ / "outside/to_a", O_RDONLY, 0);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(read_fd(r->get()), "inside");
  // …but /proc magic links (which jump anywhere, also out of a chroot) are refused.
  int fd = ::open((t_ / "outside/secret").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  unique_fd keep(fd);
  for (std::string p :
       {"/proc/self/fd/" + std::to_string(fd), "/dev/fd/" + std::to_string(fd),
        "/proc/self/root" + t_ / "outside/secret", "/proc/" + std::to_string(::getpid()) + "/root/etc"}) {
    auto m = open_beneath({"/"}, p, O_RDONLY, 0);
    EXPECT_FALSE(m) << p << " was opened";
    if (!m) {
      EXPECT_EQ(m.error().code(), RA_PERMISSION_DENIED) << p << ": " << m.error().to_string();
    }
  }
}

TEST_F(open_beneath_test, ConfinedReadRefusesDeniedRealPathsAndInodes) {
  fs::create_directories(t_ / "root/private");
  write_text(t_ / "root/private/key", "KEY");
  write_text(t_ / "root/secret.txt", "S");
  fs::create_symlink("private/key", t_ / "root/key_link");         // into a denied dir
  fs::create_symlink("private", t_ / "root/private_alias");        // the denied dir itself
  fs::create_hard_link(t_ / "root/secret.txt", t_ / "root/hard");  // the denied file's inode
  std::vector<std::string> denied = {root_ + "/private", root_ + "/secret.txt"};
  for (const char *name : {"key_link", "private_alias/key", "hard", "secret.txt", "private/key"}) {
    auto r = open_confined({root_}, denied, root_ + "/" + name, {});
    ASSERT_FALSE(r) << name << " was opened";
    EXPECT_EQ(r.error().code(), RA_PERMISSION_DENIED) << name;
    EXPECT_NE(r.error().message().find("denied"), std::string::npos) << r.error().message();
  }
  auto d = open_confined({root_}, denied, root_ + "/private_alias", {open_kind::directory});
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), RA_PERMISSION_DENIED);
  auto ok = open_confined({root_}, denied, root_ + "/a.txt", {});
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(read_fd(ok->get()), "inside");
}

TEST_F(open_beneath_test, ConfinedOpensOnlyRegularFilesForData) {
  ASSERT_EQ(::mkfifo((t_ / "root/fifo").c_str(), 0600), 0);
  // A FIFO opened O_RDONLY would block forever: it is refused without being opened for data.
  auto r = open_confined({root_}, {}, root_ + "/fifo", {open_kind::read});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_FAILED_PRECONDITION);
  EXPECT_NE(r.error().message().find("FIFO"), std::string::npos);
  r = open_confined({"/"}, {}, "/dev/null", {open_kind::write});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_FAILED_PRECONDITION);
  r = open_confined({root_}, {}, root_ + "/sub", {open_kind::read});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("directory"), std::string::npos);
  // stat takes any type; the descriptor is O_PATH.
  r = open_confined({root_}, {}, root_ + "/fifo", {open_kind::stat});
  ASSERT_TRUE(r) << r.error().to_string();
  struct stat st {};
  ASSERT_EQ(::fstat(r->get(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(::fcntl(r->get(), F_GETFL) & O_PATH, O_PATH);
  r = open_confined({root_}, {}, root_ + "/a.txt", {open_kind::directory});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_FAILED_PRECONDITION);
}

TEST_F(open_beneath_test, ConfinedWriteCreatesThroughTheParent) {
  confined_open w{open_kind::write, true, false, 0640};
  auto r = open_confined({root_}, {}, root_ + "/sub/new.txt", w);
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(::write(r->get(), "x", 1), 1);
  struct stat st {};
  ASSERT_EQ(::fstat(r->get(), &st), 0);
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0640u & ~mask);
  // Existing file, truncated.
  confined_open t{open_kind::write, false, true, 0};
  r = open_confined({root_}, {}, root_ + "/a.txt", t);
  ASSERT_TRUE(r) << r.error().to_string();
  r.value().reset();
  EXPECT_EQ(fs::file_size(t_ / "root/a.txt"), 0u);
  // A dangling symlink is not followed to create its target (which may be anywhere).
  fs::create_symlink(t_ / "outside/created", t_ / "root/dangling");
  r = open_confined({root_}, {}, root_ + "/dangling", w);
  ASSERT_FALSE(r);
  EXPECT_FALSE(fs::exists(t_ / "outside/created"));
  // Into a denied dir reached through an alias: refused before anything is created.
  fs::create_directories(t_ / "root/private");
  fs::create_symlink("private", t_ / "root/alias");
  r = open_confined({root_}, {root_ + "/private"}, root_ + "/alias/new", w);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_PERMISSION_DENIED);
  EXPECT_FALSE(fs::exists(t_ / "root/private/new"));
}

TEST_F(open_beneath_test, ParentForWrite) {
  auto r = open_confined({root_}, {}, root_ + "/sub/file", {open_kind::parent_for_write});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*fd_real_path(r->get()), root_ + "/sub");
  EXPECT_TRUE(::fcntl(r->get(), F_GETFL) & O_DIRECTORY);
  // The parent of the root is outside it.
  r = open_confined({root_}, {}, root_, {open_kind::parent_for_write});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_PERMISSION_DENIED);
  // <real parent>/<name> is checked: a dir alias leading to a denied file.
  write_text(t_ / "root/secret.txt", "S");
  fs::create_symlink(".", t_ / "root/self");
  r = open_confined({root_}, {root_ + "/secret.txt"}, root_ + "/self/secret.txt", {open_kind::parent_for_write});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_PERMISSION_DENIED);
  r = open_confined({root_}, {}, root_ + "/missing/file", {open_kind::parent_for_write});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), RA_NOT_FOUND);
}

}  // namespace
}  // namespace ra::sandbox
