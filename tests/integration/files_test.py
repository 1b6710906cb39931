"""The files plugin through the real CLI: read_file (text, binary, ranges, limits), read_chunk
(a binary download reassembled), write_file (atomic, permissions kept, backups in edit mode,
create_parents, symlinks followed through the policy, plan refused, a full disk leaving the old file
untouched), list_dir (sort, pattern, limit, deny), file_stat (types, MIME, images, links) and
file_search (name, content, image, limits, timeout, default roots)."""
import base64
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import BIN, Host, Tap, require_binary  # noqa: E402

require_binary()
t = Tap()
h = Host(plugins=("files",), mode="edit")
root = os.path.join(h.root, "files")
outside = os.path.join(h.root, "outside")
backups = os.path.join(h.root, "backups")
private = os.path.join(root, "private")
secret = os.path.join(root, "secret.txt")
for d in (root, outside, private):
    os.makedirs(d)


def configure(mode="edit", allowed=(root,), denied=(private, secret), files_config="", backup=True):
    text = f'[security]\nmode = "{mode}"\nbackup_dir = "{backups}"\nbackup_enabled = {"true" if backup else "false"}\n'
    text += "allowed_paths = [" + ", ".join(json.dumps(a) for a in allowed) + "]\n"
    text += "denied_paths = [" + ", ".join(json.dumps(d) for d in denied) + "]\n"
    text += '[plugins.files]\nload = "required"\n'
    if files_config:
        text += "[plugins.files.config]\n" + files_config + "\n"
    h.write_config(text)


def call(tool, args):
    code, out, err = h.call(tool, args)
    out = out or {}
    return code, out.get("result", {}), out, err


