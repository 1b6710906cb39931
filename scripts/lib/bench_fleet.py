#!/usr/bin/env python3
"""scripts/bench fleet: the fleet's costs next to anchors measured in the same run.

A real relay on 127.0.0.1:0 and real agents (`remote-agents run`, each its own process with its own
XDG dirs, mode edit), all on this machine:

1. one call through the CLI: `remote-agents exec --target <host> -- true` (process start, Argon2id
   room-key derivation, join, roster, the call, leave) vs local `remote-agents exec -- true` and
   `sh -c true`; the join part alone as `remote-agents agents` in an empty room, and split into
   derive / join inside tests/support/latency_driver.
2. calls once joined, without process start or derivation (latency_driver): sequential round trips
   (p50/p99) and throughput with 100 calls in flight; the same against an agent in bypass mode,
   whose spawns build no Landlock ruleset.
3. fan-out: `exec --target all -- true` on 1, 5, 10, 20 agents (started once, the fleet grows).
4. resident memory (VmRSS from /proc/<pid>/status) of the relay and of an agent, idle and with 20
   agents joined.

Medians and ratios only, never a verdict: this VM is shared and noisy. Fleet verbs print their
results only after leaving the room, so each fleet CLI figure comes as two times: "to leave" (until
the CLI logs that it leaves: the work is done) and "exit" (the process is gone); runs whose leave
took more than 2 s are counted as stalled.
Knobs: RA_BENCH_RUNS (CLI runs per figure, default 10), RA_BENCH_CALLS (sequential calls per
driver run, default 200), RA_BENCH_DRIVER_RUNS (default 3).
"""
import json
import math
import os
import queue
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "build", "remote-agents")
RELAY_BIN = os.path.join(ROOT, "build", "relay", "remote-agents-relay")
DRIVER = os.path.join(ROOT, "build", "tests", "latency_driver")
PLUGINS = os.path.join(ROOT, "build", "plugins", "exec")
N = int(os.environ.get("RA_BENCH_RUNS", "10"))
CALLS = int(os.environ.get("RA_BENCH_CALLS", "200"))
DRIVER_RUNS = int(os.environ.get("RA_BENCH_DRIVER_RUNS", "3"))
BURST, BURSTS = 100, 3
SIZES = (1, 5, 10, 20)
TOKEN = "bench fleet token 0123456789abcdefghijklmnop"
STALL_MS = 2000  # exit this long after "leaving": the leave did not finish promptly
# Fleet verbs print their results only after leaving the room, so the call's own end is read from
# the CLI's info log (fleet runs carry --log-level info): this line starts the leave.
LEAVING = b"relay link: stopping; saying bye to the relay"

tmp = tempfile.mkdtemp(prefix="ra-bench-fleet-")
live = []  # every process we started and have not reaped, for cleanup


def cleanup():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
    for p in reversed(live):
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + 10
    for p in reversed(live):
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    live.clear()
    shutil.rmtree(tmp, ignore_errors=True)


def _stop(signum, frame):
    raise KeyboardInterrupt


class Host:
    """An isolated config/data/work dir; the exec plugin required."""
    count = 0

    def __init__(self, name, mode="edit"):
        Host.count += 1
        self.root = os.path.join(tmp, f"{Host.count:02d}-{name}")
        self.work = os.path.join(self.root, "work")
        os.makedirs(os.path.join(self.root, "config", "remote-agents"))
        os.makedirs(os.path.join(self.root, "data"))
        os.makedirs(self.work)
        with open(os.path.join(self.root, "config", "remote-agents", "config.toml"), "w") as f:
            f.write(f'name = "{name}"\n[security]\nmode = "{mode}"\n[plugins.exec]\nload = "required"\n')
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.root, "LANG": "C.UTF-8",
                    "XDG_CONFIG_HOME": os.path.join(self.root, "config"),
                    "XDG_DATA_HOME": os.path.join(self.root, "data"), "RA_PLUGIN_PATH": PLUGINS}


def start_lines(cmd, log, **kw):
    """Starts a long-lived process whose stdout a thread drains into a queue (a full pipe would stall it)."""
    with open(log, "w") as err:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, **kw)
    live.append(p)
    p.lines = queue.Queue()

    def pump():
        for line in p.stdout:
            p.lines.put(line)
        p.lines.put(None)
    threading.Thread(target=pump, daemon=True).start()
    return p


