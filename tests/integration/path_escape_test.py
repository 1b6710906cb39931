"""Path escapes against the files plugin: a generated corpus of attempts to read, stat, list or write
outside the allowed root or inside the denied paths, run through the real CLI (and, for the race,
the real MCP server), in two configurations:

  A  allowed_paths = [<tmp>/root, <tmp>/root/denied_dir]   denied_paths = [denied_dir, secret.txt]
     (denied_dir is allowed explicitly too: deny lists must beat allow lists)
  B  no allowed_paths (the root is "/")                    denied_paths = [denied_dir, secret.txt, outside]
     (only the deny list and the kernel stand between a path and the secrets)

Categories: '..' in every position, absolute paths, symlinks (out, into denied, chains, dangling,
loops, to /proc), hard links, /proc/self/root, /proc/self/cwd and /proc/self/fd tricks (with a real
descriptor to a secret inherited by the daemon), percent- and double-encoding, Unicode look-alikes
of '/' and '.', trailing slashes and dots, NUL bytes, very long paths, and a symlink swapped in
between check and use while calls run. An attempt ESCAPES when a secret's content, a hidden name or
a protected object's metadata shows up in its output, or when a write changes anything outside the
root or under a denied path. Expected: 0 escapes in every category. Counts per category are
printed as TAP comments.

Hard links: a hard link is the same inode under another name; the kernel cannot tell, Landlock
cannot either. Reading a hard link inside the root is reading that name (documented in
plugins/files/README.md, not counted as an escape — it needs the power to create links, which no
tool gives); a hard link to a file named in denied_paths is refused by inode; write_file never
writes through a hard link (it replaces the name) and never creates one."""
import concurrent.futures
import hashlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import BIN, Host, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()
h = Host(plugins=("files",), mode="edit")
base = h.root
R = os.path.join(base, "root")
O = os.path.join(base, "outside")
D = os.path.join(R, "denied_dir")
S = os.path.join(R, "secret.txt")
tag = secrets.token_hex(6)
OUT_SECRET = f"OUTSIDE-SECRET-{tag}"
DENIED_SECRET = f"DENIED-SECRET-{tag}"
FILE_SECRET = f"SECRET-FILE-{tag}"
OUT_NAME = f"OUTSIDE_NAME_{tag}"
DENIED_NAME = f"DENIED_NAME_{tag}"
PROTECTED_MTIME = 1234567890  # every protected object carries it: a stat that shows it leaked
PROTECTED_ISO = "2009-02-13T23:31:30Z"


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(data)


# Distinct sizes too, so that a file_stat of a secret is recognisable.
write(os.path.join(O, "secret"), OUT_SECRET.ljust(7919, "o"))
write(os.path.join(O, "sub", "deeper"), OUT_SECRET)
write(os.path.join(O, OUT_NAME), "")
write(os.path.join(O, "linked"), "HARDLINKED-OUTSIDE")
write(os.path.join(D, "dsecret"), DENIED_SECRET.ljust(7927, "d"))
write(os.path.join(D, DENIED_NAME), "")
write(S, FILE_SECRET.ljust(7933, "s"))
write(os.path.join(R, "ok.txt"), "fine")
write(os.path.join(R, "s1", "s2", "s3", "ok.txt"), "fine")
write(os.path.join(R, "%2e%2e", "file"), "literal-percent-dir")
os.makedirs(os.path.join(R, "writable"))
SECRET_SIZES = {7919, 7927, 7933}
for p in (O, os.path.join(O, "secret"), os.path.join(O, "sub"), os.path.join(O, "sub", "deeper"), D,
          os.path.join(D, "dsecret"), S):
    os.utime(p, (PROTECTED_MTIME, PROTECTED_MTIME))

