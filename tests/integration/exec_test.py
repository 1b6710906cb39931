"""The exec plugin through the real CLI: streaming, timeouts that kill the whole group, output caps,
stdin, env, cwd, signals, binary output, cancellation on shutdown."""
import base64
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import BIN, Host, Tap, require_binary, wait_gone  # noqa: E402

require_binary()
t = Tap()
h = Host(plugins=("exec",), mode="edit")


def exec_json(args, *extra):
    code, out, err = h.call("exec", args, *extra)
    return code, (out or {}).get("result", {}), out, err


# Streaming: the first line arrives while the command is still running. The command waits for a
# file the test creates only after it has read that line, so no timing assumption is involved.
gate = os.path.join(h.work, "gate")
proc = subprocess.Popen([BIN, "call", "exec", json.dumps({"command": f"echo first; while [ ! -e {gate} ]; do sleep 0.05; done; echo second"})],
                        env=h.env(), cwd=h.work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
first = proc.stdout.readline()
t.eq(first, "first\n", "streaming: the first line arrives before the command ends")
t.ok(proc.poll() is None, "streaming: the call is still running when the first line is read")
open(gate, "w").close()
rest, err = proc.communicate(timeout=60)
t.eq(rest, "second\n", "streaming: the rest arrives after")
t.eq(proc.returncode, 0, "streaming call exits 0")

# Timeout kills the whole process group, grandchildren included.
pidfile = os.path.join(h.work, "grandchild.pid")
code, r, out, err = exec_json({"command": f"sh -c 'sleep 300 & echo $! > {pidfile}; wait' ; echo never", "timeout_ms": 700})
t.ok(r.get("timed_out") is True and r.get("exit_code") == -1, "timeout: timed_out and exit -1", out)
t.eq(code, 4, "timeout: the CLI exits 4")
t.ok("[command timed out after 700ms]" in r.get("stderr", ""), "timeout: the reference's stderr note", r)
with open(pidfile) as f:
    gpid = int(f.read())
t.ok(wait_gone(gpid), "timeout: the grandchild was killed with the group")

# A backgrounded grandchild that keeps the pipes open does not hang the call after the shell exits.
code, r, out, err = exec_json({"command": "sleep 300 & echo started", "timeout_ms": 60000})
t.ok(code == 0 and r.get("stdout") == "started\n" and r.get("duration_ms", 99999) < 30000,
     "a leftover background process does not hold the call", out)

# Output cap per stream, with the truncated flag and the true byte count.
code, r, out, err = exec_json({"command": "head -c 300000 /dev/zero | tr '\\0' a; echo tail >&2", "max_output_bytes": 1000})
t.ok(len(r.get("stdout", "")) == 1000 and r.get("stdout_truncated") is True, "output cap: 1000 bytes kept, flagged", {k: r.get(k) for k in ("stdout_truncated", "stdout_bytes")})
t.eq(r.get("stdout_bytes"), 300000, "output cap: the total produced is reported")
t.eq(r.get("stderr"), "tail\n", "output cap is per stream")
t.ok(r.get("stderr_truncated") is False, "stderr not truncated")
code, r, out, err = exec_json({"command": "head -c 200000 /dev/zero | tr '\\0' b"})
t.ok(len(r.get("stdout", "")) == 131072 and r.get("stdout_truncated"), "default cap is 128 KiB", len(r.get("stdout", "")))
code, r, out, err = exec_json({"command": "true", "max_output_bytes": 1 << 30})
t.ok(code == 2 and "exceeds this host's limit" in out.get("message", ""), "a cap above the host limit is refused", out)

# stdin, env, cwd
code, r, out, err = exec_json({"command": "wc -c", "stdin": "hello"})
t.eq(r.get("stdout", "").strip(), "5", "stdin is fed and closed")
big = "x" * (4 << 20)
p = h.run("call", "exec", "-", "--json", input=json.dumps({"command": "wc -c", "stdin": big}))
t.eq(json.loads(p.stdout)["result"]["stdout"].strip(), str(len(big)), "4 MiB of stdin (arguments read from stdin with '-')")
code, r, out, err = exec_json({"command": "echo $GREETING", "env": {"GREETING": "bonjour"}})
t.eq(r.get("stdout"), "bonjour\n", "extra env")
code, r, out, err = exec_json({"command": "true", "env": {"BAD-NAME": "x"}})
t.ok(code == 2 and "BAD-NAME" in out.get("message", ""), "invalid env name refused", out)
sub = os.path.join(h.work, "sub")
os.mkdir(sub)
code, r, out, err = exec_json({"command": "pwd", "cwd": sub})
t.eq(r.get("stdout"), sub + "\n", "cwd")
code, r, out, err = exec_json({"command": "pwd", "cwd": "/nonexistent/dir"})
t.ok(code == 1 and "/nonexistent/dir" in out.get("message", ""), "a missing cwd is a clear error", out)

# Exit by signal, output without a final newline, binary output
code, r, out, err = exec_json({"command": "kill -9 $$"})
t.ok(r.get("signal") == 9 and r.get("exit_code") == -1, "killed by a signal: signal 9", r)
code, r, out, err = exec_json({"command": "printf 'no newline'"})
t.eq(r.get("stdout"), "no newline", "the last line keeps its (missing) newline")
code, r, out, err = exec_json({"command": "printf 'a\\377b'"})
t.eq(base64.b64decode(r.get("stdout_base64", "")), b"a\xffb", "binary output is exact in stdout_base64")
t.eq(r.get("stdout"), "a\ufffdb", "and readable (lossy) in stdout")
code, r, out, err = exec_json({"command": "echo true"})
t.ok(r.get("sandboxed") is True, "children run sandboxed (Landlock) in edit mode", r)

# Streaming keeps multi-byte characters whole across chunk boundaries.
code, r, out, err = exec_json({"command": "for i in $(seq 1 2000); do printf 'é'; done"})
t.eq(r.get("stdout"), "é" * 2000, "multi-byte output is intact")

# SIGTERM (or Ctrl-C) to the CLI cancels the running call and kills its process group.
proc = subprocess.Popen([BIN, "call", "exec", json.dumps({"command": f"sleep 300 & echo $! > {pidfile}; echo go; wait"})],
                        env=h.env(), cwd=h.work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
t.eq(proc.stdout.readline(), "go\n", "a long call is running")
proc.terminate()
proc.communicate(timeout=30)
with open(pidfile) as f:
    gpid = int(f.read())
t.ok(wait_gone(gpid), "terminating the CLI kills the running command's group")

# The same with --json: the outcome says the call was cancelled, with what the command printed.
os.remove(pidfile)
proc = subprocess.Popen([BIN, "call", "exec", "--json", json.dumps({"command": f"echo partial; sleep 300 & echo $! > {pidfile}; wait"})],
                        env=h.env(), cwd=h.work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
deadline = time.monotonic() + 30
while not os.path.exists(pidfile) and time.monotonic() < deadline:
    time.sleep(0.02)
proc.terminate()
out, err = proc.communicate(timeout=30)
env_out = json.loads(out)
t.ok(env_out["outcome"] == "cancelled" and env_out["result"].get("cancelled") is True, "a cancelled call reports outcome cancelled", env_out)
t.eq(env_out["result"].get("stdout"), "partial\n", "and keeps the output produced before the cancel")
t.ok(proc.returncode != 0, "the CLI exits non-zero after a cancel")
