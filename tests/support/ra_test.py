"""Helpers for the integration tests: a TAP reporter (Meson counts each test point) and a sandbox
of temp dirs in which the real remote-agents binary runs with its own XDG config/data dirs."""
import atexit
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("RA_BIN", "")
PLUGIN_PATH = os.environ.get("RA_TEST_PLUGIN_PATH", "")
SOURCE_ROOT = os.environ.get("RA_SOURCE_ROOT", "")
BUILD_ROOT = os.environ.get("RA_BUILD_ROOT", "")


class Tap:
    """Minimal TAP 13 producer: one line per check, the plan at the end, exit 1 on any failure."""

    def __init__(self):
        self.n = 0
        self.failed = 0
        print("TAP version 13", flush=True)
        atexit.register(self._finish)

    def ok(self, cond, name, detail=None):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {name}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} - {name}", flush=True)
            if detail is not None:
                for line in str(detail).splitlines()[:40]:
                    print(f"# {line}", flush=True)
        return cond

    def eq(self, got, want, name):
        return self.ok(got == want, name, f"got:  {got!r}\nwant: {want!r}")

    def contains(self, text, part, name):
        return self.ok(part in text, name, f"{part!r} not in:\n{text}")

    def _finish(self):
        print(f"1..{self.n}", flush=True)
        if self.failed:
            os._exit(1)


class Host:
    """One isolated host: its own config dir, data dir and work dir under a temp root."""

    def __init__(self, plugins=("exec",), mode=None, extra_config="", load="required"):
        self.root = tempfile.mkdtemp(prefix="ra-test-")
        atexit.register(shutil.rmtree, self.root, True)
        self.config_home = os.path.join(self.root, "config")
        self.data_home = os.path.join(self.root, "data")
        self.work = os.path.join(self.root, "work")
        for d in (self.config_home, self.data_home, self.work):
            os.makedirs(d)
        self.config_path = os.path.join(self.config_home, "remote-agents", "config.toml")
        os.makedirs(os.path.dirname(self.config_path))
        text = 'name = "test-host"\n'
        if mode:
            text += f'[security]\nmode = "{mode}"\n'
        text += extra_config + "\n"
        for p in plugins:
            text += f'[plugins.{p}]\nload = "{load}"\n'
        self.write_config(text)

    def write_config(self, text):
        with open(self.config_path, "w") as f:
            f.write(text)

    def env(self, extra=None):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.root,
            "XDG_CONFIG_HOME": self.config_home,
            "XDG_DATA_HOME": self.data_home,
            "RA_PLUGIN_PATH": PLUGIN_PATH,
            "LANG": "C.UTF-8",
        }
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        if extra:
            env.update(extra)
        return env

    def run(self, *args, env=None, timeout=120, input=None):
        return subprocess.run([BIN, *args], env=self.env(env), cwd=self.work, capture_output=True, text=True,
                              timeout=timeout, input=input)

    def call(self, tool, args=None, *extra, env=None, timeout=120):
        """`remote-agents call TOOL ARGS --json` → (exit code, parsed envelope or None, stderr)."""
        p = self.run("call", tool, json.dumps(args if args is not None else {}), "--json", *extra, env=env,
                     timeout=timeout)
        try:
            out = json.loads(p.stdout)
        except ValueError:
            out = None
        return p.returncode, out, p.stderr

    def agent_id_file(self):
        return os.path.join(self.data_home, "remote-agents", "agent-id")


