"""The local CLI end to end: tools, call, built-in tools, exit codes, bad input, the mode switch."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import Host, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()
h = Host(plugins=("exec",), mode="edit")

p = h.run("--version")
t.ok(p.returncode == 0 and p.stdout.startswith("remote-agents "), "--version prints the version", p)
p = h.run("--help")
t.ok(p.returncode == 0 and "call <tool>" in p.stdout, "--help lists the verbs")
p = h.run("frobnicate")
t.ok(p.returncode == 2 and "unknown command 'frobnicate'" in p.stderr, "unknown verb: exit 2 and a clear line", p)
p = h.run("call", "--bogus-flag")
t.ok(p.returncode == 2 and "unknown option '--bogus-flag'" in p.stderr, "unknown option: exit 2", p)

# tools
p = h.run("tools")
t.ok(p.returncode == 0, "tools exits 0", p.stderr)
for name in ("exec", "get_info", "set_mode", "list_agents"):
    t.contains(p.stdout, name, f"tools lists {name}")
p = h.run("tools", "--json")
doc = json.loads(p.stdout)
t.eq([pl["id"] for pl in doc["plugins"]], ["exec"], "tools --json lists the loaded plugin")
t.ok(all(tool["inputSchema"]["type"] == "object" for tool in doc["tools"]), "every input schema is an object schema")
execd = next(x for x in doc["tools"] if x["name"] == "exec")
t.eq(execd["permission"], "exec", "exec declares the exec permission class")
t.ok(execd["annotations"]["destructiveHint"] and not execd["annotations"]["readOnlyHint"], "exec annotations")
t.ok("outputSchema" in execd, "exec has an output schema")

# call exec
p = h.run("call", "exec", '{"command":"echo hello; echo oops >&2"}')
t.eq(p.returncode, 0, "call exec: exit 0 for a successful command")
t.eq(p.stdout, "hello\n", "call exec: the command's stdout on stdout, byte for byte")
t.ok("oops" in p.stderr and "[exit code: 0" in p.stderr, "call exec: stderr and the trailer on stderr", p.stderr)
p = h.run("call", "exec", '{"command":"exit 7"}')
t.eq(p.returncode, 1, "call exec: a failing command makes the CLI exit 1")
code, out, err = h.call("exec", {"command": "exit 7"})
t.ok(out and out["result"]["exit_code"] == 7 and out["result"]["success"] is False, "exit code 7 reported", out)
p = h.run("call", "exec", '{"command":"uname -s"}')
t.eq(p.stdout.strip(), "Linux", "the issue's example: call exec uname")

# built-ins
code, out, err = h.call("get_info")
t.ok(code == 0 and out["result"]["name"] == "test-host", "get_info reports the configured name", (code, out, err))
with open(h.agent_id_file()) as f:
    persisted = f.read().strip()
t.eq(out["result"]["id"], persisted, "get_info's id is the persisted agent-id")
t.eq(out["result"]["mode"], "edit", "get_info reports the mode")
t.eq([x["id"] for x in out["result"]["plugins"]], ["exec"], "get_info lists loaded plugins")
code, out, err = h.call("list_agents")
t.ok(code == 0 and len(out["result"]["agents"]) == 1, "list_agents without a relay: this host", out)

# bad input: one clear message, non-zero exit
p = h.run("call", "exec", "{not json")
t.ok(p.returncode == 2 and "invalid JSON at offset" in p.stderr, "invalid JSON args: exit 2 and where", p.stderr)
p = h.run("call", "exec", '{"command":"true","timeout_ms":"soon"}')
t.ok(p.returncode == 2 and "timeout_ms" in p.stderr and "integer" in p.stderr, "schema violation names the argument", p.stderr)
p = h.run("call", "exec", '{"cmd":"true"}')
t.ok(p.returncode == 2 and "missing required argument 'command'" in p.stderr, "missing argument is named", p.stderr)
p = h.run("call", "exec", '{"command":"true","colour":"red"}')
t.ok(p.returncode == 2 and "'colour'" in p.stderr, "unknown argument is named", p.stderr)
p = h.run("call", "exec", "[1,2]")
t.ok(p.returncode == 2 and "must be a JSON object" in p.stderr, "non-object args refused", p.stderr)
p = h.run("call", "no_such_tool", "{}")
t.ok(p.returncode == 2 and "unknown tool 'no_such_tool'" in p.stderr, "unknown tool: exit 2", p.stderr)
p = h.run("call", "exec", '{"command":"rm -rf /"}')
t.ok(p.returncode == 3 and "hard deny" in p.stderr, "hard-denied command: exit 3 with the reason", p.stderr)
p = h.run("call", "exec", '{"command":"rm -rf /tmp/ra-test-nonexistent-dir"}')
t.eq(p.returncode, 0, "rm -rf of a /tmp path is not caught by a naive substring (reference bug 17.9)")

# mode: the operator's local switch, and set_mode through the dispatch path
p = h.run("mode")
t.eq(p.stdout.strip(), "edit", "mode shows the config's mode")
code, out, err = h.call("set_mode", {"mode": "plan"})
t.ok(code == 0 and out["result"]["mode"] == "plan", "set_mode plan locally", (code, out, err))
p = h.run("mode")
t.eq(p.stdout.strip(), "plan", "the mode file now says plan (machine-wide)")
code, out, err = h.call("exec", {"command": "touch newfile"})
t.eq(code, 3, "plan mode refuses a writing command (exit 3)")
t.ok(not os.path.exists(os.path.join(h.work, "newfile")), "and nothing was written")
code, out, err = h.call("set_mode", {"mode": "turbo"})
t.ok(code == 2 and "must be one of" in out["message"], "an invalid mode is refused with the allowed values", out)
p = h.run("mode", "disabled")
t.ok(p.returncode == 0, "mode disabled (operator)")
code, out, err = h.call("exec", {"command": "echo hi"})
t.ok(code == 3 and "disabled" in out["message"], "disabled host refuses exec", out)
code, out, err = h.call("set_mode", {"mode": "edit"})
t.eq(code, 3, "a disabled host refuses set_mode through the tool")
code, out, err = h.call("get_info")
t.ok(code == 0 and out["result"]["mode"] == "disabled", "get_info still answers on a disabled host", out)
p = h.run("mode", "edit")
code, out, err = h.call("exec", {"command": "echo back"})
t.ok(code == 0 and out["result"]["stdout"] == "back\n", "the operator re-enabled it locally", out)
