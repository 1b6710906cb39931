// sandbox/child_ledger.hpp — a record on disk of the process groups this daemon started, so that
// a `kill -9` of the daemon does not leave its children running for ever: nothing else kills them
// (no systemd cgroup when run by hand, and PR_SET_PDEATHSIG would reach only the direct child and
// follows the forking *thread*, not the process).
//
// <dir>/<pgid> holds "<boot id> <owner pid> <owner start> <leader start>" (start times in clock
// ticks since boot, /proc/<pid>/stat field 22). It is written when a child starts and removed when
// its watcher saw the group gone. sweep() — at daemon start — kills (SIGKILL, the whole group) each
// recorded group whose owner is no longer running, after checking that the pgid still names the
// same group: a leader alive with the recorded start time, or no process with that pid at all (a
// pid that heads a live group cannot be reused, so an absent leader means members only, or none).
// Entries from an earlier boot, and whose owner is alive (another daemon on this data dir, a CLI
// call), are left alone or removed without killing anything.
// Thread safety: record/forget are safe from any thread (one file each); sweep runs once at start.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ra::sandbox {

// Start time of a running process (clock ticks since boot), nullopt when there is no such process.
std::optional<uint64_t> process_start_ticks(pid_t pid);

class child_ledger {
 public:
  explicit child_ledger(std::filesystem::path dir);
  // Best effort: a ledger that cannot be written only costs the clean-up after a crash (logged once).
  void record(pid_t pgid);
  void forget(pid_t pgid);

  struct swept {
    pid_t pgid = 0;
    pid_t owner = 0;
  };
  // Kills the groups left by owners that are gone and removes their entries.
  static std::vector<swept> sweep(const std::filesystem::path &dir);

 private:
  std::filesystem::path dir_;
  std::string header_;  // "<boot id> <owner pid> <owner start>"
  std::atomic<bool> warned_{false};
};

}  // namespace ra::sandbox
