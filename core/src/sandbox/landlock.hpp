// sandbox/landlock.hpp — kernel filesystem sandbox for child processes (Landlock, best effort).
// plan: no filesystem writes at all (except /dev/null and friends); edit: writes only beneath the
// allowed paths and never into a denied path; bypass: no filesystem restriction.
// Debian 12 headers define Landlock ABI 2 only, so newer constants are defined here.
// Thread safety: abi_version() is cached and thread-safe; a ruleset is immutable once built.
#pragma once

#include <string>
#include <vector>

#include "policy/mode.hpp"
#include "util/status.hpp"

namespace ra::sandbox {

// Landlock ABI version of the running kernel, 0 when unavailable (logged once by the caller).
int landlock_abi_version();

struct fs_profile {
  policy::mode mode = policy::mode::plan;
  std::vector<std::string> writable_roots;  // edit: allowed_paths (empty = "/")
  std::vector<std::string> denied_paths;    // edit: never writable, even beneath a writable root
  // The kernel sandbox is the only guard (exec_sandboxed in plan, abi.md R36): refuse to start
  // the child when no ruleset can be applied, instead of falling back to the lexical policy.
  bool require_kernel_sandbox = false;
};

// An fd of a built Landlock ruleset (or -1 when the mode needs none / Landlock is missing).
// Built in the parent (allocates, reads directories); the child only calls restrict_self, which
// is async-signal-safe.
class ruleset {
 public:
  ruleset() = default;
  explicit ruleset(int fd) : fd_(fd) {}
  ruleset(ruleset &&o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  ruleset &operator=(ruleset &&o) noexcept;
  ruleset(const ruleset &) = delete;
  ruleset &operator=(const ruleset &) = delete;
  ~ruleset();
  int fd() const { return fd_; }
  bool active() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Builds the ruleset for a profile. bypass → inactive ruleset. Landlock missing → inactive
// ruleset (caller falls back to the lexical filter and says so once).
result<ruleset> build_ruleset(const fs_profile &profile);

// In the forked child, before exec: no_new_privs, then landlock_restrict_self(fd).
// Returns 0 or an errno. Async-signal-safe.
int apply_in_child(int ruleset_fd) noexcept;

}  // namespace ra::sandbox
