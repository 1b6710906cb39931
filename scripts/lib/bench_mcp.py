#!/usr/bin/env python3
"""scripts/bench mcp: the MCP server's costs next to anchors measured in the same run.

Everything is real: `remote-agents mcp` driven over its stdio pipe (JSON-RPC lines, as an AI host
does), a real relay on 127.0.0.1 and real agents (`remote-agents run`, each its own process with
its own XDG dirs, mode edit).

1. tools/list per profile (minimal, standard, full): latency (median of many) and size in
   characters, local-only and in a room with peers.
2. `exec true`: through a warm MCP session (tools/call round trip) vs one `remote-agents call exec`
   process (the CLI) vs `sh -c true`, with the ratios.
3. fleet_exec on 20 agents: characters of our answer (grouped text) vs the reference's plain
   per-host concatenation ("[<agent id> OK] <output>" blocks joined by "\\n---\\n"), for identical
   and for all-different outputs.
4. fleet_exec `true` on 50 agents through MCP: median latency of the whole call.

Medians and ratios only, never a verdict: this VM is shared and noisy.
Knobs: RA_BENCH_RUNS (default 20), RA_BENCH_AGENTS (default 50).
"""
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
os.environ.setdefault("RA_BIN", os.path.join(ROOT, "build", "remote-agents"))
os.environ.setdefault("RA_RELAY_BIN", os.path.join(ROOT, "build", "relay", "remote-agents-relay"))
# Every capability plugin this build has, so the tool lists are the ones a real host would show.
TOOL_PLUGINS = tuple(p for p in ("exec", "files", "git") if os.path.isdir(os.path.join(ROOT, "build", "plugins", p)))
os.environ.setdefault("RA_TEST_PLUGIN_PATH",
                      ":".join(os.path.join(ROOT, "build", "plugins", p) for p in TOOL_PLUGINS + ("mcp",)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from ra_test import BIN, Agent, Host, Relay  # noqa: E402

RUNS = int(os.environ.get("RA_BENCH_RUNS", "20"))
AGENTS = int(os.environ.get("RA_BENCH_AGENTS", "50"))
ROOM, TOKEN = "bench-mcp", "bench mcp token 0123456789abcdefghijklmnop"


class Session:
    """One `remote-agents mcp` process and a line reader."""

    def __init__(self, *args, profile="standard"):
        self.host = Host(plugins=TOOL_PLUGINS + ("mcp",), mode="edit")
        self.proc = subprocess.Popen([BIN, "mcp", "--profile", profile, *args], env=self.host.env(),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.next_id = 0
        self.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                    "clientInfo": {"name": "bench", "version": "1"}})
        self.notify("notifications/initialized")

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(line)

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.proc.stdin.write((json.dumps(msg) + "\n").encode())
        self.proc.stdin.flush()

    def request(self, method, params, timeout=120):
        """Returns (result, raw line length, seconds)."""
        self.next_id += 1
        i = self.next_id
        t0 = time.perf_counter()
        self.proc.stdin.write((json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}) + "\n").encode())
        self.proc.stdin.flush()
        end = time.time() + timeout
        while time.time() < end:
            line = self.lines.get(timeout=timeout)
            msg = json.loads(line)
            if msg.get("id") == i:
                return msg.get("result"), len(line), time.perf_counter() - t0
        raise TimeoutError(method)

    def call(self, tool, args):
        return self.request("tools/call", {"name": tool, "arguments": args})

    def wait_hosts(self, n, seconds=120):
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = self.call("list_agents", {})
            if len(r["structuredContent"]["agents"]) >= n:
                return True
            time.sleep(0.5)
        return False

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(10)


def ms(s):
    return f"{s * 1000:.2f} ms"


def median_time(fn, runs=RUNS):
    return statistics.median([fn() for _ in range(runs)])


def list_figures(title, *conn):
    print(f"\n## tools/list, {title}")
    print(f"{'profile':10} {'tools':>5} {'characters':>11} {'median latency':>15}")
    for profile in ("minimal", "standard", "full"):
        s = Session(*conn, profile=profile)
        if conn:
            s.wait_hosts(2)
        result, size, _ = s.request("tools/list", {})
        lat = median_time(lambda: s.request("tools/list", {})[2], runs=RUNS * 5)
        print(f"{profile:10} {len(result['tools']):5} {len(json.dumps(result, separators=(',', ':'))):11} {ms(lat):>15}")
        s.close()