# Symlinks inside the root.
links = {
    "l_abs_out": os.path.join(O, "secret"),
    "l_rel_out": "../outside/secret",
    "l_dir_out": O,
    "l_dir_out_rel": "../outside",
    "l_den": "denied_dir/dsecret",
    "l_den_abs": os.path.join(D, "dsecret"),
    "l_den_dir": "denied_dir",
    "l_secret": "secret.txt",
    "c1": "c2", "c2": "c3", "c3": "../outside/secret",
    "d1": "d2", "d2": "denied_dir",
    "dangling_out": os.path.join(O, "created-by-attack"),
    "dangling_den": "denied_dir/created-by-attack",
    "lo1": "lo2", "lo2": "lo1",
    "self": "self",
    "l_etc": "/etc",
    "l_slash": "/",
    "l_dotdot": "..",
    "l_proc_root": "/proc/self/root",
    "l_proc_fd": "/proc/self/fd",
    "l_proc_cwd": "/proc/self/cwd",
    "s1/l_up": "../../outside/secret",
    "s1/s2/l_up2": "../../denied_dir",
}
for name, target in links.items():
    os.symlink(target, os.path.join(R, name))
# Hard links (see the docstring).
os.link(S, os.path.join(R, "hl_secret"))                           # a denied file's inode: refused
os.link(os.path.join(O, "linked"), os.path.join(R, "hl_out"))      # documented: readable
os.link(os.path.join(D, "dsecret"), os.path.join(R, "hl_in_denied_dir"))  # documented: readable

CONFIG_A = dict(allowed=[R, D], denied=[D, S])
CONFIG_B = dict(allowed=[], denied=[D, S, O])


def configure(cfg):
    text = '[security]\nmode = "edit"\nbackup_enabled = false\n'
    text += "allowed_paths = [" + ", ".join(json.dumps(a) for a in cfg["allowed"]) + "]\n"
    text += "denied_paths = [" + ", ".join(json.dumps(d) for d in cfg["denied"]) + "]\n"
    text += '[plugins.files]\nload = "required"\n'
    h.write_config(text)


def protected_state(cfg_name):
    """Everything an escaping write could change: outside/, denied_dir/, secret.txt and, in A (where
    everything outside the root is off limits), the temp root's own entries and a few absolute write
    targets. In B only the denied paths are protected: writing elsewhere is allowed there."""
    hsh = hashlib.sha256()
    for top in (O, D):
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for n in sorted(dirnames + filenames):
                p = os.path.join(dirpath, n)
                st = os.lstat(p)
                hsh.update(f"{p}|{st.st_mode}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}".encode())
                if os.path.isfile(p) and not os.path.islink(p):
                    with open(p, "rb") as f:
                        hsh.update(f.read())
    st = os.lstat(S)
    hsh.update(f"{st.st_ino}|{st.st_size}|{st.st_mtime_ns}".encode())
    if cfg_name == "B":
        return hsh.hexdigest()
    hsh.update("|".join(sorted(os.listdir(base))).encode())
    for p in ("/tmp/ra-escape-" + tag, "/etc/ra-escape-" + tag):
        hsh.update(str(os.path.lexists(p)).encode())
    return hsh.hexdigest()


# ---- one attempt -------------------------------------------------------------------------------
class Attempt:
    def __init__(self, category, cfg_name, tool, args, pass_fds=()):
        self.category, self.cfg_name, self.tool, self.args, self.pass_fds = category, cfg_name, tool, args, pass_fds
        self.code = None
        self.verdict = None  # "refused" | "harmless" | "escape" | "documented"
        self.why = ""


def leak_markers(cfg_name):
    m = [OUT_SECRET, DENIED_SECRET, FILE_SECRET, OUT_NAME, DENIED_NAME]
    if cfg_name == "A":
        m.append("root:x:0:0")  # /etc/passwd is outside root A
    return m


def run_attempt(a):
    cmd = [BIN, "call", a.tool, json.dumps(a.args), "--json"]
    p = subprocess.run(cmd, env=h.env(), cwd=h.work, capture_output=True, text=True, timeout=120,
                       pass_fds=a.pass_fds)
    a.code = p.returncode
    text = p.stdout + p.stderr
    try:
        env = json.loads(p.stdout) or {}
    except ValueError:
        env = {}
    res = env.get("result") or {}
    a.message = env.get("message") or p.stderr.strip()[-300:]
    for m in leak_markers(a.cfg_name):
        if m in text:
            a.verdict, a.why = "escape", f"output shows {m!r}"
            return a
    if a.code == 0 and a.tool == "file_stat":
        if res.get("mtime") == PROTECTED_ISO or res.get("size") in SECRET_SIZES:
            a.verdict, a.why = "escape", f"stat of a protected object: {res}"
            return a
    if a.code == 0 and a.tool == "list_dir" and a.cfg_name == "A":
        names = {e.get("name") for e in res.get("entries", [])}
        if "passwd" in names or "dsecret" in names or "secret" in names or "deeper" in names:
            a.verdict, a.why = "escape", f"listing of a protected directory: {sorted(names)[:20]}"
            return a
    a.verdict = "harmless" if a.code == 0 else "refused"
    return a


