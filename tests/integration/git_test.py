"""The git plugin through the real CLI, on real repositories in temp dirs with a bare repository on
disk as the remote: status (clean, dirty, renames, ahead/behind, detached, unborn), log, diff,
commit (selected files vs all, nothing to commit), push (rejected non-fast-forward), pull (merge
conflict left for the user), timeouts, option injection, plan mode, bad repositories and config."""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from ra_test import Host, Tap, require_binary, tree_hash  # noqa: E402

require_binary()
t = Tap()

IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer", "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}

h = Host(plugins=("exec", "git"), mode="edit")
W = h.work


def git(*args, cwd=None, check=True):
    env = dict(h.env(IDENTITY), LC_ALL="C")
    p = subprocess.run(["git", *args], cwd=cwd or W, env=env, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"git {args}: {p.stdout}{p.stderr}")
    return p.stdout


def call(tool, args, host=None, **kw):
    """(exit code, result object, whole envelope)."""
    code, out, err = (host or h).call(tool, args, env=IDENTITY, **kw)
    return code, (out or {}).get("result", {}), (out or {"stderr": err})


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def paths(entries):
    return sorted(e["path"] for e in entries)


# ---- the remote and two clones ----------------------------------------------------------------------
remote = os.path.join(W, "remote.git")
git("init", "-q", "--bare", "-b", "main", remote)
a = os.path.join(W, "a")
b = os.path.join(W, "b")
git("clone", "-q", remote, a)
write(os.path.join(a, "f"), "line 1\nline 2\n")
write(os.path.join(a, "keep"), "keep\n")
git("add", ".", cwd=a)
git("commit", "-q", "-m", "initial", cwd=a)
git("push", "-q", "origin", "main", cwd=a)
git("clone", "-q", remote, b)

# ---- status: clean ------------------------------------------------------------------------------------
code, r, out = call("git_status", {"repo": a})
t.ok(code == 0 and r.get("success") is True, "git_status on a clean clone succeeds", out)
t.eq((r.get("branch"), r.get("upstream"), r.get("ahead"), r.get("behind")), ("main", "origin/main", 0, 0),
     "clean: branch, upstream, ahead/behind")
t.eq(r.get("head"), git("rev-parse", "HEAD", cwd=a).strip(), "clean: head is the commit id")
t.ok(r.get("clean") is True and r.get("detached") is False and r.get("unborn") is False, "clean: flags", r)
t.ok(all(r.get(k) == [] for k in ("staged", "modified", "untracked", "conflicted")), "clean: empty lists", r)

# ---- status: dirty (staged, modified, untracked, renamed, spaces) ------------------------------------
write(os.path.join(a, "f"), "line 1 changed\nline 2\n")
write(os.path.join(a, "s"), "staged new file\n")
git("add", "s", cwd=a)
write(os.path.join(a, "u with space"), "untracked\n")
git("mv", "keep", "kept", cwd=a)
code, r, out = call("git_status", {"repo": a})
t.ok(code == 0 and r.get("clean") is False, "dirty: not clean", out)
t.eq(paths(r.get("modified", [])), ["f"], "dirty: the modified (unstaged) file")
t.eq(paths(r.get("staged", [])), ["kept", "s"], "dirty: the staged files")
t.eq(paths(r.get("untracked", [])), ["u with space"], "dirty: the untracked file (a name with a space)")
ren = [e for e in r.get("staged", []) if e["path"] == "kept"]
t.ok(ren and ren[0].get("status") == "renamed" and ren[0].get("orig_path") == "keep", "dirty: the rename carries orig_path", ren)
added = [e for e in r.get("staged", []) if e["path"] == "s"]
t.ok(added and added[0]["status"] == "added", "dirty: the new staged file is 'added'", added)

# ---- diff ------------------------------------------------------------------------------------------------
code, r, out = call("git_diff", {"repo": a})
t.ok(code == 0 and "+line 1 changed" in r.get("diff", "") and "-line 1" in r.get("diff", ""), "git_diff: the work tree change", out)
t.ok("staged new file" not in r.get("diff", ""), "git_diff: staged changes are not in the default diff")
code, r, out = call("git_diff", {"repo": a, "staged": True})
t.ok(code == 0 and "+staged new file" in r.get("diff", "") and "line 1 changed" not in r.get("diff", ""), "git_diff staged: the index against HEAD", out)
code, r, out = call("git_diff", {"repo": a, "staged": True, "stat": True})
t.ok(code == 0 and re.search(r"^ s +\| 1 \+$", r.get("diff", ""), re.M) and "2 files changed" in r.get("diff", "")
     and "@@" not in r.get("diff", ""), "git_diff stat: a diffstat", out)
