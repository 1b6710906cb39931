"""The scheduler plugin through the real CLI and a long-running `remote-agents run` daemon: add, list,
remove, argument and cron errors (exit 2 with the position), a 6-field every-second job that fires
repeatedly, survives a daemon restart, is denied (and recorded so) in plan and disabled mode, an
overlapping run skipped, and the missed-run policies after downtime."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import BIN, Host, Tap, read_line_matching, require_binary  # noqa: E402

require_binary()
t = Tap()

h = Host(plugins=("exec", "scheduler"), mode="edit")
W = h.work
TICKS = os.path.join(W, "ticks.txt")
JOBS_FILE = os.path.join(h.data_home, "remote-agents", "plugins", "scheduler", "jobs.json")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def call(tool, args):
    code, out, err = h.call(tool, args)
    return code, (out or {}).get("result", {}), (out or {"stderr": err})


def wait_for(pred, seconds, step=0.1):
    """Polls pred() until it is true or the deadline passes; returns its last value."""
    deadline = time.monotonic() + seconds
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def lines(path):
    try:
        with open(path) as f:
            return f.read().count("\n")
    except FileNotFoundError:
        return 0


def jobs_file():
    try:
        with open(JOBS_FILE) as f:
            return {j["name"]: j for j in json.load(f)["jobs"]}
    except (FileNotFoundError, ValueError):
        return {}


def history_from_file(name):
    return jobs_file().get(name, {}).get("history", [])


class Daemon:
    def __init__(self):
        self.log = tempfile.NamedTemporaryFile(prefix="ra-sched-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([BIN, "run"], env=h.env(), cwd=W, stdout=subprocess.PIPE, stderr=self.log,
                                     text=True)
        self.ready = read_line_matching(self.proc, "ready", 60)

    def text(self):
        with open(self.log.name) as f:
            return f.read()[-3000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


# ---- argument and cron errors ------------------------------------------------------------------------
code, r, out = call("schedule_add", {"name": "bad", "cron": "*/0 * * * *", "command": "true"})
text = json.dumps(out)
t.eq(code, 2, "invalid cron: exit 2")
t.ok("position 3" in text and "step must be at least 1" in text, "invalid cron: the message names the position",
     text)
code, r, out = call("schedule_add", {"name": "bad", "cron": "* * * *", "command": "true"})
t.ok(code == 2 and "got 4" in json.dumps(out), "wrong field count: exit 2 and the count", out)
code, r, out = call("schedule_add", {"name": "bad", "cron": "0 0 * FOO *", "command": "true"})
t.ok(code == 2 and "unknown name 'FOO'" in json.dumps(out), "bad month name: exit 2", out)
code, r, out = call("schedule_add", {"name": "bad", "cron": "* * * * *", "command": "true", "tool": "exec"})
t.ok(code == 2 and "exactly one of command" in json.dumps(out), "command and tool together: exit 2", out)
code, r, out = call("schedule_add", {"name": "bad", "cron": "* * * * *"})
t.ok(code == 2, "neither command nor tool: exit 2", out)
code, r, out = call("schedule_add", {"name": "bad", "cron": "* * * * *", "tool": "no_such_tool"})
t.ok(code == 2 and "no_such_tool" in json.dumps(out), "unknown tool: exit 2", out)
code, r, out = call("schedule_add", {"name": "bad", "cron": "* * * * *", "command": "true",
                                     "timezone": "Mars/Olympus"})
t.ok(code == 2 and "unknown time zone 'Mars/Olympus'" in json.dumps(out),
     "unknown IANA time zone: exit 2 with the reason", out)
code, r, out = call("schedule_add", {"name": "bad", "cron": "* * * * *", "command": "true",
                                     "timezone": "../../etc/passwd"})
t.ok(code == 2 and "invalid time zone name" in json.dumps(out), "a path-like zone name is refused", out)
code, r, out = call("schedule_add", {"name": "bad", "cron": "* * * * *", "command": "rm -rf /"})
t.ok(code != 0, "a command the policy refuses is refused at add time", out)
code, r, out = call("schedule_list", {})
t.eq(r.get("jobs"), [], "nothing was added by the failed calls")

# ---- add / list / remove --------------------------------------------------------------------------
code, r, out = call("schedule_add", {"name": "yearly", "cron": "@yearly", "command": "true"})
t.ok(code == 0 and r.get("name") == "yearly" and r.get("replaced") is False, "add a job", out)
t.ok(ISO.match(r.get("next_run") or "") and r["next_run"].endswith("-01-01T00:00:00Z"), "add returns next_run",
     r)
code, r, out = call("schedule_add", {"name": "via-tool", "cron": "0 0 12 * * MON-FRI", "tool": "exec",
                                     "args": {"command": "true"}, "timezone": "+02:00", "missed": "run_once"})
t.eq(code, 0, "add a tool job with a fixed-offset zone")
code, r, out = call("schedule_list", {})
jobs = {j["name"]: j for j in r.get("jobs", [])}
t.eq(sorted(jobs), ["via-tool", "yearly"], "list shows both jobs")
y = jobs.get("yearly", {})
t.ok(y.get("cron") == "@yearly" and y.get("command") == "true" and y.get("run_count") == 0 and
     y.get("last_run") is None and y.get("last_outcome") is None and ISO.match(y.get("next_run") or ""),
     "list: cron, command, next run, no last run", y)
v = jobs.get("via-tool", {})
t.ok(v.get("tool") == "exec" and v.get("args") == {"command": "true"} and v.get("timezone") == "+02:00" and
     v.get("missed") == "run_once" and (v.get("next_run") or "").endswith("T10:00:00Z"),
     "list: tool, args, zone (12:00 at +02:00 is 10:00 UTC), missed", v)
code, r, out = call("schedule_add", {"name": "paris", "cron": "0 0 12 * * *", "command": "true",
                                     "timezone": "Europe/Paris"})
t.ok(code == 0 and ISO.match(r.get("next_run") or ""), "add a job in an IANA zone (Europe/Paris)", out)
code, r, out = call("schedule_list", {})
p = {j["name"]: j for j in r.get("jobs", [])}.get("paris", {})
try:
    from datetime import datetime, timezone as dt_timezone
    from zoneinfo import ZoneInfo
    nr = datetime.strptime(p.get("next_run") or "", "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt_timezone.utc)
    local = nr.astimezone(ZoneInfo("Europe/Paris"))
    off_h = int(local.utcoffset().total_seconds() // 3600)
    t.ok(p.get("timezone") == "Europe/Paris" and local.hour == 12 and local.minute == 0 and
         nr.hour == 12 - off_h and off_h in (1, 2),
         f"list: 12:00 in Europe/Paris is {12 - off_h:02d}:00 UTC on that date (offset +{off_h})", p)
except ImportError:  # no zoneinfo module: summer or winter time, either is 10 or 11 UTC
    t.ok((p.get("next_run") or "")[11:13] in ("10", "11"), "list: 12:00 in Europe/Paris is 10 or 11 UTC", p)
call("schedule_remove", {"name": "paris"})
code, r, out = call("schedule_remove", {"name": "via-tool"})
t.ok(code == 0 and r.get("removed") == "via-tool", "remove a job", out)
code, r, out = call("schedule_remove", {"name": "via-tool"})
t.ok(code != 0 and "no scheduled job named 'via-tool'" in json.dumps(out), "remove an unknown job fails", out)
code, r, out = call("schedule_history", {"name": "nope"})
t.ok(code != 0, "history of an unknown job fails", out)
call("schedule_remove", {"name": "yearly"})

# ---- a every-second job in a running daemon ----------------------------------------------------------
code, r, out = call("schedule_add", {"name": "tick", "cron": "* * * * * *", "command": f"echo tick >> {TICKS}"})
t.eq(code, 0, "add the every-second job")
t.eq(lines(TICKS), 0, "a one-shot `call` process does not fire jobs")
d = Daemon()
t.ok(d.ready, "the daemon is ready", d.text())
t.ok(wait_for(lambda: lines(TICKS) >= 3, 20), "the job fires repeatedly in the daemon", d.text())
code, r, out = call("schedule_history", {"name": "tick", "limit": 5})
runs = r.get("runs", [])
t.ok(code == 0 and runs and all(x.get("outcome") == "ok" for x in runs) and ISO.match(runs[0]["time"][:19] + "Z"),
     "history: ok runs with ISO times", out)
t.ok(all(x.get("job") == "tick" and isinstance(x.get("duration_ms"), int) for x in runs), "history: job, duration",
     runs)
code, r, out = call("schedule_list", {})
tick = {j["name"]: j for j in r.get("jobs", [])}.get("tick", {})
t.ok(tick.get("run_count", 0) >= 3 and tick.get("last_outcome") == "ok" and tick.get("last_run"),
     "list: run count, last run and outcome", tick)

# ---- restart: still listed, still firing ---------------------------------------------------------------
t.eq(d.stop(), 0, "the daemon stops cleanly")
d = Daemon()
t.ok(d.ready, "the daemon restarts", d.text())
code, r, out = call("schedule_list", {})
t.ok("tick" in [j["name"] for j in r.get("jobs", [])], "the job survives the restart", out)
n = lines(TICKS)
t.ok(wait_for(lambda: lines(TICKS) >= n + 2, 20), "and keeps firing after it", d.text())

# ---- overlap: a run still going when the next is due is skipped --------------------------------------
call("schedule_add", {"name": "slow", "cron": "* * * * * *", "command": "sleep 3"})
t.ok(wait_for(lambda: any(x["outcome"] == "skipped" for x in history_from_file("slow")), 20),
     "an overlapping run is skipped and recorded", history_from_file("slow"))
code, r, out = call("schedule_history", {"name": "slow"})
sk = [x for x in r.get("runs", []) if x.get("outcome") == "skipped"]
t.ok(sk and "still going" in sk[0].get("message", ""), "schedule_history shows the skip and why", out)
call("schedule_remove", {"name": "slow"})


# ---- plan mode: runs are denied and recorded, the file stops growing ----------------------------------
def denied_after(since_ms, k=2):
    return len([x for x in history_from_file("tick") if x["outcome"] == "denied" and x["time_ms"] >= since_ms]) >= k


p = h.run("mode", "plan")
t.eq(p.returncode, 0, "switch the host to plan mode")
since = int(time.time() * 1000) + 1500  # a run already going may still finish ok
t.ok(wait_for(lambda: denied_after(since), 20), "plan: the next runs are recorded as denied",
     history_from_file("tick")[-5:])
size = lines(TICKS)
since = int(time.time() * 1000)
t.ok(wait_for(lambda: denied_after(since, 2), 20), "plan: more denied runs", d.text())
t.eq(lines(TICKS), size, "plan: the file stops growing")
code, r, out = call("schedule_history", {"name": "tick", "limit": 3})
den = [x for x in r.get("runs", []) if x.get("outcome") == "denied"]
t.ok(code == 0 and den and "plan" in den[0].get("message", ""), "plan: schedule_history shows denied with the reason",
     out)

# ---- disabled: the same ----------------------------------------------------------------------------
p = h.run("mode", "disabled")
t.eq(p.returncode, 0, "switch the host to disabled")
since = int(time.time() * 1000) + 1500
t.ok(wait_for(lambda: denied_after(since, 3), 20), "disabled: runs are recorded as denied",
     history_from_file("tick")[-5:])
t.eq(lines(TICKS), size, "disabled: the file does not grow")
den = [x for x in history_from_file("tick") if x["outcome"] == "denied"]
t.ok(den and "disabled" in den[-1].get("message", "").lower(), "disabled: the message says why", den[-1:])

# ---- back to edit: firing resumes ---------------------------------------------------------------------
h.run("mode", "edit")
t.ok(wait_for(lambda: lines(TICKS) >= size + 2, 20), "edit again: the job fires again", d.text())

# ---- missed runs after downtime: skip (default) vs run_once --------------------------------------------
code, r, out = call("schedule_add", {"name": "catchup", "cron": "* * * * * *", "command": "echo c >> catchup.txt",
                                     "missed": "run_once"})
t.eq(d.stop(), 0, "stop the daemon for a downtime")
call("schedule_add", {"name": "later", "cron": "* * * * * *", "command": "true", "missed": "run_once"})
time.sleep(4)  # the downtime itself (not a synchronisation)
d = Daemon()
t.ok(d.ready, "the daemon restarts after the downtime", d.text())
t.ok(wait_for(lambda: any(x["outcome"] == "missed" for x in history_from_file("tick")), 20),
     "skip policy: the missed occurrences are recorded", history_from_file("tick")[-3:])
missed = [x for x in history_from_file("tick") if x["outcome"] == "missed"]
t.ok(missed and "skipped" in missed[-1]["message"], "skip policy: they are not run", missed[-1:])
t.ok(wait_for(lambda: any(x["outcome"] == "missed" and "running once" in x["message"]
                          for x in history_from_file("later")), 20),
     "run_once policy: one catch-up run", history_from_file("later")[-3:])
t.ok(wait_for(lambda: any(x["outcome"] == "ok" for x in history_from_file("later")), 20),
     "run_once policy: the catch-up run ran", history_from_file("later")[-3:])
d.stop()

# ---- the file is well-formed JSON and keeps at most 50 runs per job ------------------------------------
t.ok(all(len(j["history"]) <= 50 for j in jobs_file().values()), "history keeps at most 50 runs per job")

# ---- config: unknown keys refused ----------------------------------------------------------------------
bad = Host(plugins=("exec",), extra_config='[plugins.scheduler]\nload = "required"\n[plugins.scheduler.config]\n'
                                           'colour = "blue"\n')
p = bad.run("call", "schedule_list", "{}")
t.ok(p.returncode != 0 and "colour" in p.stderr, "an unknown config key is refused", p.stderr)
bad = Host(plugins=("exec",), extra_config='[plugins.scheduler]\nload = "required"\n[plugins.scheduler.config]\n'
                                           'timezone = "Mars/Olympus"\n')
p = bad.run("call", "schedule_list", "{}")
t.ok(p.returncode != 0 and "unknown time zone 'Mars/Olympus'" in p.stderr, "an unknown default zone is refused",
     p.stderr)
paris = Host(plugins=("exec",), extra_config='[plugins.scheduler]\nload = "required"\n[plugins.scheduler.config]\n'
                                             'timezone = "Europe/Paris"\n')
code, out, err = paris.call("schedule_add", {"name": "p", "cron": "0 0 12 * * *", "command": "true"})
code2, out2, err2 = paris.call("schedule_list", {})
pj = ((out2 or {}).get("result", {}).get("jobs") or [{}])[0]
t.ok(code == 0 and pj.get("timezone") == "Europe/Paris", "an IANA zone as the config default", (out, out2, err))

# ---- a command job needs the exec tool on this host ------------------------------------------------------
solo = Host(plugins=("scheduler",), extra_config='[plugins.exec]\nload = "disabled"\n')
code, out, err = solo.call("schedule_add", {"name": "x", "cron": "* * * * *", "command": "true"})
t.ok(code != 0 and "exec plugin" in json.dumps(out), "a command job without the exec plugin is refused", out)