# ---- the corpus ----------------------------------------------------------------------------------
corpus = []


def add(category, cfg, tool, path, **extra):
    corpus.append(Attempt(category, cfg, tool, dict(path=path, **extra)))


def add_reads(category, cfg, path, dir_too=True):
    add(category, cfg, "read_file", path)
    add(category, cfg, "file_stat", path)
    if dir_too:
        add(category, cfg, "list_dir", path)


file_targets_a = {"out": os.path.join(O, "secret"), "deeper": os.path.join(O, "sub", "deeper"),
                  "den": os.path.join(D, "dsecret"), "secret": S, "passwd": "/etc/passwd"}
dir_targets_a = {"outdir": O, "dendir": D}
prefixes = [R, os.path.join(R, "s1"), os.path.join(R, "s1", "s2"), os.path.join(R, "s1", "s2", "s3")]

# 1. '..' in every position
for tname, T in file_targets_a.items():
    for P in prefixes:
        rel = os.path.relpath(T, P)
        for v in (P + "/" + rel, P + "/./" + rel, P + "//" + rel.replace("/", "//"),
                  P + "/" + "../" * 40 + T.lstrip("/"), P + "/nonexistent/../" + rel,
                  P + "/s1/../" + rel, P + "/./../" + os.path.relpath(T, os.path.dirname(P))):
            add("dotdot", "A", "read_file", v)
            add("dotdot", "A", "file_stat", v)
    add("dotdot", "A", "read_file", os.path.relpath(T, h.work))  # relative to the daemon's cwd
    comps = R.strip("/").split("/")
    for i in range(1, len(comps) + 1):  # '..' after each component of the root's own path
        v = "/" + "/".join(comps[:i] + [".."] + comps[i - 1:]) + "/" + os.path.relpath(T, R)
        add("dotdot", "A", "read_file", v)
for tname, T in dir_targets_a.items():
    for P in prefixes:
        rel = os.path.relpath(T, P)
        add("dotdot", "A", "list_dir", P + "/" + rel)
        add("dotdot", "A", "list_dir", P + "/" + rel + "/.")
        add("dotdot", "A", "list_dir", P + "/../" + os.path.relpath(T, os.path.dirname(P)))
write_targets = [os.path.join(O, "new-by-attack"), os.path.join(O, "secret"), os.path.join(D, "new-by-attack"),
                 S, os.path.join(base, "evil-by-attack")]
for W in write_targets:
    for P in prefixes:
        add("dotdot", "A", "write_file", P + "/" + os.path.relpath(W, P), content="PWNED")
        add("dotdot", "A", "write_file", P + "/writable/../" + os.path.relpath(W, P), content="PWNED")

# 2. absolute paths
for cfg, targets in (("A", list(file_targets_a.values())),
                     ("B", [os.path.join(O, "secret"), os.path.join(O, "sub", "deeper"), os.path.join(D, "dsecret"), S])):
    for T in targets:
        for v in (T, "//" + T.lstrip("/"), T.replace("/", "//"), T.replace("/", "/./"), "/../../" + T.lstrip("/"),
                  "///" + T.lstrip("/")):
            add_reads("absolute", cfg, v, dir_too=False)
    for d in ([O, D, "/etc", "/"] if cfg == "A" else [O, D]):
        add("absolute", cfg, "list_dir", d)
    for W in ([os.path.join(O, "abs-new"), os.path.join(D, "abs-new"), S, "/tmp/ra-escape-" + tag,
               "/etc/ra-escape-" + tag] if cfg == "A" else [os.path.join(O, "abs-new"), os.path.join(D, "abs-new"), S]):
        add("absolute", cfg, "write_file", W, content="PWNED")

