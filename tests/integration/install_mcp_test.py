"""`remote-agents install-mcp` with the real binary, always in a temporary HOME, XDG_CONFIG_HOME and
working directory (never the real HOME): the client listing, each JSON client's file at its path
with its shape, the connection flags baked into the entry in order, merging into an existing
config (other servers and keys kept, our entry replaced, a .bak of the previous bytes), refusing
configs it cannot merge (file byte-identical, no .bak), the YAML clients' snippets, the macOS paths
(--platform macos), the 0600 mode when the token is written into the file, and --server-name."""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import BIN, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()
EXE = os.path.realpath(BIN)
BASE = tempfile.mkdtemp(prefix="ra-install-mcp-")

IDS = ["claude-desktop", "claude-code", "cursor", "cline", "roo", "kilo", "windsurf", "zed", "opencode", "continue",
       "goose"]
DISPLAY = {"claude-desktop": "Claude Desktop", "claude-code": "Claude Code", "cursor": "Cursor", "cline": "Cline",
           "roo": "Roo Code", "kilo": "Kilo Code", "windsurf": "Windsurf", "zed": "Zed", "opencode": "opencode",
           "continue": "Continue", "goose": "Goose"}
VSCODE = "Code/User/globalStorage"


class Sandbox:
    """A fresh HOME, XDG_CONFIG_HOME (outside HOME, so the two anchors are told apart) and cwd."""
    count = 0

    def __init__(self, xdg=True):
        Sandbox.count += 1
        self.root = os.path.join(BASE, f"s{Sandbox.count}")
        self.home = os.path.join(self.root, "home")
        self.xdg = os.path.join(self.root, "xdg") if xdg else None
        self.cwd = os.path.join(self.root, "project")
        for d in (self.home, self.cwd) + ((self.xdg,) if xdg else ()):
            os.makedirs(d)

    def config_dir(self, macos=False):
        if macos:
            return os.path.join(self.home, "Library", "Application Support")
        return self.xdg or os.path.join(self.home, ".config")

    def path(self, client, macos=False):
        cd = self.config_dir(macos)
        return {
            "claude-desktop": os.path.join(cd, "Claude", "claude_desktop_config.json"),
            "claude-code": os.path.join(self.cwd, ".mcp.json"),
            "cursor": os.path.join(self.home, ".cursor", "mcp.json"),
            "cline": os.path.join(cd, VSCODE, "saoudrizwan.claude-dev", "settings", "cline_mcp_settings.json"),
            "roo": os.path.join(cd, VSCODE, "rooveterinaryinc.roo-cline", "settings", "mcp_settings.json"),
            "kilo": os.path.join(cd, VSCODE, "kilocode.kilo-code", "settings", "mcp_settings.json"),
            "windsurf": os.path.join(self.home, ".codeium", "windsurf", "mcp_config.json"),
            "zed": os.path.join(cd, "zed", "settings.json"),
            "opencode": os.path.join(cd, "opencode", "opencode.json"),
            "continue": os.path.join(self.home, ".continue", "config.yaml"),
            "goose": os.path.join(cd, "goose", "config.yaml"),
        }[client]

    def run(self, *args):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home, "LANG": "C.UTF-8"}
        if self.xdg:
            env["XDG_CONFIG_HOME"] = self.xdg
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        return subprocess.run([BIN, "install-mcp", *args], env=env, cwd=self.cwd, capture_output=True, text=True,
                              timeout=60)

    def files(self):
        """Every file below the sandbox (to check that nothing was written)."""
        out = []
        for d, _, names in os.walk(self.root):
            out += [os.path.join(d, n) for n in names]
        return sorted(out)