code, r, out = call("git_diff", {"repo": a, "path": "s", "staged": True})
t.ok(code == 0 and "+staged new file" in r["diff"] and "kept" not in r["diff"], "git_diff path: limited to the path", out)
code, r, out = call("git_diff", {"repo": a, "ref": "HEAD"})
t.ok(code == 0 and "line 1 changed" in r["diff"] and "staged new file" in r["diff"], "git_diff ref: the work tree against HEAD", out)
t.ok(r.get("truncated") is False, "git_diff: not truncated")
code, r, out = call("git_diff", {"repo": a, "ref": "nosuchref"})
t.ok(code == 1 and out.get("outcome") == "failed" and "nosuchref" in out.get("message", ""), "git_diff: a bad ref fails clearly", out)

# ---- commit: selected files, then all ----------------------------------------------------------------
code, r, out = call("git_commit", {"repo": a, "message": "add s only", "files": ["s"]})
t.ok(code == 0 and r.get("success") is True, "git_commit with files succeeds", out)
head = git("rev-parse", "HEAD", cwd=a).strip()
t.eq(r.get("commit"), head, "git_commit returns the new commit id")
t.ok("add s only" in r.get("summary", ""), "git_commit summary is git's", r.get("summary"))
t.eq(git("show", "--name-only", "--format=", "HEAD", cwd=a).split(), ["s"], "only the selected file is in the commit")
code, r, out = call("git_status", {"repo": a})
t.eq(paths(r.get("modified", [])), ["f"], "after a selected commit: the other change is still there")
t.eq(paths(r.get("staged", [])), ["kept"], "after a selected commit: other staged changes stay staged")
t.eq(r.get("ahead"), 1, "ahead 1 after a commit")

code, r, out = call("git_commit", {"repo": a, "message": "everything else\n\nwith a body"})
t.ok(code == 0 and r.get("success") is True, "git_commit without files commits all changes", out)
t.eq(sorted(git("show", "--name-only", "--format=", "HEAD", cwd=a).split("\n")[:-1]),
     ["f", "kept", "u with space"], "all changes, untracked files and the rename included")
t.eq(git("log", "-1", "--format=%B", cwd=a).strip(), "everything else\n\nwith a body", "the message is kept exactly")
code, r, out = call("git_status", {"repo": a})
t.ok(r.get("clean") is True and r.get("ahead") == 2, "clean and ahead 2 after committing all", r)

code, r, out = call("git_commit", {"repo": a, "message": "again"})
t.ok(code == 1 and out.get("outcome") == "failed" and "nothing to commit" in out.get("message", ""), "nothing to commit: a clear failure", out)
t.ok(r.get("success") is False and r.get("nothing_to_commit") is True, "nothing to commit: flagged in the result", r)
code, r, out = call("git_commit", {"repo": a, "message": "m", "files": ["keep-not-there"]})
t.ok(code == 1 and "keep-not-there" in out.get("message", ""), "a file that does not exist: git add's reason", out)
code, r, out = call("git_commit", {"repo": a, "message": "--amend"})
t.ok(code == 1 and "nothing to commit" in out.get("message", ""), "a message that looks like an option is only a message", out)
t.eq(git("log", "-1", "--format=%s", cwd=a).strip(), "everything else", "the last commit was not amended")

# ---- log --------------------------------------------------------------------------------------------------
code, r, out = call("git_log", {"repo": a})
commits = r.get("commits", [])
t.ok(code == 0 and [c["subject"] for c in commits] == ["everything else", "add s only", "initial"], "git_log: newest first", out)
c0 = commits[0] if commits else {}
t.eq((c0.get("author"), c0.get("email")), ("Test Author", "author@example.com"), "git_log: author and email")
t.eq(c0.get("commit"), git("rev-parse", "HEAD", cwd=a).strip(), "git_log: full commit id")
t.ok(len(c0.get("date", "")) >= 20 and c0["date"][4] == "-" and "T" in c0["date"], "git_log: ISO 8601 date", c0.get("date"))
code, r, out = call("git_log", {"repo": a, "max_count": 1})
t.eq(len(r.get("commits", [])), 1, "git_log max_count")
code, r, out = call("git_log", {"repo": a, "path": "s"})
t.eq([c["subject"] for c in r.get("commits", [])], ["add s only"], "git_log path: commits touching the path")
code, r, out = call("git_log", {"repo": a, "ref": "origin/main..HEAD"})
t.eq(len(r.get("commits", [])), 2, "git_log ref: a range")
code, r, out = call("git_log", {"repo": a, "max_count": 1001})
t.eq(code, 2, "git_log max_count above 1000 is invalid")

