"""`remote-agents install` / `uninstall` with the real binary: files below --root (or a temporary
HOME) only, never the machine's systemd. Checks the 0600 env file holding the token, a unit that
does not contain it, systemd quoting (read back through a model of systemd's unquoting, and
through `systemd-analyze verify`, which needs the quoted executable path to exist), the exposure
score of each sandbox profile (`systemd-analyze security --offline=true`; plan must be <= 2.0),
the launchd plist (well-formed XML, arguments intact), systemctl being run / missing / failing
(a fake systemctl on PATH), uninstall and re-install."""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import BIN, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()

SECRET = "tok-S3CRET-\"q\"-$x-%p"
ODD_NAME = 'web "1" $HOME ${USER} 50% back\\slash it\'s ;'
ANALYZE = shutil.which("systemd-analyze")
BASE = tempfile.mkdtemp(prefix="ra-install-")


class Env:
    """A temporary HOME with XDG dirs (optionally with awkward characters) and a config file."""

    def __init__(self, tag, odd=False, config=""):
        self.root = os.path.join(BASE, tag)
        suffix = ' dir %n $X "q"' if odd else ""
        self.home = os.path.join(self.root, "home" + (" %h $H" if odd else ""))
        self.config_home = os.path.join(self.home, "cfg" + suffix)
        self.data_home = os.path.join(self.home, "data" + suffix)
        self.config_dir = os.path.join(self.config_home, "remote-agents")
        self.data_dir = os.path.join(self.data_home, "remote-agents")
        os.makedirs(self.config_dir)
        os.makedirs(self.data_home)
        with open(os.path.join(self.config_dir, "config.toml"), "w") as f:
            f.write('name = "test-host"\n' + config)
        self.bindir = os.path.join(self.root, "fakebin")
        os.makedirs(self.bindir)
        self.path = self.bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin")

    def env(self, extra=None):
        e = {"PATH": self.path, "HOME": self.home, "XDG_CONFIG_HOME": self.config_home,
             "XDG_DATA_HOME": self.data_home, "LANG": "C.UTF-8"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                e[k] = os.environ[k]
        e.update(extra or {})
        return e

    def run(self, *args, binary=BIN, env=None):
        return subprocess.run([binary, *args], env=self.env(env), cwd=self.root, capture_output=True, text=True,
                              timeout=60)

    def fake_systemctl(self, exit_code):
        """A systemctl that appends its arguments to a log and exits with exit_code."""
        self.log = os.path.join(self.root, "systemctl.log")
        script = os.path.join(self.bindir, "systemctl")
        with open(script, "w") as f:
            f.write(f'#!/bin/sh\necho "$*" >> "{self.log}"\nexit {exit_code}\n')
        os.chmod(script, 0o755)

    def systemctl_calls(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return f.read().splitlines()


def under(root, path):
    return os.path.join(root, path.lstrip("/"))


def read(path):
    with open(path) as f:
        return f.read()


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def unit_value_lines(text, key):
    return [line[len(key) + 1:] for line in text.splitlines() if line.startswith(key + "=")]


def systemd_words(value, exec_line):
    """Split a directive value the way systemd does for the double-quoted words we write
    (extract_first_word with UNQUOTE|CUNESCAPE), then resolve %% and, for ExecStart, $$."""
    words, i, n = [], 0, len(value)
    escapes = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}
    while i < n:
        while i < n and value[i] == " ":
            i += 1
        if i >= n:
            break
        if value[i] != '"':
            raise ValueError(f"unquoted word at {i}: {value[i:]!r}")
        i += 1
        w = ""
        while value[i] != '"':
            if value[i] == "\\":
                c = value[i + 1]
                if c == "x":
                    w += chr(int(value[i + 2:i + 4], 16))
                    i += 4
                    continue
                w += escapes[c]
                i += 2
                continue
            w += value[i]
            i += 1
        i += 1
        w = w.replace("%%", "\0")
        if "%" in w:
            raise ValueError(f"unescaped specifier in {w!r}")
        w = w.replace("\0", "%")
        if exec_line:
            w = w.replace("$$", "\0")
            if "$" in w:
                raise ValueError(f"unescaped $ in {w!r}")
            w = w.replace("\0", "$")
        words.append(w)
    return words


def verify(unit_path, name):
    if not ANALYZE:
        t.ok(True, f"{name}: systemd-analyze verify # SKIP systemd-analyze not installed")
        return
    p = subprocess.run([ANALYZE, "verify", unit_path], capture_output=True, text=True, timeout=120)
    # Only complaints about our unit count (the host's other units are none of our business).
    ours = [line for line in (p.stdout + p.stderr).splitlines() if os.path.basename(unit_path) in line]
    t.ok(p.returncode == 0 and not ours, f"{name}: systemd-analyze verify accepts the unit", p.stdout + p.stderr)


def exposure(unit_path, user):
    """The overall exposure `systemd-analyze security --offline=true` gives the unit, or None."""
    cmd = [ANALYZE]
    env = dict(os.environ)
    if user:
        runtime = tempfile.mkdtemp(prefix="ra-xdg-runtime-", dir=BASE)
        os.chmod(runtime, 0o700)
        env["XDG_RUNTIME_DIR"] = runtime
        cmd.append("--user")
    cmd += ["security", "--offline=true", unit_path]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    m = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", p.stdout)
    if not m:
        print("# systemd-analyze security output:\n# " + (p.stdout + p.stderr).replace("\n", "\n# "))
        return None
    return float(m.group(1))


# --- plan host, user unit, rendered below --root: files, permissions, quoting ------------------
e = Env("plan")
root = os.path.join(e.root, "root")
relay = "wss://relay.example/path?a=1&b=2"
p = e.run("install", "--root", root, "--no-start", "--user", "--relay", relay, "--room", "ops team",
          "--token", SECRET, "--name", ODD_NAME, "--tags", "web,db", "--no-agent")
t.ok(p.returncode == 0, "install --root --no-start succeeds", p.stdout + p.stderr)
unit_path = under(root, os.path.join(e.config_home, "systemd", "user", "remote-agents.service"))
env_path = under(root, os.path.join(e.config_dir, "service.env"))
t.contains(p.stdout, unit_path, "install prints the unit path")
t.contains(p.stdout, "profile strict", "a plan host gets the strict profile")
t.contains(p.stdout, "nothing was started", "--root says nothing was started")
t.ok("S3CRET" not in p.stdout + p.stderr, "the token is not printed")
t.ok(os.path.isfile(unit_path), "the unit is below the root", unit_path)
t.ok(os.path.isfile(env_path), "the env file is below the root", env_path)
t.ok(not os.path.exists(os.path.join(e.config_home, "systemd")), "nothing is written outside the root")
t.eq(oct(mode_of(env_path)), "0o600", "the env file is 0600")
t.eq(oct(mode_of(os.path.dirname(env_path))), "0o700", "the env file's new directory is 0700")
unit = read(unit_path)
envfile = read(env_path)
t.ok("S3CRET" not in unit, "the token appears nowhere in the unit", unit)
t.contains(envfile, 'REMOTE_AGENTS_TOKEN="tok-S3CRET-\\"q\\"-\\$x-%p"\n', "the env file holds the token, escaped")
exec_start = unit_value_lines(unit, "ExecStart")
t.eq(len(exec_start), 1, "one ExecStart line")
words = systemd_words(exec_start[0], exec_line=True)
t.eq(words, [os.path.realpath(BIN), "run", "--relay", relay, "--room", "ops team", "--name", ODD_NAME, "--tags",
             "web,db", "--no-agent"], "ExecStart reads back as the exact argv (quotes, $, %, \\ and ;)")
t.eq(unit_value_lines(unit, "EnvironmentFile"), [os.path.join(e.config_dir, "service.env")],
     "EnvironmentFile points at the real (not --root) env file")
t.eq(systemd_words(unit_value_lines(unit, "Environment")[0], exec_line=False),
     [f"XDG_CONFIG_HOME={e.config_home}", f"XDG_DATA_HOME={e.data_home}"], "the service gets the installer's XDG dirs")
t.eq(systemd_words(unit_value_lines(unit, "ReadWritePaths")[0], exec_line=False), [e.data_dir],
     "plan: only the data directory is writable")
for line in ("Restart=always", "RestartSec=5", "StartLimitBurst=10", "NoNewPrivileges=yes", "ProtectSystem=strict",
             "ProtectHome=read-only", "PrivateTmp=yes", "MemoryDenyWriteExecute=yes", "CapabilityBoundingSet=",
             "UMask=0077", "WantedBy=default.target"):
    t.ok(line in unit.splitlines(), f"plan unit has {line}")
verify(unit_path, "plan user unit")
if ANALYZE:
    score = exposure(unit_path, user=True)
    print(f"# exposure plan (user unit): {score}")
    t.ok(score is not None and score <= 2.0, f"plan user unit exposure <= 2.0 (got {score})")

# --- the same host as a system unit ------------------------------------------------------------
sysroot = os.path.join(e.root, "sysroot")
p = e.run("install", "--root", sysroot, "--system", "--room", "r", "--token", SECRET)
sys_unit = under(sysroot, "/etc/systemd/system/remote-agents.service")
t.ok(p.returncode == 0 and os.path.isfile(sys_unit), "--system renders /etc/systemd/system/remote-agents.service",
     p.stdout + p.stderr)
sys_text = read(sys_unit)
t.ok("WantedBy=multi-user.target" in sys_text and "After=network-online.target" in sys_text,
     "the system unit waits for the network and is wanted by multi-user.target")
verify(sys_unit, "plan system unit")
if ANALYZE:
    score = exposure(sys_unit, user=False)
    print(f"# exposure plan (system unit): {score}")
    t.ok(score is not None and score <= 2.0, f"plan system unit exposure <= 2.0 (got {score})")

# --- edit and bypass profiles: verified, exposure reported -------------------------------------
e_edit = Env("edit", config='[security]\nmode = "edit"\nallowed_paths = ["/srv/app", "/home/u/project"]\n')
for tag, env_obj, extra in (("edit (allowed_paths)", e_edit, []),
                            ("edit (no allowed_paths)", Env("edit-open"), ["--mode", "edit"]),
                            ("bypass", Env("bypass"), ["--mode", "bypass"])):
    r = os.path.join(env_obj.root, "root")
    p = env_obj.run("install", "--root", r, "--system", "--room", "r", *extra)
    path = under(r, "/etc/systemd/system/remote-agents.service")
    t.ok(p.returncode == 0 and os.path.isfile(path), f"{tag}: install renders the unit", p.stdout + p.stderr)
    text = read(path)
    t.ok("NoNewPrivileges=yes" in text.splitlines(), f"{tag}: NoNewPrivileges is kept")
    t.ok("UMask=0022" in text.splitlines(), f"{tag}: files edits create are readable as usual (UMask=0022)")
    if tag == "edit (allowed_paths)":
        t.contains(p.stdout, "profile edit", "the config's security.mode selects the edit profile")
        rw = systemd_words(unit_value_lines(text, "ReadWritePaths")[0], exec_line=False)
        t.eq(rw, [env_obj.data_dir, "-/srv/app", "-/home/u/project"], "edit: writable = data dir + allowed_paths")
    verify(path, f"{tag} unit")
    if ANALYZE:
        score = exposure(path, user=False)
        print(f"# exposure {tag} (system unit): {score}")
        t.ok(score is not None, f"{tag}: exposure reported ({score})")

# the machine mode file (remote-agents mode) wins over the config; --mode wins over both
e_mode = Env("modefile")
p = e_mode.run("mode", "bypass")
t.ok(p.returncode == 0, "mode bypass", p.stderr)
p = e_mode.run("install", "--root", os.path.join(e_mode.root, "r1"), "--user")
t.contains(p.stdout, "profile bypass", "the machine mode file selects the profile")
p = e_mode.run("install", "--root", os.path.join(e_mode.root, "r2"), "--user", "--mode", "plan")
t.contains(p.stdout, "profile strict", "--mode overrides the mode file")
p = e_mode.run("install", "--root", os.path.join(e_mode.root, "r3"), "--mode", "turbo")
t.eq(p.returncode, 2, "a bad --mode is a usage error")

# --- awkward paths: spaces, %, $, quotes in the XDG dirs and the binary's directory ------------
odd = Env("odd", odd=True)
odd_bin_dir = os.path.join(odd.root, "bin dir %i 100%")
os.makedirs(odd_bin_dir)
odd_bin = os.path.join(odd_bin_dir, "remote-agents")
shutil.copy2(BIN, odd_bin)
odd_root = os.path.join(odd.root, "root")
p = odd.run("install", "--root", odd_root, "--user", "--token", SECRET, "--name", "n", binary=odd_bin)
t.ok(p.returncode == 0, "install with spaces, %, $ and quotes in the paths", p.stdout + p.stderr)
odd_unit_path = under(odd_root, os.path.join(odd.config_home, "systemd", "user", "remote-agents.service"))
odd_unit = read(odd_unit_path)
t.eq(systemd_words(unit_value_lines(odd_unit, "ExecStart")[0], exec_line=True)[0], odd_bin,
     "the executable path reads back exactly")
t.eq(unit_value_lines(odd_unit, "EnvironmentFile")[0].replace("%%", "%"), os.path.join(odd.config_dir, "service.env"),
     "EnvironmentFile reads back exactly")
t.eq(systemd_words(unit_value_lines(odd_unit, "ReadWritePaths")[0], exec_line=False), [odd.data_dir],
     "ReadWritePaths reads back exactly")
# verify fails when it cannot find the executable, so this checks systemd's own reading of it.
verify(odd_unit_path, "awkward-path unit")
# systemd refuses quotes and backslashes in the executable path and would expand $ in argv[0].
for i, bad_dir in enumerate(('it\'s "here"', "dollar $Y")):
    bad_bin_dir = os.path.join(odd.root, bad_dir)
    os.makedirs(bad_bin_dir)
    shutil.copy2(BIN, os.path.join(bad_bin_dir, "remote-agents"))
    bad_root = os.path.join(odd.root, f"bad-root-{i}")
    p = odd.run("install", "--root", bad_root, "--user", binary=os.path.join(bad_bin_dir, "remote-agents"))
    t.ok(p.returncode != 0 and "executable path" in p.stderr and not os.path.exists(bad_root),
         f"an executable path systemd cannot express ({bad_dir}) is refused, nothing written", p.stdout + p.stderr)
p = e.run("install", "--root", os.path.join(e.root, "bad"), "--user", "--name", "a\x07b")
t.ok(p.returncode == 0, "a control character in an argument is escaped, not refused", p.stderr)
p = e.run("install", "--root", os.path.join(e.root, "bad2"), "--user", "--token", "two\nlines")
t.ok(p.returncode == 2 and "two" not in p.stderr, "a token the env file cannot hold is a usage error (not echoed)",
     p.stderr)

# --- token from the installer's environment ----------------------------------------------------
r = os.path.join(e.root, "fromenv")
p = e.run("install", "--root", r, "--user", env={"REMOTE_AGENTS_TOKEN": "env-token-1"})
t.ok(p.returncode == 0 and 'REMOTE_AGENTS_TOKEN="env-token-1"' in read(under(r, os.path.join(e.config_dir, "service.env"))),
     "REMOTE_AGENTS_TOKEN in the installer's environment goes to the env file")

# --- re-install overwrites cleanly; uninstall below --root is idempotent -----------------------
p = e.run("install", "--root", root, "--no-start", "--user", "--room", "second-room", "--token", "tok-2")
t.ok(p.returncode == 0, "a second install succeeds", p.stderr)
unit = read(unit_path)
t.ok("second-room" in unit and "ops team" not in unit, "the second install replaces the unit")
t.ok('REMOTE_AGENTS_TOKEN="tok-2"' in read(env_path) and "S3CRET" not in read(env_path),
     "the second install replaces the token")
t.eq(oct(mode_of(env_path)), "0o600", "the env file stays 0600")
t.eq(sorted(os.listdir(os.path.dirname(unit_path))), ["remote-agents.service"], "no temp files left beside the unit")
t.eq(sorted(os.listdir(os.path.dirname(env_path))), ["service.env"], "no temp files left beside the env file")
p = e.run("uninstall", "--root", root, "--user")
t.ok(p.returncode == 0 and "Service 'remote-agents' uninstalled." in p.stdout, "uninstall --root", p.stdout + p.stderr)
t.ok(not os.path.exists(unit_path) and not os.path.exists(env_path), "uninstall deletes the unit and the env file")
p = e.run("uninstall", "--root", root, "--user")
t.ok(p.returncode == 0 and "uninstalled" in p.stdout, "uninstall is idempotent", p.stdout + p.stderr)

# --- launchd plist (rendered on Linux with --platform macos) ------------------------------------
r = os.path.join(e.root, "mac")
p = e.run("install", "--platform", "macos", "--root", r, "--relay", relay, "--room", "ops team", "--token", SECRET,
          "--name", "<web & db> " + ODD_NAME)
plist_path = under(r, os.path.join(e.home, "Library", "LaunchAgents", "com.remote-agents.agent.plist"))
t.ok(p.returncode == 0 and os.path.isfile(plist_path), "install --platform macos renders the LaunchAgent plist",
     p.stdout + p.stderr)
t.eq(oct(mode_of(plist_path)), "0o600", "the plist (which carries the token) is 0600")
try:
    doc = ET.parse(plist_path).getroot()
    ok = True
except ET.ParseError as ex:
    doc, ok = None, False
    print(f"# {ex}")
t.ok(ok and doc.tag == "plist", "the plist is well-formed XML")
if doc is not None:
    top = doc.find("dict")
    items = list(top)
    kv = {items[i].text: items[i + 1] for i in range(0, len(items), 2)}
    t.eq(kv["Label"].text, "com.remote-agents.agent", "Label")
    t.eq([s.text for s in kv["ProgramArguments"]],
         [os.path.realpath(BIN), "run", "--relay", relay, "--room", "ops team", "--name", "<web & db> " + ODD_NAME],
         "ProgramArguments round-trip through XML escaping")
    envs = list(kv["EnvironmentVariables"])
    envd = {envs[i].text: envs[i + 1].text for i in range(0, len(envs), 2)}
    t.eq(envd.get("REMOTE_AGENTS_TOKEN"), SECRET, "the token is in EnvironmentVariables, not in the arguments")
    t.ok(kv["KeepAlive"].tag == "true" and kv["RunAtLoad"].tag == "true", "KeepAlive and RunAtLoad are true")
p = e.run("uninstall", "--platform", "macos", "--root", r)
t.ok(p.returncode == 0 and not os.path.exists(plist_path), "uninstall removes the plist", p.stdout + p.stderr)
p = e.run("install", "--platform", "macos", "--system", "--root", r)
t.eq(p.returncode, 2, "--system is refused for launchd")
p = e.run("install", "--platform", "windows", "--root", r)
t.eq(p.returncode, 2, "an unknown --platform is a usage error")
p = e.run("install", "--user", "--system", "--root", r)
t.eq(p.returncode, 2, "--user with --system is a usage error")

# --- without --root: systemctl is run (a fake one), missing or failing ---------------------------
live = Env("live")
live.fake_systemctl(0)
p = live.run("install", "--user", "--room", "r", "--token", SECRET)
live_unit = os.path.join(live.config_home, "systemd", "user", "remote-agents.service")
t.ok(p.returncode == 0 and "Started" in p.stdout, "install runs systemctl and reports the start", p.stdout + p.stderr)
t.eq(live.systemctl_calls(), ["--user daemon-reload", "--user enable remote-agents.service",
                              "--user restart remote-agents.service"], "daemon-reload, enable, restart (user)")
t.contains(p.stdout, "systemctl --user status remote-agents", "status hint")
t.contains(p.stdout, "journalctl --user -u remote-agents -f", "log hint")
t.ok(os.path.isdir(live.data_dir), "the data dir exists before the first start (ReadWritePaths needs it)")
t.ok(os.path.isfile(live_unit), "the unit is in $XDG_CONFIG_HOME/systemd/user")

os.remove(live.log)
live.fake_systemctl(1)
p = live.run("install", "--user", "--room", "r")
t.ok(p.returncode == 1 and "could not start" in p.stderr and "systemctl --user enable --now remote-agents" in p.stderr,
     "a failing systemctl: exit 1, files kept, how to start", p.stdout + p.stderr)
t.ok(os.path.isfile(live_unit), "the unit stays written after a failed start")

p = live.run("install", "--user", "--room", "r", env={"PATH": os.path.join(live.root, "empty")})
t.ok(p.returncode == 1 and "systemctl not found" in p.stderr, "a missing systemctl is reported clearly",
     p.stdout + p.stderr)

p = live.run("install", "--user", "--room", "r", "--no-start")
t.ok(p.returncode == 0 and "Not started" in p.stdout and "systemctl --user enable --now remote-agents" in p.stdout,
     "--no-start writes the files and says how to start", p.stdout + p.stderr)

os.remove(live.log)
p = live.run("uninstall", "--user")
t.ok(p.returncode == 0 and "warning:" in p.stderr and "Service 'remote-agents' uninstalled." in p.stdout,
     "uninstall reports systemctl failures but carries on", p.stdout + p.stderr)
t.eq(live.systemctl_calls(), ["--user disable --now remote-agents.service", "--user daemon-reload"],
     "uninstall: disable --now, then daemon-reload")
t.ok(not os.path.exists(live_unit) and not os.path.exists(os.path.join(live.config_dir, "service.env")),
     "uninstall deletes the unit and the env file")

shutil.rmtree(BASE, ignore_errors=True)
