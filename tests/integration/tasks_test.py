"""The tasks plugin end to end: long-running `remote-agents run` daemons on the real relay, driven by
a send-only controller (`call --target <host> task_* …`). The AI CLI is a stand-in script named
`claude`, first on the daemons' PATH: it echoes its prompt, sleeps, fails, or tries to write a file
on request. Checks dispatch, get/wait/list, a failing exit code, timeout and cancel (the process
group is gone), the concurrency limit (the third task waits), a daemon restart (finished tasks are
still listed; a task running at kill -9 becomes failed with the reason and its orphaned CLI is killed
when the daemon restarts), and the modes (plan with plan = "refuse" and disabled are denied; plan
runs the CLI in the read-only sandbox, with the CLI's own plan flag)."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import (BIN, Controller, Host, Relay, Tap, read_line_matching, require_binary,  # noqa: E402
                     wait_gone)

require_binary()
tap = Tap()
ROOM, TOKEN = "tasks-test", "tasks test token 0123456789 abcdefghij"

STUB = r'''#!/usr/bin/env python3
# Stand-in AI CLI: claude -p PROMPT [--output-format text | --resume SID]
import json, os, sys, time
args = sys.argv[1:]
prompt = args[args.index("-p") + 1] if "-p" in args else ""
words = prompt.split()
d = os.environ.get("TASKS_STUB_DIR", "/tmp")
tag = words[-1] if len(words) > 2 else "x"
try:
    with open(os.path.join(d, "pid-" + tag), "w") as f:
        f.write(str(os.getpid()))
except OSError:
    pass  # read-only sandbox (plan)
cmd = words[0] if words else ""
if cmd == "echo":
    print(" ".join(words[1:]), flush=True)
elif cmd == "args":
    print(json.dumps(sys.argv[1:]), flush=True)
elif cmd == "sleep":
    print("sleeping " + words[1], flush=True)
    time.sleep(float(words[1]))
    print("woke up", flush=True)
elif cmd == "fail":
    print("about to fail", flush=True)
    print("stub failure", file=sys.stderr, flush=True)
    sys.exit(3)
elif cmd == "write":
    try:
        with open(words[1], "w") as f:
            f.write("x")
        print("WROTE", flush=True)
    except OSError as e:
        print("WRITE FAILED: " + e.strerror, flush=True)
elif cmd == "big":
    sys.stdout.write("A" * 5000 + "END")
else:
    print("prompt: " + prompt, flush=True)
'''

relay = Relay()
ctl = Controller(relay, ROOM, TOKEN)


def make_stub_dir(root):
    bindir = os.path.join(root, "stub-bin")
    os.makedirs(bindir, exist_ok=True)
    path = os.path.join(bindir, "claude")
    with open(path, "w") as f:
        f.write(STUB)
    os.chmod(path, 0o755)
    piddir = os.path.join(root, "pids")
    os.makedirs(piddir, exist_ok=True)
    return bindir, piddir


class Daemon:
    """`remote-agents run` on a Host whose dirs survive restarts (Agent makes a new Host each time)."""

    def __init__(self, name, mode, extra_config="", plugins=("tasks",)):
        self.name = name
        self.host = Host(plugins=plugins, mode=mode, extra_config=extra_config)
        self.bindir, self.piddir = make_stub_dir(self.host.root)
        self.proc = None
        self.start()

    def start(self):
        args = ["run", "--relay", relay.url, "--room", ROOM, "--token", TOKEN, "--name", self.name]
        env = {"PATH": self.bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
               "TASKS_STUB_DIR": self.piddir,
               "REMOTE_AGENTS_RECONNECT_MIN_MS": "100", "REMOTE_AGENTS_RECONNECT_MAX_MS": "500"}
        self.log = os.path.join(self.host.root, "agent.log")
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([BIN, *args], env=self.host.env(env), cwd=self.host.work,
                                         stdout=subprocess.PIPE, stderr=log, text=True)
        if not read_line_matching(self.proc, "joined", 60):
            raise RuntimeError(f"{self.name} did not join: " + open(self.log).read()[-2000:])

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def pid_of(self, tag, seconds=10):
        p = os.path.join(self.piddir, "pid-" + tag)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with open(p) as f:
                    return int(f.read())
            except (OSError, ValueError):
                time.sleep(0.05)
        return None


def call(host, tool, args, timeout=90):
    """(outcome, result, message) of one tool on one host through the relay."""
    code, out, err = ctl.fleet_json("call", "--target", host, tool, json.dumps(args), timeout=timeout)
    hosts = (out or {}).get("hosts") or [{}]
    h = hosts[0]
    return h.get("outcome"), h.get("result") or {}, h.get("message", "") or err


def dispatch(host, prompt, **kw):
    o, r, m = call(host, "task_dispatch", dict(prompt=prompt, **kw))
    return r.get("id") if o == "ok" else None, (o, r, m)


def wait(host, tid, wait_ms=20000):
    return call(host, "task_wait", {"id": tid, "wait_ms": wait_ms})


def wait_state(host, tid, states, seconds=30):
    deadline = time.monotonic() + seconds
    r = {}
    while time.monotonic() < deadline:
        o, r, m = call(host, "task_get", {"id": tid})
        if r.get("state") in states:
            return r
        time.sleep(0.2)
    return r


# The two main daemons: edit mode, one with max_running = 2 and a small output cap.
ed = Daemon("ed", "edit", '[plugins.tasks.config]\nmax_output = 2048\n')

# --- dispatch, wait, get ---------------------------------------------------------------------------
tid, raw = dispatch("ed", "echo hello from the task")
tap.ok(tid and tid.startswith("t-") and raw[1].get("state") == "queued", "task_dispatch returns an id, queued", raw)
tap.eq(raw[1].get("runner"), "claude", "the default runner is the first found on PATH")
o, r, m = wait("ed", tid)
tap.eq((o, r.get("state")), ("ok", "done"), "task_wait returns when the task is done")
tap.eq(r.get("output"), "hello from the task\n", "the output is the CLI's stdout")
tap.eq(r.get("exit_code"), 0, "exit code 0")
tap.ok(r.get("started", "").endswith("Z") and r.get("finished", "").endswith("Z") and "T" in r.get("started", ""),
       "started/finished are ISO 8601", r)
tap.ok(isinstance(r.get("duration_ms"), int) and r["duration_ms"] >= 0, "duration_ms", r)
tap.eq(r.get("prompt"), "echo hello from the task", "the prompt is recorded")
o, r2, m = call("ed", "task_get", {"id": tid})
tap.eq((o, r2.get("state"), r2.get("output")), ("ok", "done", r.get("output")), "task_get gives the same record")

# The prompt is one argv element: shell syntax is text, an option-looking prompt is not an option.
tid, raw = dispatch("ed", "args $(touch /tmp/ra-tasks-pwned); `id` 'q\" x")
o, r, m = wait("ed", tid)
argv = json.loads(r.get("output") or "[]")
tap.eq(argv, ["-p", "args $(touch /tmp/ra-tasks-pwned); `id` 'q\" x", "--output-format", "text"],
       "the prompt reaches the CLI verbatim as one argv element")
tap.ok(not os.path.exists("/tmp/ra-tasks-pwned"), "no shell ran the prompt")
tid, raw = dispatch("ed", "args", session_id="sess-42")
o, r, m = wait("ed", tid)
tap.eq(json.loads(r.get("output") or "[]"), ["-p", "args", "--resume", "sess-42"], "session_id uses the resume template")

# cwd
tid, raw = dispatch("ed", "write here.txt", cwd=ed.host.work)
o, r, m = wait("ed", tid)
tap.ok(r.get("output") == "WROTE\n" and os.path.exists(os.path.join(ed.host.work, "here.txt")),
       "cwd is the run's working directory (edit mode may write there)", r)

# --- failure, output cap ------------------------------------------------------------------------
tid, raw = dispatch("ed", "fail")
o, r, m = wait("ed", tid)
tap.eq((r.get("state"), r.get("exit_code")), ("failed", 3), "a failing CLI: state failed, its exit code")
tap.contains(r.get("error") or "", "exited with code 3", "the error says why")
tap.contains(r.get("output") or "", "stub failure", "stderr is part of the output")
tid, raw = dispatch("ed", "big")
o, r, m = wait("ed", tid)
tap.ok(r.get("output_truncated") is True and len(r.get("output", "")) == 2048 and r["output"].endswith("END")
       and r.get("output_bytes") == 5003, "output is capped to max_output, keeping the tail", {k: r.get(k) for k in (
           "output_truncated", "output_bytes")})

# --- errors ----------------------------------------------------------------------------------------
o, r, m = call("ed", "task_dispatch", {"prompt": "x", "runner": "nobody"})
tap.ok(o != "ok" and "unknown runner 'nobody'" in m, "an unknown runner is refused, naming the known ones", m)
o, r, m = call("ed", "task_dispatch", {"prompt": "x", "runner": "opencode"})
tap.ok(o != "ok" and "not found on this host's PATH" in m, "a runner that is not installed is refused", m)
o, r, m = call("ed", "task_get", {"id": "t-nope"})
tap.ok(o != "ok" and "no task" in m, "task_get of an unknown id", m)

# --- timeout: the process group is killed -------------------------------------------------------------
tid, raw = dispatch("ed", "sleep 30 tmo", timeout_ms=1500)
pid = ed.pid_of("tmo")
o, r, m = wait("ed", tid)
tap.eq(r.get("state"), "failed", "a task over its timeout fails")
tap.contains(r.get("error") or "", "timed out after 1500 ms", "the error says it timed out")
tap.ok(pid and wait_gone(pid, 10), "the timed-out CLI process is gone", pid)

# --- cancel --------------------------------------------------------------------------------------------
tid, raw = dispatch("ed", "sleep 30 cxl")
pid = ed.pid_of("cxl")
tap.ok(pid is not None, "the CLI started (pid file written)")
o, r, m = call("ed", "task_cancel", {"id": tid})
tap.eq((o, r.get("state")), ("ok", "cancelled"), "task_cancel ends a running task as cancelled")
tap.ok(pid and wait_gone(pid, 10), "the cancelled CLI process is gone", pid)
o, r, m = call("ed", "task_cancel", {"id": tid})
tap.ok(o != "ok" and "already ended" in m, "cancelling an ended task is an error", m)

# --- concurrency: max_running = 2, the third waits, a queued one can be cancelled ---------------------
a, _ = dispatch("ed", "sleep 60 ca")
b, _ = dispatch("ed", "sleep 60 cb")
c, _ = dispatch("ed", "echo third task cc")
d, _ = dispatch("ed", "echo fourth task cd")
states = {k: call("ed", "task_get", {"id": v})[1].get("state") for k, v in (("a", a), ("b", b), ("c", c))}
tap.eq(states, {"a": "running", "b": "running", "c": "queued"}, "two run, the third is queued")
o, r, m = call("ed", "task_cancel", {"id": d})
tap.eq((o, r.get("state"), r.get("started")), ("ok", "cancelled", None), "a queued task is cancelled before it starts")
time.sleep(1)
tap.eq(call("ed", "task_get", {"id": c})[1].get("state"), "queued", "the third still waits while two run")
o, r, m = call("ed", "task_cancel", {"id": a})
ra = r
o, r, m = wait("ed", c, 30000)
tap.eq((r.get("state"), r.get("output")), ("done", "third task cc\n"), "the queued task runs when a slot frees")
tap.ok(ra.get("state") == "cancelled" and r.get("started", "") >= ra.get("finished", "~"),
       "it started only after the first had ended", (ra, r))
call("ed", "task_cancel", {"id": b})
o, r, m = call("ed", "task_list", {"state": "queued"})
tap.eq(r.get("tasks"), [], "nothing left queued")

# --- task_wait returns at the end of the wait with the state so far -------------------------------------
tid, raw = dispatch("ed", "sleep 8 wt")
t0 = time.monotonic()
o, r, m = wait("ed", tid, 1000)
tap.ok(r.get("state") in ("queued", "running") and time.monotonic() - t0 < 8, "task_wait returns after wait_ms", r)
o, r, m = wait("ed", tid, 20000)
tap.eq(r.get("state"), "done", "waiting again sees it done")

# --- list ---------------------------------------------------------------------------------------------
o, r, m = call("ed", "task_list", {})
tap.ok(o == "ok" and r.get("count", 0) >= 10 and all("output" not in t for t in r.get("tasks", [])),
       "task_list lists the tasks without output", r.get("count"))
created = [t.get("created") for t in r.get("tasks", [])]
tap.eq(created, sorted(created, reverse=True), "newest first")
o, r, m = call("ed", "task_list", {"state": "failed", "limit": 2})
tap.ok(o == "ok" and len(r.get("tasks", [])) == 2 and all(t["state"] == "failed" for t in r["tasks"]),
       "state filter and limit", r)
total_before = call("ed", "task_list", {"limit": 1000})[1].get("total")

# --- restart: kill -9 while a task runs ---------------------------------------------------------------
done_id, _ = dispatch("ed", "echo before restart")
wait("ed", done_id)
run_id, _ = dispatch("ed", "sleep 60 rst")
pid = ed.pid_of("rst")
wait_state("ed", run_id, ("running",))
ed.kill9()
ed.start()
o, r, m = call("ed", "task_get", {"id": run_id})
tap.eq((o, r.get("state"), r.get("error")), ("ok", "failed", "the daemon stopped while the task ran"),
       "a task running at kill -9 is failed with the reason after the restart")
o, r, m = call("ed", "task_get", {"id": done_id})
tap.eq((r.get("state"), r.get("output")), ("done", "before restart\n"), "a finished task survives the restart")
o, r, m = call("ed", "task_list", {"limit": 1000})
tap.eq(r.get("total"), total_before + 2, "every task is still listed after the restart")
tap.ok(pid and wait_gone(pid, 10), "the CLI orphaned by kill -9 of the daemon is killed when it restarts", pid)
tid, _ = dispatch("ed", "echo after restart")
tap.eq(wait("ed", tid)[1].get("output"), "after restart\n", "new tasks run after the restart")

# --- graceful stop while a task runs ---------------------------------------------------------------
run_id, _ = dispatch("ed", "sleep 60 grc")
pid = ed.pid_of("grc")
wait_state("ed", run_id, ("running",))
ed.stop()
tap.ok(pid and wait_gone(pid, 10), "a graceful stop kills the running CLI", pid)
ed.start()
o, r, m = call("ed", "task_get", {"id": run_id})
tap.eq((r.get("state"), r.get("error")), ("failed", "the daemon stopped while the task ran"),
       "a task running at a graceful stop is failed with the reason")
ed.stop()

# --- modes --------------------------------------------------------------------------------------------
refuse = Daemon("refuse", "plan", '[plugins.tasks.config]\nplan = "refuse"\n')
o, r, m = call("refuse", "task_dispatch", {"prompt": "echo x"})
tap.ok(o == "denied" and "refuses AI tasks in plan mode" in m, "plan host with plan = \"refuse\": denied", (o, m))
o, r, m = call("refuse", "task_list", {})
tap.eq((o, r.get("tasks")), ("ok", []), "reading tasks still works in plan")
refuse.stop()

off = Daemon("off", "disabled")
o, r, m = call("off", "task_dispatch", {"prompt": "echo x"})
tap.ok(o not in ("ok", None) and o != "unreachable", "disabled host: task_dispatch denied", (o, m))
tap.ok(not os.path.exists(os.path.join(off.piddir, "pid-x")), "the CLI never ran on the disabled host")
off.stop()

# Plan, sandboxed (default): the runner is exec_sandboxed (abi.md R36), so it needs no place in the
# read-only command list; it runs inside the kernel's read-only sandbox and in its own plan mode.
plan = Daemon("plan", "plan")
tid, raw = dispatch("plan", "args")
o, r, m = wait("plan", tid)
tap.eq((r.get("state"), json.loads(r.get("output") or "[]")),
       ("done", ["-p", "args", "--output-format", "text", "--permission-mode", "plan"]),
       "plan host: the task runs, and the CLI is told to plan (claude --permission-mode plan)")
target = os.path.join(plan.host.work, "plan-write.txt")
tid, raw = dispatch("plan", "write " + target, cwd=plan.host.work)
o, r, m = wait("plan", tid)
tap.ok(r.get("state") == "done" and r.get("output", "").startswith("WRITE FAILED"),
       "plan host: the kernel sandbox stops the CLI's writes", r)
tap.ok(not os.path.exists(target), "no file was written in plan mode")
plan.stop()

# The command policy still applies to an exec_sandboxed runner: the deny list refuses it.
deny = Daemon("deny", None, '[security]\nmode = "edit"\ndenied_commands = ["claude"]\n')
o, r, m = call("deny", "task_dispatch", {"prompt": "echo x", "runner": "claude"})
tap.ok(o == "denied" and "deny list" in m, "the command deny list applies to the runner", (o, m))
deny.stop()