# ---- push; ahead/behind after a fetch --------------------------------------------------------------
code, r, out = call("git_push", {"repo": a})
t.ok(code == 0 and r.get("success") is True and r.get("rejected") is False, "git_push succeeds", out)
t.ok(any(x.get("to") == "main" and x.get("status") == "fast_forward" for x in r.get("refs", [])), "git_push reports the ref", r.get("refs"))
code, r, out = call("git_status", {"repo": a})
t.eq((r.get("ahead"), r.get("behind")), (0, 0), "ahead 0 after the push")

git("pull", "-q", "--no-rebase", cwd=b)
write(os.path.join(b, "f"), "line 1 from b\nline 2\n")
git("commit", "-q", "-am", "b changes line 1", cwd=b)
git("push", "-q", cwd=b)
git("fetch", "-q", cwd=a)
code, r, out = call("git_status", {"repo": a})
t.eq((r.get("ahead"), r.get("behind")), (0, 1), "behind 1 after a fetch")

# ---- diverged: push rejected, pull conflicts -----------------------------------------------------------
write(os.path.join(a, "f"), "line 1 from a\nline 2\n")
git("commit", "-q", "-am", "a changes line 1", cwd=a)
code, r, out = call("git_status", {"repo": a})
t.eq((r.get("ahead"), r.get("behind")), (1, 1), "ahead 1, behind 1 when diverged")
code, r, out = call("git_push", {"repo": a, "remote": "origin", "branch": "main"})
msg = out.get("message", "")
t.ok(code == 1 and out.get("outcome") == "failed" and "rejected" in msg and "non-fast-forward" in msg, "a rejected push fails naming the reason", out)
t.ok(r.get("rejected") is True and r.get("success") is False and "rejected" in r.get("output", ""), "the rejected push's result", r)

code, r, out = call("git_pull", {"repo": a, "remote": "origin", "branch": "main"})
msg = out.get("message", "")
t.ok(code == 1 and out.get("outcome") == "failed" and "merge conflict" in msg and "f" in msg, "a conflicting pull fails: merge conflict", out)
t.ok(r.get("conflict") is True and paths(r.get("conflicted", [])) == ["f"], "the conflicted files are listed", r)
t.ok("left mid-merge" in msg and "git merge --abort" in msg, "the message says the repository is left in the conflict state", msg)
t.ok(os.path.exists(os.path.join(a, ".git", "MERGE_HEAD")), "the repository is left mid-merge for the user")
code, r, out = call("git_status", {"repo": a})
t.ok([e.get("status") for e in r.get("conflicted", [])] == ["both_modified"], "git_status shows the conflict", r)
git("merge", "--abort", cwd=a)
git("reset", "-q", "--hard", "origin/main", cwd=a)

# ---- pull: fast-forward, then up to date ----------------------------------------------------------------
write(os.path.join(b, "from_b"), "new\n")
git("add", "from_b", cwd=b)
git("commit", "-q", "-m", "b adds a file", cwd=b)
git("push", "-q", cwd=b)
code, r, out = call("git_pull", {"repo": a})
t.ok(code == 0 and r.get("success") is True and os.path.exists(os.path.join(a, "from_b")), "git_pull brings the remote's commit", out)
code, r, out = call("git_pull", {"repo": a, "remote": ""})
t.ok(code == 0 and r.get("up_to_date") is True, "git_pull again: up to date (empty remote = origin)", out)
code, r, out = call("git_pull", {"repo": a, "remote": "nosuchremote"})
t.ok(code == 1 and "nosuchremote" in out.get("message", ""), "git_pull from an unknown remote fails clearly", out)