def write(path, data, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    if mode is not None:
        os.chmod(path, mode)


def read(path):
    with open(path, "rb") as f:
        return f.read()


configure()

# ---- tool descriptors --------------------------------------------------------------------------
p = h.run("tools", "--json")
doc = json.loads(p.stdout)
tools = {x["name"]: x for x in doc["tools"]}
names = ["read_file", "read_chunk", "write_file", "list_dir", "file_stat", "file_search"]
t.ok(all(n in tools for n in names), "the six files tools are listed", sorted(tools))
t.eq({n: tools[n].get("permission") for n in names},
     {"read_file": "read", "read_chunk": "read", "write_file": "write", "list_dir": "read", "file_stat": "read",
      "file_search": "read"}, "permission classes")
t.ok(all(tools[n]["inputSchema"].get("additionalProperties") is False for n in names),
     "input schemas refuse unknown arguments")
t.ok(all(tools[n].get("outputSchema", {}).get("type") == "object" for n in names), "every tool has an output schema")
t.ok(tools["read_file"]["annotations"].get("readOnlyHint") is True
     and tools["write_file"]["annotations"].get("destructiveHint") is True, "hints", tools["write_file"].get("annotations"))

# ---- read_file -------------------------------------------------------------------------------------
text_file = os.path.join(root, "hello.txt")
write(text_file, "héllo\nworld\n")
code, r, out, err = call("read_file", {"path": text_file})
t.ok(code == 0 and r.get("content") == "héllo\nworld\n" and r.get("encoding") == "text", "read_file: UTF-8 text", out)
t.ok(r.get("size") == 13 and r.get("eof") is True and r.get("offset") == 0 and r.get("length") == 13,
     "read_file: size, offset, length, eof", r)
code, r, out, err = call("read_file", {"path": text_file, "offset": 7, "length": 5})
t.ok(r.get("content") == "world" and r.get("eof") is False, "read_file: a byte range", r)
binary = bytes(range(256)) * 4
bin_file = os.path.join(root, "blob.bin")
write(bin_file, binary)
code, r, out, err = call("read_file", {"path": bin_file})
t.ok(code == 0 and r.get("encoding") == "base64" and base64.b64decode(r.get("content_base64", "")) == binary
     and "content" not in r and "UTF-8" in r.get("note", ""), "read_file: binary comes back exactly, as base64 with a note",
     {k: v for k, v in r.items() if k != "content_base64"})
code, r, out, err = call("read_file", {"path": text_file, "encoding": "base64"})
t.eq(base64.b64decode(r.get("content_base64", "")), "héllo\nworld\n".encode(), "read_file: encoding base64 on request")
code, r, out, err = call("read_file", {"path": text_file, "offset": 13})
t.ok(code == 0 and r.get("content") == "" and r.get("eof") is True, "read_file: offset at the end: empty, eof", out)
code, r, out, err = call("read_file", {"path": text_file, "offset": 14})
t.ok(code == 1 and out.get("status") == "out_of_range" and "past the end" in out.get("message", ""),
     "read_file: offset past the end is out_of_range", out)
code, r, out, err = call("read_file", {"path": os.path.join(root, "missing.txt")})
t.ok(code == 1 and out.get("status") == "not_found", "read_file: a missing file is not_found", out)
code, r, out, err = call("read_file", {"path": root})
t.ok(code == 1 and "directory" in out.get("message", ""), "read_file: a directory is refused", out)
fifo = os.path.join(root, "pipe")
os.mkfifo(fifo)
code, r, out, err = call("read_file", {"path": fifo})
t.ok(code == 1 and "FIFO" in out.get("message", ""), "read_file: a FIFO is refused, not opened (no hang)", out)
os.unlink(fifo)
code, r, out, err = call("read_file", {"path": text_file, "colour": 1})
t.eq(code, 2, "read_file: an unknown argument is refused by the schema (exit 2)")
code, r, out, err = call("read_file", {"path": secret})
t.ok(code == 3 and "denied" in out.get("message", ""), "read_file: a denied file: exit 3", out)
code, r, out, err = call("read_file", {"path": os.path.join(outside, "x")})
t.ok(code == 3 and "not in allowed list" in out.get("message", ""), "read_file: outside the allowed paths: exit 3", out)

# Size limit: configured small, the message points at ranges and read_chunk.
configure(files_config="max_read_bytes = 100")
big = os.path.join(root, "big.txt")
write(big, "x" * 1000)
code, r, out, err = call("read_file", {"path": big})
msg = out.get("message", "")
t.ok(code == 1 and "1000 bytes exceeds" in msg and "offset" in msg and "read_chunk" in msg,
     "read_file: over max_read_bytes, the message names offset/length and read_chunk", out)
code, r, out, err = call("read_file", {"path": big, "offset": 950})
t.ok(code == 0 and len(r.get("content", "")) == 50, "read_file: a range under the limit is fine", out)
code, r, out, err = call("read_file", {"path": big, "length": 101})
t.ok(code == 1 and "max_read_bytes" in out.get("message", ""), "read_file: a length over the limit is refused", out)
configure(files_config="colour = 1")
code, r, out, err = call("read_file", {"path": text_file})
t.ok(code != 0 and "colour" in (out.get("message", "") + err), "config: an unknown key refuses the plugin", err[-500:])
configure()

# ---- read_chunk ------------------------------------------------------------------------------------
blob = os.urandom(3 * 1024 * 1024 + 12345)
big_bin = os.path.join(root, "download.bin")
write(big_bin, blob)
got, offset, calls, eof = b"", 0, 0, False
while not eof and calls < 10:
    code, r, out, err = call("read_chunk", {"path": big_bin, "offset": offset, "length": 1024 * 1024})
    if code != 0:
        break
    piece = base64.b64decode(r["content_base64"])
    got += piece
    offset += len(piece)
    eof = r["eof"]
    calls += 1
t.ok(got == blob and calls == 4 and eof, f"read_chunk: a {len(blob)}-byte binary file reassembled from 4 chunks", calls)
code, r, out, err = call("read_chunk", {"path": big_bin, "offset": len(blob) + 1, "length": 10})
t.ok(code == 1 and out.get("status") == "out_of_range", "read_chunk: an offset past the end", out)
code, r, out, err = call("read_chunk", {"path": big_bin, "offset": 0, "length": 5 * 1024 * 1024})
t.eq(code, 2, "read_chunk: length above 4 MiB is refused by the schema")

# ---- write_file ------------------------------------------------------------------------------------
new_file = os.path.join(root, "new.txt")
code, r, out, err = call("write_file", {"path": new_file, "content": "first\n"})
t.ok(code == 0 and r.get("created") is True and r.get("backup") is None and r.get("bytes_written") == 6,
     "write_file: creates a file (created, no backup)", out)
t.eq(stat.S_IMODE(os.stat(new_file).st_mode), 0o644, "write_file: a new file gets 0644")
os.chmod(new_file, 0o600)
ino_before = os.stat(new_file).st_ino
reader = open(new_file, "rb")
code, r, out, err = call("write_file", {"path": new_file, "content": "second\n"})
t.ok(code == 0 and r.get("created") is False and r.get("backup") and os.path.isfile(r["backup"]),
     "write_file: overwrite in edit mode keeps a backup", out)
t.eq(read(r["backup"]) if r.get("backup") else None, b"first\n", "write_file: the backup holds the old contents")
t.eq(read(new_file), b"second\n", "write_file: the new contents")
t.eq(stat.S_IMODE(os.stat(new_file).st_mode), 0o600, "write_file: the permissions of the old file are kept")
t.ok(os.stat(new_file).st_ino != ino_before and reader.read() == b"first\n",
     "write_file: replaced by rename (a reader of the old file still sees it whole)")
reader.close()
t.eq([n for n in os.listdir(root) if ".ra-" in n], [], "write_file: no temporary file is left")
code, r, out, err = call("write_file", {"path": new_file, "content": "third\n", "create_backup": False})
t.ok(code == 0 and r.get("backup") is None, "write_file: create_backup false", out)
code, r, out, err = call("write_file", {"path": new_file, "content": base64.b64encode(b"\x00\xffbin").decode(),
                                        "encoding": "base64"})
t.ok(code == 0 and read(new_file) == b"\x00\xffbin", "write_file: base64 content, exact bytes", out)
code, r, out, err = call("write_file", {"path": new_file, "content": "!!!", "encoding": "base64"})
t.ok(code == 2 and "base64" in out.get("message", ""), "write_file: malformed base64 is invalid", out)
deep = os.path.join(root, "a", "b", "c.txt")
code, r, out, err = call("write_file", {"path": deep, "content": "x"})
t.ok(code == 1 and out.get("status") == "not_found" and "create_parents" in out.get("message", ""),
     "write_file: a missing directory, the message names create_parents", out)
code, r, out, err = call("write_file", {"path": deep, "content": "x", "create_parents": True})
t.ok(code == 0 and read(deep) == b"x" and r.get("created_dirs") == [os.path.join(root, "a"), os.path.join(root, "a", "b")],
     "write_file: create_parents creates the missing directories", out)
code, r, out, err = call("write_file", {"path": os.path.join(root, "a"), "content": "x"})
t.ok(code == 1 and "directory" in out.get("message", ""), "write_file: onto a directory is refused", out)
code, r, out, err = call("write_file", {"path": os.path.join(root, "a") + "/", "content": "x"})
t.ok(code in (1, 2) and os.path.isdir(os.path.join(root, "a")), "write_file: a trailing slash is refused", out)
code, r, out, err = call("write_file", {"path": os.path.join(private, "x"), "content": "x"})
t.ok(code == 3 and not os.path.exists(os.path.join(private, "x")), "write_file: into a denied dir: exit 3", out)
# A symlink at the path is followed, and its target is checked like any path.
target = os.path.join(root, "target.txt")
write(target, "old")
os.symlink("target.txt", os.path.join(root, "link.txt"))
code, r, out, err = call("write_file", {"path": os.path.join(root, "link.txt"), "content": "via link"})
t.ok(code == 0 and read(target) == b"via link" and os.path.islink(os.path.join(root, "link.txt"))
     and r.get("path") == target and r.get("via_symlink") == os.path.join(root, "link.txt"),
     "write_file: through a symlink, the target is written, the link stays", out)
outside_file = os.path.join(outside, "victim.txt")
write(outside_file, "untouched")
os.symlink(outside_file, os.path.join(root, "out_link"))
code, r, out, err = call("write_file", {"path": os.path.join(root, "out_link"), "content": "pwned"})
t.ok(code == 3 and read(outside_file) == b"untouched", "write_file: a symlink to outside: exit 3, target untouched", out)
# Size limit
configure(files_config="max_write_bytes = 10")
code, r, out, err = call("write_file", {"path": os.path.join(root, "w.txt"), "content": "x" * 11})
t.ok(code == 1 and "max_write_bytes" in out.get("message", "") and not os.path.exists(os.path.join(root, "w.txt")),
     "write_file: content over max_write_bytes is refused", out)
# Plan mode: refused before the plugin runs, file untouched.
configure(mode="plan")
before = read(new_file)
code, r, out, err = call("write_file", {"path": new_file, "content": "plan"})
t.ok(code == 3 and read(new_file) == before, "write_file: plan mode refuses (exit 3), the file is untouched", out)
code, r, out, err = call("read_file", {"path": text_file})
t.ok(code == 0, "plan mode: read_file works", out)
# Bypass: no backup.
configure(mode="bypass")
n_backups = sum(len(f) for _, _, f in os.walk(backups))
code, r, out, err = call("write_file", {"path": new_file, "content": "bypass"})
t.ok(code == 0 and r.get("backup") is None and sum(len(f) for _, _, f in os.walk(backups)) == n_backups,
     "write_file: bypass takes no backup", out)
configure()

# Full disk: ENOSPC on a 64 KiB tmpfs in a user+mount namespace (unprivileged); where that is not
# possible, the file size limit (RLIMIT_FSIZE → EFBIG, SIGXFSZ ignored) stands in; neither → skip.
full_dir = os.path.join(root, "full")
os.makedirs(full_dir)
out_json = os.path.join(h.root, "full.json")
after = os.path.join(h.root, "full.after")
listing = os.path.join(h.root, "full.listing")
victim = os.path.join(full_dir, "doc.txt")
ns_ok = subprocess.run(["unshare", "-Urm", "true"], capture_output=True).returncode == 0 if shutil.which("unshare") else False
if ns_ok:
    args_file = os.path.join(h.root, "full.args")
    with open(args_file, "w") as f:
        json.dump({"path": victim, "content": "y" * 200_000}, f)
    script = (f'mount -t tmpfs -o size=64k none "{full_dir}" || exit 99; printf original > "{victim}"; '
              f'"{BIN}" call write_file - --json < "{args_file}" > "{out_json}"; '
              f'cat "{victim}" > "{after}"; ls -a "{full_dir}" > "{listing}"')
    p = subprocess.run(["unshare", "-Urm", "sh", "-c", script], env=h.env(), cwd=h.work,
                       capture_output=True, text=True, timeout=120)
    if p.returncode == 99:
        ns_ok = False
    else:
        res = json.load(open(out_json))
        t.ok(res.get("status") == "resource_exhausted" and "no space left" in res.get("message", ""),
             "full disk (tmpfs, ENOSPC): resource_exhausted with a clear message", res)
        t.eq(open(after).read(), "original", "full disk: the old file is untouched")
        t.eq(sorted(open(listing).read().split()), [".", "..", "doc.txt"], "full disk: the temporary file was removed")
if not ns_ok:
    write(victim, "original")

    def limit():
        import resource
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # ignored dispositions survive exec: write() gets EFBIG
    p = subprocess.run([BIN, "call", "write_file", "-", "--json"], input=json.dumps({"path": victim, "content": "y" * 200_000}),
                       env=h.env(), cwd=h.work, capture_output=True, text=True, preexec_fn=limit, timeout=120)
    res = json.loads(p.stdout or "{}")
    print("# no user namespaces here: the full disk is simulated with RLIMIT_FSIZE (EFBIG)")
    t.ok(res.get("status") == "resource_exhausted" and "limit" in res.get("message", ""),
         "full disk (RLIMIT_FSIZE, EFBIG): resource_exhausted with a clear message", res)
    t.eq(read(victim), b"original", "full disk: the old file is untouched")
    t.eq([n for n in os.listdir(full_dir) if n != "doc.txt"], [], "full disk: the temporary file was removed")

# ---- list_dir --------------------------------------------------------------------------------------
ld = os.path.join(root, "ld")
os.makedirs(os.path.join(ld, "zdir"))
os.makedirs(os.path.join(ld, "adir"))
for name, size, age in (("b.txt", 500, 30), ("a.log", 10, 10), ("c.txt", 50, 20)):
    write(os.path.join(ld, name), "x" * size)
    os.utime(os.path.join(ld, name), (1_700_000_000 - age * 3600, 1_700_000_000 - age * 3600))
os.symlink("b.txt", os.path.join(ld, "link"))
os.makedirs(os.path.join(ld, "hidden"))
configure(denied=(private, secret, os.path.join(ld, "hidden")))


def listing_names(**extra):
    code, r, out, err = call("list_dir", dict(path=ld, **extra))
    return [e["name"] for e in r.get("entries", [])], r, out


got, r, out = listing_names()
t.eq(got, ["adir", "zdir", "a.log", "b.txt", "c.txt", "link"], "list_dir: dirs first, then by name; a denied entry is hidden")
got, r, out = listing_names(dirs_first=False)
t.eq(got, ["a.log", "adir", "b.txt", "c.txt", "link", "zdir"], "list_dir: dirs_first false")
got, r, out = listing_names(pattern="*.txt", sort="size")
t.eq(got, ["b.txt", "c.txt"], "list_dir: glob pattern, largest first")
got, r, out = listing_names(pattern="*.txt", sort="mtime")
t.eq(got, ["c.txt", "b.txt"], "list_dir: newest first")
got, r, out = listing_names(pattern="*.txt", sort="mtime", reverse=True)
t.eq(got, ["b.txt", "c.txt"], "list_dir: reverse")
got, r, out = listing_names(pattern="dir")
t.eq(got, ["adir", "zdir"], "list_dir: without glob characters the pattern is a substring")
got, r, out = listing_names(limit=2)
t.ok(got == ["adir", "zdir"] and r.get("total") == 6 and r.get("truncated") is True, "list_dir: limit, total, truncated", r)
got, r, out = listing_names(pattern="b.txt")
e = r["entries"][0]
t.ok(e["type"] == "file" and e["size"] == 500 and e["mtime"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_700_000_000 - 30 * 3600)) and e["mode"] == "0644",
     "list_dir: type, size, mtime (ISO 8601 UTC), mode", e)