def write(path, data, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    if mode is not None:
        os.chmod(path, mode)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def load(path):
    with open(path) as f:
        return json.load(f)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def entry_of(doc, client, name="remote-agents"):
    key = {"zed": "context_servers", "opencode": "mcp"}.get(client, "mcpServers")
    return doc.get(key, {}).get(name)


def argv_of(doc, client, name="remote-agents"):
    """The entry's full command line, whatever its shape."""
    e = entry_of(doc, client, name) or {}
    if client == "opencode":
        return e.get("command")
    return [e.get("command")] + list(e.get("args", []))


# --- listing -------------------------------------------------------------------------------------
s = Sandbox()
r = s.run()
t.eq(r.returncode, 0, "without --client: exit 0")
lines = r.stdout.splitlines()
t.eq(lines[:1], ["Supported clients:"], "listing starts with 'Supported clients:'")
t.eq([ln.split()[0] for ln in lines[1:]], IDS, "listing names all 11 clients in order")
t.contains(r.stdout, "\n  claude-desktop  Claude Desktop — global (Claude config dir)\n",
           "listing line: id padded to 15, display, note")
t.contains(r.stdout, "\n  goose           Goose — YAML — snippet printed\n", "listing line for goose")
t.eq(s.files(), [], "listing writes nothing")

# --- each JSON client creates its file with its shape -------------------------------------------
for client in IDS[:9]:
    s = Sandbox()
    r = s.run("--client", client)
    path = s.path(client)
    if not t.eq(r.returncode, 0, f"{client}: exit 0"):
        t.ok(False, f"{client}: stderr", r.stderr)
        continue
    t.eq(r.stdout.splitlines()[0],
         f"✓ Registered MCP server 'remote-agents' for {DISPLAY[client]} (created {path})",
         f"{client}: the registered line names the display and the created path")
    t.eq(s.files(), [path], f"{client}: only {os.path.relpath(path, s.root)} is written")
    doc = load(path)
    if client == "zed":
        t.eq(doc, {"context_servers": {"remote-agents": {"source": "custom", "command": EXE, "args": ["mcp"],
                                                         "env": {}}}}, "zed: context_servers shape")
    elif client == "opencode":
        t.eq(doc, {"mcp": {"remote-agents": {"type": "local", "command": [EXE, "mcp"], "enabled": True}}},
             "opencode: mcp shape, local, command array, enabled")
    else:
        t.eq(doc, {"mcpServers": {"remote-agents": {"command": EXE, "args": ["mcp"]}}},
             f"{client}: mcpServers shape with the absolute executable")
    t.eq(mode_of(path), 0o644, f"{client}: mode 0644 without a token")
    text = read_bytes(path).decode()
    t.ok(text.endswith("}\n") and '\n  "' in text, f"{client}: pretty-printed, 2-space indent, trailing newline",
         text)

# Without XDG_CONFIG_HOME the config dir is ~/.config.
s = Sandbox(xdg=False)
r = s.run("--client", "claude-desktop")
t.ok(r.returncode == 0 and os.path.exists(os.path.join(s.home, ".config/Claude/claude_desktop_config.json")),
     "no XDG_CONFIG_HOME: ~/.config/Claude/claude_desktop_config.json", r.stderr)

# --- connection flags -----------------------------------------------------------------------------
s = Sandbox()
r = s.run("--no-agent", "--profile", "minimal", "--tags", "web,db", "--name", "n1", "--room", "room-1",
          "--relay", "wss://relay.example/ws", "--client", "cursor", "--log-level", "warn")
t.eq(r.returncode, 0, "flags: exit 0")
t.eq(argv_of(load(s.path("cursor")), "cursor"),
     [EXE, "mcp", "--relay", "wss://relay.example/ws", "--room", "room-1", "--name", "n1", "--tags", "web,db",
      "--profile", "minimal", "--no-agent"],
     "flags baked in the reference order (relay room name tags), --profile after --tags, --no-agent last")
s = Sandbox()
r = s.run("--client", "opencode", "--room", "r", "--no-agent")
t.eq(argv_of(load(s.path("opencode")), "opencode"), [EXE, "mcp", "--room", "r", "--no-agent"],
     "opencode: flags inside the command array")
r = s.run("--client", "cursor", "--profile", "huge")
t.ok(r.returncode == 2 and "--profile" in r.stderr and not os.path.exists(s.path("cursor")),
     "bad --profile: exit 2, nothing written", r.stderr)
r = s.run("--client", "cursor", "--platform", "windows")
t.ok(r.returncode == 2 and "--platform" in r.stderr, "bad --platform: exit 2", r.stderr)
r = s.run("--client", "cursor", "extra")
t.eq(r.returncode, 2, "a positional argument: exit 2")

# --- token: the file is the owner's alone ----------------------------------------------------------
s = Sandbox()
r = s.run("--client", "windsurf", "--token", "s3cret", "--room", "r")
path = s.path("windsurf")
t.eq(r.returncode, 0, "token: exit 0")
t.eq(mode_of(path), 0o600, "token: new file is 0600")
t.contains(r.stdout, "token", "token: the output says the token is in the file")
t.contains(r.stdout, "0600", "token: the output gives the mode")
t.eq(argv_of(load(path), "windsurf"), [EXE, "mcp", "--room", "r", "--token", "s3cret"], "token: baked after --room")
s = Sandbox()
write(s.path("cursor"), "{}\n", 0o640)
r = s.run("--client", "cursor", "--token", "s3cret")
t.eq(mode_of(s.path("cursor")), 0o640, "token: an existing file keeps its mode")
t.contains(r.stderr, "warning", "token: a warning when the existing file is readable by others")
t.eq(mode_of(s.path("cursor") + ".bak"), 0o640, "the .bak gets the original's mode")
s = Sandbox()
r = s.run("--client", "claude-code", "--token", "s3cret")
t.ok(r.returncode == 0 and mode_of(os.path.join(s.cwd, ".mcp.json")) == 0o600 and "version control" in r.stderr,
     "claude-code with a token: 0600 and a warning about committing .mcp.json", r.stderr)

# --- merge -----------------------------------------------------------------------------------------
s = Sandbox()
path = s.path("claude-desktop")
before = ('{"globalShortcut": "Ctrl+Space",\n "mcpServers": {"other": {"command": "/bin/other", "args": ["x"]},\n'
          '  "remote-agents": {"command": "/old/remote-agents", "args": ["mcp", "--room", "old"]}},\n'
          ' "nested": {"a": [1, 2.5, null, true, "é"]}}')
write(path, before, 0o600)
r = s.run("--client", "claude-desktop", "--room", "new")
t.eq(r.returncode, 0, "merge: exit 0")
t.contains(r.stdout, f"(merged into {path})", "merge: 'merged into' in the registered line")
t.contains(r.stdout, f"{path}.bak", "merge: the backup's path is printed")
doc = load(path)
t.eq(doc["globalShortcut"], "Ctrl+Space", "merge: unrelated top-level key kept")
t.eq(doc["nested"], {"a": [1, 2.5, None, True, "é"]}, "merge: nested values kept")
t.eq(doc["mcpServers"]["other"], {"command": "/bin/other", "args": ["x"]}, "merge: other server kept")
t.eq(doc["mcpServers"]["remote-agents"], {"command": EXE, "args": ["mcp", "--room", "new"]},
     "merge: our entry replaced")
t.eq(list(doc["mcpServers"]), ["other", "remote-agents"], "merge: our entry replaced in place")
t.eq(read_bytes(path + ".bak"), before.encode(), "merge: .bak holds the previous bytes")
t.eq(mode_of(path), 0o600, "merge: the file keeps its mode")
second = read_bytes(path)
r = s.run("--client", "claude-desktop", "--server-name", "fleet-b")
t.eq(read_bytes(path + ".bak"), second, "merge again: .bak overwritten with the latest previous bytes")
doc = load(path)
t.eq(sorted(doc["mcpServers"]), ["fleet-b", "other", "remote-agents"], "--server-name adds a second entry")
t.eq(doc["mcpServers"]["fleet-b"], {"command": EXE, "args": ["mcp"]}, "--server-name: the entry under that key")
t.contains(r.stdout, "MCP server 'fleet-b'", "--server-name: named in the output")
t.eq(sorted(os.listdir(os.path.dirname(path))), ["claude_desktop_config.json", "claude_desktop_config.json.bak"],
     "no temporary files left beside the config")

for content, what in (("", "empty"), ("  \n\t\n", "whitespace-only")):
    s = Sandbox()
    write(s.path("zed"), content)
    r = s.run("--client", "zed")
    t.ok(r.returncode == 0 and "merged into" in r.stdout, f"{what} file: treated as {{}}", r.stderr)
    t.eq(list(load(s.path("zed"))), ["context_servers"], f"{what} file: only our container afterwards")
    t.eq(os.path.exists(s.path("zed") + ".bak"), bool(content), f"{what} file: .bak only when it had bytes")

# A symlinked config (dotfiles) is updated through the link.
s = Sandbox()
real = os.path.join(s.root, "dotfiles", "mcp.json")
write(real, '{"mcpServers": {}}')
os.makedirs(os.path.join(s.home, ".cursor"))
os.symlink(real, s.path("cursor"))
r = s.run("--client", "cursor")
t.ok(r.returncode == 0 and os.path.islink(s.path("cursor")) and "remote-agents" in load(real)["mcpServers"],
     "symlinked config: the link stays, its target is updated", r.stderr)

# --- refusals: file byte-identical, no .bak --------------------------------------------------------
REFUSALS = [
    ("malformed", "cursor", '{\n  "mcpServers": {\n    "a": {"command": "x"},,\n  }\n}\n', ":3:", "not valid JSON"),
    ("comments (zed)", "zed", '// Zed settings\n{\n  "theme": "One Dark"\n}\n', ":1:1:", "not valid JSON"),
    ("truncated", "opencode", '{"mcp": {', "", "not valid JSON"),
    ("root array", "cursor", '[{"mcpServers": {}}]', "", "existing config root is not a JSON object"),
    ("root string", "cline", '"x"', "", "existing config root is not a JSON object"),
    ("container array", "roo", '{"mcpServers": []}', "", "existing 'mcpServers' is not a JSON object"),
    ("container null", "zed", '{"context_servers": null}', "", "existing 'context_servers' is not a JSON object"),
    ("container string", "opencode", '{"mcp": "no"}', "", "existing 'mcp' is not a JSON object"),
]
for what, client, content, pos, message in REFUSALS:
    s = Sandbox()
    path = s.path(client)
    write(path, content, 0o640)
    r = s.run("--client", client, "--token", "t")
    t.eq(r.returncode, 2, f"{what}: exit 2")
    t.contains(r.stderr, f"remote-agents: {path}{pos}", f"{what}: the error names the file" +
               (" and the position" if pos else ""))
    t.contains(r.stderr, message, f"{what}: says why")
    t.contains(r.stderr, "refusing to overwrite it", f"{what}: says it refused")
    t.eq(read_bytes(path), content.encode(), f"{what}: file byte-identical")
    t.eq(mode_of(path), 0o640, f"{what}: mode unchanged")
    t.eq(s.files(), [path], f"{what}: no .bak or temp file written")

# --- YAML clients: printed, nothing written ------------------------------------------------------
s = Sandbox()
r = s.run("--client", "continue", "--room", 'r "1"', "--no-agent")
t.eq(r.returncode, 0, "continue: exit 0")
t.eq(r.stdout,
     f"Continue uses YAML. Add this to {s.path('continue')}:\n\n"
     f'mcpServers:\n  - name: remote-agents\n    command: "{EXE}"\n    args:\n      - "mcp"\n'
     f'      - "--room"\n      - "r \\"1\\""\n      - "--no-agent"\n',
     "continue: the snippet, values double-quoted with escapes")
t.eq(s.files(), [], "continue: nothing written")
r = s.run("--client", "goose", "--server-name", "fleet")
t.eq(r.stdout,
     f"Goose uses YAML. Add this to {s.path('goose')}:\n\n"
     f'extensions:\n  fleet:\n    enabled: true\n    type: stdio\n    cmd: "{EXE}"\n    args:\n      - "mcp"\n',
     "goose: the snippet under extensions.<server-name>")
t.eq(s.files(), [], "goose: nothing written")

# --- unknown client ----------------------------------------------------------------------------
s = Sandbox()
r = s.run("--client", "vim")
t.eq(r.returncode, 2, "unknown client: exit 2")
t.contains(r.stderr, "remote-agents: unknown client 'vim'. Supported:\n  claude-desktop ",
           "unknown client: the error lists the clients")
t.ok(all(i in r.stderr for i in IDS), "unknown client: all ids listed", r.stderr)
t.eq(s.files(), [], "unknown client: nothing written")

# --- macOS paths -------------------------------------------------------------------------------
for client in ("claude-desktop", "cline", "roo", "kilo", "zed", "opencode", "cursor", "windsurf", "claude-code"):
    s = Sandbox()
    r = s.run("--client", client, "--platform", "macos")
    path = s.path(client, macos=True)
    t.ok(r.returncode == 0 and s.files() == [path] and entry_of(load(path), client) is not None,
         f"--platform macos: {client} at {os.path.relpath(path, s.root)}", r.stderr + repr(s.files()))
s = Sandbox()
r = s.run("--client", "goose", "--platform", "macos")
t.contains(r.stdout, f"Add this to {s.home}/Library/Application Support/goose/config.yaml:",
           "--platform macos: goose's path")
s = Sandbox()
r = s.run("--client", "zed", "--platform", "linux")
t.ok(r.returncode == 0 and os.path.exists(os.path.join(s.xdg, "zed", "settings.json")),
     "--platform linux: XDG_CONFIG_HOME", r.stderr)

shutil.rmtree(BASE, ignore_errors=True)