# 3. symlinks (both configurations)
file_links = ["l_abs_out", "l_rel_out", "l_dir_out/secret", "l_dir_out_rel/secret", "l_dir_out/sub/deeper", "l_den",
              "l_den_abs", "l_den_dir/dsecret", "l_secret", "c1", "c2", "c3", "d1/dsecret", "d2/dsecret",
              "dangling_out", "dangling_den", "lo1", "lo2", "self", "l_etc/passwd", "l_slash/etc/passwd",
              "l_dotdot/outside/secret", "l_proc_root" + os.path.join(O, "secret"), "l_proc_root/etc/passwd",
              "l_proc_cwd/../outside/secret", "s1/l_up", "s1/s2/l_up2/dsecret", "l_slash" + S,
              "l_slash" + os.path.join(D, "dsecret"), "l_dotdot/root/secret.txt"]
dir_links = ["l_dir_out", "l_dir_out_rel", "l_den_dir", "d1", "d2", "l_etc", "l_slash", "l_dotdot", "l_proc_root",
             "l_proc_fd", "l_proc_cwd", "s1/s2/l_up2", "l_dir_out/sub", "l_slash" + D, "l_slash" + O]
write_links = ["l_abs_out", "l_rel_out", "l_dir_out/secret", "l_dir_out/new-by-attack", "l_den", "l_den_abs",
               "l_den_dir/dsecret", "l_den_dir/new-by-attack", "l_secret", "c1", "d1/new-by-attack", "dangling_out",
               "dangling_den", "lo1", "self", "l_dotdot/evil-by-attack", "s1/l_up", "s1/s2/l_up2/new-by-attack",
               "l_slash" + os.path.join(O, "new-by-attack"), "l_proc_root" + os.path.join(O, "new-by-attack"),
               "l_proc_cwd/new-by-attack"]
for cfg in ("A", "B"):
    for rel in file_links:
        if cfg == "B" and "passwd" in rel:
            continue  # /etc/passwd is allowed in B
        add_reads("symlink", cfg, os.path.join(R, rel), dir_too=False)
        add("symlink", cfg, "read_file", os.path.join(R, rel) + "/")
    for rel in dir_links:
        if cfg == "B" and rel in ("l_etc", "l_slash"):
            continue  # listing /etc or / is allowed in B
        add("symlink", cfg, "list_dir", os.path.join(R, rel))
        add("symlink", cfg, "list_dir", os.path.join(R, rel) + "/.")
        add("symlink", cfg, "file_stat", os.path.join(R, rel))
    for rel in write_links:
        add("symlink", cfg, "write_file", os.path.join(R, rel), content="PWNED")
    add("symlink", cfg, "write_file", os.path.join(R, "l_dir_out", "x"), content="PWNED", create_parents=True)
    add("symlink", cfg, "write_file", os.path.join(R, "l_den_dir", "a", "b"), content="PWNED", create_parents=True)

# 4. hard links
for cfg in ("A", "B"):
    add_reads("hardlink", cfg, os.path.join(R, "hl_secret"), dir_too=False)
    add("hardlink", cfg, "write_file", os.path.join(R, "hl_secret"), content="PWNED")
    add("hardlink", cfg, "write_file", os.path.join(R, "hl_out"), content="PWNED")
    add("hardlink", cfg, "write_file", os.path.join(R, "hl_in_denied_dir"), content="PWNED")
documented = [Attempt("hardlink (documented)", cfg, tool, {"path": os.path.join(R, name)})
              for cfg in ("A", "B") for tool in ("read_file", "file_stat") for name in ("hl_out", "hl_in_denied_dir")]

# 5. /proc tricks (both configurations; in B the policy lets /proc paths through: the kernel refuses)
pid_paths = ["/proc/self/root", "/proc/thread-self/root", "/proc/1/root", f"/proc/{os.getpid()}/root"]
for cfg in ("A", "B"):
    for pr in pid_paths:
        for T in ([os.path.join(O, "secret"), os.path.join(D, "dsecret"), S] + (["/etc/passwd"] if cfg == "A" else [])):
            add_reads("proc", cfg, pr + T, dir_too=False)
        add("proc", cfg, "list_dir", pr + O)
        add("proc", cfg, "list_dir", pr + D)
        add("proc", cfg, "write_file", pr + os.path.join(O, "new-by-attack"), content="PWNED")
    for v in ("/proc/self/cwd/../outside/secret", "/proc/self/cwd/" + os.path.relpath(os.path.join(O, "secret"), h.work),
              "/proc/self/cwd/../root/secret.txt", "/proc/self/cwd/../root/denied_dir/dsecret"):
        add_reads("proc", cfg, v, dir_too=False)
