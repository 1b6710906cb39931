"""The backup-before-write host service (host->backup) as a plugin uses it: copies in edit mode
with per-file retention, nothing in bypass, write tools refused in plan, deny lists first."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import Host, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()
h = Host(plugins=())
f = os.path.join(h.work, "notes.txt")
backups = os.path.join(h.root, "backups")
secret = os.path.join(h.work, "secret")
os.makedirs(secret)


def configure(mode, keep=2):
    h.write_config(f'[security]\nmode = "{mode}"\nbackup_dir = "{backups}"\nmax_backup_versions = {keep}\n'
                   f'denied_paths = ["{secret}"]\n[plugins.exec]\nload = "disabled"\n'
                   '[plugins.fake-backup]\nload = "required"\n')


def write(text):
    with open(f, "w") as fh:
        fh.write(text)


configure("edit")
copies = []
for version in ("v1", "v2", "v3"):
    write(version)
    code, out, err = h.call("fake_tool", {"path": f})
    r = out["result"]
    t.ok(code == 0 and r["status"] == "ok" and os.path.isfile(r["backup"]), f"edit: {version} is backed up", out)
    with open(r["backup"]) as fh:
        t.eq(fh.read(), version, f"edit: the backup holds {version}")
    copies.append(r["backup"])
t.ok(not os.path.exists(copies[0]) and all(os.path.exists(c) for c in copies[1:]),
     "retention keeps the newest max_backup_versions (2) copies of this file", copies)
other = os.path.join(h.work, "sub")
os.makedirs(other)
with open(os.path.join(other, "notes.txt"), "w") as fh:
    fh.write("other")
code, out, err = h.call("fake_tool", {"path": os.path.join(other, "notes.txt")})
t.ok(all(os.path.exists(c) for c in copies[1:]), "a same-named file elsewhere has its own retention (reference bug 17.26)")
code, out, err = h.call("fake_tool", {"path": os.path.join(h.work, "missing.txt")})
t.eq(out["result"]["status"], "not_found", "nothing to back up: not_found")
code, out, err = h.call("fake_tool", {"path": os.path.join(secret, "x")})
t.ok(code == 3 and "denied" in out["message"], "a write path in denied_paths is refused before the plugin runs", out)

configure("bypass")
code, out, err = h.call("fake_tool", {"path": f})
t.ok(code == 0 and out["result"]["status"] == "ok" and out["result"]["backup"] == "", "bypass: no backup is taken", out)

configure("plan")
code, out, err = h.call("fake_tool", {"path": f})
t.ok(code == 3 and "plan" in out["message"], "plan: a write-class tool is refused", out)

# The backup's source is opened beneath the policy roots like open_file (openat2), not by path: a
# symlink inside the allowed tree that points outside it is not followed into the backup store.
outside = os.path.join(h.root, "outside.txt")
with open(outside, "w") as fh:
    fh.write("outside the roots")
link = os.path.join(h.work, "link.txt")
os.symlink(outside, link)
h.write_config(f'[security]\nmode = "edit"\nbackup_dir = "{backups}"\nallowed_paths = ["{h.work}"]\n'
               '[plugins.exec]\nload = "disabled"\n[plugins.fake-backup]\nload = "required"\n')
code, out, err = h.call("fake_tool", {"path": link})
r = (out or {}).get("result") or {}
t.eq((code, r.get("status"), r.get("backup")), (0, "permission_denied", ""),
     "a symlink leading out of the allowed paths is not backed up")
stored = [os.path.join(dp, n) for dp, _, ns in os.walk(backups) for n in ns]
t.ok(not any(open(p).read() == "outside the roots" for p in stored), "no copy of the outside file in the store", stored)

# R65: a tool that declared class read cannot open a file for writing, in any mode — the host
# refuses the open itself (the policy would allow the path in edit and bypass).
for mode in ("edit", "bypass"):
    h.write_config(f'[security]\nmode = "{mode}"\n[plugins.exec]\nload = "disabled"\n'
                   '[plugins.fake-open-write]\nload = "required"\n')
    target = os.path.join(h.work, f"from-read-{mode}.txt")
    code, out, err = h.call("fake_tool", {"path": target})
    r = (out or {}).get("result") or {}
    t.ok(code == 0 and r.get("status") == "permission_denied" and r.get("opened") is False,
         f"{mode}: a read-class tool's open_file for writing is refused", out)
    t.contains(r.get("error", ""), "has permission class read: it may not open files for writing", "and says why")
    t.ok(not os.path.exists(target), f"{mode}: no file was created")
