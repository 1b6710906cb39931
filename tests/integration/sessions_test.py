"""The sessions plugin through the real CLI: fixture chat histories of every provider (claude JSONL,
opencode storage JSON in the current and the pre-0.4 layout, cline/roo/kilo VS Code task dirs, a zed
threads.db in WAL mode whose newest thread is only in threads.db-wal, a zstd-compressed zed thread)
written into the temp HOME, then session_list (sorting, provider/query filters, limit, corrupt files
skipped and counted, live detection from a running process), session_get (paging, text, not found,
bad ids, zstd, -wal, legacy opencode), and session_resume with a stand-in `claude` first on PATH
(argv echoed: the prompt is one argument, never a shell string; cwd = the session's), refused for
view-only providers, the CLI missing on PATH, and what plan mode does with it."""
import datetime
import json
import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import Host, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()

plan = Host(plugins=("sessions",), mode="plan")
R = plan.root
NOW = time.time()


def write(path, text, age=0):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.utime(path, (NOW - age, NOW - age))


def jsonl(*records):
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def zstd_raw_frame(data):
    """A standard zstd frame (RFC 8878 §3.1.1) holding `data` as one raw, i.e. stored, block:
    magic, a frame header declaring a single segment with a 4-byte content size, then the block
    header (last block, type raw, size). Any zstd decoder must accept it; Python has no zstd here."""
    assert len(data) < 128 * 1024
    return (bytes.fromhex("28b52ffd") + bytes([0xA0]) + struct.pack("<I", len(data)) +
            struct.pack("<I", (len(data) << 3) | 1)[:3] + data)


def zed_thread(user, agent):
    return json.dumps({"messages": [
        {"User": {"id": "1", "content": [{"Text": user}]}},
        {"Agent": {"content": [{"Thinking": {"text": "..."}}, {"Text": agent}], "tool_results": {}}}]}).encode()


def write_zed(data_home, scratch):
    """zed's threads.db in WAL mode: two threads checkpointed into the main file, the newest one only
    in threads.db-wal. Both files are copied while the connection is open (closing it would
    checkpoint the log into the main file)."""
    dest = os.path.join(data_home, "zed", "threads")
    os.makedirs(dest, exist_ok=True)
    os.makedirs(scratch, exist_ok=True)
    db = os.path.join(scratch, "threads.db")
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE threads (id TEXT PRIMARY KEY, summary TEXT NOT NULL, updated_at TEXT NOT NULL, "
                "data_type TEXT NOT NULL, data BLOB NOT NULL)")
    iso = lambda age: datetime.datetime.fromtimestamp(NOW - age, datetime.timezone.utc).isoformat()  # noqa: E731
    rows = [("zed-thread-1", "Zed thread", iso(1000), "json", zed_thread("zed question", "zed answer")),
            ("zed-thread-2", "Packed thread", iso(4000), "zstd",
             zstd_raw_frame(zed_thread("packed question", "packed answer"))),
            ("zed-thread-3", "Corrupt packed thread", iso(5000), "zstd", bytes.fromhex("28b52ffd00010203"))]
    con.executemany("INSERT INTO threads VALUES (?,?,?,?,?)", rows)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("INSERT INTO threads VALUES (?,?,?,?,?)",
                ("zed-thread-wal", "Thread only in the log", iso(2000), "json",
                 zed_thread("wal question", "wal answer")))
    assert os.path.getsize(db + "-wal") > 0
    shutil.copyfile(db, os.path.join(dest, "threads.db"))
    shutil.copyfile(db + "-wal", os.path.join(dest, "threads.db-wal"))
    con.close()
    shutil.rmtree(scratch)


