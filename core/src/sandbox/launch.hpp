// sandbox/launch.hpp — starts one child process (internal to sandbox/, used by spawn.cpp).
// Everything that allocates (argv/envp arrays, PATH lookup) happens in the parent before fork;
// the child runs only async-signal-safe calls up to execve and reports a failure through a
// close-on-exec pipe, so the caller gets "cannot start <argv0>: <reason>" synchronously.
// Thread safety: launch_child may run on many threads at once. It reads `environ`, so nothing in
// the daemon may call setenv/putenv while children are being started.
#pragma once

#include <sys/types.h>

#include "sandbox/landlock.hpp"
#include "sandbox/spawn.hpp"
#include "sandbox/unique_fd.hpp"
#include "util/status.hpp"

namespace ra::sandbox {

struct launched_child {
  pid_t pid = -1;      // also the process group id; stays unreaped until the watcher reaps it
  unique_fd pidfd;     // readable once the child has exited
  unique_fd stdin_w;   // non-blocking; empty when the request has no stdin (child reads /dev/null)
  unique_fd stdout_r;  // non-blocking
  unique_fd stderr_r;  // non-blocking
};

// Starts req.argv in its own process group with stdio on fresh pipes, req.cwd and the merged
// environment. With `confine`, the child sets no_new_privs and restricts itself with `rules`
// (which may be inactive) before exec.
result<launched_child> launch_child(const spawn_request &req, const ruleset &rules, bool confine);

}  // namespace ra::sandbox
