"""The relay's door and the transport: wss:// end to end with a certificate made at test time,
an agent that does not trust the relay's certificate, and the relay's own access token (which is
not the room token). A refused agent keeps retrying and never exits."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import Agent, Controller, Relay, Tap, require_binary  # noqa: E402

require_binary()
tap = Tap()
ROOM, TOKEN = "access-test", "room token for the access test 0123456789"

tls_dir = tempfile.mkdtemp(prefix="ra-tls-")
cert, key = os.path.join(tls_dir, "cert.pem"), os.path.join(tls_dir, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", key, "-out", cert], check=True, capture_output=True)


def log_has(path, text, seconds=20):
    """Waits (bounded) until the agent's log contains `text`: the log is what an operator reads."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with open(path) as f:
            if text in f.read():
                return True
        time.sleep(0.1)
    return False


# --- wss:// end to end -------------------------------------------------------------------------
relay = Relay("--tls-cert", cert, "--tls-key", key, "--token", "relay-door-key")
wss = relay.url.replace("ws://", "wss://")
relay.url = wss
trust = {"SSL_CERT_FILE": cert}
agent = Agent(relay, ROOM, TOKEN, "tls-host", mode="plan", env={**trust, "REMOTE_AGENTS_RELAY_TOKEN": "relay-door-key"})
ctl = Controller(relay, ROOM, TOKEN)
p = ctl.run(*ctl.conn, "--relay-token", "relay-door-key", "exec", "--target", "tls-host", "--", "echo", "over tls",
            env=trust)
tap.eq(p.returncode, 0, "exec through a wss:// relay")
tap.contains(p.stdout, "over tls", "the output came back over TLS")

# --- the relay's access token ------------------------------------------------------------------
p = ctl.run(*ctl.conn, "agents", env=trust)
tap.ok(p.returncode != 0 and "could not join" in p.stderr, "without the relay token a controller cannot join",
       p.stderr)
refused = Agent(relay, ROOM, TOKEN, "refused-host", env={**trust, "REMOTE_AGENTS_RELAY_TOKEN": "not-the-door-key-7f3a"}, wait=False)
tap.ok(log_has(refused.log_path, "relay access token"), "a wrong relay token is logged as such")
tap.ok(refused.proc.poll() is None, "and the agent keeps running (it retries, slowly)")
with open(refused.log_path) as f:
    text = f.read()
tap.ok("door-key" not in text,
       "no token appears in the log", text[-1500:])
tap.ok(TOKEN not in text, "the room token never appears in the log")
refused.stop()

# --- an untrusted certificate ------------------------------------------------------------------
untrusting = Agent(relay, ROOM, TOKEN, "no-trust", env={"REMOTE_AGENTS_RELAY_TOKEN": "relay-door-key"}, wait=False)
tap.ok(log_has(untrusting.log_path, "certificate verify failed"), "an untrusted relay certificate is refused, clearly")
tap.ok(untrusting.proc.poll() is None, "the agent does not exit; it retries")
untrusting.stop()
agent.stop()
tap.eq(agent.proc.returncode, 0, "the TLS agent stops cleanly")
