"""Exactly-once across a relay crash: 100 commands in flight on one agent, each appending a line;
the relay is killed with SIGKILL while they run, they finish while it is down (so every reply is
lost), and it is restarted on the same port. Every result must
arrive and every line must appear exactly once (the executor's result cache answers the
controller's re-sent requests instead of running them again)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import Agent, Relay, Tap, read_line_matching, require_binary  # noqa: E402

require_binary()
tap = Tap()
ROOM, TOKEN = "exactly-once", "exactly once token 0123456789abcdef"
DRIVER = os.environ.get("RA_BURST_DRIVER", "")
N = 100

relay = Relay()
agent = Agent(relay, ROOM, TOKEN, "worker", mode="bypass")
started = os.path.join(agent.host.work, "started")
finished = os.path.join(agent.host.work, "finished")
gate = os.path.join(agent.host.work, "gate")
# Each command holds until the test opens the gate: in flight for as long as the test needs,
# however slow the machine (a fixed sleep raced process start-up under ASan). The poll is slow on
# purpose: 100 shells forking `sleep` 20 times a second starved the agent's own spawns.
template = f"echo {{i}} >> {started}; while [ ! -e {gate} ]; do sleep 0.5; done; echo {{i}} >> {finished}"

driver = subprocess.Popen([DRIVER, relay.url, ROOM, TOKEN, "worker", str(N), template], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
tap.ok(read_line_matching(driver, "ready", 60) is not None, "the controller sees the worker")
tap.ok(read_line_matching(driver, "sent", 30) is not None, "100 calls issued")


def lines(path):
    try:
        with open(path) as f:
            return [l.strip() for l in f if l.strip()]
    except FileNotFoundError:
        return []


# Wait (on the real condition, bounded) until every command has started on the worker.
deadline = time.monotonic() + 180
while len(lines(started)) < N and time.monotonic() < deadline:
    time.sleep(0.05)
tap.eq(len(lines(started)), N, "all 100 commands are running on the worker")
tap.eq(len(lines(finished)), 0, "none has finished when the relay dies")
relay.kill9()
open(gate, "w").close()  # the commands finish while the relay is down: their replies are lost
deadline = time.monotonic() + 180
while len(lines(finished)) < N and time.monotonic() < deadline:
    time.sleep(0.05)
tap.eq(len(lines(finished)), N, "all 100 finished while the relay was down")
relay.start()  # same port: the controller re-sends, the worker answers from its result cache

done = read_line_matching(driver, "done", 300)
tap.eq(done, f"done ok={N} other=0", "every result arrived after the relay restart")
if done != f"done ok={N} other=0":
    print("# agent log tail:\n# " + open(agent.log_path).read()[-3000:].replace("\n", "\n# "))
driver.wait(30)
s, f = lines(started), lines(finished)
tap.eq(sorted(s, key=int), [str(i) for i in range(N)], "every command started exactly once")
tap.eq(sorted(f, key=int), [str(i) for i in range(N)], "every line appears exactly once")
