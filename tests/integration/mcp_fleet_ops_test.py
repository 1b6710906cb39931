"""Scheduler and tasks across the fleet through `remote-agents mcp` (issue 6 §4): a cron job
scheduled on `tag:web` with fleet_call fires on both web hosts (and not on the plan host, which
was not targeted), is listed and removed remotely; an AI task dispatched to one host with agent_id
is waited for with task_wait, and another is reported by a task.finished event without waiting; a plan
host runs the task in the read-only sandbox. Real
relay, real agents (`remote-agents run` with the exec, scheduler and tasks plugins), a stand-in
`claude` script on the agents' PATH (the real CLI is not installed here), an MCP process with
--no-agent so every call crosses the relay."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import Agent, Host, McpClient, Relay, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()
ROOM, TOKEN = "ops-room", "ops room token 0123456789"
PLUGINS = ("exec", "scheduler", "tasks")

# The stand-in AI CLI: `claude -p PROMPT --output-format text` prints what it was asked (after a
# minute when the prompt starts with "sleep").
fakebin = tempfile.mkdtemp(prefix="ra-fakebin-")
with open(os.path.join(fakebin, "claude"), "w") as f:
    f.write('#!/bin/sh\ncase "$2" in sleep*) echo started; sleep 60;; esac\necho "claude got: $2"\n')
os.chmod(os.path.join(fakebin, "claude"), 0o755)
agent_env = {"PATH": fakebin + ":" + os.environ.get("PATH", "/usr/bin:/bin")}

relay = Relay()
agents = {
    "web-1": Agent(relay, ROOM, TOKEN, "web-1", tags=("web",), mode="edit", plugins=PLUGINS, env=agent_env),
    "web-2": Agent(relay, ROOM, TOKEN, "web-2", tags=("web",), mode="edit", plugins=PLUGINS, env=agent_env),
    "db-1": Agent(relay, ROOM, TOKEN, "db-1", tags=("db",), mode="plan", plugins=PLUGINS, env=agent_env),
}

mcp = McpClient(Host(plugins=("mcp",)), "--relay", relay.url, "--room", ROOM, "--token", TOKEN, "--name", "ai",
                "--no-agent")
request, call = mcp.request, mcp.call


def result_of(r):
    return r.get("structuredContent", {}).get("result") or {}


def tick_lines(name):
    try:
        with open(os.path.join(agents[name].host.work, "tick.log")) as f:
            return f.read().count("tick")
    except FileNotFoundError:
        return 0


request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}})
deadline = time.time() + 30
while time.time() < deadline and len(call("list_agents", {}).get("structuredContent", {}).get("agents", [])) < 4:
    time.sleep(0.3)
tools = {x["name"] for x in request("tools/list", {})["result"]["tools"]}
for name in ("fleet_call", "schedule_add", "schedule_list", "task_dispatch", "task_wait"):
    t.ok(name in tools, f"tools/list has {name}")
t.ok("task_run" not in tools, "the tasks plugin's internal task_run is not listed")

# A job on tag:web through fleet_call: both web hosts take it; it fires there, in their work dirs.
r = call("fleet_call", {"target": "tag:web", "tool": "schedule_add",
                        "arguments": {"name": "tick", "cron": "* * * * * *", "command": "echo tick >> tick.log"}})
hosts = {h["host"]["name"]: h["outcome"] for h in r.get("structuredContent", {}).get("hosts", [])}
t.ok(hosts == {"web-1": "ok", "web-2": "ok"}, "schedule_add on tag:web: both web hosts, ok", (hosts, r.get("content")))
deadline = time.time() + 30
while time.time() < deadline and min(tick_lines("web-1"), tick_lines("web-2")) < 2:
    time.sleep(0.2)
t.ok(tick_lines("web-1") >= 2 and tick_lines("web-2") >= 2, "the job fires repeatedly on both web hosts",
     (tick_lines("web-1"), tick_lines("web-2")))
t.eq(tick_lines("db-1"), 0, "the untargeted db host has no job")
r = call("schedule_list", {"agent_id": "web-1"})
jobs = result_of(r).get("jobs", [])
t.ok(any(j.get("name") == "tick" and (j.get("run_count") or 0) >= 1 for j in jobs),
     "schedule_list on web-1 shows the job and its runs", jobs)
r = call("fleet_call", {"target": "tag:web", "tool": "schedule_remove", "arguments": {"name": "tick"}})
t.eq(r.get("structuredContent", {}).get("counts", {}).get("ok"), 2, "schedule_remove on tag:web")
t.eq(result_of(call("schedule_list", {"agent_id": "web-2"})).get("jobs"), [], "web-2 has no job left")

# An AI task on one host, waited for.
r = call("task_dispatch", {"agent_id": "web-1", "prompt": "say hello"})
task = result_of(r)
t.ok(task.get("state") == "queued" and task.get("id", "").startswith("t-"), "task_dispatch to web-1 is queued", r)
r = call("task_wait", {"agent_id": "web-1", "id": task.get("id", ""), "wait_ms": 20000})
done = result_of(r)
t.ok(done.get("state") == "done", "task_wait returns the finished task", r.get("content"))
t.contains(done.get("output", ""), "claude got: say hello", "the host's own CLI ran the prompt")
r = call("task_get", {"agent_id": "web-2", "id": task.get("id", "")})
t.ok(r.get("isError") is True, "the task is web-1's: web-2 does not know it")

# The dispatcher is told when a task ends (abi.md R66): a task.finished event crosses the relay
# back to this MCP process, which says it as a notifications/message — no task_wait needed.
r = call("task_dispatch", {"agent_id": "web-2", "prompt": "tell me when done"})
evt_id = result_of(r).get("id", "")


def finished(msg, tid):
    p = msg.get("params") or {}
    d = p.get("data") if isinstance(p.get("data"), dict) else {}
    return (msg.get("method") == "notifications/message" and d.get("event") == "task.finished"
            and (d.get("data") or {}).get("id") == tid)


msg = mcp.wait_notification(lambda m: finished(m, evt_id), 30)
t.ok(msg is not None and evt_id.startswith("t-"), "a task.finished notification arrives for the task", evt_id)
d = (msg or {}).get("params", {}).get("data", {})
t.eq(((d.get("from") or {}).get("name"), (d.get("data") or {}).get("state")), ("web-2", "done"),
     "it names the host and the final state")
t.contains((d.get("data") or {}).get("output_tail", ""), "claude got: tell me when done", "it carries the output's tail")
t.contains(d.get("text", ""), f"task {evt_id} on web-2 finished: done", "and a line for people")
t.eq((msg or {}).get("params", {}).get("logger"), "remote-agents/events", "logger remote-agents/events")

# A plan host runs the task too, inside the kernel's read-only sandbox (exec_sandboxed, abi.md R36).
r = call("task_dispatch", {"agent_id": "db-1", "prompt": "say hello"})
plan_task = result_of(r)
r = call("task_wait", {"agent_id": "db-1", "id": plan_task.get("id", ""), "wait_ms": 20000})
t.eq((result_of(r).get("state"), result_of(r).get("output")), ("done", "claude got: say hello\n"),
     "on the plan host the task runs (read-only sandbox)")
# A daemon stopped gracefully while a task runs tells the dispatcher before it leaves the room.
r = call("task_dispatch", {"agent_id": "web-1", "prompt": "sleep a while"})
long_id = result_of(r).get("id", "")
deadline = time.time() + 30
while time.time() < deadline and "started" not in result_of(call("task_get", {"agent_id": "web-1", "id": long_id})).get(
        "output", ""):
    time.sleep(0.2)  # polling the task's own output: the CLI is running once it printed "started"
agents["web-1"].stop()
msg = mcp.wait_notification(lambda m: finished(m, long_id), 30)
d = ((msg or {}).get("params", {}).get("data", {}).get("data") or {})
t.eq((d.get("state"), d.get("error")), ("failed", "the daemon stopped while the task ran"),
     "a graceful stop of the host sends task.finished (failed, with the reason) before it leaves")

mcp.close()

# The same event for a task this MCP host runs itself (reply_to "local"), without a relay.
solo = McpClient(Host(plugins=("mcp", "tasks"), mode="edit"), env=agent_env)
solo.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                            "clientInfo": {"name": "t", "version": "1"}})
local_id = result_of(solo.call("task_dispatch", {"prompt": "local work"})).get("id", "")
msg = solo.wait_notification(lambda m: finished(m, local_id), 30)
d = (msg or {}).get("params", {}).get("data", {})
t.ok(local_id.startswith("t-") and (d.get("from") or {}).get("local") is True
     and (d.get("data") or {}).get("state") == "done", "a local task's task.finished event reaches the local MCP client", d)
solo.close()
