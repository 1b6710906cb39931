"""A third party's view of the SDK: `meson install` to a temp prefix, build sdk/examples/hello out
of tree with only pkg-config's help, then have the daemon load and call the result."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import BUILD_ROOT, SOURCE_ROOT, Host, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()
root = tempfile.mkdtemp(prefix="ra-sdk-")
try:
    dest = os.path.join(root, "dest")
    p = subprocess.run(["meson", "install", "-C", BUILD_ROOT, "--destdir", dest, "--no-rebuild", "--quiet"],
                       capture_output=True, text=True)
    t.ok(p.returncode == 0, "meson install into a temp destdir", p.stdout + p.stderr)
    pcs = [os.path.join(dp, f) for dp, _, fs in os.walk(dest) for f in fs if f == "remote-agents-sdk.pc"]
    t.ok(len(pcs) == 1, "remote-agents-sdk.pc is installed", pcs)
    headers = [f for dp, _, fs in os.walk(dest) for f in fs if f in ("plugin.h", "host.h", "plugin.hpp")]
    t.eq(sorted(headers), ["host.h", "plugin.h", "plugin.hpp"], "the SDK headers are installed")
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]), PKG_CONFIG_SYSROOT_DIR=dest)
    p = subprocess.run(["pkg-config", "--cflags", "remote-agents-sdk"], env=env, capture_output=True, text=True)
    t.ok(p.returncode == 0 and dest in p.stdout, "pkg-config --cflags points into the install", p.stdout + p.stderr)

    src = os.path.join(root, "hello")
    os.makedirs(src)
    shutil.copy(os.path.join(SOURCE_ROOT, "sdk/examples/hello/hello_plugin.cpp"), src)
    shutil.copy(os.path.join(SOURCE_ROOT, "sdk/examples/hello/standalone.meson"), os.path.join(src, "meson.build"))
    p = subprocess.run(["meson", "setup", os.path.join(src, "build"), src], env=env, capture_output=True, text=True)
    t.ok(p.returncode == 0, "out-of-tree meson setup against the installed SDK", p.stdout[-3000:] + p.stderr)
    p = subprocess.run(["ninja", "-C", os.path.join(src, "build")], env=env, capture_output=True, text=True)
    so = os.path.join(src, "build", "ra-hello.so")
    t.ok(p.returncode == 0 and os.path.exists(so), "out-of-tree build produces ra-hello.so", p.stdout[-3000:])

    h = Host(plugins=())
    h.write_config(f'[plugins.hello]\nload = "required"\npath = "{so}"\n')
    code, out, err = h.call("hello", {"name": "third party"})
    t.ok(code == 0 and out["result"]["greeting"] == "hello, third party!", "the daemon loads and calls it", (out, err))
finally:
    shutil.rmtree(root, ignore_errors=True)