got, r, out = listing_names(pattern="link")
t.ok(r["entries"][0]["type"] == "symlink" and r["entries"][0]["target"] == "b.txt", "list_dir: symlinks with their target", r)
code, r, out, err = call("list_dir", {"path": ld, "limit": 100001})
t.eq(code, 2, "list_dir: limit above 100000 is refused by the schema")
code, r, out, err = call("list_dir", {"path": os.path.join(ld, "hidden")})
t.eq(code, 3, "list_dir: a denied directory: exit 3")
code, r, out, err = call("list_dir", {"path": os.path.join(ld, "b.txt")})
t.ok(code == 1 and "not a directory" in out.get("message", ""), "list_dir: a file is not a directory", out)
configure()

# ---- file_stat -------------------------------------------------------------------------------------
png = os.path.join(root, "pic.png")
write(png, b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
noext = os.path.join(root, "picture")
write(noext, b"\xff\xd8\xff\xe0" + b"\x00" * 20)
code, r, out, err = call("file_stat", {"path": png})
t.ok(r.get("type") == "file" and r.get("is_image") is True and r.get("mime") == "image/png" and r.get("size") == 28
     and r.get("mode") == "0644" and r.get("mtime", "").endswith("Z"), "file_stat: an image by extension", r)
code, r, out, err = call("file_stat", {"path": noext})
t.ok(r.get("is_image") is True and r.get("mime") == "image/jpeg", "file_stat: an image by its magic bytes", r)
code, r, out, err = call("file_stat", {"path": text_file})
t.ok(r.get("is_image") is False and r.get("mime") == "text/plain", "file_stat: text", r)
code, r, out, err = call("file_stat", {"path": ld})
t.ok(r.get("type") == "dir" and r.get("mime") == "inode/directory", "file_stat: a directory", r)
code, r, out, err = call("file_stat", {"path": os.path.join(root, "link.txt")})
t.ok(r.get("is_symlink") is True and r.get("target") == "target.txt" and r.get("type") == "file",
     "file_stat: a symlink is followed and reported", r)
code, r, out, err = call("file_stat", {"path": os.path.join(root, "nope")})
t.ok(code == 1 and out.get("status") == "not_found", "file_stat: not found", out)

# ---- file_search -----------------------------------------------------------------------------------
tree = os.path.join(root, "tree")
write(os.path.join(tree, "Report-2024.pdf"), "pdf")
write(os.path.join(tree, "docs", "report.txt"), "line one\nthe needle is here\n")
write(os.path.join(tree, "docs", "deep", "er", "notes.md"), "nothing\n")
write(os.path.join(tree, "docs", "deep", "photo.JPG"), "jpg")
write(os.path.join(tree, "docs", "bin.dat"), b"needle\x00binary")
write(os.path.join(tree, "node_modules", "pkg", "report.js"), "needle")
write(os.path.join(tree, "secretdir", "report-secret.txt"), "needle")
os.symlink(os.path.join(tree, "docs"), os.path.join(tree, "docs_link"))
configure(denied=(private, secret, os.path.join(tree, "secretdir")))


def search(**a):
    a.setdefault("roots", [tree])
    code, r, out, err = call("file_search", a)
    return code, [x["path"][len(tree):] for x in r.get("hits", [])], r, out


code, hits, r, out = search(query="report")
t.ok(code == 0 and hits == ["/Report-2024.pdf", "/docs/report.txt"],
     "file_search name: case-insensitive substring, shallow first; node_modules pruned, symlinks not followed, denied dir skipped", out)
t.ok(r.get("truncated") is False and r.get("timed_out") is False and r.get("scanned_files", 0) >= 4, "file_search: counters", r)
code, hits, r, out = search(query="*.md")
t.eq(hits, ["/docs/deep/er/notes.md"], "file_search name: glob")
code, hits, r, out = search(query="*.md", max_depth=2)
t.eq(hits, [], "file_search: max_depth")
code, hits, r, out = search(query="needle", kind="content")
t.ok(hits == ["/docs/report.txt"] and r["hits"][0].get("line") == 2,
     "file_search content: a substring with its line; binary skipped; denied dir not read", out)
code, hits, r, out = search(query="needle", kind="content", max_file_bytes=10)
t.eq(hits, [], "file_search content: max_file_bytes")
code, hits, r, out = search(query="*", kind="image")
t.ok(hits == ["/docs/deep/photo.JPG"] and r["hits"][0]["is_image"] is True, "file_search image", out)
code, hits, r, out = search(query="r", max_hits=1)
t.ok(len(hits) == 1 and r.get("truncated") is True, "file_search: max_hits → truncated", r)
for i in range(3000):
    write(os.path.join(tree, "many", f"f{i:04d}.txt"), "")
code, hits, r, out = search(query="zzz", timeout_ms=1)
t.ok(code == 4 and r.get("timed_out") is True, "file_search: timeout_ms → timed_out (CLI exit 4), results so far", r)
code, hits, r, out = search(query="x", roots=[outside])
t.eq(code, 3, "file_search: a root outside the allowed paths: exit 3")
code, hits, r, out = search(query="   ")
t.ok(code in (2, 3) or "empty search query" in out.get("message", ""), "file_search: an empty query is refused", out)
code, r, out, err = call("file_search", {"query": "notes"})
t.ok(code == 3 and "no allowed search roots" in out.get("message", ""),
     "file_search: default roots ($HOME …) outside the allowed paths: no allowed search roots", out)
# No allowed_paths: the default root is $HOME (the test host's root).
configure(allowed=(), denied=(private, secret, os.path.join(tree, "secretdir")))
code, r, out, err = call("file_search", {"query": "notes.md"})
t.ok(code == 0 and r.get("roots") == [h.root] and any(x["path"].endswith("/er/notes.md") for x in r.get("hits", [])),
     "file_search: default root $HOME", out)
configure()
