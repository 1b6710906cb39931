// child_ledger: what a restarted daemon kills after a crash, and what it must leave alone.
#include "sandbox/child_ledger.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sandbox/test_support.hpp"

namespace ra::sandbox {
namespace {

using testing::temp_dir;

std::string this_boot() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

// A child leading its own process group, waiting to be killed.
pid_t group_leader() {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    for (;;) ::pause();
  }
  ::setpgid(pid, pid);  // both sides, so the group exists whoever runs first
  return pid;
}

// A pid that no process has now (a child that was reaped).
pid_t vanished_pid() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

// The signal that ended `pid`, reaping it; 0 when it is still running.
int signal_that_ended(pid_t pid, bool block) {
  int status = 0;
  pid_t r = ::waitpid(pid, &status, block ? 0 : WNOHANG);
  if (r != pid) return 0;
  return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
}

void entry(const temp_dir &dir, pid_t pgid, const std::string &boot, pid_t owner, uint64_t owner_start,
           uint64_t leader_start) {
  std::ofstream(dir / std::to_string(pgid))
      << boot << " " << owner << " " << owner_start << " " << leader_start << "\n";
}

TEST(ChildLedger, StartTicksOfLiveAndVanishedProcesses) {
  EXPECT_TRUE(process_start_ticks(::getpid()).has_value());
  EXPECT_FALSE(process_start_ticks(vanished_pid()).has_value());
}

TEST(ChildLedger, SweepKillsTheGroupOfADeadOwner) {
  temp_dir dir;
  pid_t leader = group_leader();
  auto start = process_start_ticks(leader);
  ASSERT_TRUE(start.has_value());
  entry(dir, leader, this_boot(), vanished_pid(), 12345, *start);
  auto swept = child_ledger::sweep(dir.path());
  ASSERT_EQ(swept.size(), 1u);
  EXPECT_EQ(swept[0].pgid, leader);
  EXPECT_EQ(signal_that_ended(leader, /*block=*/true), SIGKILL);
  EXPECT_FALSE(std::filesystem::exists(dir / std::to_string(leader)));
}

TEST(ChildLedger, SweepLeavesTheChildrenOfALiveOwner) {
  temp_dir dir;
  pid_t leader = group_leader();
  {
    child_ledger mine(dir.path());  // the owner is this test process, alive
    mine.record(leader);
  }
  EXPECT_TRUE(child_ledger::sweep(dir.path()).empty());
  EXPECT_EQ(signal_that_ended(leader, /*block=*/false), 0);
  EXPECT_TRUE(std::filesystem::exists(dir / std::to_string(leader)));
  child_ledger(dir.path()).forget(leader);
  EXPECT_FALSE(std::filesystem::exists(dir / std::to_string(leader)));
  ::kill(leader, SIGKILL);
  signal_that_ended(leader, true);
}

TEST(ChildLedger, SweepNeverKillsAReusedPidOrAnEntryFromAnotherBoot) {
  temp_dir dir;
  pid_t leader = group_leader();
  auto start = process_start_ticks(leader);
  ASSERT_TRUE(start.has_value());
  entry(dir, leader, this_boot(), vanished_pid(), 1, *start + 1);  // same pid, another process
  EXPECT_TRUE(child_ledger::sweep(dir.path()).empty());
  EXPECT_FALSE(std::filesystem::exists(dir / std::to_string(leader)));
  entry(dir, leader, "another-boot", vanished_pid(), 1, *start);
  EXPECT_TRUE(child_ledger::sweep(dir.path()).empty());
  EXPECT_FALSE(std::filesystem::exists(dir / std::to_string(leader)));
  EXPECT_EQ(signal_that_ended(leader, /*block=*/false), 0);  // still running: nothing was killed
  for (const char *junk : {"1", "0", "abc", "-5"}) std::ofstream(dir / junk) << this_boot() << " 1 1 1\n";
  EXPECT_TRUE(child_ledger::sweep(dir.path()).empty());  // init and malformed names are never groups
  ::kill(leader, SIGKILL);
  signal_that_ended(leader, true);
}

}  // namespace
}  // namespace ra::sandbox