def populate(root, data_home, config_home, work):
    # claude: two projects, one corrupt file.
    proj = os.path.join(root, ".claude", "projects", "-w-proj")
    write(os.path.join(proj, "11111111-aaaa-bbbb-cccc-000000000001.jsonl"), jsonl(
        {"type": "user", "cwd": work, "timestamp": "2026-01-01T10:00:00.000Z",
         "message": {"role": "user", "content": "Refactor the parser module please"}},
        "{broken json line",
        {"type": "assistant", "timestamp": "2026-01-01T10:00:05.000Z",
         "message": {"role": "assistant", "content": [{"type": "text", "text": "Done refactoring."}]}},
        *[{"type": "user" if i % 2 == 0 else "assistant", "message": {"content": f"turn {i}"}} for i in range(8)],
    ), age=60)
    write(os.path.join(proj, "corrupt.jsonl"), "not json at all\n\x00\x01\n", age=10)
    write(os.path.join(root, ".claude", "projects", "-w-other", "22222222-aaaa-bbbb-cccc-000000000002.jsonl"),
          jsonl({"type": "ai-title", "aiTitle": "Deploy pipeline"},
                {"type": "user", "message": {"content": "deploy it"}}), age=3000)
    # opencode storage.
    st = os.path.join(data_home, "opencode", "storage")
    write(os.path.join(st, "session", "prj1", "ses_opencode1.json"), json.dumps(
        {"id": "ses_opencode1", "projectID": "prj1", "directory": work, "title": "Opencode session",
         "time": {"created": int((NOW - 500) * 1000), "updated": int((NOW - 120) * 1000)}}))
    write(os.path.join(st, "session", "prj1", "ses_broken.json"), "{corrupt")
    write(os.path.join(st, "message", "ses_opencode1", "msg_001.json"),
          json.dumps({"id": "msg_001", "sessionID": "ses_opencode1", "role": "user", "time": {"created": 1000}}))
    write(os.path.join(st, "message", "ses_opencode1", "msg_002.json"),
          json.dumps({"id": "msg_002", "sessionID": "ses_opencode1", "role": "assistant", "time": {"created": 2000}}))
    write(os.path.join(st, "part", "msg_001", "prt_001.json"), json.dumps({"type": "text", "text": "opencode question"}))
    write(os.path.join(st, "part", "msg_002", "prt_001.json"), json.dumps({"type": "step-start"}))
    write(os.path.join(st, "part", "msg_002", "prt_002.json"), json.dumps({"type": "text", "text": "opencode answer"}))
    # opencode before 0.4: storage/session/{info,message,part}; one message with its parts inline,
    # and a stale legacy copy of ses_opencode1 (listed once, from the current layout).
    write(os.path.join(st, "session", "info", "ses_legacy1.json"), json.dumps(
        {"id": "ses_legacy1", "title": "Legacy opencode session",
         "time": {"created": int((NOW - 900) * 1000), "updated": int((NOW - 150) * 1000)}}))
    write(os.path.join(st, "session", "message", "ses_legacy1", "msg_l1.json"),
          json.dumps({"id": "msg_l1", "sessionID": "ses_legacy1", "role": "user", "time": {"created": 1000}}))
    write(os.path.join(st, "session", "part", "ses_legacy1", "msg_l1", "prt_l1.json"),
          json.dumps({"type": "text", "text": "legacy question"}))
    write(os.path.join(st, "session", "message", "ses_legacy1", "msg_l2.json"), json.dumps(
        {"id": "msg_l2", "role": "assistant", "metadata": {"time": {"created": 2000}, "sessionID": "ses_legacy1"},
         "parts": [{"type": "step-start"}, {"type": "text", "text": "legacy answer"}]}))
    write(os.path.join(st, "session", "info", "ses_opencode1.json"),
          json.dumps({"id": "ses_opencode1", "title": "Stale legacy copy", "time": {"updated": int(NOW * 1000)}}))
    # cline / roo / kilo task dirs (three different editor roots).
    ui = lambda task: json.dumps([  # noqa: E731
        {"ts": 1700000000000, "type": "say", "say": "task", "text": task},
        {"ts": 1700000001000, "type": "say", "say": "text", "text": "on it"},
        {"ts": 1700000002000, "type": "ask", "ask": "followup", "text": json.dumps({"question": "Which one?"})},
        {"ts": 1700000003000, "type": "say", "say": "user_feedback", "text": "the first"}])
    gs = os.path.join(config_home, "Code", "User", "globalStorage")
    write(os.path.join(gs, "saoudrizwan.claude-dev", "tasks", "1700000000000", "ui_messages.json"),
          ui("Cline task: write tests"), age=200)
    write(os.path.join(config_home, "Cursor", "User", "globalStorage", "rooveterinaryinc.roo-cline", "tasks",
                       "roo-task-1", "ui_messages.json"), ui("Roo task"), age=300)
    kilo = os.path.join(root, ".vscode-server", "data", "User", "globalStorage", "kilocode.kilo-code", "tasks")
    write(os.path.join(kilo, "kilo-task-1", "ui_messages.json"), ui("Kilo task"), age=400)
    write(os.path.join(kilo, "kilo-broken", "ui_messages.json"), "[{", age=5)
    write_zed(data_home, os.path.join(root, "zed-scratch"))