# A real descriptor to a secret, inherited by the daemon: /proc/self/fd/N and /dev/fd/N must not reopen it.
fd_secret = os.open(os.path.join(O, "secret"), os.O_RDONLY)
fd_denied = os.open(os.path.join(D, "dsecret"), os.O_RDONLY)
fd_dir = os.open(O, os.O_RDONLY | os.O_DIRECTORY)
for cfg in ("A", "B"):
    for fd in (fd_secret, fd_denied):
        for v in (f"/proc/self/fd/{fd}", f"/dev/fd/{fd}", f"/proc/thread-self/fd/{fd}", f"/proc/self/fd/{fd}/",
                  f"/proc/self/fd/../fd/{fd}"):
            for tool in ("read_file", "file_stat"):
                corpus.append(Attempt("proc", cfg, tool, {"path": v}, pass_fds=(fd_secret, fd_denied, fd_dir)))
    for v in (f"/proc/self/fd/{fd_dir}", f"/dev/fd/{fd_dir}", f"/proc/self/fd/{fd_dir}/secret"):
        for tool in ("list_dir", "read_file"):
            corpus.append(Attempt("proc", cfg, tool, {"path": v}, pass_fds=(fd_secret, fd_denied, fd_dir)))
    corpus.append(Attempt("proc", cfg, "write_file", {"path": f"/proc/self/fd/{fd_dir}/new-by-attack", "content": "x"},
                          pass_fds=(fd_secret, fd_denied, fd_dir)))
    corpus.append(Attempt("proc", cfg, "write_file", {"path": f"/proc/self/fd/{fd_secret}", "content": "x"},
                          pass_fds=(fd_secret, fd_denied, fd_dir)))

# 6. percent- and double-encoding: names, never decoded
encodings = ["%2e%2e", "%2E%2E", "%252e%252e", "%25252e%25252e", "..%2f..", "%2e%2e%2f%2e%2e", "..%5c..", "%c0%ae%c0%ae",
             "%e0%80%ae%e0%80%ae", "%uff0e%uff0e", "..%00", "%2e%2e%2f", ".%2e", "%2e.", "..%252f..", "%%32%65%%32%65"]
for e in encodings:
    for rest in ("outside/secret", "root/secret.txt", "outside%2fsecret", "denied_dir%2fdsecret"):
        add("encoding", "A", "read_file", R + "/" + e + "/" + rest)
    add("encoding", "A", "file_stat", R + "/" + e + "/outside/secret")
    add("encoding", "A", "list_dir", R + "/" + e + "/outside")
    add("encoding", "A", "write_file", R + "/" + e + "/outside/new-by-attack", content="PWNED")
for quoted in (urllib.parse.quote(os.path.join(O, "secret"), safe=""), urllib.parse.quote(urllib.parse.quote(S, safe=""), safe=""),
               "file://" + os.path.join(O, "secret"), "file:" + S, urllib.parse.quote(R + "/../outside/secret")):
    add_reads("encoding", "A", quoted, dir_too=False)
    add_reads("encoding", "A", R + "/" + quoted, dir_too=False)

# 7. Unicode look-alikes of '/' and '.'
slashes = ["\uff0f", "\u2215", "\u2044", "\u29f8", "\u2571", "\u0338", "\u3033"]
dots = ["\uff0e", "\u2024", "\u3002", "\ufe52", "\u0701", "\u06d4"]
for s in slashes:
    for v in (R + "/.." + s + "outside" + s + "secret", R + s + ".." + s + "outside" + s + "secret",
              os.path.join(O, "secret").replace("/", s), R + "/.." + s + ".." + s + "etc" + s + "passwd"):
        add("unicode", "A", "read_file", v)
        add("unicode", "A", "file_stat", v)
for d in dots:
    for v in (R + "/" + d + d + "/outside/secret", R + "/." + d + "/outside/secret", R + "/" + d + "./outside/secret",
              R + "/" + d * 2 + "/" + d * 2 + "/etc/passwd"):
        add("unicode", "A", "read_file", v)
    add("unicode", "A", "list_dir", R + "/" + d + d + "/outside")
    add("unicode", "A", "write_file", R + "/" + d + d + "/outside/new-by-attack", content="PWNED")