def wait_line(p, prefix, log, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            line = p.lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            raise RuntimeError(f"no '{prefix}' line from {p.args[0]}:\n" + open(log).read()[-2000:])
        if line.startswith(prefix):
            return line.strip()


def reap(p):
    if p.poll() is None:
        p.terminate()
        p.wait(10)
    live.remove(p)


class Relay:
    def __init__(self):
        self.log = os.path.join(tmp, "relay.log")
        self.proc = start_lines([RELAY_BIN, "--bind", "127.0.0.1:0"], self.log)
        self.url = wait_line(self.proc, "listening on", self.log).split()[-1].rstrip("/")


def start_agents(relay, room, names, batch=4, mode="edit"):
    """Agents in batches (each derives the room key, ~0.4 s of one core): returns (host, process) pairs."""
    out = []
    for i in range(0, len(names), batch):
        group = []
        for name in names[i:i + batch]:
            h = Host(name, mode)
            log = os.path.join(h.root, "agent.log")
            p = start_lines([BIN, "run", "--relay", relay.url, "--room", room, "--token", TOKEN, "--name", name],
                            log, env=h.env, cwd=h.work)
            group.append((h, p, log))
        for h, p, log in group:
            wait_line(p, "joined", log)
            out.append((h, p))
    return out


def timed(cmd, env, cwd=None, mark=None):
    """Runs cmd to its end → (ms until `mark` showed on stderr or None, ms to exit, stdout, stderr).
    Exit 0 required."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    live.append(p)
    fd_out, fd_err = p.stdout.fileno(), p.stderr.fileno()
    first, out = None, {fd_out: b"", fd_err: b""}
    with selectors.DefaultSelector() as sel:
        sel.register(p.stdout, selectors.EVENT_READ)
        sel.register(p.stderr, selectors.EVENT_READ)
        while sel.get_map():
            for key, _ in sel.select():
                data = os.read(key.fd, 65536)
                if not data:
                    sel.unregister(key.fileobj)
                    continue
                out[key.fd] += data
                if first is None and mark and mark in out[fd_err]:
                    first = (time.perf_counter() - t0) * 1000
    p.wait()
    end = (time.perf_counter() - t0) * 1000
    p.stdout.close()
    p.stderr.close()
    live.remove(p)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}:\n{out[fd_err].decode()[-2000:]}")
    if mark and first is None:
        raise RuntimeError(f"{' '.join(cmd)} never logged {mark!r}:\n{out[fd_err].decode()[-2000:]}")
    return first, end, out[fd_out].decode(), out[fd_err].decode()


def interleaved(variants, runs):
    """{name: [(leaving, exit), …]}: one warm-up each, then `runs` rounds, one run of every variant per round."""
    got = {name: [] for name in variants}
    for name, (cmd, env) in variants.items():
        timed(cmd, env, mark=LEAVING if "--relay" in cmd else None)
    for _ in range(runs):
        for name, (cmd, env) in variants.items():
            got[name].append(timed(cmd, env, mark=LEAVING if "--relay" in cmd else None)[:2])
    return got


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def pct(xs, p):
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def stalled(runs):
    return sum(1 for leaving, end in runs if end - leaving > STALL_MS)


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field + ":"))


def row(label, value, anchor=""):
    print(f"{label:52} {value:>14}   {anchor}".rstrip())


def x(a, b):
    return f"{a / b:.2f}x" if b else "-"


def main():
    load0 = os.getloadavg()[0]
    ctl = Host("controller")
    conn = lambda room: ["--log-level", "info", "--relay", relay.url, "--room", room, "--token", TOKEN]  # noqa: E731

    # --- anchors and the memory of a local daemon (no relay), the reference for an agent's RSS ----
    local_daemon = start_lines([BIN, "run"], os.path.join(ctl.root, "run.log"), env=ctl.env, cwd=ctl.work)
    wait_line(local_daemon, "ready", os.path.join(ctl.root, "run.log"))
    time.sleep(0.5)
    local_rss = rss_kib(local_daemon.pid)
    reap(local_daemon)

    relay = Relay()
    time.sleep(0.5)
    rss = {"relay_idle": rss_kib(relay.proc.pid)}
    [(h1, a1)] = start_agents(relay, "one", ["h1"])
    time.sleep(1.0)  # let the join settle before reading memory
    rss["relay_1"] = rss_kib(relay.proc.pid)
    rss["agent_idle"] = rss_kib(a1.pid)

    # --- 1. one call through the CLI -----------------------------------------------------------
    one = interleaved({
        "sh": (["/bin/sh", "-c", "true"], ctl.env),
        "version": ([BIN, "--version"], ctl.env),
        "local": ([BIN, "exec", "--", "true"], ctl.env),
        "agents": ([BIN, *conn("empty"), "agents"], ctl.env),
        "remote": ([BIN, *conn("one"), "exec", "--target", "h1", "--", "true"], ctl.env),
    }, N)
    exits = {k: [e for _, e in v] for k, v in one.items()}
    sh, version, local = med(exits["sh"]), med(exits["version"]), med(exits["local"])

    # --- 2. calls once joined: latency_driver ----------------------------------------------------
    def drive(host, runs, bursts_per_run):
        seq, rates, derive, join = [], [], [], []
        for _ in range(runs):
            p = subprocess.Popen([DRIVER, relay.url, "one", TOKEN, host, str(CALLS), str(BURST), str(bursts_per_run)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            live.append(p)
            out, err = p.communicate(timeout=300)
            live.remove(p)
            if p.returncode != 0:
                raise RuntimeError(f"latency_driver exited {p.returncode}:\n{out[-1000:]}\n{err[-2000:]}")
            for line in out.splitlines():
                if line.startswith("{"):
                    d = json.loads(line)
                    if "derive_ms" in d:
                        derive.append(d["derive_ms"])
                        join.append(d["join_ms"])
                    elif "seq_us" in d:
                        seq += [u / 1000 for u in d["seq_us"]]
                    elif "burst" in d:
                        rates.append(d["burst"] / (d["elapsed_us"] / 1e6))
        return seq, rates, derive, join

    seq, bursts, derive, join = drive("h1", DRIVER_RUNS, BURSTS)
    rss["agent_busy"] = rss_kib(a1.pid)
    # The same agent code in bypass mode: no Landlock ruleset is built for each spawn.
    [(_, ab)] = start_agents(relay, "one", ["h1-bypass"], mode="bypass")
    seq_b, bursts_b, _, _ = drive("h1-bypass", 1, 2)
    reap(ab)
    spawn_rates = []
    for _ in range(BURSTS):
        t0 = time.perf_counter()
        ps = [subprocess.Popen(["/bin/sh", "-c", "true"]) for _ in range(BURST)]
        for q in ps:
            q.wait()
        spawn_rates.append(BURST / (time.perf_counter() - t0))

    # --- 3. fan-out ------------------------------------------------------------------------------
    fleet, fan = [], {}
    for size in SIZES:
        fleet += start_agents(relay, "fleet", [f"f{i:02d}" for i in range(len(fleet) + 1, size + 1)])
        if size == 1:
            time.sleep(1.0)
            rss["fleet_agent_alone"] = rss_kib(fleet[0][1].pid)
        # One checked run: every host answers, and only the `size` agents are targeted.
        _, _, out, _ = timed([BIN, *conn("fleet"), "--json", "exec", "--target", "all", "--", "true"], ctl.env)
        hosts = json.loads(out)["hosts"]
        if len(hosts) != size or any(h["outcome"] != "ok" for h in hosts):
            raise RuntimeError(f"fan-out to {size}: unexpected result {out[:2000]}")
        fan[size] = interleaved({"all": ([BIN, *conn("fleet"), "exec", "--target", "all", "--", "true"], ctl.env)},
                                N)["all"]
    time.sleep(1.0)
    rss["relay_21"] = rss_kib(relay.proc.pid)
    rss["relay_hwm"] = rss_kib(relay.proc.pid, "VmHWM")
    rss["fleet_agent_20"] = rss_kib(fleet[0][1].pid)
    rss["fleet_agents_20"] = med([rss_kib(p.pid) for _, p in fleet])
    load1 = os.getloadavg()[0]

    # --- the table -------------------------------------------------------------------------------
    mib = lambda k: f"{k / 1024:.1f} MiB"  # noqa: E731
    ms = lambda v: f"{v:.1f} ms"  # noqa: E731
    lv = lambda runs: med([f for f, _ in runs])  # noqa: E731  until leaving: the work is done
    ex = lambda runs: med([e for _, e in runs])  # noqa: E731
    leave = lambda runs: med([e - f for f, e in runs])  # noqa: E731
    print(f"remote-agents bench fleet  (relay and agents on 127.0.0.1, agents in edit mode; "
          f"{os.cpu_count()} cores, load {load0:.2f} at start, {load1:.2f} at end)")
    print(f"CLI: medians of {N} runs after one warm-up, variants interleaved. 'to leave': until the CLI logs "
          f"that it leaves the room (work done,\nresults not yet printed); 'exit': the whole process; "
          f"'stalled': runs whose leave took >{STALL_MS / 1000:.0f} s")
    print()
    row("1. one call through the CLI", "value", "anchor")
    row("sh -c true", ms(sh))
    row("remote-agents --version (bare process start)", ms(version), f"sh -c true ({x(version, sh)})")
    row("exec -- true, local (no relay)", ms(local), f"sh -c true ({x(local, sh)})")
    a, r = one["agents"], one["remote"]
    row("agents, empty room: to leave (derive+join+roster)", ms(lv(a)), f"local exec ({x(lv(a), local)})")
    row("agents, empty room: exit", ms(ex(a)),
        f"local exec ({x(ex(a), local)}); leave median {leave(a):.0f} ms, stalled {stalled(a)} of {N}")
    row("  derive: Argon2id room key (latency_driver)", ms(med(derive)), f"median of {len(derive)} starts")
    row("  join: until the target's info is in (same)", ms(med(join)), f"median of {len(join)} starts")
    row("exec --target h1 -- true: to leave", ms(lv(r)),
        f"local exec ({x(lv(r), local)}), sh -c true ({x(lv(r), sh)}); agents ({x(lv(r), lv(a))})")
    row("exec --target h1 -- true: exit", ms(ex(r)),
        f"local exec ({x(ex(r), local)}), sh -c true ({x(ex(r), sh)}); stalled {stalled(r)} of {N}")
    row("  the call itself (to leave, minus agents' to leave)", ms(lv(r) - lv(a)))
    print()
    p50, p99 = pct(seq, 50), pct(seq, 99)
    row("2. calls once joined (latency_driver, exec true on h1)", "value", "anchor")
    row(f"round trip, sequential, p50 ({len(seq)} calls)", ms(p50), f"sh -c true ({x(p50, sh)})")
    row("round trip, sequential, p99", ms(p99), f"p50 ({x(p99, p50)})")
    row("round trip, sequential, max", ms(max(seq)))
    tput = med(bursts)
    row(f"throughput, {BURST} in flight (median of {len(bursts)} bursts)", f"{tput:.0f} calls/s",
        f"sequential 1/p50 {1000 / p50:.0f}/s ({x(tput, 1000 / p50)}); {BURST} x sh -c true "
        f"spawned at once from Python {med(spawn_rates):.0f}/s ({x(tput, med(spawn_rates))})")
    pb50, tb = pct(seq_b, 50), med(bursts_b)
    row(f"  agent in bypass mode: round trip p50 ({len(seq_b)} calls)", ms(pb50),
        f"edit mode ({x(p50, pb50)} of it); p99 {pct(seq_b, 99):.1f} ms")
    row(f"  agent in bypass mode: {BURST} in flight ({len(bursts_b)} bursts)", f"{tb:.0f} calls/s",
        f"edit mode ({x(tput, tb)} of it)")
    print()
    row("3. fan-out: exec --target all -- true", "to leave / exit", "per extra host (to leave); vs 1 host; stalled")
    base = lv(fan[SIZES[0]])
    for size in SIZES:
        f, e = lv(fan[size]), ex(fan[size])
        extra = f"{(f - base) / (size - 1):.1f} ms/host" if size > 1 else "-"
        row(f"{size:2d} host{'s' if size > 1 else ''}", f"{f:.0f} / {e:.0f} ms",
            f"{extra}; {x(f, base)}; stalled {stalled(fan[size])} of {N}")
    xs = list(SIZES)
    ys = [lv(fan[s]) for s in SIZES]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    slope = sum((a - mx) * (b - my) for a, b in zip(xs, ys)) / sum((a - mx) ** 2 for a in xs)
    row("per-host cost (least-squares slope, to leave)", f"{slope:.1f} ms/host",
        f"sh -c true ({x(slope, sh)}), sequential round trip p50 ({x(slope, p50)}), "
        f"1/throughput {1000 / tput:.1f} ms ({x(slope, 1000 / tput)})")
    print()
    row("4. resident memory (VmRSS)", "value", "anchor")
    row("relay, no peers", mib(rss["relay_idle"]))
    row("relay, 1 agent joined, idle", mib(rss["relay_1"]), f"no peers ({x(rss['relay_1'], rss['relay_idle'])})")
    row("relay, 21 agents joined (after the fan-out)", mib(rss["relay_21"]),
        f"no peers ({x(rss['relay_21'], rss['relay_idle'])}); peak VmHWM {mib(rss['relay_hwm'])}")
    row("agent h1, joined, idle, before any call", mib(rss["agent_idle"]),
        f"local daemon, no relay {mib(local_rss)} ({x(rss['agent_idle'], local_rss)})")
    ncalls = DRIVER_RUNS * (5 + CALLS + BURST * BURSTS) + N + 1  # driver: 5 warm-up calls per run
    row(f"agent h1 after {ncalls} calls", mib(rss["agent_busy"]), f"idle ({x(rss['agent_busy'], rss['agent_idle'])})")
    row("fleet agent f01, alone in its room, idle", mib(rss["fleet_agent_alone"]))
    row("fleet agent f01, 20 agents in the room", mib(rss["fleet_agent_20"]),
        f"alone ({x(rss['fleet_agent_20'], rss['fleet_agent_alone'])}); median of the 20: "
        f"{mib(rss['fleet_agents_20'])}")


if __name__ == "__main__":
    for f in (BIN, RELAY_BIN, DRIVER):
        if not os.access(f, os.X_OK):
            sys.exit(f"bench fleet: {f} is missing (build it: ninja -C build tests/latency_driver)")
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    code = 0
    try:
        main()
    except KeyboardInterrupt:
        print("bench fleet: interrupted; stopping every process it started", file=sys.stderr)
        code = 130
    finally:
        cleanup()
    sys.exit(code)