populate(R, plan.data_home, plan.config_home, plan.work)
CLAUDE1 = "11111111-aaaa-bbbb-cccc-000000000001"


def call(host, tool, args, env=None):
    code, out, err = host.call(tool, args, env=env)
    return code, (out or {}).get("result", {}), (out or {"stderr": err})


# ---- session_list ---------------------------------------------------------------------------------
code, r, out = call(plan, "session_list", {})
t.ok(code == 0, "session_list succeeds in plan mode", out)
ss = r.get("sessions", [])
ids = [s["id"] for s in ss]
t.eq(ids, [CLAUDE1, "ses_opencode1", "ses_legacy1", "1700000000000", "roo-task-1", "kilo-task-1", "zed-thread-1",
           "zed-thread-wal", "22222222-aaaa-bbbb-cccc-000000000002", "zed-thread-2"],
     "every provider's sessions, newest first (opencode's legacy layout, zed's -wal; each once)")
t.eq(sorted({s["provider"] for s in ss}), ["claude", "cline", "kilo", "opencode", "roo", "zed"], "providers present")
c1 = ss[0] if ss else {}
t.eq((c1.get("title"), c1.get("cwd"), c1.get("messages"), c1.get("read_only")),
     ("Refactor the parser module please", plan.work, 10, False), "claude: title, cwd, message count, resumable")
t.ok(str(c1.get("updated", "")).endswith("Z") and "T" in str(c1.get("updated", "")), "updated is ISO 8601", c1)
by_id = {s["id"]: s for s in ss}
t.eq(by_id.get("22222222-aaaa-bbbb-cccc-000000000002", {}).get("title"), "Deploy pipeline", "claude: ai-title wins")
t.eq(by_id.get("ses_opencode1", {}).get("messages"), 2, "opencode: message count from storage")
t.eq((by_id.get("ses_opencode1", {}).get("title"), by_id.get("ses_legacy1", {}).get("messages")),
     ("Opencode session", 2), "opencode: the current copy wins; legacy messages counted")
t.eq(by_id.get("1700000000000", {}).get("title"), "Cline task: write tests", "cline: title is the task")
t.ok(all(by_id.get(i, {}).get("read_only") is True for i in ("1700000000000", "roo-task-1", "kilo-task-1")),
     "cline/roo/kilo are read-only", ss)
prov = {p["provider"]: p for p in r.get("providers", [])}
t.eq((prov.get("claude", {}).get("skipped"), prov.get("opencode", {}).get("skipped"),
      prov.get("kilo", {}).get("skipped"), prov.get("zed", {}).get("skipped"), r.get("skipped")), (1, 1, 1, 1, 4),
     "corrupt files (and the corrupt zstd thread) skipped and counted")
t.ok("zed-thread-3" in prov.get("zed", {}).get("reason", ""), "zed: the corrupt frame is named", prov.get("zed"))
z1, zw = by_id.get("zed-thread-1", {}), by_id.get("zed-thread-wal", {})
t.eq((z1.get("title"), z1.get("messages"), z1.get("read_only"), zw.get("title"), zw.get("messages")),
     ("Zed thread", 2, True, "Thread only in the log", 2), "zed: threads from threads.db and its -wal")