for v in (R + "/\u2025/outside/secret", R + "/..\u200b/outside/secret", R + "/\u200b../outside/secret",
          R + "/.\u0307./outside/secret", R + "/\ufe30/outside/secret", R + "/\u2026/outside/secret"):
    add_reads("unicode", "A", v, dir_too=False)

# 8. trailing slashes and dots
for T in (os.path.join(O, "secret"), S, os.path.join(D, "dsecret")):
    for suffix in ("/", "/.", "//", "/./", ".", " ", "/..", "/../secret", "\t", "%20"):
        add("trailing", "A", "read_file", T + suffix)
        add("trailing", "A", "file_stat", T + suffix)
for T in (D, O):
    for suffix in ("/", "/.", "//", "/./", "/.."):
        add("trailing", "A", "list_dir", T + suffix)
for W in (S + "/", S + "/.", D + "/", D + "/.", D + "/..", os.path.join(O, "x") + "/", R + "/..", R + "/writable/../..",
          S + "/..", os.path.join(D, "dsecret") + "/."):
    add("trailing", "A", "write_file", W, content="PWNED")

# 9. NUL bytes (the core refuses a declared path argument holding one, before the plugin runs)
for T in (os.path.join(O, "secret"), S, os.path.join(D, "dsecret"), os.path.join(R, "ok.txt")):
    for v in (T + "\x00", T + "\x00.txt", R + "/ok.txt\x00/../../outside/secret", "\x00" + T, T.replace("/", "/\x00", 1),
              R + "\x00" + T):
        add("nul", "A", "read_file", v)
        add("nul", "A", "file_stat", v)
    add("nul", "A", "write_file", R + "/writable/x\x00" + T, content="PWNED")
    add("nul", "A", "list_dir", R + "\x00" + os.path.dirname(T))

# 10. very long paths
long_variants = [R + "/x" * 2100, R + "/" + "a" * 300, R + "/" + "./" * 1900 + "ok.txt",
                 R + "/s1/.." * 600 + "/../outside/secret", "/" * 4000 + os.path.join(O, "secret"),
                 R + "/" + "../" * 1300 + os.path.join(O, "secret").lstrip("/"), R + "/" + "a/" * 2000 + "../" * 2001 + "secret.txt",
                 R + "/" + ("s1/" * 1000)]
for v in long_variants:
    add_reads("long", "A", v, dir_too=False)
    add("long", "A", "write_file", v, content="PWNED")
    add("long", "A", "list_dir", v)


# ---- run ----------------------------------------------------------------------------------------
def run_all(attempts, cfg_name):
    configure(CONFIG_A if cfg_name == "A" else CONFIG_B)
    reads = [a for a in attempts if a.tool != "write_file"]
    writes = [a for a in attempts if a.tool == "write_file"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(run_attempt, reads))
    for a in writes:  # one at a time: each is judged by what it changed
        before = protected_state(cfg_name)
        run_attempt(a)
        if protected_state(cfg_name) != before and a.verdict != "escape":
            a.verdict, a.why = "escape", "the write changed something outside the root or under a denied path"


t0 = time.monotonic()
# Hard links, documented: readable (before the corpus's writes replace them), never written through.
for cfg_name in ("A", "B"):
    configure(CONFIG_A if cfg_name == "A" else CONFIG_B)
    for a in documented:
        if a.cfg_name == cfg_name:
            run_attempt(a)
            a.verdict = "documented" if a.code == 0 else "refused"
for cfg_name in ("A", "B"):
    run_all([a for a in corpus if a.cfg_name == cfg_name], cfg_name)

with open(os.path.join(O, "linked")) as f:
    t.eq(f.read(), "HARDLINKED-OUTSIDE", "hard link: write_file replaced the link inside the root, the outside file is untouched")
configure(CONFIG_A)
created = os.path.join(R, "writable", "fresh.txt")
code, out, err = h.call("write_file", {"path": created, "content": "new"})
st = os.stat(created) if code == 0 else None
t.ok(code == 0 and st.st_nlink == 1 and st.st_ino != os.stat(os.path.join(O, "linked")).st_ino,
     "write_file creates a fresh inode with one link (it cannot create a hard link)", out)

