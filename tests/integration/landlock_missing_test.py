"""A kernel without Landlock: the daemon says so once and falls back to the lexical filter. The
test makes landlock_create_ruleset fail with ENOSYS for the daemon (a seccomp filter installed
just before exec), which is exactly what an old kernel answers."""
import ctypes
import json
import os
import platform
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import BIN, Host, Tap, require_binary, tree_hash  # noqa: E402

require_binary()
t = Tap()
if platform.machine() != "x86_64":
    t.ok(True, "skipped: the seccomp filter here is written for x86_64")
    sys.exit(0)


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


def no_landlock():
    """preexec_fn: landlock_create_ruleset (x86_64 nr 444) → ENOSYS; everything else allowed."""
    prog = (SockFilter * 6)(
        SockFilter(0x20, 0, 0, 4),            # A = arch
        SockFilter(0x15, 0, 3, 0xC000003E),   # x86_64? else allow
        SockFilter(0x20, 0, 0, 0),            # A = syscall nr
        SockFilter(0x15, 0, 1, 444),          # landlock_create_ruleset? else allow
        SockFilter(0x06, 0, 0, 0x00050000 | 38),  # ERRNO(ENOSYS)
        SockFilter(0x06, 0, 0, 0x7FFF0000),   # ALLOW
    )
    fprog = SockFprog(6, prog)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        os._exit(90)
    if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        os._exit(91)


h = Host(plugins=("exec",), mode="plan")
d = os.path.join(h.work, "tree")
os.makedirs(d)
with open(os.path.join(d, "a"), "w") as f:
    f.write("alpha\n")


def call(args, log_level="warn"):
    p = subprocess.run([BIN, "--log-level", log_level, "call", "exec", json.dumps(args), "--json"], env=h.env(),
                       cwd=h.work, capture_output=True, text=True, preexec_fn=no_landlock)
    return p.returncode, json.loads(p.stdout) if p.stdout.strip() else None, p.stderr


code, out, err = call({"command": f"cat {d}/a"})
t.ok(code == 0 and out["result"]["stdout"] == "alpha\n", "without Landlock, read-only commands still run", (out, err))
t.eq(out["result"]["sandboxed"], False, "the result says the child ran without Landlock")
warnings = [l for l in err.splitlines() if "Landlock is not available" in l]
t.eq(len(warnings), 1, "the missing sandbox is logged exactly once")
before = tree_hash(d)
for cmd in (f"touch {d}/new", f"env rm {d}/a", f"sort -o {d}/a {d}/a", f"sed -n 'w {d}/o' {d}/a"):
    code, out, err = call({"command": cmd})
    t.ok(code == 3 and tree_hash(d) == before, f"without Landlock the lexical filter still refuses `{cmd}`", out)

# An AI task in plan mode runs only inside the kernel's read-only sandbox (exec_sandboxed, abi.md
# R36): without Landlock it is refused before anything starts, naming the program and the reason.
ht = Host(plugins=("tasks",), mode="plan")
bindir = os.path.join(ht.root, "bin")
os.makedirs(bindir)
with open(os.path.join(bindir, "claude"), "w") as f:
    f.write("#!/bin/sh\ntouch \"$HOME/ran\"\n")
os.chmod(os.path.join(bindir, "claude"), 0o755)
p = subprocess.run([BIN, "call", "task_dispatch", json.dumps({"prompt": "hi", "runner": "claude"}), "--json"],
                   env=ht.env({"PATH": bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin")}), cwd=ht.work,
                   capture_output=True, text=True, preexec_fn=no_landlock)
out = json.loads(p.stdout) if p.stdout.strip() else {}
t.ok(p.returncode != 0 and out.get("outcome") == "denied", "without Landlock a plan host denies an AI task", (out, p.stderr))
t.contains(out.get("message", ""), "only inside the kernel's read-only sandbox, and this kernel has no Landlock",
           "the refusal says why")
t.ok(not os.path.exists(os.path.join(ht.root, "ran")), "the AI CLI never ran")