def tree_hash(root):
    """Hash of every name, type, mode, link target and file content under root."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            h.update(f"{os.path.relpath(p, root)}|{st.st_mode}|".encode())
            if os.path.islink(p):
                h.update(os.readlink(p).encode())
            elif os.path.isfile(p):
                with open(p, "rb") as f:
                    h.update(f.read())
    return h.hexdigest()


def wait_gone(pid, seconds=10):
    """True once `pid` has exited (or is a zombie), polling /proc up to `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split()[2] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def require_binary():
    if not BIN or not os.path.exists(BIN):
        print("1..0 # SKIP RA_BIN not set (run through meson test)")
        sys.exit(0)


RELAY_BIN = os.environ.get("RA_RELAY_BIN", "")


def read_line_matching(proc, prefix, seconds=30):
    """Reads proc's stdout until a line starting with `prefix`; returns it (or None on EOF/timeout).
    A reader thread keeps the deadline honest even when the process prints nothing."""
    import queue
    import threading
    q = getattr(proc, "_ra_lines", None)
    if q is None:
        q = queue.Queue()
        proc._ra_lines = q

        def pump():
            for line in proc.stdout:
                q.put(line)
            q.put(None)
        threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            line = q.get(timeout=left)
        except queue.Empty:
            return None
        if line is None:
            return None
        if line.startswith(prefix):
            return line.rstrip("\n")


class Relay:
    """The real remote-agents-relay on 127.0.0.1; `restart()` brings it back on the same port."""

    def __init__(self, *extra):
        self.extra = list(extra)
        self.port = 0
        self.proc = None
        self.start()

    def start(self):
        # stderr to a file: a pipe nobody reads would stall a chatty process once it filled.
        self.log = tempfile.NamedTemporaryFile(prefix="ra-relay-", suffix=".log", delete=False)
        atexit.register(os.unlink, self.log.name)
        self.proc = subprocess.Popen([RELAY_BIN, "--bind", f"127.0.0.1:{self.port}", *self.extra],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = read_line_matching(self.proc, "listening on", 30)
        if not line:
            raise RuntimeError("relay did not start: " + open(self.log.name).read())
        self.port = int(line.rsplit(":", 1)[1].split("/")[0])
        self.url = f"ws://127.0.0.1:{self.port}"
        atexit.register(self.stop)

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def restart(self):
        if self.proc.poll() is None:
            self.kill9()
        self.start()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Agent:
    """A Host running `remote-agents run` joined to a room. Waits for its "joined" line."""

    def __init__(self, relay, room, token, name, tags=(), mode="plan", extra_config="", plugins=("exec",),
                 env=None, wait=True):
        self.host = Host(plugins=plugins, mode=mode, extra_config=extra_config)
        self.name = name
        args = ["run", "--relay", relay.url, "--room", room, "--token", token, "--name", name]
        if tags:
            args += ["--tags", ",".join(tags)]
        e = {"REMOTE_AGENTS_RECONNECT_MIN_MS": "100", "REMOTE_AGENTS_RECONNECT_MAX_MS": "500"}
        e.update(env or {})
        self.log_path = os.path.join(self.host.root, "agent.log")
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen([BIN, *args], env=self.host.env(e), cwd=self.host.work,
                                         stdout=subprocess.PIPE, stderr=log, text=True)
        atexit.register(self.stop)
        if wait and not read_line_matching(self.proc, "joined", 60):
            raise RuntimeError(f"agent {name} did not join: " + open(self.log_path).read()[-2000:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Controller(Host):
    """A host that only runs fleet verbs (send-only) against a room."""

    def __init__(self, relay, room, token):
        super().__init__(plugins=())
        self.conn = ["--relay", relay.url, "--room", room, "--token", token]

    def fleet(self, *args, timeout=120):
        # Connection flags first: everything after a "--" in args belongs to the command.
        return self.run(*self.conn, *args, timeout=timeout)

    def fleet_json(self, *args, timeout=120):
        p = self.fleet("--json", *args, timeout=timeout)
        try:
            return p.returncode, json.loads(p.stdout), p.stderr
        except ValueError:
            return p.returncode, None, p.stdout + p.stderr


class McpClient:
    """A raw JSON-RPC client of `remote-agents mcp` over its stdio pipe, for tests that need the
    protocol as bytes (the official SDK drives it in tests/mcp_client). `host` gives the env and
    cwd; stderr goes to <host root>/mcp.log."""

    def __init__(self, host, *args, env=None):
        import queue
        import threading
        self.proc = subprocess.Popen([BIN, "mcp", *args], env=host.env(env), cwd=host.work, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=open(os.path.join(host.root, "mcp.log"), "w"),
                                     text=True)
        self.lines = queue.Queue()
        self.empty = queue.Empty
        threading.Thread(target=lambda: [self.lines.put(x) for x in self.proc.stdout], daemon=True).start()
        self.next_id = 0
        self.notifications = []  # every notification read so far, in order
        atexit.register(self.close)

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()

    def request(self, method, params, timeout=60):
        """The response to this request, {} when none came in time (notifications read meanwhile
        are kept in self.notifications)."""
        self.next_id += 1
        i = self.next_id
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}) + "\n")
        self.proc.stdin.flush()
        msg = self._read_until(lambda m: m.get("id") == i, timeout)
        return msg or {}

    def wait_notification(self, match, timeout=30):
        """The first notification (seen before or arriving within `timeout` s) for which match(msg)
        is true, or None."""
        for msg in self.notifications:
            if match(msg):
                return msg
        return self._read_until(lambda m: "id" not in m and match(m), timeout)

    def _read_until(self, wanted, timeout):
        """Reads messages until wanted(msg) or the timeout; every notification read is kept in
        self.notifications (also the one returned). None when nothing matched in time."""
        end = time.time() + timeout
        while time.time() < end:
            try:
                msg = json.loads(self.lines.get(timeout=max(0.1, end - time.time())))
            except self.empty:
                break
            if "id" not in msg:
                self.notifications.append(msg)
            if wanted(msg):
                return msg
        return None

    def call(self, tool, args):
        """tools/call → its result object ({} when there was none)."""
        return self.request("tools/call", {"name": tool, "arguments": args}).get("result") or {}

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(10)
