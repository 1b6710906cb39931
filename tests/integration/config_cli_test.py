"""Config and identity through the CLI: init, config (masked), config check (file:line:col and
did-you-mean), resolution order flag > env > file > default, the persistent agent id."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import SOURCE_ROOT, Host, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()

# init on a clean host writes the commented template, with 0600, and refuses to overwrite.
h = Host(plugins=())
os.remove(h.config_path)
p = h.run("init")
t.ok(p.returncode == 0 and "Config initialized at" in p.stdout, "init writes the config", p)
t.ok(os.path.exists(h.config_path), "the config file exists")
t.eq(oct(os.stat(h.config_path).st_mode & 0o777), "0o600", "init's file is 0600")
with open(h.config_path) as f:
    written = f.read()
with open(os.path.join(SOURCE_ROOT, "config", "remote-agents.toml")) as f:
    t.eq(written, f.read(), "init writes exactly config/remote-agents.toml")
t.ok(not re.search(r"^id\s*=", written, re.M), "init does not pin an explicit id (reference bug 17.35)")
p = h.run("init")
t.ok(p.returncode == 2 and "already exists" in p.stderr, "a second init refuses to overwrite", p.stderr)
p = h.run("config", "check")
t.ok(p.returncode == 0 and "OK (0 warnings)" in p.stdout, "the template passes config check with no warning", p)

# config masks secrets
h.write_config('token = "s3cret-room-token"\nroom = "r1"\n[security]\nencryption_key = "k3y"\n')
p = h.run("config")
t.ok(p.returncode == 0, "config prints", p.stderr)
t.ok("s3cret" not in p.stdout and "k3y" not in p.stdout and '"***"' in p.stdout, "config masks token and key", p.stdout)
t.contains(p.stdout, 'room = "r1"', "config shows other settings")

# config check: syntax errors with file:line:col, unknown keys with did-you-mean
h.write_config('name = "x"\n[security]\nmode = "plan"\nmax_file_size = \n')
p = h.run("config", "check")
t.ok(p.returncode == 2 and re.search(re.escape(h.config_path) + r":4:\d+: ", p.stderr), "syntax error: file:line:col", p.stderr)
h.write_config('name = "x"\n[secutiry]\nmode = "plan"\n')
p = h.run("config", "check")
t.ok(p.returncode == 0 and "did you mean 'security'" in p.stderr and ":2:" in p.stderr, "unknown table: warning with did-you-mean", p.stderr)
h.write_config('[security]\nmode = "turbo"\n')
p = h.run("config", "check")
t.ok(p.returncode == 2 and ":2:" in p.stderr and "turbo" in p.stderr, "a bad mode value is an error at its line", p.stderr)
h.write_config('tags = 5\n')
p = h.run("config", "check")
t.ok(p.returncode == 2 and ":1:" in p.stderr, "a wrong type is an error at its line", p.stderr)
bad = os.path.join(h.root, "other.toml")
with open(bad, "w") as f:
    f.write("[plugins.exec]\nload = \"maybe\"\n")
p = h.run("config", "check", bad)
t.ok(p.returncode == 2 and bad + ":2:" in p.stderr, "config check FILE checks that file", p.stderr)
p = h.run("--config", "/nonexistent.toml", "config")
t.ok(p.returncode == 2 and "/nonexistent.toml" in p.stderr, "a missing --config file is an error", p.stderr)

# resolution: flag > env > file > default
h = Host(plugins=())
h.write_config('name = "from-file"\n')
code, out, err = h.call("get_info")
t.eq(out["result"]["name"], "from-file", "file beats default")
code, out, err = h.call("get_info", env={"REMOTE_AGENTS_NAME": "from-env"})
t.eq(out["result"]["name"], "from-env", "env beats file")
code, out, err = h.call("get_info", {}, "--name", "from-flag", env={"REMOTE_AGENTS_NAME": "from-env"})
t.eq(out["result"]["name"], "from-flag", "flag beats env")
code, out, err = h.call("get_info", env={"REMOTE_AGENTS_NAME": ""})
t.eq(out["result"]["name"], "from-file", "an empty env var is ignored")
code, out, err = h.call("get_info", {}, "--tags", "web, db,,x")
t.eq(out["result"]["tags"], ["web", "db", "x"], "--tags is split, trimmed, empties dropped")

# identity: persistent, and never re-minted because of a broken config
code, out, err = h.call("get_info")
first = out["result"]["id"]
code, out, err = h.call("get_info")
t.eq(out["result"]["id"], first, "the agent id persists across runs")
h.write_config('name = "x\n')  # unterminated string
code, out, err = h.call("get_info")
t.eq(code, 2, "a broken config stops the command")
with open(h.agent_id_file()) as f:
    t.eq(f.read().strip(), first, "a broken config does not mint a new identity")
h.write_config('id = "pinned-id"\n')
code, out, err = h.call("get_info")
t.eq(out["result"]["id"], "pinned-id", "an explicit id in the file wins")
with open(h.agent_id_file(), "w") as f:
    f.write("")
h.write_config('name = "y"\n')
code, out, err = h.call("get_info")
t.ok(code == 2, "an empty agent-id file is an error, not a silent new identity", (code, err))