t.eq((by_id.get("zed-thread-2", {}).get("title"), by_id.get("zed-thread-2", {}).get("messages")),
     ("Packed thread", 2), "zed: a zstd-compressed thread is decoded")

code, r, out = call(plan, "session_list", {"provider": "claude"})
t.eq([s["id"] for s in r.get("sessions", [])], [CLAUDE1, "22222222-aaaa-bbbb-cccc-000000000002"],
     "provider filter")
code, r, out = call(plan, "session_list", {"query": "ROO"})
t.eq([s["id"] for s in r.get("sessions", [])], ["roo-task-1"], "query filter (case-insensitive)")
code, r, out = call(plan, "session_list", {"limit": 2})
t.ok(len(r.get("sessions", [])) == 2 and r.get("truncated") is True and r.get("total") == 10, "limit", r)
code, r, out = call(plan, "session_list", {"provider": "gemini"})
t.ok(code != 0, "unknown provider refused", out)

# live: a running process whose command line names claude and --resume <id>.
live_dir = os.path.join(R, "live")
write(os.path.join(live_dir, "claude"), "#!/bin/sh\nsleep 30\n")
os.chmod(os.path.join(live_dir, "claude"), 0o755)
proc = subprocess.Popen([os.path.join(live_dir, "claude"), "--resume", CLAUDE1], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, start_new_session=True)
try:
    time.sleep(0.2)
    code, r, out = call(plan, "session_list", {"provider": "claude"})
    by_id = {s["id"]: s for s in r.get("sessions", [])}
    t.ok(by_id.get(CLAUDE1, {}).get("live") is True and CLAUDE1 in r.get("active", []), "live session detected", r)
    t.ok(by_id.get("22222222-aaaa-bbbb-cccc-000000000002", {}).get("live") is False, "other sessions not live")
finally:
    os.killpg(proc.pid, signal.SIGKILL)  # the script and its sleep
    proc.wait()

# ---- session_get ----------------------------------------------------------------------------------
code, r, out = call(plan, "session_get", {"provider": "claude", "id": CLAUDE1})
t.ok(code == 0 and r.get("total") == 10 and r.get("skipped") == 1, "session_get: claude transcript", out)
msgs = r.get("messages", [])
t.eq(msgs[:2], [{"role": "user", "text": "Refactor the parser module please", "time": "2026-01-01T10:00:00.000Z"},
                {"role": "assistant", "text": "Done refactoring.", "time": "2026-01-01T10:00:05.000Z"}],
     "session_get: roles, text, time")
code, r, out = call(plan, "session_get", {"provider": "claude", "id": CLAUDE1, "limit": 3, "offset": 4})
t.eq(([m["text"] for m in r.get("messages", [])], r.get("next_offset")), (["turn 2", "turn 3", "turn 4"], 7),
     "session_get: paging")
code, r, out = call(plan, "session_get", {"provider": "claude", "id": CLAUDE1, "offset": 8})
t.ok(r.get("count") == 2 and r.get("next_offset") is None, "session_get: last page", r)
code, r, out = call(plan, "session_get", {"provider": "opencode", "id": "ses_opencode1"})
t.eq([(m["role"], m["text"]) for m in r.get("messages", [])],
     [("user", "opencode question"), ("assistant", "opencode answer")], "session_get: opencode")
code, r, out = call(plan, "session_get", {"provider": "kilo", "id": "kilo-task-1"})
t.eq([(m["role"], m["text"]) for m in r.get("messages", [])],
     [("user", "Kilo task"), ("assistant", "on it"), ("assistant", "Which one?"), ("user", "the first")],
     "session_get: kilo ui_messages mapping")