# ---- the race: a path flipped between a file and a symlink to the secret while calls run ----------
class Mcp:
    """`remote-agents mcp` on pipes, one request at a time."""

    def __init__(self):
        self.log = open(os.path.join(base, "mcp.log"), "wb")
        self.proc = subprocess.Popen([BIN, "mcp"], env=h.env(), cwd=h.work, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log)
        self.n = 0

    def request(self, method, params):
        self.n += 1
        self.proc.stdin.write((json.dumps({"jsonrpc": "2.0", "id": self.n, "method": method, "params": params}) + "\n").encode())
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("mcp server ended: " + open(os.path.join(base, "mcp.log")).read()[-2000:])
            msg = json.loads(line)
            if msg.get("id") == self.n:
                return line.decode(), msg

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)
        self.log.close()


race_file = os.path.join(R, "race")
race_dir = os.path.join(R, "racedir")
write(race_file, "harmless")
os.makedirs(os.path.join(R, "racedir_real"))
write(os.path.join(R, "racedir_real", "secret"), "harmless")
os.symlink("racedir_real", race_dir)
stop = threading.Event()
flips = [0]


def flipper():
    tmp_link, tmp_file, tmp_dirlink = race_file + ".l", race_file + ".f", race_dir + ".l"
    while not stop.is_set():
        for p in (tmp_link, tmp_dirlink):
            if os.path.lexists(p):
                os.unlink(p)
        os.symlink(os.path.join(O, "secret"), tmp_link)
        os.rename(tmp_link, race_file)            # now a symlink to the secret
        os.symlink(O, tmp_dirlink)
        os.rename(tmp_dirlink, race_dir)          # now a symlink to outside/
        with open(tmp_file, "w") as f:
            f.write("harmless")
        os.rename(tmp_file, race_file)            # a regular file again
        os.symlink("racedir_real", tmp_dirlink)
        os.rename(tmp_dirlink, race_dir)          # inside again
        flips[0] += 1


def cli_call(tool, args):
    """The race through the CLI, for builds without the mcp plugin: the (raw, message) shape of Mcp."""
    p = subprocess.run([BIN, "call", tool, json.dumps(args), "--json"], env=h.env(), cwd=h.work, capture_output=True,
                       text=True, timeout=120)
    try:
        env = json.loads(p.stdout)
    except ValueError:
        env = {}
    return p.stdout + p.stderr, {"result": {"isError": p.returncode != 0, "structuredContent": env.get("result") or {}}}


for cfg_name in ("A", "B"):
    configure(CONFIG_A if cfg_name == "A" else CONFIG_B)
    m, n_calls = Mcp(), 600
    try:
        m.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                 "clientInfo": {"name": "path_escape_test", "version": "1"}})
        m.proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        m.proc.stdin.flush()
        send = lambda tool, args: m.request("tools/call", {"name": tool, "arguments": args})  # noqa: E731
    except (RuntimeError, ValueError, OSError):
        print("# the mcp plugin is not available: the race runs through the CLI (fewer calls)")
        m.proc.kill()
        m.proc.wait()
        m, n_calls, send = None, 160, cli_call
    stop.clear()
    flips[0] = 0
    th = threading.Thread(target=flipper, daemon=True)
    th.start()
    counts = {"harmless": 0, "refused": 0, "escape": 0}
    examples = []
    for i in range(n_calls):
        tool, path = (("read_file", race_file), ("read_file", race_dir + "/secret"), ("list_dir", race_dir),
                      ("file_stat", race_file))[i % 4]
        raw, msg = send(tool, {"path": path})
        res = msg.get("result", {})
        if any(mk in raw for mk in leak_markers(cfg_name)) or \
                (tool == "file_stat" and (res.get("structuredContent") or {}).get("size") in SECRET_SIZES):
            counts["escape"] += 1
            examples.append(raw[:300])
        elif res.get("isError") or "error" in msg:
            counts["refused"] += 1
        else:
            counts["harmless"] += 1
    stop.set()
    th.join()
    if m:
        m.close()
    print(f"# race {cfg_name}: {n_calls} calls during {flips[0]} flips: {counts}")
    t.ok(counts["escape"] == 0, f"race ({cfg_name}): a symlink swapped in between check and use never leaks", examples[:3])
    t.ok(counts["refused"] > 0 and counts["harmless"] > 0 and flips[0] > 10,
         f"race ({cfg_name}): the calls really raced the flips (some refused, some read the harmless file)", counts)
    if os.path.islink(race_file) or not os.path.isfile(race_file):
        os.unlink(race_file)
        write(race_file, "harmless")

