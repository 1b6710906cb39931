#!/usr/bin/env python3
"""scripts/bench local: the daemon's local costs next to process-start anchors, in one run.

- start-to-ready: `remote-agents run` with every plugin of this build loaded, until it prints
  "ready" (median of N starts)
- idle RSS of that daemon (VmRSS once ready and idle)
- one tool call: `remote-agents call exec '{"command":"true"}'` (a whole CLI process: start, load
  plugins, dispatch, sandboxed spawn, exit) vs `sh -c true` and `bash -c true`
Medians and ratios only: this VM is shared and noisy.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "build", "remote-agents")
N = int(os.environ.get("RA_BENCH_RUNS", "30"))

tmp = tempfile.mkdtemp(prefix="ra-bench-")
env = dict(os.environ, XDG_CONFIG_HOME=f"{tmp}/config", XDG_DATA_HOME=f"{tmp}/data",
           RA_PLUGIN_PATH=f"{ROOT}/build/plugins/exec:{ROOT}/build/sdk/examples/hello")
os.makedirs(f"{tmp}/config/remote-agents")
with open(f"{tmp}/config/remote-agents/config.toml", "w") as f:
    f.write('[security]\nmode = "edit"\n[plugins.exec]\nload = "required"\n[plugins.hello]\nload = "required"\n')


def timed(cmd, **kw):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, **kw)
    return (time.perf_counter() - t0) * 1000


def median_ms(cmd):
    timed(cmd)  # warm the page cache
    return statistics.median(timed(cmd) for _ in range(N))


ready, rss = [], []
for _ in range(max(5, N // 3)):
    t0 = time.perf_counter()
    p = subprocess.Popen([BIN, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    ready.append((time.perf_counter() - t0) * 1000)
    assert line.startswith("ready"), line
    with open(f"/proc/{p.pid}/status") as f:
        rss.append(next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")))
    p.terminate()
    p.wait(timeout=10)

tools = json.loads(subprocess.run([BIN, "tools", "--json"], env=env, capture_output=True, text=True).stdout)
sh = median_ms(["/bin/sh", "-c", "true"])
bash = median_ms(["/bin/bash", "--norc", "--noprofile", "-c", "true"])
call = median_ms([BIN, "call", "exec", '{"command":"true"}'])
start_only = median_ms([BIN, "--version"])

print(f"remote-agents bench local  ({N} runs each, medians; plugins: {', '.join(p['id'] for p in tools['plugins'])})")
print(f"{'measure':44} {'value':>10}   anchor")
print(f"{'start-to-ready (run, all plugins loaded)':44} {statistics.median(ready):8.1f} ms   sh -c true {sh:.1f} ms ({statistics.median(ready)/sh:.2f}x)")
print(f"{'idle RSS of the daemon':44} {statistics.median(rss)/1024:8.1f} MiB")
print(f"{'remote-agents --version (bare process start)':44} {start_only:8.1f} ms")
label = 'call exec {"command":"true"} (whole CLI)'
print(f"{label:44} {call:8.1f} ms   sh -c true {sh:.1f} ms ({call/sh:.2f}x), bash -c true {bash:.1f} ms ({call/bash:.2f}x)")
print(f"{'  of which above a bare start + one spawn':44} {call - start_only - sh:8.1f} ms")
subprocess.run(["rm", "-rf", tmp])