code, r, out = call(plan, "session_get", {"provider": "claude", "id": "nope"})
t.ok(code != 0 and "not found" in out.get("message", ""), "session_get: not found", out)
code, r, out = call(plan, "session_get", {"provider": "cline", "id": "../../etc"})
t.ok(code != 0 and "invalid session id" in out.get("message", ""), "session_get: path in id refused", out)
code, r, out = call(plan, "session_get", {"provider": "zed", "id": "zed-thread-1"})
t.eq([(m["role"], m["text"]) for m in r.get("messages", [])],
     [("user", "zed question"), ("assistant", "zed answer")], "session_get: zed thread")
code, r, out = call(plan, "session_get", {"provider": "zed", "id": "zed-thread-2"})
t.eq([(m["role"], m["text"]) for m in r.get("messages", [])],
     [("user", "packed question"), ("assistant", "packed answer")], "session_get: a zstd zed thread")
code, r, out = call(plan, "session_get", {"provider": "zed", "id": "zed-thread-3"})
t.ok(code != 0 and "zstd" in out.get("message", ""), "session_get: a corrupt zstd thread fails clearly", out)
code, r, out = call(plan, "session_get", {"provider": "zed", "id": "zed-thread-wal"})
t.eq([(m["role"], m["text"]) for m in r.get("messages", [])],
     [("user", "wal question"), ("assistant", "wal answer")], "session_get: a zed thread only in the -wal file")
code, r, out = call(plan, "session_get", {"provider": "opencode", "id": "ses_legacy1"})
t.eq([(m["role"], m["text"]) for m in r.get("messages", [])],
     [("user", "legacy question"), ("assistant", "legacy answer")], "session_get: opencode legacy layout")
code, r, out = call(plan, "session_get", {"provider": "zed", "id": "zed-nope"})
t.ok(code != 0 and "not found" in out.get("message", ""), "session_get: zed not found", out)

# ---- session_resume ---------------------------------------------------------------------------------
edit = Host(plugins=("sessions",), mode="edit")
populate(edit.root, edit.data_home, edit.config_home, edit.work)
bindir = os.path.join(edit.root, "bin")
write(os.path.join(bindir, "claude"), "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\npwd\n")
os.chmod(os.path.join(bindir, "claude"), 0o755)
PATH_ENV = {"PATH": bindir + ":/usr/bin:/bin"}
prompt = "continue; touch pwned && echo $HOME"
code, r, out = call(edit, "session_resume", {"provider": "claude", "id": CLAUDE1, "prompt": prompt}, env=PATH_ENV)
t.ok(code == 0 and r.get("success") is True, "session_resume (edit): the stand-in claude ran", out)
lines = r.get("output", "").splitlines()
t.eq(lines[:4], ["[-p]", f"[{prompt}]", "[--resume]", f"[{CLAUDE1}]"], "resume: argv, the prompt one element")
t.eq(lines[4:5], [edit.work], "resume: runs in the session's cwd")
t.ok(not os.path.exists(os.path.join(edit.work, "pwned")), "resume: the prompt never reaches a shell")

code, r, out = call(edit, "session_resume", {"provider": "cline", "id": "1700000000000", "prompt": "x"}, env=PATH_ENV)
t.ok(code != 0 and "view-only" in out.get("message", ""), "resume: read-only provider refused", out)
code, r, out = call(edit, "session_resume", {"provider": "opencode", "id": "ses_opencode1", "prompt": "x"},
                    env=PATH_ENV)
t.ok(code != 0 and "not found on PATH" in out.get("message", ""), "resume: missing CLI is a clear error", out)
code, r, out = call(edit, "session_resume", {"provider": "claude", "id": "nope", "prompt": "x"}, env=PATH_ENV)
t.ok(code != 0 and "not found" in out.get("message", ""), "resume: unknown session", out)
code, r, out = call(edit, "session_resume", {"provider": "claude", "id": CLAUDE1, "prompt": "--help"},
                    env=PATH_ENV)
t.ok(code != 0 and "must not start with '-'" in out.get("message", ""), "resume: option-like prompt refused", out)

