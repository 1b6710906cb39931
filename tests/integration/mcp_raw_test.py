"""`remote-agents mcp` over a raw pipe, byte for byte, no MCP library in between: malformed lines
answered with the right JSON-RPC error and id (the server keeps serving), a request written byte by
byte, several requests in one write, ids echoed exactly, protocol version negotiation (and what
2024-11-05 leaves out), unknown methods, logging/setLevel, stdout carrying nothing but JSON-RPC even
at --log-level debug, exit on stdin close, and the --profile option."""
import atexit
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import BIN, Host, Tap, require_binary, wait_gone  # noqa: E402

require_binary()
t = Tap()

VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]


class Mcp:
    """`remote-agents [global...] mcp [args...]` with stdin/stdout pipes; a reader thread keeps every
    stdout line (raw bytes) and its parse."""

    def __init__(self, host, *args, global_args=()):
        self.host = host
        self.log_path = os.path.join(host.root, f"mcp-{time.monotonic_ns()}.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([BIN, *global_args, "mcp", *args], env=host.env(), cwd=host.work,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, bufsize=0)
        self.raw = []  # every stdout line, bytes without the newline
        self.msgs = []  # parsed lines (None when a line did not parse)
        self.taken = set()  # indexes of msgs already matched by a wait
        self.cond = threading.Condition()
        self.eof = False
        threading.Thread(target=self._pump, daemon=True).start()
        self.next_id = 1000
        atexit.register(self._kill)

    def _kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def _pump(self):
        for line in self.proc.stdout:
            line = line.rstrip(b"\n")
            try:
                msg = json.loads(line)
            except ValueError:
                msg = None
            with self.cond:
                self.raw.append(line)
                self.msgs.append(msg)
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, obj):
        self.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def wait(self, pred, timeout=10):
        """The first message not matched before for which pred(msg) holds, or None on timeout/EOF."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i, m in enumerate(self.msgs):
                    if i not in self.taken and isinstance(m, dict) and pred(m):
                        self.taken.add(i)
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    return None
                self.cond.wait(left)

    def response(self, id_value, timeout=10):
        """The response whose id equals id_value in value and JSON type (1 is not "1", 0 is not false)."""
        def match(m):
            if "id" not in m or ("result" not in m and "error" not in m):
                return False
            got = m["id"]
            return type(got) is type(id_value) and got == id_value
        return self.wait(match, timeout)

    def request(self, method, params=None, id_value=None, timeout=10):
        if id_value is None:
            self.next_id += 1
            id_value = self.next_id
        msg = {"jsonrpc": "2.0", "id": id_value, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self.response(id_value, timeout)

    def initialize(self, version="2025-11-25"):
        r = self.request("initialize", {"protocolVersion": version, "capabilities": {},
                                        "clientInfo": {"name": "mcp_raw_test", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return r

    def ping_ok(self, id_value):
        r = self.request("ping", id_value=id_value)
        return r is not None and r.get("result") == {}

    def close(self, timeout=5):
        """Closes stdin; returns (exit status or None if still running, seconds it took)."""
        t0 = time.monotonic()
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            code = None
        took = time.monotonic() - t0
        if code is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        return code, took

    def stderr(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def short(m):
    return json.dumps(m)[:1500]


host = Host(plugins=("exec",), mode="plan")

# --- malformed lines --------------------------------------------------------------------------
m = Mcp(host)
t.eq((m.initialize() or {}).get("result", {}).get("protocolVersion"), "2025-11-25", "initialize answers")
malformed = [
    ("garbage", -32700, None),
    ("{", -32700, None),
    ("[]", -32600, None),
    ('{"jsonrpc":"1.0","id":1,"method":"ping"}', -32600, 1),
    ('{"jsonrpc":"2.0","id":true,"method":"ping"}', -32600, None),
    ('{"jsonrpc":"2.0","id":1.5,"method":"ping"}', -32600, None),
    ('{"jsonrpc":"2.0","id":"m7"}', -32600, "m7"),
]
for n, (line, code, id_value) in enumerate(malformed):
    m.write(line + "\n")
    r = m.wait(lambda x: "error" in x and "id" in x, 10)
    err = (r or {}).get("error", {})
    t.ok(r is not None and err.get("code") == code and type(r.get("id")) is type(id_value) and r.get("id") == id_value,
         f"malformed {line!r}: error {code} with id {json.dumps(id_value)}", short(r))
    t.ok(isinstance(err.get("message"), str) and err.get("message"), f"malformed {line!r}: the error has a message",
         short(r))
    t.ok(m.ping_ok(f"after-{n}"), f"malformed {line!r}: a ping afterwards still answers")

# --- split and batched writes -----------------------------------------------------------------
req = json.dumps({"jsonrpc": "2.0", "id": "split-1", "method": "tools/call",
                  "params": {"name": "exec", "arguments": {"command": "echo split"}}}) + "\n"
for i, b in enumerate(req.encode()):
    m.write(bytes([b]))
    if i % 16 == 0:
        time.sleep(0.001)  # lets the server read partial lines, not one whole buffer
r = m.response("split-1", 15)
t.ok(r is not None and "split" in json.dumps(r.get("result", {}).get("content", [])),
     "split writes: a request written byte by byte is answered", short(r))

three = "".join(json.dumps({"jsonrpc": "2.0", "id": f"b{i}", "method": "ping"}) + "\n" for i in range(3))
m.write(three)
got = [m.response(f"b{i}") for i in range(3)]
t.ok(all(g is not None and g.get("result") == {} for g in got), "batched writes: three requests in one write, three answers",
     short(got))
m.write(json.dumps([{"jsonrpc": "2.0", "id": "arr-1", "method": "ping"},
                    {"jsonrpc": "2.0", "id": "arr-2", "method": "ping"}]) + "\n")
got = [m.response("arr-1"), m.response("arr-2")]
t.ok(all(g is not None and g.get("result") == {} for g in got), "a JSON-RPC batch array: each element answered",
     short(got))
m.write('{"jsonrpc":"2.0","id":"crlf","method":"ping"}\r\n')
t.ok(m.response("crlf") is not None, "a CRLF line ending is accepted")

# --- ids echoed exactly -----------------------------------------------------------------------
for id_value in ["s1", 0, -1, "0", "", 9007199254740993, "a\"b\\c ü"]:
    r = m.request("ping", id_value=id_value)
    want = json.dumps(id_value, ensure_ascii=False, separators=(",", ":"))
    raw = [line.decode("utf-8", "replace") for line in m.raw]
    t.ok(r is not None and any(f'"id":{want},' in line for line in raw),
         f"id {want} is echoed exactly (same JSON type and text)", short(r))

# --- unknown method, logging/setLevel ---------------------------------------------------------
r = m.request("no/such/method")
t.eq((r or {}).get("error", {}).get("code"), -32601, "unknown method: error -32601")
r = m.request("logging/setLevel", {"level": "loud"})
t.eq((r or {}).get("error", {}).get("code"), -32602, "logging/setLevel with a bad level: error -32602")
r = m.request("logging/setLevel", {"level": "warning"})
t.eq((r or {}).get("result"), {}, "logging/setLevel warning: result {}")
r = m.request("tools/call", {"name": "no_such_tool", "arguments": {}})
t.eq((r or {}).get("error", {}).get("code"), -32602, "tools/call of an unknown tool: error -32602")
r = m.request("tools/call", "not an object")
t.ok(r is not None and "error" in r, "tools/call with params that are not an object: an error", short(r))
r = m.request("tools/call", {"name": "exec", "arguments": []})
res = (r or {}).get("result", {})
t.ok(res.get("isError") is True and "Invalid arguments for tool 'exec'" in json.dumps(res),
     "tools/call with arguments that are not an object: isError, Invalid arguments", short(r))

# --- stdin closed -----------------------------------------------------------------------------
code, took = m.close(timeout=5)
t.ok(code == 0 and took < 2.0, f"stdin closed: exit status 0 within 2 s (status {code}, {took:.2f} s)",
     m.stderr()[-1500:])

# --- stdin closed while a call runs: the call is stopped and the server still exits in time -----
edit_host = Host(plugins=("exec",), mode="edit")
m = Mcp(edit_host)
m.initialize()
pid_file = os.path.join(edit_host.work, "pid")
m.send({"jsonrpc": "2.0", "id": "long", "method": "tools/call",
        "params": {"name": "exec", "arguments": {"command": f"echo $$ > {pid_file}; exec sleep 30"}}})
deadline = time.monotonic() + 10
while time.monotonic() < deadline and not (os.path.exists(pid_file) and open(pid_file).read().strip()):
    time.sleep(0.05)
pid = int(open(pid_file).read().strip()) if os.path.exists(pid_file) else 0
t.ok(pid > 0, "a running call: its command wrote its pid")
code, took = m.close(timeout=5)
t.ok(code == 0 and took < 2.0, f"stdin closed during a running call: exit status 0 within 2 s (status {code}, {took:.2f} s)",
     m.stderr()[-1500:])
t.ok(pid > 0 and wait_gone(pid, 2), "stdin closed during a running call: the command's process is gone")

# --- version negotiation ----------------------------------------------------------------------
for version in VERSIONS + ["1999-01-01"]:
    want = version if version in VERSIONS else "2025-11-25"
    m = Mcp(host)
    r = m.initialize(version)
    result = (r or {}).get("result", {})
    t.eq(result.get("protocolVersion"), want, f"initialize {version}: protocolVersion {want}")
    t.ok(result.get("serverInfo", {}).get("name") == "remote-agents" and
         result.get("capabilities", {}).get("tools", {}).get("listChanged") is True,
         f"initialize {version}: serverInfo and capabilities", short(r))
    tools = ((m.request("tools/list") or {}).get("result") or {}).get("tools", [])
    call = (m.request("tools/call", {"name": "exec", "arguments": {"command": "echo v"}}, timeout=15) or {}).get("result", {})
    if want >= "2025-06-18":
        t.ok(tools and all("outputSchema" in x for x in tools), f"{version}: tools/list has outputSchema on every tool")
        t.ok("structuredContent" in call, f"{version}: a tools/call result has structuredContent", short(call))
    else:
        t.ok(tools and not any("outputSchema" in x for x in tools), f"{version}: tools/list has no outputSchema",
             short(tools))
        t.ok(call.get("content") and "structuredContent" not in call,
             f"{version}: a tools/call result has no structuredContent", short(call))
    m.close()

# --- stdout carries only JSON-RPC, even at --log-level debug --------------------------------------
m = Mcp(host, global_args=("--log-level", "debug"))
m.initialize()
m.request("tools/list")
m.request("tools/call", {"name": "exec", "arguments": {"command": "echo to-stdout; echo to-stderr >&2"}}, timeout=15)
m.request("tools/call", {"name": "exec", "arguments": {"command": "touch /nonexistent-dir/x"}}, timeout=15)
m.write("garbage\n")
m.wait(lambda x: "error" in x, 5)
m.request("no/such/method")
code, _ = m.close()
bad = []
for line in m.raw:
    try:
        msg = json.loads(line)
        if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0":
            bad.append(line)
    except ValueError:
        bad.append(line)
t.ok(len(m.raw) >= 6 and not bad, f"--log-level debug: all {len(m.raw)} stdout lines are JSON-RPC 2.0 messages",
     b"\n".join(bad[:10]).decode("utf-8", "replace"))
t.ok("debug" in m.stderr().lower() or len(m.stderr()) > 200, "--log-level debug: the logs went to stderr",
     m.stderr()[-500:])

# --- profiles ---------------------------------------------------------------------------------
counts = {}
for prof in ("minimal", "full"):
    m = Mcp(host, "--profile", prof)
    m.initialize()
    counts[prof] = [x["name"] for x in ((m.request("tools/list") or {}).get("result") or {}).get("tools", [])]
    m.close()
t.ok(0 < len(counts["minimal"]) < len(counts["full"]), "--profile minimal lists fewer tools than --profile full",
     json.dumps(counts))
t.ok("exec" in counts["minimal"] and "list_agents" in counts["minimal"], "--profile minimal keeps exec and list_agents",
     json.dumps(counts))
p = subprocess.run([BIN, "mcp", "--profile", "huge"], env=host.env(), cwd=host.work, stdin=subprocess.DEVNULL,
                   capture_output=True, text=True, timeout=30)
t.eq(p.returncode, 2, "--profile huge: exits 2")
t.ok(p.stdout == "", "--profile huge: nothing on stdout", p.stdout)
t.contains(p.stderr, "profile", "--profile huge: stderr says what is wrong")
