#include "sandbox/child_ledger.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ra::sandbox {
namespace {

std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id.empty() ? "unknown-boot" : id;
}

bool parse_pid(const std::string &name, pid_t &out) {
  if (name.empty() || name.size() > 10) return false;
  long v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v <= 1 || v > 0x3fffffff) return false;  // never 0, 1 or a negative group
  out = static_cast<pid_t>(v);
  return true;
}

}  // namespace

std::optional<uint64_t> process_start_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  // The command name (field 2) may hold spaces and ')': fields resume after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  // Fields 3..21 precede starttime (field 22).
  for (int i = 3; i <= 21; ++i)
    if (!(rest >> field)) return std::nullopt;
  uint64_t start = 0;
  if (!(rest >> start)) return std::nullopt;
  return start;
}

child_ledger::child_ledger(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
  pid_t self = ::getpid();
  header_ = boot_id() + " " + std::to_string(self) + " " + std::to_string(process_start_ticks(self).value_or(0));
}

void child_ledger::record(pid_t pgid) {
  std::string line = header_ + " " + std::to_string(process_start_ticks(pgid).value_or(0)) + "\n";
  std::string path = (dir_ / std::to_string(pgid)).string();
  // No fsync: the entry matters only if this process dies, not if the machine does (a reboot
  // kills the children anyway, and entries of an earlier boot are ignored).
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  bool ok = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  if (fd >= 0) ::close(fd);
  if (!ok && !warned_.exchange(true)) {
    spdlog::warn("cannot record child process groups in {} ({}): after a crash they would be left running",
                 dir_.string(), std::strerror(errno));
  }
}

void child_ledger::forget(pid_t pgid) { ::unlink((dir_ / std::to_string(pgid)).c_str()); }

std::vector<child_ledger::swept> child_ledger::sweep(const std::filesystem::path &dir) {
  std::vector<swept> killed;
  std::error_code ec;
  const std::string this_boot = boot_id();
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    pid_t pgid = 0;
    if (!parse_pid(it->path().filename().string(), pgid)) continue;
    std::ifstream in(it->path());
    std::string boot;
    long owner = 0;
    uint64_t owner_start = 0, leader_start = 0;
    if (!(in >> boot >> owner >> owner_start >> leader_start) || boot != this_boot) {
      std::filesystem::remove(it->path(), ec);  // another boot, or unreadable: nothing to kill
      continue;
    }
    auto owner_now = process_start_ticks(static_cast<pid_t>(owner));
    if (owner_now && *owner_now == owner_start) continue;  // its daemon still runs: not ours to touch
    auto leader_now = process_start_ticks(pgid);
    if (leader_now && *leader_now != leader_start) {
      std::filesystem::remove(it->path(), ec);  // the pid belongs to someone else now
      continue;
    }
    if (::kill(-pgid, SIGKILL) == 0) killed.push_back({pgid, static_cast<pid_t>(owner)});
    std::filesystem::remove(it->path(), ec);
  }
  return killed;
}

}  // namespace ra::sandbox