# plan mode: the host's policy decides (exec permission, command policy, read-only sandbox).
pbin = os.path.join(R, "bin")
write(os.path.join(pbin, "claude"), "#!/bin/sh\necho ran \"$@\"\ntouch \"$HOME/plan-wrote\" 2>/dev/null || echo ro\n")
os.chmod(os.path.join(pbin, "claude"), 0o755)
code, r, out = call(plan, "session_resume", {"provider": "claude", "id": CLAUDE1, "prompt": "hi"},
                    env={"PATH": pbin + ":/usr/bin:/bin"})
print(f"# plan-mode resume: exit {code}, {json.dumps(out)[:600]}")
ran = code == 0 and r.get("success") is True
t.ok((code != 0 and not os.path.exists(os.path.join(R, "plan-wrote"))) or
     (ran and r.get("sandboxed") is True and not os.path.exists(os.path.join(R, "plan-wrote"))),
     "plan mode: resume refused, or run sandboxed without writes", out)

# ---- session_terminate --------------------------------------------------------------------------------
code, r, out = call(plan, "session_terminate", {"id": CLAUDE1})
t.ok(code != 0 and out.get("outcome") == "denied", "terminate: refused in plan mode", out)
code, r, out = call(edit, "session_terminate", {"id": CLAUDE1})
t.ok(code != 0 and "no live session" in out.get("message", ""), "terminate: nothing runs it", out)
ldir = os.path.join(edit.root, "live")
write(os.path.join(ldir, "claude"), "#!/bin/sh\nsleep 30 &\nwait\n")
os.chmod(os.path.join(ldir, "claude"), 0o755)
proc = subprocess.Popen([os.path.join(ldir, "claude"), "--resume", CLAUDE1], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, start_new_session=True)
try:
    time.sleep(0.2)
    code, r, out = call(edit, "session_terminate", {"id": CLAUDE1})
    t.ok(code == 0 and r.get("pid") == proc.pid and r.get("terminated") is True, "terminate: the live process", out)
    try:
        rc = proc.wait(10)
    except subprocess.TimeoutExpired:
        rc = None
    t.eq(rc, -signal.SIGTERM, "terminate: it got SIGTERM")
finally:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()

# ---- policy and config ----------------------------------------------------------------------------------
# A history under denied_paths is not seen (every file is opened through host->open_file).
deny = Host(plugins=("sessions",), extra_config="[security]\nmode = \"plan\"\ndenied_paths = []\n")
deny.write_config(open(deny.config_path).read().replace(
    "denied_paths = []", f'denied_paths = ["{os.path.join(deny.root, ".claude")}"]'))
populate(deny.root, deny.data_home, deny.config_home, deny.work)
code, r, out = call(deny, "session_list", {})
provs = {s["provider"] for s in r.get("sessions", [])}
t.ok(code == 0 and "claude" not in provs and "opencode" in provs, "denied_paths hides claude's histories", out)
code, r, out = call(deny, "session_get", {"provider": "claude", "id": CLAUDE1})
t.ok(code != 0 and "not found" in out.get("message", ""), "denied_paths: session_get cannot read it", out)

# timeout_ms from [plugins.sessions.config]: the CLI's process group is killed.
slow = Host(plugins=("sessions",), mode="edit", extra_config="[plugins.sessions.config]\ntimeout_ms = 700\n")
populate(slow.root, slow.data_home, slow.config_home, slow.work)
sbin = os.path.join(slow.root, "bin")
write(os.path.join(sbin, "claude"), "#!/bin/sh\nsleep 30\n")
os.chmod(os.path.join(sbin, "claude"), 0o755)
start = time.monotonic()
code, r, out = call(slow, "session_resume", {"provider": "claude", "id": CLAUDE1, "prompt": "x"},
                    env={"PATH": sbin + ":/usr/bin:/bin"})
t.ok(code != 0 and out.get("status") == "deadline_exceeded" and time.monotonic() - start < 20,
     "resume: killed after timeout_ms", out)
