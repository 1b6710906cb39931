"""The built binaries carry the hardening the build promises: PIE, full RELRO (BIND_NOW), stack
canaries, and fortified libc calls in optimised builds (readelf, no guessing)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import BIN, PLUGIN_PATH, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()
fortify_expected = os.environ.get("RA_EXPECT_FORTIFY", "0") == "1"
hardening = os.environ.get("RA_HARDENING", "1") == "1"
targets = [BIN]
exec_so = [os.path.join(d, "ra-exec.so") for d in PLUGIN_PATH.split(":") if os.path.exists(os.path.join(d, "ra-exec.so"))]
targets += exec_so[:1]

if not hardening:
    t.ok(True, "hardening disabled in this build (-Dhardening=disabled): nothing to check")
    sys.exit(0)

for path in targets:
    name = os.path.basename(path)
    header = subprocess.run(["readelf", "-h", path], capture_output=True, text=True).stdout
    dynamic = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
    segments = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout
    symbols = subprocess.run(["readelf", "--dyn-syms", "-W", path], capture_output=True, text=True).stdout
    t.ok("DYN (" in header, f"{name}: position independent (ELF type DYN)", header)
    if path == BIN:
        t.ok("PIE" in dynamic, f"{name}: FLAGS_1 has PIE", dynamic)
    t.ok("BIND_NOW" in dynamic or "(NOW)" in dynamic, f"{name}: BIND_NOW (full RELRO)", dynamic)
    t.ok("GNU_RELRO" in segments, f"{name}: GNU_RELRO segment")
    t.ok("GNU_STACK" in segments and "RWE" not in [l.split()[-2] for l in segments.splitlines() if "GNU_STACK" in l],
         f"{name}: non-executable stack")
    t.ok("__stack_chk_fail" in symbols, f"{name}: stack protector (canary) present")
    if fortify_expected and path == BIN:
        t.ok("_chk@" in symbols, f"{name}: fortified libc calls (_FORTIFY_SOURCE)", symbols[:2000])
