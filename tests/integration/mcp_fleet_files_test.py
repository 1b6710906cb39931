"""The fleet file and git tools through `remote-agents mcp`: fleet_write, fleet_read, fleet_search
and fleet_git over a real relay and three real agents (web-1 and web-2 in edit mode, db-1 in plan
mode, each with the exec, files and git plugins and its own work dir). The MCP process runs
--no-agent, so every call goes through the relay. A plan host in the target set reports `denied`
while the others proceed; identical results are grouped."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import Agent, Host, McpClient, Relay, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()
ROOM, TOKEN = "files-room", "files room token 0123456789"
PLUGINS = ("exec", "files", "git")
# Fixed identity and dates: the same commit in every host's repository has the same id, so
# git status is byte-identical across hosts and groups into one block.
GIT_ENV = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
           "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}

relay = Relay()
agents = {
    "web-1": Agent(relay, ROOM, TOKEN, "web-1", tags=("web",), mode="edit", plugins=PLUGINS, env=GIT_ENV),
    "web-2": Agent(relay, ROOM, TOKEN, "web-2", tags=("web",), mode="edit", plugins=PLUGINS, env=GIT_ENV),
    "db-1": Agent(relay, ROOM, TOKEN, "db-1", tags=("db",), mode="plan", plugins=PLUGINS, env=GIT_ENV),
}
for a in agents.values():  # one repository per host, same content, same commit id
    repo = os.path.join(a.host.work, "repo")
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    with open(os.path.join(repo, "README"), "w") as f:
        f.write("hello\n")
    subprocess.run(["git", "-C", repo, "add", "README"], check=True)
    subprocess.run(["git", "-C", repo, "commit", "-q", "-m", "first"], check=True, env={**os.environ, **GIT_ENV})

mcp = McpClient(Host(plugins=("mcp",)), "--relay", relay.url, "--room", ROOM, "--token", TOKEN, "--name", "ai",
                "--no-agent")
request, call = mcp.request, mcp.call


def by_host(result):
    return {h["host"]["name"]: h for h in result.get("structuredContent", {}).get("hosts", [])}


request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}})
mcp.notify("notifications/initialized")
deadline = time.time() + 30
while time.time() < deadline:
    if len(call("list_agents", {}).get("structuredContent", {}).get("agents", [])) >= 4:
        break
    time.sleep(0.3)

tools = {x["name"]: x for x in request("tools/list", {})["result"]["tools"]}
for name in ("fleet_read", "fleet_write", "fleet_search", "fleet_git", "read_file", "write_file", "git_status"):
    t.ok(name in tools, f"tools/list has {name}")
t.ok("agent_id" in tools.get("read_file", {}).get("inputSchema", {}).get("required", []),
     "--no-agent: read_file requires agent_id (this host runs nothing)")

# fleet_write: the plan host is denied, the edit hosts write (relative paths: each host's work dir).
r = call("fleet_write", {"target": "all", "path": "note.txt", "content": "fleet says hi\n"})
hosts = by_host(r)
t.eq(sorted(hosts), ["db-1", "web-1", "web-2"], "fleet_write reports every host")
t.eq(hosts.get("db-1", {}).get("outcome"), "denied", "fleet_write: the plan host reports denied")
t.ok(all(hosts.get(n, {}).get("outcome") == "ok" for n in ("web-1", "web-2")), "fleet_write: edit hosts proceed",
     r.get("content"))
t.eq(r.get("structuredContent", {}).get("counts", {}).get("denied"), 1, "fleet_write counts one denied")
for n in ("web-1", "web-2"):
    path = os.path.join(agents[n].host.work, "note.txt")
    t.ok(os.path.exists(path) and open(path).read() == "fleet say hi\n".replace("say", "says"), f"{n} has the file")
t.ok(not os.path.exists(os.path.join(agents["db-1"].host.work, "note.txt")), "db-1 (plan) has no file")
t.ok(r.get("isError") is not True, "a partly denied fleet call is a result, not an error")

# fleet_read: identical contents grouped; the host without the file reported.
r = call("fleet_read", {"target": "tag:web", "path": "note.txt"})
text = r.get("content", [{}])[0].get("text", "")
t.contains(text, "web-[1-2] (2 hosts, ok)", "fleet_read groups identical contents")
t.eq(text.count("fleet says hi"), 1, "the shared content is shown once")
r = call("fleet_read", {"target": "all", "path": "note.txt"})
t.ok(by_host(r).get("db-1", {}).get("outcome") not in (None, "ok"), "fleet_read: the host without the file fails",
     by_host(r).get("db-1"))

# fleet_search: by name, relative root = each host's work dir.
r = call("fleet_search", {"target": "tag:web", "query": "note", "kind": "name", "roots": ["."]})
hosts = by_host(r)
t.ok(all(h.get("outcome") == "ok" for h in hosts.values()) and len(hosts) == 2, "fleet_search runs on both web hosts",
     r.get("content"))
t.ok(all("note.txt" in json.dumps(h.get("result")) for h in hosts.values()), "fleet_search finds note.txt on each")

# fleet_git: status is identical everywhere (same commit id) and grouped; commit is denied on plan.
r = call("fleet_git", {"target": "all", "op": "status", "repo": "repo"})
hosts = by_host(r)
t.ok(len(hosts) == 3 and all(h.get("outcome") == "ok" for h in hosts.values()), "fleet_git status ok on 3 hosts",
     r.get("content"))
t.contains(r.get("content", [{}])[0].get("text", ""), "(3 hosts, ok)", "fleet_git status: one group of 3")
for a in agents.values():
    with open(os.path.join(a.host.work, "repo", "README"), "a") as f:
        f.write("more\n")
r = call("fleet_git", {"target": "all", "op": "commit", "repo": "repo", "message": "second"})
hosts = by_host(r)
t.eq(hosts.get("db-1", {}).get("outcome"), "denied", "fleet_git commit: the plan host reports denied")
t.ok(all(hosts.get(n, {}).get("outcome") == "ok" for n in ("web-1", "web-2")), "fleet_git commit: edit hosts commit",
     r.get("content"))
log = subprocess.run(["git", "-C", os.path.join(agents["web-1"].host.work, "repo"), "log", "--format=%s"],
                     capture_output=True, text=True).stdout.split()
t.eq(log, ["second", "first"], "web-1's repository has the new commit")
log = subprocess.run(["git", "-C", os.path.join(agents["db-1"].host.work, "repo"), "log", "--format=%s"],
                     capture_output=True, text=True).stdout.split()
t.eq(log, ["first"], "db-1's repository is untouched")
r = call("fleet_git", {"target": "all", "op": "rebase", "repo": "repo"})
t.ok(r.get("isError") is True and "unknown git op" in r.get("content", [{}])[0].get("text", ""),
     "fleet_git with an unknown op is an argument error")

mcp.close()