# ---- detached HEAD, unborn branch ---------------------------------------------------------------------
git("checkout", "-q", "--detach", cwd=b)
code, r, out = call("git_status", {"repo": b})
t.ok(code == 0 and r.get("detached") is True and r.get("branch") is None and r.get("head"), "detached HEAD: branch null", r)
fresh = os.path.join(W, "fresh")
git("init", "-q", "-b", "main", fresh)
write(os.path.join(fresh, "x"), "x\n")
code, r, out = call("git_status", {"repo": fresh})
t.ok(code == 0 and r.get("unborn") is True and r.get("head") is None and r.get("branch") == "main", "unborn branch", r)
t.eq(paths(r.get("untracked", [])), ["x"], "unborn: untracked files listed")
code, r, out = call("git_log", {"repo": fresh})
t.ok(code == 0 and r.get("commits") == [], "git_log on an unborn branch: an empty list", out)
code, r, out = call("git_commit", {"repo": fresh, "message": "first"})
t.ok(code == 0 and r.get("commit") and "root-commit" in r.get("summary", ""), "the first commit of an unborn branch", out)

# ---- not a repository ------------------------------------------------------------------------------------
plain = os.path.join(W, "plain")
os.mkdir(plain)
for tool, args in (("git_status", {}), ("git_log", {}), ("git_diff", {}), ("git_commit", {"message": "m"}),
                   ("git_pull", {}), ("git_push", {})):
    code, r, out = call(tool, dict(args, repo=plain))
    t.ok(code == 1 and out.get("message") == f"not a git repository: {plain}" and r.get("success") is False,
         f"{tool} on a directory that is not a repository fails clearly", out)
# Outside a repository `git diff A -- B` would compare two arbitrary files (git's implicit --no-index).
secret = os.path.join(h.root, "secret.txt")
write(secret, "TOPSECRET\n")
write(os.path.join(plain, "other"), "x\n")
code, r, out = call("git_diff", {"repo": plain, "ref": secret, "path": "other"})
t.ok(code == 1 and "not a git repository" in out.get("message", "") and "TOPSECRET" not in json.dumps(out),
     "git_diff outside a repository never becomes a no-index diff of two arbitrary files", out)
code, r, out = call("git_status", {"repo": os.path.join(W, "missing")})
t.ok(code == 1 and "missing" in out.get("message", ""), "a repository path that does not exist fails clearly", out)

# ---- option injection ----------------------------------------------------------------------------------
marker = os.path.join(h.root, "pwned")
attempts = [
    ("git_pull", {"repo": a, "branch": f"--upload-pack=touch {marker}"}),
    ("git_pull", {"repo": a, "remote": f"--upload-pack=touch {marker}"}),
    ("git_push", {"repo": a, "branch": f"--receive-pack=touch {marker}"}),
    ("git_push", {"repo": a, "remote": f"--exec=touch {marker}"}),
    ("git_log", {"repo": a, "ref": f"--output={marker}"}),
    ("git_diff", {"repo": a, "path": f"--output={marker}"}),
    ("git_commit", {"repo": a, "message": "m", "files": [f"--pathspec-from-file={marker}"]}),
]
for tool, args in attempts:
    code, r, out = call(tool, args)
    t.ok(code == 2 and out.get("outcome") == "invalid" and "'-'" in out.get("message", ""), f"{tool}: an argument starting with '-' is refused", out)
code, r, out = call("git_push", {"repo": a, "branch": "+main"})
t.ok(code == 2 and "forced" in out.get("message", ""), "git_push: a forced refspec is refused", out)
code, r, out = call("git_push", {"repo": a, "branch": ":main"})
t.ok(code == 2, "git_push: a deleting refspec is refused", out)
code, r, out = call("git_pull", {"repo": a, "remote": f"ext::sh -c touch% {marker}"})
t.ok(code == 1, "git_pull: the ext:: transport (runs commands) is refused by git", out)
t.ok(not os.path.exists(marker), "no injection attempt ran anything")

# ---- schema validation -------------------------------------------------------------------------------
code, r, out = call("git_status", {"repo": a, "bogus": 1})
t.ok(code == 2 and out.get("outcome") == "invalid", "unknown arguments are refused", out)
code, r, out = call("git_commit", {"repo": a})
t.eq(code, 2, "git_commit without a message is refused")
code, r, out = call("git_commit", {"repo": a, "message": "   "})
t.ok(code == 2 and "blank" in out.get("message", ""), "a blank message is refused", out)
code, r, out = call("git_status", {"repo": ""})
t.eq(code, 2, "an empty repo is refused")

