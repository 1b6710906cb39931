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
