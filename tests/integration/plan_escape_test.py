"""Plan mode cannot write, through the whole CLI path: every known escape of the reference
(REFERENCE-SPEC §17.8, ARCHITECTURE §4) fails, proven by hashing the tree before and after. Then
edit mode with allowed_paths: the kernel keeps writes inside, symlinks included."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import Host, Tap, require_binary, tree_hash  # noqa: E402

require_binary()
t = Tap()
h = Host(plugins=("exec",), mode="plan")
d = os.path.join(h.work, "tree")
os.makedirs(os.path.join(d, "sub"))
for name, text in (("a", "alpha\n"), ("b", "beta\n"), ("sub/c", "gamma\n")):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
outside = os.path.join(h.root, "outside")
os.makedirs(outside)
os.symlink(outside, os.path.join(d, "link-out"))

escapes = [
    f"env rm {d}/a",
    f"env -i rm {d}/a",
    f"sed -n 'w {d}/out' {d}/a",
    f"sed -e 's/a/b/w {d}/out2' {d}/a",
    f"sort -o {d}/a {d}/a",
    f"sort --output={d}/a {d}/b",
    f"git diff --no-index --output={d}/o {d}/a {d}/b",
    f"git -C {d} diff --output={d}/o2",
    f"rm -r -f {d}/sub",
    f"rm -rf {d}",
    f"python3 -c \"open('{d}/x','w').write('y')\"",
    f"echo y > {d}/link-out/escaped",
    f"cat {d}/a > {d}/copy",
    f"cat {d}/a | tee {d}/tee-out",
    f"find {d} -name a -delete",
    f"find {d} -exec touch {{}} \\;",
    f"awk 'BEGIN {{ system(\"touch {d}/aw\") }}'",
    f"timeout 5 touch {d}/t",
    f"nice touch {d}/n",
    f"$(echo touch) {d}/subst",
    f"xargs touch {d}/xa < /dev/null",
    f"touch {d}/new",
    f"mkdir {d}/newdir",
    f"ln -s {d}/a {d}/ln",
    f"mv {d}/a {d}/moved",
    f"cp {d}/a {d}/cp",
    f"truncate -s0 {d}/a",
    f"dd if={d}/a of={d}/dd",
    f"perl -e 'open(F,\">{d}/p\")'",
]
for cmd in escapes:
    before = tree_hash(d)
    out_before = tree_hash(outside)
    code, out, err = h.call("exec", {"command": cmd})
    after = tree_hash(d)
    t.ok(before == after and out_before == tree_hash(outside) and code != 0,
         f"plan: `{cmd}` changes nothing (exit {code})", (out or {}).get("message") or (out or {}).get("result"))

# The environment is part of the command: LD_PRELOAD or PATH through `env` is judged like a prefix.
for env in ({"LD_PRELOAD": f"{d}/evil.so"}, {"PATH": f"{d}:/usr/bin:/bin"}, {"GIT_EXTERNAL_DIFF": "touch"}):
    code, out, err = h.call("exec", {"command": "ls", "env": env})
    t.ok(code == 3, f"plan: env {list(env)[0]} given as an argument is refused like a prefix", out)
code, out, err = h.call("exec", {"command": "ls >/dev/null", "env": {"COLUMNS": "80"}})
t.eq(code, 0, "plan: harmless environment variables are fine")

# Reads still work in plan mode, inside the sandbox.
code, out, err = h.call("exec", {"command": f"cat {d}/a && ls {d} | wc -l && git --version >/dev/null && echo ok"})
t.ok(code == 0 and out["result"]["stdout"].startswith("alpha\n") and out["result"]["stdout"].endswith("ok\n"),
     "plan: read-only commands run", out)
code, out, err = h.call("exec", {"command": f"grep -r gamma {d} 2>/dev/null | wc -l"})
t.ok(code == 0 and out["result"]["stdout"].strip() == "1", "plan: pipelines of read-only commands run", out)
t.ok(out["result"]["sandboxed"] is True, "plan: the child ran under Landlock")

# Edit mode with an allow list: the kernel confines writes, whatever the command line says.
allowed = os.path.join(h.work, "allowed")
secret = os.path.join(allowed, "secret")
os.makedirs(secret)
os.makedirs(os.path.join(allowed, "sub"))
h.write_config(f'[security]\nmode = "edit"\nallowed_paths = ["{allowed}"]\n'
               f'denied_paths = ["{secret}"]\n[plugins.exec]\nload = "required"\n')
os.symlink(outside, os.path.join(allowed, "link-out"))
# (New entries directly in an ancestor of a denied path cannot be created: Landlock can only grant,
# so the core grants everything beside the denied path — see core/src/sandbox/README.md.)
code, out, err = h.call("exec", {"command": f"echo in > {allowed}/sub/ok.txt && mkdir {allowed}/sub/d"})
t.ok(code == 0 and os.path.exists(os.path.join(allowed, "sub", "ok.txt")), "edit: writing inside allowed_paths works", out)
for cmd in (f"echo x > {h.work}/outside.txt", f"echo x > {secret}/s.txt", f"echo x > {allowed}/link-out/l.txt",
            f"python3 -c \"open('{outside}/py','w')\"", f"touch {h.root}/top"):
    before = tree_hash(h.root)
    code, out, err = h.call("exec", {"command": cmd})
    t.ok(tree_hash(h.root) == before and code != 0, f"edit: `{cmd}` is stopped by the kernel", out)
code, out, err = h.call("exec", {"command": "true", "cwd": secret})
t.ok(code == 3 and "denied" in out["message"], "edit: a cwd inside a denied path is refused by the policy", out)
