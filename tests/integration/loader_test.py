"""The plugin loader against real shared objects: every refusal rule proven by a deliberately
broken fake plugin, required vs optional, the hello example, and the frozen v1.0 plugin."""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import PLUGIN_PATH, Host, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()

# The host's own minor, from the SDK header this build used.
with open(os.path.join(os.path.dirname(__file__), "..", "..", "sdk", "include", "remote_agents", "version.h")) as f:
    HOST_MINOR = re.search(r"#define RA_ABI_MINOR (\d+)", f.read()).group(1)

refusals = {
    "fake-bad-abi": f"built for ABI 2.1, host speaks 1.{HOST_MINOR}",
    "fake-no-entry": "has no entry symbol 'ra_plugin_entry'",
    "fake-id-mismatch": "id mismatch: the file declares 'somebody-else', the config names 'fake-id-mismatch'",
    "fake-dup-tool": "duplicate tool name 'exec' (already provided by 'exec')",
    "fake-dup-within": "duplicate tool name 'fake_tool' within 'fake-dup-within'",
    "fake-bad-schema": "malformed input schema",
    "fake-schema-not-object": "schema root must have \"type\": \"object\"",
    "fake-bad-name": "tool name 'Bad Name!' is malformed",
    "fake-reserved-perm": "which plugins may not use",
    # exec_sandboxed (R36) is a 1.2 class: a plugin built for 1.1 cannot declare it.
    "fake-sandboxed-old": "declares permission class 5, which plugins may not use",
    "fake-create-fails": "create() failed: this fake always fails to create",
    "fake-start-fails": "start() returned failed_precondition",
    "fake-not-there": "ra-fake-not-there.so not found",
}
for plugin, reason in refusals.items():
    h = Host(plugins=("exec", plugin))
    p = h.run("tools")
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    t.ok(p.returncode == 2 and reason in p.stderr and len(lines) == 1,
         f"required {plugin}: start-up stops with one clear line", p.stderr)
    t.contains(p.stderr, f"plugin '{plugin}' refused", f"{plugin}: the line names the plugin")
    h = Host(plugins=("exec",))
    h.write_config(f'[plugins.exec]\nload = "required"\n[plugins.{plugin}]\nload = "optional"\n')
    p = h.run("tools", "--log-level", "warn")
    t.ok(p.returncode == 0 and reason in p.stderr and "optional plugin skipped" in p.stderr,
         f"optional {plugin}: one warning, start-up continues", p.stderr)
    t.contains(p.stdout, "exec", f"optional {plugin}: the other plugins still load")

# A group- or world-writable plugin file is refused.
h = Host(plugins=())
hello_dir = next(d for d in PLUGIN_PATH.split(":") if os.path.exists(os.path.join(d, "ra-hello.so")))
copy = os.path.join(h.root, "plugins")
os.makedirs(copy)
shutil.copy(os.path.join(hello_dir, "ra-hello.so"), copy)
os.chmod(os.path.join(copy, "ra-hello.so"), 0o775)
h.write_config(f'[plugins.hello]\nload = "required"\npath = "{copy}/ra-hello.so"\n')
p = h.run("tools")
t.ok(p.returncode == 2 and "group- or world-writable" in p.stderr, "group-writable plugin refused", p.stderr)
os.chmod(os.path.join(copy, "ra-hello.so"), 0o755)
p = h.run("call", "hello", '{"name":"tests"}')
t.ok(p.returncode == 0 and "hello, tests!" in p.stdout, "the same file loads once it is 0755", p)

# Disabled plugins are not loaded; unknown ids malformed are refused.
h = Host(plugins=())
h.write_config('[plugins.exec]\nload = "disabled"\n[plugins.hello]\nload = "required"\n[plugins.hello.config]\ngreeting = "hi"\n')
code, out, err = h.call("hello", {"name": "you"})
t.ok(code == 0 and out["result"]["greeting"] == "hi, you!", "hello loads with its own config table", (out, err))
code, out, err = h.call("exec", {"command": "true"})
t.ok(code == 2 and "unknown tool 'exec'" in out["message"], "a disabled plugin's tools do not exist", out)
h.write_config('[plugins."../evil"]\nload = "required"\n')
p = h.run("tools")
t.ok(p.returncode == 2 and ("malformed plugin id" in p.stderr or "../evil" in p.stderr), "path-like plugin ids are refused", p.stderr)

# The frozen v1.0 plugin keeps loading and working.
h = Host(plugins=("frozen-v1-0",))
code, out, err = h.call("frozen_echo", {"a": 1})
t.ok(code == 0 and out["result"] == {"echo": {"a": 1}}, "a plugin built against the frozen 1.0 headers works", (out, err))

# A plugin completing twice: the host keeps the first completion and logs the misbehaviour.
h = Host(plugins=("fake-double-complete",))
code, out, err = h.call("fake_tool", {"x": 1})
t.ok(code == 0 and out["result"] == {"fake": True}, "the first completion wins", out)
t.ok("misbehaving" in err, "the second completion is logged as misbehaviour", err)
code, out, err = h.call("fake_tool", {"x": "nope"})
t.ok(code == 2 and "/x" in out["message"], "arguments are schema-checked before a plugin sees them", out)
