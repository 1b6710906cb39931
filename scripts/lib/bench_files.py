#!/usr/bin/env python3
"""scripts/bench files: the files plugin next to the coreutils doing the same work, in one run.

One host (mode edit, the files plugin, no allowed_paths; a denied path elsewhere so the deny
checks run), everything under a temp dir on this machine:

1. read_file of a 1 MiB text file: `remote-agents call read_file` (a whole CLI process: start, load
   the plugin, policy, openat2, read, JSON) vs `cat`; and the same call through one warm
   `remote-agents mcp` server (per call, no process start).
2. list_dir of a directory with 10,000 entries (limit 100000) vs `ls -l`.
3. file_search over a 100,000-file tree (100 × 10 directories of 100 small text files): by name
   vs `find -iname`, by content vs `grep -r -l -F` (a needle in a few files).

Medians and ratios only, never a verdict: this VM is shared and noisy. Each figure is the median of
N runs after one warm-up, the variants interleaved. Knobs: RA_BENCH_RUNS (default 7),
RA_BENCH_FILES (tree size, default 100000), RA_BUILD_DIR (default <repo>/build).
4. the same calls on a remote agent (`remote-agents run`, files plugin, edit) through a real relay on
   127.0.0.1, from a warm `remote-agents mcp` session (agent_id), next to the same session's local call.
   A result must fit one relay frame (1 MiB by default): bigger reads go as read_chunk calls.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("RA_BUILD_DIR", os.path.join(ROOT, "build"))
BIN = os.path.join(BUILD, "remote-agents")
N = int(os.environ.get("RA_BENCH_RUNS", "7"))
TREE_FILES = int(os.environ.get("RA_BENCH_FILES", "100000"))

if not os.path.exists(os.path.join(BUILD, "plugins", "files")):
    sys.exit(f"bench files: {BUILD}/plugins/files is missing: build with the files plugin (-Dplugin-files=enabled)")

tmp = tempfile.mkdtemp(prefix="ra-bench-files-")
work = os.path.join(tmp, "work")
data = os.path.join(tmp, "data")
os.makedirs(os.path.join(tmp, "config", "remote-agents"))
os.makedirs(work)
os.makedirs(data)
env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=os.path.join(tmp, "config"), XDG_DATA_HOME=os.path.join(tmp, "state"),
           RA_PLUGIN_PATH=":".join(os.path.join(BUILD, "plugins", p) for p in ("files", "mcp")), LANG="C.UTF-8")
with open(os.path.join(tmp, "config", "remote-agents", "config.toml"), "w") as f:
    f.write(f'[security]\nmode = "edit"\ndenied_paths = ["{tmp}/denied"]\n[plugins.files]\nload = "required"\n')


def run(cmd, **kw):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=work, **kw)
    return (time.perf_counter() - t0) * 1000


def compare(variants):
    """{name: [ms…]}: one warm-up each, then N rounds, one run of every variant per round."""
    got = {name: [] for name in variants}
    for cmd in variants.values():
        run(cmd)
    for _ in range(N):
        for name, cmd in variants.items():
            got[name].append(run(cmd))
    return {name: statistics.median(v) for name, v in got.items()}


def call(tool, args):
    return [BIN, "call", tool, json.dumps(args), "--json"]


def line(label, ms, anchor_label, anchor_ms):
    print(f"{label:48} {ms:9.1f} ms   {anchor_label} {anchor_ms:.1f} ms ({ms / anchor_ms:.2f}x)")


class Mcp:
    def __init__(self, *args):
        self.p = subprocess.Popen([BIN, "mcp", *args], env=env, cwd=work, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        self.n = 0
        self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                    "clientInfo": {"name": "bench", "version": "1"}})
        self.p.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        self.p.stdin.flush()

    def request(self, method, params):
        self.n += 1
        self.p.stdin.write((json.dumps({"jsonrpc": "2.0", "id": self.n, "method": method, "params": params}) + "\n").encode())
        self.p.stdin.flush()
        while True:
            msg = json.loads(self.p.stdout.readline())
            if msg.get("id") == self.n:
                if "error" in msg or msg.get("result", {}).get("isError"):
                    raise RuntimeError(json.dumps(msg)[:500])
                return msg

    def close(self):
        self.p.stdin.close()
        self.p.wait(30)


try:
    # Fixtures.
    one_mib = os.path.join(data, "one-mib.txt")
    text_line = "0123456789abcdef" * 4 + "\n"
    with open(one_mib, "w") as f:
        f.write((text_line * ((1 << 20) // len(text_line) + 1))[:1 << 20])
    big_dir = os.path.join(data, "ten-thousand")
    os.makedirs(big_dir)
    for i in range(10000):
        open(os.path.join(big_dir, f"entry-{i:05d}.txt"), "w").close()
    tree = os.path.join(data, "tree")
    t0 = time.perf_counter()
    per_leaf = 100
    leaves = max(1, TREE_FILES // per_leaf)
    needles = 0
    for i in range(leaves):
        leaf = os.path.join(tree, f"d{i // 10:03d}", f"s{i % 10}")
        os.makedirs(leaf)
        for j in range(per_leaf):
            with open(os.path.join(leaf, f"file-{i:04d}-{j:03d}.txt"), "w") as f:
                if (i * per_leaf + j) % 9973 == 0:
                    f.write("some text\nthe NEEDLE-4711 is here\n")
                    needles += 1
                else:
                    f.write(f"plain line {i} {j}\nanother line of ordinary text\n")
    made = time.perf_counter() - t0
    tools = json.loads(subprocess.run([BIN, "tools", "--json"], env=env, cwd=work, capture_output=True, text=True).stdout)

    print(f"remote-agents bench files  ({N} runs each after a warm-up, medians; plugins: "
          f"{', '.join(p['id'] for p in tools['plugins'])}; mode edit, no allowed_paths)")
    print(f"tree: {leaves * per_leaf} files in {leaves} directories (built in {made:.1f} s); "
          f"{needles} files hold the content needle")
    print()

    r = compare({"read": call("read_file", {"path": one_mib}), "cat": ["cat", one_mib]})
    line("read_file 1 MiB (whole CLI)", r["read"], "cat", r["cat"])
    start = compare({"v": [BIN, "--version"]})["v"]
    print(f"{'  of which a bare remote-agents --version':48} {start:9.1f} ms")
    m = Mcp()
    per_call = []
    for i in range(N * 5 + 1):
        t0 = time.perf_counter()
        m.request("tools/call", {"name": "read_file", "arguments": {"path": one_mib}})
        per_call.append((time.perf_counter() - t0) * 1000)
    m.close()
    print(f"{'  read_file 1 MiB via a warm mcp server, per call':48} {statistics.median(per_call[1:]):9.1f} ms")

    r = compare({"list": call("list_dir", {"path": big_dir, "limit": 100000}), "ls": ["ls", "-l", big_dir]})
    line("list_dir 10,000 entries (whole CLI)", r["list"], "ls -l", r["ls"])

    search_args = {"roots": [tree], "max_hits": 10000, "timeout_ms": 600000, "max_depth": 12}
    r = compare({"name": call("file_search", dict(search_args, query="file-0042-")),
                 "find": ["find", tree, "-type", "f", "-iname", "*file-0042-*"]})
    line(f"file_search name, {leaves * per_leaf} files", r["name"], "find -iname", r["find"])
    r = compare({"content": call("file_search", dict(search_args, query="NEEDLE-4711", kind="content")),
                 "grep": ["grep", "-r", "-l", "-F", "NEEDLE-4711", tree]})
    line(f"file_search content, {leaves * per_leaf} files", r["content"], "grep -r -l -F", r["grep"])
    out = subprocess.run(call("file_search", dict(search_args, query="NEEDLE-4711", kind="content")), env=env, cwd=work,
                         capture_output=True, text=True).stdout
    res = json.loads(out)["result"]
    print(f"{'  (content hits / scanned files)':48} {len(res['hits'])} / {res['scanned_files']}")

    # 4. Remote: one agent behind a real relay, called from a warm MCP session.
    os.environ.setdefault("RA_BIN", BIN)
    os.environ.setdefault("RA_RELAY_BIN", os.path.join(BUILD, "relay", "remote-agents-relay"))
    os.environ.setdefault("RA_TEST_PLUGIN_PATH", os.path.join(BUILD, "plugins", "files"))
    sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
    from ra_test import Agent, Relay  # noqa: E402
    relay = Relay()
    agent = Agent(relay, "bench-files", "bench files token 0123456789", "far", mode="edit", plugins=("files",))
    m = Mcp("--relay", relay.url, "--room", "bench-files", "--token", "bench files token 0123456789")
    deadline = time.time() + 30
    while time.time() < deadline:
        agents = m.request("tools/call", {"name": "list_agents", "arguments": {}})["result"]["structuredContent"]["agents"]
        if any(a["name"] == "far" for a in agents):
            break
        time.sleep(0.2)

    def timed(calls, runs=N):
        """Median ms of running `calls` (a list of tools/call params) back to back; None + why on error."""
        got = []
        try:
            for _ in range(runs + 1):
                t0 = time.perf_counter()
                for c in calls:
                    m.request("tools/call", c)
                got.append((time.perf_counter() - t0) * 1000)
        except RuntimeError as e:
            return None, str(e)
        return statistics.median(got[1:]), ""

    half = 512 * 1024
    chunks = [{"name": "read_chunk", "arguments": {"path": one_mib, "offset": o, "length": half}} for o in (0, half)]
    print()
    print("through a relay to a remote agent (warm mcp session, agent_id) vs the same session's local call")
    for label, calls in (("read_file 1 MiB", [{"name": "read_file", "arguments": {"path": one_mib}}]),
                         ("read 1 MiB as 2 read_chunk of 512 KiB", chunks),
                         ("list_dir 10,000 entries", [{"name": "list_dir", "arguments": {"path": big_dir, "limit": 100000}}]),
                         ("list_dir 5,000 entries", [{"name": "list_dir", "arguments": {"path": big_dir, "limit": 5000}}]),
                         ("file_search name", [{"name": "file_search", "arguments": dict(search_args, query="file-0042-")}]),
                         ("file_search content", [{"name": "file_search", "arguments": dict(
                             search_args, query="NEEDLE-4711", kind="content")}])):
        runs = max(3, N // 2) if "search" in label else N
        remote, why = timed([dict(c, arguments=dict(c["arguments"], agent_id="far")) for c in calls], runs)
        local, _ = timed(calls, runs)
        if remote is None:
            print(f"{label + ' (remote)':48} refused: {why[:160]}")
        else:
            line(f"{label} (remote)", remote, "local", local)
    m.close()
    agent.stop()
    relay.stop()
finally:
    shutil.rmtree(tmp, ignore_errors=True)