# ---- verdicts -----------------------------------------------------------------------------------
for fd in (fd_secret, fd_denied, fd_dir):
    os.close(fd)
all_attempts = corpus + documented
print(f"# {len(all_attempts)} generated attempts in {time.monotonic() - t0:.1f} s")
if os.environ.get("RA_ESCAPE_DUMP"):  # every attempt with its outcome, for review
    with open(os.environ["RA_ESCAPE_DUMP"], "w") as f:
        for a in all_attempts:
            f.write(json.dumps({"category": a.category, "config": a.cfg_name, "tool": a.tool, "args": a.args,
                                "exit": a.code, "verdict": a.verdict, "why": a.why,
                                "message": getattr(a, "message", "")}) + "\n")
t.ok(len(corpus) >= 500, f"the corpus holds at least 500 generated escape attempts ({len(corpus)})")
categories = []
for a in all_attempts:
    if a.category not in categories:
        categories.append(a.category)
print(f"# {'category':24} {'attempts':>8} {'refused':>8} {'exit 3':>7} {'harmless':>9} {'escapes':>8}")
for c in categories:
    rows = [a for a in all_attempts if a.category == c]
    n_ref = sum(a.verdict == "refused" for a in rows)
    n_den = sum(a.code == 3 for a in rows)
    n_ok = sum(a.verdict in ("harmless", "documented") for a in rows)
    esc = [a for a in rows if a.verdict == "escape"]
    print(f"# {c:24} {len(rows):8} {n_ref:8} {n_den:7} {n_ok:9} {len(esc):8}")
    if c == "hardlink (documented)":
        continue
    t.ok(not esc, f"{c}: 0 escapes in {len(rows)} attempts",
         "\n".join(f"{a.cfg_name} {a.tool} {json.dumps(a.args)[:200]} exit {a.code}: {a.why}" for a in esc[:10]))

# Specific expectations beyond "no leak": what the policy refuses before the plugin runs.
by = lambda cat, cfg=None: [a for a in corpus if a.category == cat and (cfg is None or a.cfg_name == cfg)]  # noqa: E731
t.ok(all(a.code == 3 for a in by("dotdot") if a.verdict != "harmless"),
     "dotdot: every attempt that was not harmless was refused by the policy (exit 3)",
     [(a.tool, a.args["path"], a.code) for a in by("dotdot") if a.code not in (0, 3)][:5])
t.ok(all(a.code == 3 for a in by("absolute")), "absolute: all refused with exit 3",
     [(a.cfg_name, a.tool, a.args["path"], a.code) for a in by("absolute") if a.code != 3][:5])
t.ok(all(a.code == 3 for a in by("nul")), "nul: a NUL byte in a path is refused (exit 3)",
     [(a.tool, repr(a.args["path"]), a.code) for a in by("nul") if a.code != 3][:5])
sym_escape_links = [a for a in by("symlink") if a.tool == "read_file" and a.args["path"].rstrip("/").endswith(
    ("l_abs_out", "l_rel_out", "l_den", "l_den_abs", "l_secret", "c1", "s1/l_up"))]
t.ok(sym_escape_links and all(a.code == 3 for a in sym_escape_links),
     "symlink: links out of the root or onto denied objects are refused as permission_denied (exit 3)",
     [(a.cfg_name, a.args["path"], a.code) for a in sym_escape_links if a.code != 3][:5])
docs = {(a.cfg_name, a.tool, os.path.basename(a.args["path"])): a.code for a in documented}
t.ok(all(code == 0 for code in docs.values()),
     "hard links inside the root read as the files they are (documented: the kernel cannot tell)", docs)
code, out, err = h.call("read_file", {"path": R + "/%2e%2e/file"})
t.ok(code == 0 and out["result"]["content"] == "literal-percent-dir", "percent-encoding is a literal name, never decoded", out)