# ---- timeout kills the whole process group -----------------------------------------------------------
git("remote", "add", "slow", remote, cwd=a)
git("config", "remote.slow.uploadpack", "sleep 97; git-upload-pack", cwd=a)
start = time.monotonic()
code, r, out = call("git_pull", {"repo": a, "remote": "slow", "branch": "main", "timeout_ms": 1500})
took = time.monotonic() - start
t.ok(code == 4 and out.get("outcome") == "timeout" and "timed out after 1500 ms" in out.get("message", ""), "a slow pull times out", out)
t.ok(r.get("timed_out") is True and took < 60, "timed_out in the result, and the call returned promptly", (r, took))


def sleepers():
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if f.read().split(b"\0")[:2] == [b"sleep", b"97"]:
                        found.append(pid)
            except OSError:
                pass
    return found


deadline = time.monotonic() + 10
while sleepers() and time.monotonic() < deadline:
    time.sleep(0.1)
t.eq(sleepers(), [], "the timed-out pull's grandchild (sleep) was killed with the group")

# ---- tools listing ---------------------------------------------------------------------------------------
p = h.run("tools", "--json")
doc = json.loads(p.stdout) if p.returncode == 0 else {"tools": []}
gt = {x["name"]: x for x in doc["tools"] if x["name"].startswith("git_")}
t.eq(sorted(gt), ["git_commit", "git_diff", "git_log", "git_pull", "git_push", "git_status"], "six git tools are listed")
t.ok(all(gt[n]["permission"] == "read" and gt[n]["annotations"].get("readOnlyHint") for n in ("git_status", "git_log", "git_diff")),
     "status/log/diff: read permission, read-only hint", {n: gt.get(n, {}).get("permission") for n in gt})
t.ok(all(gt[n]["permission"] == "write" for n in ("git_pull", "git_commit", "git_push")), "pull/commit/push: write permission")
t.ok(all(gt[n]["inputSchema"].get("additionalProperties") is False and "outputSchema" in gt[n] for n in gt),
     "closed input schemas and output schemas")

# ---- plan mode: reads work, writes are denied ----------------------------------------------------------
hp = Host(plugins=("exec", "git"), mode="plan")
prepo = os.path.join(hp.work, "repo")
git("clone", "-q", remote, prepo)
write(os.path.join(prepo, "f"), "plan-mode edit\n")
write(os.path.join(prepo, "new"), "n\n")
before = tree_hash(prepo)
code, r, out = call("git_status", {"repo": prepo}, host=hp)
t.ok(code == 0 and paths(r.get("modified", [])) == ["f"] and paths(r.get("untracked", [])) == ["new"], "plan mode: git_status works", out)
code, r, out = call("git_log", {"repo": prepo, "max_count": 2}, host=hp)
t.ok(code == 0 and len(r.get("commits", [])) == 2, "plan mode: git_log works", out)
code, r, out = call("git_diff", {"repo": prepo, "stat": True}, host=hp)
t.ok(code == 0 and re.search(r"^ f +\|", r.get("diff", ""), re.M), "plan mode: git_diff works", out)
for tool, args in (("git_commit", {"message": "m"}), ("git_pull", {}), ("git_push", {})):
    code, r, out = call(tool, dict(args, repo=prepo), host=hp)
    t.ok(code == 3 and out.get("outcome") == "denied", f"plan mode: {tool} is denied (exit 3)", out)
t.eq(tree_hash(prepo), before, "plan mode: the repository is unchanged")

# ---- config ------------------------------------------------------------------------------------------
hc = Host(plugins=(), mode="edit")
hc.write_config('name = "cfg"\n[plugins.git]\nload = "required"\n[plugins.git.config]\ntimeout_ms = 5000\ncolour = 1\n')
p = hc.run("tools")
t.ok(p.returncode != 0 and "colour" in p.stderr and "plugins.git.config" in p.stderr, "an unknown config key stops the plugin clearly", p.stderr)
hc.write_config('name = "cfg"\n[plugins.git]\nload = "required"\n[plugins.git.config]\nmax_output = 200\n')
code, r, out = call("git_log", {"repo": a}, host=hc)
t.ok(code == 0 and r.get("truncated") is True and 0 < len(r.get("commits", [])) < 5, "max_output caps what git may print (truncated)", out)