def exec_figures():
    print("\n## exec true: MCP vs CLI vs sh")
    s = Session()
    s.call("exec", {"command": "true"})  # warm up
    mcp = median_time(lambda: s.call("exec", {"command": "true"})[2])
    s.close()
    h = Host(plugins=("exec",), mode="edit")

    def cli():
        t0 = time.perf_counter()
        subprocess.run([BIN, "call", "exec", '{"command":"true"}'], env=h.env(), capture_output=True, check=True)
        return time.perf_counter() - t0

    def sh():
        t0 = time.perf_counter()
        subprocess.run(["sh", "-c", "true"], check=True)
        return time.perf_counter() - t0

    c, b = median_time(cli), median_time(sh)
    print(f"through MCP (warm session, tools/call round trip): {ms(mcp)}")
    print(f"through the CLI (remote-agents call exec, a process per call): {ms(c)}")
    print(f"sh -c true: {ms(b)}")
    print(f"ratios: MCP/CLI {mcp / c:.2f}, MCP/sh {mcp / b:.2f}, CLI/sh {c / b:.2f}")


def plain_concatenation(structured):
    """The reference's fleet text (format_outcomes): successes first, blocks joined by \\n---\\n."""
    blocks = []
    for h in sorted(structured["hosts"], key=lambda h: h["outcome"] != "ok"):
        if h["outcome"] == "ok":
            r = h["result"]
            text = r["stdout"]
            if r["stderr"]:
                text += ("\n--- stderr ---\n" if text else "") + r["stderr"]
            text += f"\n[exit code: {r['exit_code']}, {r['duration_ms']}ms]"
            blocks.append(f"[{h['host']['agent_id']} OK] {text}")
        else:
            blocks.append(f"[{h['host']['agent_id']} FAIL] {h['message']}")
    return "\n---\n".join(blocks)


def main():
    list_figures("local only (no relay)")
    exec_figures()

    relay = Relay()
    conn = ["--relay", relay.url, "--room", ROOM, "--token", TOKEN]
    agents = []
    print(f"\n(starting {AGENTS} agents …)", flush=True)
    t0 = time.time()
    for i in range(AGENTS):
        tags = ("twenty",) if i < 20 else ("rest",)
        agents.append(Agent(relay, ROOM, TOKEN, f"web-{i + 1}", tags=tags, mode="edit", plugins=TOOL_PLUGINS))
    print(f"({AGENTS} agents joined in {time.time() - t0:.1f} s)")
    list_figures(f"in a room with {AGENTS} agents", *conn)

    s = Session(*conn, "--no-agent")
    s.wait_hosts(AGENTS + 1)
    print("\n## fleet_exec on 20 agents: characters returned")
    print(f"{'output':28} {'ours (text)':>11} {'plain concat':>12} {'ratio':>6}")
    for label, cmd in (("identical (uname -s)", "uname -s"), ("all different (echo $$)", "echo $$"),
                       ("identical, 40 lines", "seq 1 40")):
        r, _, _ = s.call("fleet_exec", {"target": "tag:twenty", "command": cmd})
        ours = len(r["content"][0]["text"])
        plain = len(plain_concatenation(r["structuredContent"]))
        print(f"{label:28} {ours:11} {plain:12} {ours / plain:6.2f}")

    print(f"\n## fleet_exec true on {AGENTS} agents through MCP")
    r, _, _ = s.call("fleet_exec", {"target": "all", "command": "true"})
    counts = r["structuredContent"]["counts"]
    lat = median_time(lambda: s.call("fleet_exec", {"target": "all", "command": "true"})[2], runs=max(5, RUNS // 2))
    one = median_time(lambda: s.call("exec", {"agent_id": "web-1", "command": "true"})[2])
    print(f"hosts ok: {counts['ok']} of {len(r['structuredContent']['hosts'])}")
    print(f"median fleet_exec: {ms(lat)}; one remote exec: {ms(one)}; ratio {lat / one:.1f}")
    s.close()
    for a in agents:
        a.stop()
    relay.stop()


if __name__ == "__main__":
    main()
