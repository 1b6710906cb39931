"""A minimal hardened production build: every enabled plugin linked into the binary (no dlopen),
git switched off. Configures and builds a second tree, then checks the binary runs its built-in
exec plugin with no plugin files anywhere."""
import os
import subprocess
import sys
import shutil

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import BUILD_ROOT, SOURCE_ROOT, Host, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()
# Beside the main build dir (and kept, like it): the same relative paths let ccache reuse the main
# build's objects, so only what the static switch changes is compiled again.
build = BUILD_ROOT + "-static"
if True:
    env = dict(os.environ, CCACHE_BASEDIR=SOURCE_ROOT, CCACHE_NOHASHDIR="1")
    if os.path.exists(build) and not os.path.exists(os.path.join(build, "build.ninja")):
        shutil.rmtree(build)
    setup = ["meson", "setup"] + (["--reconfigure"] if os.path.exists(build) else [])
    p = subprocess.run(setup + [build, SOURCE_ROOT, "-Dstatic-plugins=true", "-Dplugin-git=disabled",
                                "-Dtests=disabled", "-Dexamples=false"], env=env, capture_output=True, text=True)
    t.ok(p.returncode == 0, "meson setup -Dstatic-plugins=true -Dplugin-git=disabled", p.stdout[-2000:] + p.stderr)
    p = subprocess.run(["ninja", "-C", build], env=env, capture_output=True, text=True)
    t.ok(p.returncode == 0, "the static build compiles", p.stdout[-3000:])
    exe = os.path.join(build, "remote-agents")
    sos = [f for dp, _, fs in os.walk(build) for f in fs if f.startswith("ra-") and f.endswith(".so")]
    t.eq(sos, [], "no plugin shared objects are built")
    symbols = subprocess.run(["readelf", "-sW", exe], capture_output=True, text=True).stdout
    t.contains(symbols, "ra_plugin_entry__exec", "the exec plugin's entry is linked into the binary")

    h = Host(plugins=("exec",), mode="edit")
    env_no_plugins = {"RA_PLUGIN_PATH": ""}
    p = subprocess.run([exe, "tools", "--json"], env=h.env(env_no_plugins), capture_output=True, text=True)
    t.ok(p.returncode == 0 and '"origin":"(built in)"' in p.stdout, "exec loads from inside the binary", p.stdout + p.stderr)
    p = subprocess.run([exe, "call", "exec", '{"command":"echo static"}'], env=h.env(env_no_plugins),
                       cwd=h.work, capture_output=True, text=True)
    t.ok(p.returncode == 0 and p.stdout == "static\n", "and runs commands", p)
    h.write_config('[plugins.git]\nload = "required"\n')
    p = subprocess.run([exe, "tools"], env=h.env(env_no_plugins), capture_output=True, text=True)
    t.ok(p.returncode == 2 and "plugin 'git' refused" in p.stderr, "a plugin left out of the build is refused clearly", p.stderr)
