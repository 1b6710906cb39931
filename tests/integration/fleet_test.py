"""The fleet end to end: the real relay, three real agents with different names, tags and modes,
and a send-only controller driving them through the CLI's fleet verbs."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import BIN, Agent, Controller, Host, Relay, Tap, read_line_matching, require_binary  # noqa: E402

require_binary()
tap = Tap()
ROOM, TOKEN = "fleet-test", "correct horse battery staple 0123456789"

relay = Relay()
web1 = Agent(relay, ROOM, TOKEN, "web-1", tags=("web", "prod"), mode="edit")
web2 = Agent(relay, ROOM, TOKEN, "web-2", tags=("web",), mode="edit")
db1 = Agent(relay, ROOM, TOKEN, "db-1", tags=("db",), mode="plan")
ctl = Controller(relay, ROOM, TOKEN)


def wait_hosts(names, seconds=30):
    """Polls `agents` (a real roster query, bounded) until exactly `names` accept commands."""
    deadline = time.monotonic() + seconds
    got = None
    while time.monotonic() < deadline:
        code, out, err = ctl.fleet_json("agents")
        got = sorted(a["name"] for a in (out or {}).get("agents", []) if a.get("accepts_commands"))
        if got == sorted(names):
            return got
    return got



# --- agents -----------------------------------------------------------------------------------
code, out, err = ctl.fleet_json("agents")
tap.eq(code, 0, "agents --json exits 0")
agents = {a["name"]: a for a in (out or {}).get("agents", []) if a.get("accepts_commands")}
tap.eq(sorted(agents), ["db-1", "web-1", "web-2"], "agents lists the three hosts", )
tap.eq(agents.get("db-1", {}).get("mode"), "plan", "db-1 reports plan mode")
tap.eq(agents.get("web-1", {}).get("tags"), ["web", "prod"], "web-1 reports its tags")
tap.ok(any(t.get("name") == "exec" for t in agents.get("web-1", {}).get("tools", [])),
       "each host's tool descriptors travel in its info", agents.get("web-1"))
tap.ok(all(a.get("platform", {}).get("family") == "linux" for a in agents.values()), "platform family in the info")
p = ctl.fleet("agents")
tap.ok(p.returncode == 0 and "web-1" in p.stdout and "send-only" not in p.stdout.split("\n")[1], "agents table",
       p.stdout + p.stderr)

# --- exec on all: grouped output --------------------------------------------------------------
p = ctl.fleet("exec", "--target", "all", "--", "echo", "hello fleet")
tap.eq(p.returncode, 0, "exec --target all exits 0")
tap.contains(p.stdout, "db-1,web-[1-2] (3 hosts, ok)", "identical outputs are grouped with a count")
tap.contains(p.stdout, "hello fleet", "the output is shown once")
tap.contains(p.stdout, "3 hosts: 3 ok", "summary line")

code, out, err = ctl.fleet_json("exec", "--target", "tag:web", "--", "echo $RA_NONE hi")
hosts = sorted(h["host"] for h in (out or {}).get("hosts", []))
tap.eq(hosts, ["web-1", "web-2"], "tag:web selects the two web hosts", )
tap.ok(all(h["outcome"] == "ok" and h["result"]["stdout"] == "hi\n" for h in out["hosts"]), "per-host records", out)
tap.ok(out["grouped"]["counts"].get("ok") == 2, "grouped counts in JSON", out)

code, out, err = ctl.fleet_json("exec", "--target", "tag:web and not name:web-2", "--", "true")
tap.eq(sorted(h["host"] for h in (out or {}).get("hosts", [])), ["web-1"], "compound target with not")
code, out, err = ctl.fleet_json("exec", "--target", "web,db", "--", "true")
tap.eq(len((out or {}).get("hosts", [])), 3, "reference comma list = any of the tags")
code, out, err = ctl.fleet_json("exec", "--target", "os:LINUX", "--", "true")
tap.eq(len((out or {}).get("hosts", [])), 3, "os: target, case-insensitive")
p = ctl.fleet("exec", "--target", "name:nothing-*", "--", "true")
tap.ok(p.returncode == 1 and "no host matches target" in p.stderr, "a target matching nobody says so", p.stderr)
p = ctl.fleet("exec", "--target", "tag:web and", "--", "true")
tap.ok(p.returncode == 2 and "column" in p.stderr, "a malformed target names the column", p.stderr)

# --- policy: the plan host refuses a write, the others run it ----------------------------------
marker = "/tmp/ra-fleet-test-%d" % os.getpid()
code, out, err = ctl.fleet_json("exec", "--target", "all", "--", f"touch {marker}-$RANDOM")
by = {h["host"]: h for h in (out or {}).get("hosts", [])}
tap.eq(by.get("db-1", {}).get("outcome"), "denied", "plan-mode db-1 denies the write")
tap.ok(by.get("web-1", {}).get("outcome") == "ok" and by.get("web-2", {}).get("outcome") == "ok",
       "edit-mode hosts run it", out)
tap.eq(code, 1, "a mixed result exits 1")
p = ctl.fleet("exec", "--target", "all", "--", f"touch {marker}-x")
tap.contains(p.stdout, "(1 host, denied)", "the grouped view shows the denied host apart")
subprocess.run(f"rm -f {marker}-*", shell=True)

# --- call --target with any tool; get_info ------------------------------------------------------
code, out, err = ctl.fleet_json("call", "--target", "db-1", "get_info", "{}")
info = ((out or {}).get("hosts") or [{}])[0].get("result", {})
tap.eq(info.get("name"), "db-1", "call --target <name> get_info")
code, out, err = ctl.fleet_json("call", "--target", "web-1", "exec", '{"command": 5}')
h = ((out or {}).get("hosts") or [{}])[0]
tap.ok(h.get("outcome") == "invalid" and "command" in h.get("message", ""), "bad arguments are refused remotely", h)
code, out, err = ctl.fleet_json("call", "--target", "web-1", "no_such_tool", "{}")
h = ((out or {}).get("hosts") or [{}])[0]
tap.ok(h.get("outcome") == "invalid" and "unknown tool" in h.get("message", ""), "unknown tool", h)

# --- set_mode remotely: lower ok, raise refused, disabled stays ---------------------------------
code, out, err = ctl.fleet_json("call", "--target", "web-2", "set_mode", '{"mode":"plan"}')
tap.eq(((out or {}).get("hosts") or [{}])[0].get("outcome"), "ok", "lowering a mode remotely is allowed")
code, out, err = ctl.fleet_json("call", "--target", "web-2", "set_mode", '{"mode":"bypass"}')
h = ((out or {}).get("hosts") or [{}])[0]
tap.ok(h.get("outcome") == "denied" and "allow_remote_mode_raise" in h.get("message", ""), "raising is refused", h)
code, out, err = ctl.fleet_json("agents")
modes = {a["name"]: a.get("mode") for a in (out or {}).get("agents", [])}
tap.eq(modes.get("web-2"), "plan", "the new mode is announced to peers")
ctl.fleet_json("call", "--target", "web-2", "set_mode", '{"mode":"disabled"}')
code, out, err = ctl.fleet_json("call", "--target", "web-2", "set_mode", '{"mode":"plan"}')
h = ((out or {}).get("hosts") or [{}])[0]
tap.ok(h.get("outcome") == "denied" and "disabled" in h.get("message", ""), "nobody lifts disabled remotely", h)
code, out, err = ctl.fleet_json("call", "--target", "web-2", "get_info", "{}")
tap.eq(((out or {}).get("hosts") or [{}])[0].get("outcome"), "ok", "a disabled host still answers get_info")

# --- the operator changes a mode locally; the room hears of it ----------------------------------
def wait_mode(name, mode, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        code, out, err = ctl.fleet_json("agents")
        if {a["name"]: a.get("mode") for a in (out or {}).get("agents", [])}.get(name) == mode:
            return True
    return False


p = db1.host.run("mode", "edit")
tap.eq(p.returncode, 0, "remote-agents mode edit on db-1's machine")
tap.ok(wait_mode("db-1", "edit"), "the running agent re-announces the new mode to the room")
db1.host.run("mode", "plan")
tap.ok(wait_mode("db-1", "plan"), "and back to plan")

# --- streaming: output of a long command arrives while it runs ----------------------------------
proc = subprocess.Popen([BIN, *ctl.conn, "exec", "--target", "web-1", "--", "echo first; sleep 3; echo second"],
                        env=ctl.env(), cwd=ctl.work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
first = read_line_matching(proc, "first", 30)
tap.ok(first == "first" and proc.poll() is None, "partial output arrives before the command ends")
rest = read_line_matching(proc, "second", 30)
tap.eq(rest, "second", "and the rest follows")
proc.wait(30)

# --- timeout and unreachable -------------------------------------------------------------------
code, out, err = ctl.fleet_json("exec", "--target", "web-1", "--timeout-ms", "500", "--", "sleep 10")
h = ((out or {}).get("hosts") or [{}])[0]
tap.eq(h.get("outcome"), "timeout", "a per-host timeout is reported as timeout")
tap.eq(code, 4, "and exits 4")
code, out, err = ctl.fleet_json("exec", "--target", "name:web-1", "--timeout-ms", "20000", "--deadline-ms", "800", "--",
                                 "sleep 10")
hs = (out or {}).get("hosts", [])
tap.ok(len(hs) == 1 and all(h["outcome"] == "timeout" and "fleet call" in h.get("message", "") for h in hs),
       "--deadline-ms bounds the whole fleet call", out)
os.kill(db1.proc.pid, signal.SIGSTOP)  # still connected, never answers
try:
    code, out, err = ctl.fleet_json("exec", "--target", "all", "--timeout-ms", "1500", "--", "echo x")
    by = {h["host"]: h["outcome"] for h in (out or {}).get("hosts", [])}
    silent = [h for h in (out or {}).get("hosts", []) if h["outcome"] == "unreachable"]
    tap.ok(len(silent) == 1 and "no readable info" in silent[0].get("message", ""),
           "a host that never answers is reported as unreachable, not dropped", out)
    tap.eq(by.get("web-1"), "ok", "the others still answer")
finally:
    os.kill(db1.proc.pid, signal.SIGCONT)

# --- a wrong room token sees another room ------------------------------------------------------
other = Controller(relay, ROOM, "wrong token")
code, out, err = other.fleet_json("agents")
tap.eq([a for a in (out or {}).get("agents", []) if a.get("accepts_commands")], [],
       "a wrong token joins a different room: no hosts visible")

# --- agents survive a relay restart ------------------------------------------------------------
relay.restart()
tap.eq(wait_hosts(["db-1", "web-1", "web-2"]), ["db-1", "web-1", "web-2"], "every agent rejoins after kill -9")
for a in (web1, web2, db1):
    tap.ok(a.proc.poll() is None, f"{a.name} did not exit")
code, out, err = ctl.fleet_json("exec", "--target", "all", "--", "echo back")
back = {h["host"]: h["outcome"] for h in (out or {}).get("hosts", [])}
tap.eq(back, {"db-1": "ok", "web-1": "ok", "web-2": "denied"}, "after a relay restart every agent is back (web-2 disabled)")

# --- a graceful relay close (SIGTERM: bye 1001 to everyone) is not an exit either ----------------
relay.proc.terminate()
tap.eq(relay.proc.wait(10), 0, "the relay exits 0 on SIGTERM")
relay.start()
tap.eq(wait_hosts(["db-1", "web-1", "web-2"]), ["db-1", "web-1", "web-2"], "every agent rejoins the restarted relay")
tap.ok(all(a.proc.poll() is None for a in (web1, web2, db1)), "no agent exited on the relay's bye")
code, out, err = ctl.fleet_json("exec", "--target", "name:web-1 or tag:db", "--", "echo again")
tap.eq(sorted(h["host"] for h in (out or {}).get("hosts", []) if h["outcome"] == "ok"), ["db-1", "web-1"],
       "after a graceful relay shutdown and restart the agents are back")

# --- list_agents on a host includes its peers ----------------------------------------------------
code, out, err = ctl.fleet_json("call", "--target", "web-1", "list_agents", "{}")
listed = sorted(a.get("name") for a in (((out or {}).get("hosts") or [{}])[0].get("result") or {}).get("agents", []))
tap.ok({"web-1", "web-2", "db-1"} <= set(listed), "list_agents on a host lists itself and its peers", listed)

# --- two processes with one agent id: one is chosen, always the same ----------------------------
restarted = []
for i in range(2):
    h = Host()
    h.write_config('id = "shared-agent-id"\nname = "dup"\n[plugins.exec]\nload = "required"\n')
    args = ["run", "--relay", relay.url, "--room", ROOM, "--token", TOKEN]
    proc = subprocess.Popen([BIN, *args], env=h.env(), cwd=h.work, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    restarted.append(proc)
    tap.ok(read_line_matching(proc, "joined", 60) is not None, "a process with the shared agent id joins")
picks = set()
for _ in range(3):
    code, out, err = ctl.fleet_json("exec", "--target", "id:shared-agent-id", "--", "echo $HOME")
    hs = (out or {}).get("hosts", [])
    tap.eq(len(hs), 1, "one agent id = one host, whatever the number of its processes")
    if hs:
        picks.add(hs[0]["peer_id"])
code, out, err = ctl.fleet_json("agents")
dups = sorted(a["peer_id"] for a in (out or {}).get("agents", []) if a.get("id") == "shared-agent-id")
tap.ok(len(picks) == 1 and len(dups) == 2 and picks == {dups[0]}, "always the same process: the smallest peer id",
       (picks, dups))
for proc in restarted:
    proc.terminate()
    proc.wait(10)

# --- graceful shutdown ----------------------------------------------------------------------------
web2.proc.send_signal(signal.SIGTERM)
tap.eq(web2.proc.wait(10), 0, "SIGTERM stops an agent cleanly (exit 0)")
code, out, err = ctl.fleet_json("agents")
names = sorted(a["name"] for a in (out or {}).get("agents", []) if a.get("accepts_commands"))
tap.eq(names, ["db-1", "web-1"], "a stopped agent leaves the roster")
