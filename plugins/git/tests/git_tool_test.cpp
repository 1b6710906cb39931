#include "git_tool.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>

namespace ra_git {
namespace {

using namespace std::string_literals;

// Porcelain v2 records joined with NUL terminators, as `git status --porcelain=v2 --branch -z` prints.
std::string z(std::initializer_list<std::string> recs) {
  std::string out;
  for (const auto &r : recs) out += r + '\0';
  return out;
}

const std::string oid = "0f3284a47ba792d946f04426d30e0d24160bb035";
const std::string hash = "2fa992c0b8b5c6acd2bdd4fa31de29d29799bdd5";
const std::string modes = "100644 100644 100644 ";

repo_status must_parse(const std::string &data, bool truncated = false) {
  std::string err;
  auto st = parse_status(data, truncated, err);
  EXPECT_TRUE(st) << err;
  return st ? *st : repo_status{};
}

rapidjson::Document doc(const std::string &json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  EXPECT_FALSE(d.HasParseError()) << json;
  return d;
}

bool has(const std::vector<std::string> &v, const std::string &s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// ---- settings ---------------------------------------------------------------------------------

TEST(GitSettings, DefaultsValuesAndUnknownKeys) {
  std::string err;
  auto s = parse_settings("{}", err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->timeout_ms, 120000);
  EXPECT_EQ(s->max_output, 1u << 20);
  EXPECT_EQ(s->git, "git");
  EXPECT_EQ(s->ssh_command, default_ssh_command);
  s = parse_settings(R"({"timeout_ms":5000,"max_output":4096,"git":"/usr/bin/git","ssh_command":""})", err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->timeout_ms, 5000);
  EXPECT_EQ(s->max_output, 4096u);
  EXPECT_EQ(s->git, "/usr/bin/git");
  EXPECT_EQ(s->ssh_command, "");
  for (const char *bad : {R"({"colour":1})", R"({"timeout_ms":0})", R"({"timeout_ms":"5"})", R"({"max_output":0})",
                          R"({"git":""})", R"({"git":"bin/git"})", R"({"timeout_secs":5})", "[]", "not json"}) {
    err.clear();
    EXPECT_FALSE(parse_settings(bad, err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
  parse_settings(R"({"colour":1})", err);
  EXPECT_NE(err.find("'colour'"), std::string::npos) << err;
  EXPECT_NE(err.find("timeout_ms"), std::string::npos) << "the message lists the known keys: " << err;
}

// ---- arguments --------------------------------------------------------------------------------

TEST(GitArgs, DefaultsAndEmptyOptionals) {
  git_settings s;
  std::string err;
  auto a = parse_args(op::pull, R"({"repo":"/r"})", s, err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->remote, "origin");
  EXPECT_EQ(a->branch, "");
  EXPECT_EQ(a->timeout_ms, 120000);
  a = parse_args(op::push, R"({"repo":"/r","remote":"","branch":"","timeout_ms":5})", s, err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->remote, "origin") << "an empty remote means the default";
  EXPECT_EQ(a->timeout_ms, 5);
  a = parse_args(op::log, R"({"repo":"/r"})", s, err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->max_count, 20);
  a = parse_args(op::log, R"({"repo":"/r","max_count":1000,"ref":"main..feature","path":"src/a b.c"})", s, err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->max_count, 1000);
  EXPECT_EQ(a->ref, "main..feature");
  EXPECT_FALSE(parse_args(op::log, R"({"repo":"/r","max_count":1001})", s, err));
  auto d = parse_args(op::diff, R"({"repo":"/r","staged":true,"stat":true})", s, err);
  ASSERT_TRUE(d) << err;
  EXPECT_TRUE(d->staged && d->stat);
}

TEST(GitArgs, RepoMustBeNonEmpty) {
  git_settings s;
  std::string err;
  EXPECT_FALSE(parse_args(op::status, R"({})", s, err));
  EXPECT_NE(err.find("repo"), std::string::npos);
  EXPECT_FALSE(parse_args(op::status, R"({"repo":""})", s, err));
  EXPECT_FALSE(parse_args(op::status, R"({"repo":"a\u0000b"})", s, err));
  EXPECT_FALSE(parse_args(op::status, "[1]", s, err));
}

TEST(GitArgs, OptionInjectionIsRefused) {
  git_settings s;
  std::string err;
  struct bad_case {
    op o;
    const char *json;
    const char *names;
  };
  for (const bad_case &c : std::initializer_list<bad_case>{
           {op::pull, R"({"repo":"/r","branch":"--upload-pack=touch /tmp/x"})", "branch"},
           {op::pull, R"({"repo":"/r","remote":"--upload-pack=touch /tmp/x"})", "remote"},
           {op::push, R"({"repo":"/r","remote":"-o"})", "remote"},
           {op::push, R"({"repo":"/r","branch":"--receive-pack=x"})", "branch"},
           {op::push, R"({"repo":"/r","branch":"-f"})", "branch"},
           {op::log, R"({"repo":"/r","ref":"--output=/tmp/x"})", "ref"},
           {op::diff, R"({"repo":"/r","ref":"-o/tmp/x"})", "ref"},
           {op::diff, R"({"repo":"/r","path":"--output=/tmp/x"})", "path"},
           {op::log, R"({"repo":"/r","path":"-p"})", "path"},
           {op::commit, R"({"repo":"/r","message":"m","files":["ok","--chmod=+x"]})", "file"},
       }) {
    err.clear();
    EXPECT_FALSE(parse_args(c.o, c.json, s, err)) << c.json;
    EXPECT_NE(err.find("'-'"), std::string::npos) << err;
    EXPECT_NE(err.find(c.names), std::string::npos) << err;
  }
}

TEST(GitArgs, BranchNamesFollowGitRulesAndAreNotRefspecs) {
  git_settings s;
  std::string err;
  for (const char *ok : {"main", "feature/x-1", "release-1.2", "user/name_with.dots", "v2"}) {
    std::string json = R"({"repo":"/r","branch":")" + std::string(ok) + "\"}";
    EXPECT_TRUE(parse_args(op::push, json, s, err)) << ok << ": " << err;
  }
  for (const char *bad : {"+main",  ":main", "main:other", "a..b", "a b",    "a~1",  "a^", "a?",    "a*",   "a[",
                          "a\\\\b", "/a",    "a/",         "a.",   "a.lock", "a/.b", "@",  "a@{1}", "a//b", "a\\tb"}) {
    std::string json = R"({"repo":"/r","branch":")" + std::string(bad) + "\"}";
    err.clear();
    EXPECT_FALSE(parse_args(op::push, json, s, err)) << bad;
    EXPECT_NE(err.find("refused"), std::string::npos) << err;
  }
}

TEST(GitArgs, CommitMessageAndFiles) {
  git_settings s;
  std::string err;
  auto a = parse_args(op::commit, R"({"repo":"/r","message":"-m looks like an option but is text"})", s, err);
  ASSERT_TRUE(a) << err;
  EXPECT_TRUE(a->files.empty());
  a = parse_args(op::commit, R"({"repo":"/r","message":"m","files":["a","dir/b c"]})", s, err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->files, (std::vector<std::string>{"a", "dir/b c"}));
  EXPECT_FALSE(parse_args(op::commit, R"({"repo":"/r","message":"  \n\t"})", s, err));
  EXPECT_NE(err.find("message"), std::string::npos);
  EXPECT_FALSE(parse_args(op::commit, R"({"repo":"/r"})", s, err));
  EXPECT_FALSE(parse_args(op::commit, R"({"repo":"/r","message":"m","files":[""]})", s, err));
}

// ---- argv and environment ------------------------------------------------------------------------

TEST(GitArgv, ReadToolsUseOnlyPlanSafeOptions) {
  git_settings s;
  auto st = status_argv(s, "/repo");
  EXPECT_EQ(st, (std::vector<std::string>{"git", "--no-pager", "--no-optional-locks", "-C", "/repo", "status",
                                          "--porcelain=v2", "--branch", "-z", "--untracked-files=normal"}));
  git_args a;
  a.repo = "/repo";
  a.ref = "HEAD~2";
  a.path = "src";
  a.max_count = 5;
  auto lg = log_argv(s, a);
  EXPECT_EQ(lg.front(), "git");
  EXPECT_TRUE(has(lg, "-z"));
  EXPECT_TRUE(has(lg, "--max-count=5"));
  EXPECT_TRUE(has(lg, std::string("--format=") + log_format));
  // The ref before "--", the path after it.
  auto dd = std::find(lg.begin(), lg.end(), "--");
  ASSERT_NE(dd, lg.end());
  EXPECT_EQ(*(dd - 1), "HEAD~2");
  EXPECT_EQ(*(dd + 1), "src");
  EXPECT_EQ(dd + 2, lg.end());
  a.staged = true;
  a.stat = true;
  auto df = diff_argv(s, a);
  EXPECT_TRUE(has(df, "--cached"));
  EXPECT_TRUE(has(df, "--no-ext-diff"));
  EXPECT_TRUE(std::any_of(df.begin(), df.end(), [](auto &x) { return x.starts_with("--stat"); }));
  EXPECT_EQ(df.back(), "src");
  auto gd = git_dir_argv(s, "/repo");
  EXPECT_EQ(std::vector<std::string>(gd.end() - 2, gd.end()), (std::vector<std::string>{"rev-parse", "--git-dir"}));
  for (const auto &v : {st, lg, df, gd, head_argv(s, "/repo")}) {
    EXPECT_FALSE(has(v, "-c")) << "plan mode refuses git -c";
  }
  EXPECT_EQ(read_env(), (std::vector<std::string>{"LC_ALL=C"})) << "plan mode accepts only LC_*/LANG";
}

TEST(GitArgv, WriteTools) {
  git_settings s;
  s.git = "/usr/bin/git";
  git_args a;
  a.repo = "/repo";
  auto pl = pull_argv(s, a);
  EXPECT_EQ(pl.front(), "/usr/bin/git");
  std::vector<std::string> tail(pl.end() - 4, pl.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"pull", "--no-edit", "--no-rebase", "origin"}));
  EXPECT_TRUE(has(pl, "protocol.ext.allow=never"));
  EXPECT_TRUE(has(pl, "core.quotePath=false"));
  a.branch = "main";
  a.remote = "upstream";
  EXPECT_EQ(pull_argv(s, a).back(), "main");
  auto ps = push_argv(s, a);
  std::vector<std::string> ptail(ps.end() - 5, ps.end());
  EXPECT_EQ(ptail, (std::vector<std::string>{"push", "--porcelain", "--", "upstream", "main"}));
  EXPECT_FALSE(has(ps, "--force"));
  // Commit: all changes, or exactly the files.
  auto ad = add_argv(s, a);
  EXPECT_EQ(std::vector<std::string>(ad.end() - 2, ad.end()), (std::vector<std::string>{"add", "-A"}));
  auto cm = commit_argv(s, a);
  EXPECT_EQ(std::vector<std::string>(cm.end() - 3, cm.end()), (std::vector<std::string>{"commit", "-F", "-"}));
  a.files = {"a", "b c"};
  ad = add_argv(s, a);
  EXPECT_EQ(std::vector<std::string>(ad.end() - 4, ad.end()), (std::vector<std::string>{"add", "--", "a", "b c"}));
  cm = commit_argv(s, a);
  EXPECT_EQ(std::vector<std::string>(cm.end() - 4, cm.end()), (std::vector<std::string>{"--only", "--", "a", "b c"}));
  a.message = "--amend";
  EXPECT_FALSE(has(commit_argv(s, a), "--amend")) << "the message is never on the command line";
}

TEST(GitArgv, WriteEnvironmentIsNeverInteractive) {
  git_settings s;
  auto env = write_env(s, nullptr);
  for (const char *e :
       {"GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=", "GIT_EDITOR=true", "GIT_PAGER=cat", "LC_ALL=C"})
    EXPECT_TRUE(has(env, e)) << e;
  EXPECT_TRUE(has(env, "GIT_SSH_COMMAND="s + default_ssh_command));
  // The user's own GIT_SSH_COMMAND is kept (not overridden); a blank one is not "set".
  env = write_env(s, "ssh -i /k");
  EXPECT_FALSE(std::any_of(env.begin(), env.end(), [](auto &e) { return e.starts_with("GIT_SSH_COMMAND="); }));
  env = write_env(s, "  ");
  EXPECT_TRUE(has(env, "GIT_SSH_COMMAND="s + default_ssh_command));
  s.ssh_command = "";
  env = write_env(s, nullptr);
  EXPECT_FALSE(std::any_of(env.begin(), env.end(), [](auto &e) { return e.starts_with("GIT_SSH_COMMAND="); }));
}

// ---- porcelain v2 ---------------------------------------------------------------------------------

TEST(GitStatusParse, CleanWithUpstreamInSync) {
  auto st = must_parse(
      z({"# branch.oid " + oid, "# branch.head main", "# branch.upstream origin/main", "# branch.ab +0 -0"}));
  EXPECT_EQ(st.branch, "main");
  EXPECT_EQ(st.head, oid);
  EXPECT_FALSE(st.detached);
  EXPECT_FALSE(st.unborn);
  EXPECT_EQ(st.upstream, "origin/main");
  EXPECT_FALSE(st.upstream_gone);
  EXPECT_EQ(st.ahead, 0);
  EXPECT_EQ(st.behind, 0);
  EXPECT_TRUE(st.clean());
}

TEST(GitStatusParse, AheadBehindAndNoUpstream) {
  auto st =
      must_parse(z({"# branch.oid " + oid, "# branch.head dev", "# branch.upstream origin/dev", "# branch.ab +3 -12"}));
  EXPECT_EQ(st.ahead, 3);
  EXPECT_EQ(st.behind, 12);
  st = must_parse(z({"# branch.oid " + oid, "# branch.head topic"}));
  EXPECT_FALSE(st.upstream);
  EXPECT_FALSE(st.upstream_gone);
  // Configured upstream whose remote branch does not exist: no branch.ab line.
  st = must_parse(z({"# branch.oid " + oid, "# branch.head master", "# branch.upstream origin/master"}));
  EXPECT_TRUE(st.upstream_gone);
  std::string err;
  EXPECT_FALSE(parse_status(z({"# branch.ab 3 12"}), false, err));
  EXPECT_FALSE(parse_status(z({"# branch.ab +x -1"}), false, err));
}

TEST(GitStatusParse, DetachedAndUnborn) {
  auto st = must_parse(z({"# branch.oid " + oid, "# branch.head (detached)"}));
  EXPECT_TRUE(st.detached);
  EXPECT_FALSE(st.branch);
  EXPECT_EQ(st.head, oid);
  st = must_parse(z({"# branch.oid (initial)", "# branch.head main",
                     "1 A. N... 000000 100644 100644 " + std::string(40, '0') + " " + hash + " a", "? b"}));
  EXPECT_TRUE(st.unborn);
  EXPECT_FALSE(st.head);
  EXPECT_EQ(st.branch, "main");
  ASSERT_EQ(st.staged.size(), 1u);
  EXPECT_EQ(st.staged[0].path, "a");
  EXPECT_EQ(st.staged[0].status, "added");
  ASSERT_EQ(st.untracked.size(), 1u);
  EXPECT_EQ(st.untracked[0].path, "b");
  EXPECT_FALSE(st.clean());
}

TEST(GitStatusParse, StagedModifiedBothAndSpacesInPaths) {
  auto st = must_parse(
      z({"# branch.oid " + oid, "# branch.head main", "1 M. N... " + modes + hash + " " + hash + " staged only.txt",
         "1 .M N... " + modes + hash + " " + hash + " dir/work tree.txt",
         "1 MM N... " + modes + hash + " " + hash + " both",
         "1 D. N... 100644 000000 000000 " + hash + " " + std::string(40, '0') + " gone",
         "1 .D N... " + modes + hash + " " + hash + " deleted-in-tree",
         "1 .T N... " + modes + hash + " " + hash + " typechange", "? new file", "? dir/"}));
  ASSERT_EQ(st.staged.size(), 3u);
  EXPECT_EQ(st.staged[0].path, "staged only.txt");
  EXPECT_EQ(st.staged[0].xy, "M.");
  EXPECT_EQ(st.staged[1].path, "both");
  EXPECT_EQ(st.staged[2].status, "deleted");
  ASSERT_EQ(st.modified.size(), 4u);
  EXPECT_EQ(st.modified[0].path, "dir/work tree.txt");
  EXPECT_EQ(st.modified[1].path, "both");
  EXPECT_EQ(st.modified[2].status, "deleted");
  EXPECT_EQ(st.modified[3].status, "type_changed");
  ASSERT_EQ(st.untracked.size(), 2u);
  EXPECT_EQ(st.untracked[0].path, "new file");
  EXPECT_EQ(st.untracked[1].path, "dir/");
}

TEST(GitStatusParse, RenamesAndCopiesCarryTheOriginalPath) {
  auto st = must_parse(
      z({"# branch.oid " + oid, "# branch.head main", "2 R. N... " + modes + hash + " " + hash + " R100 f renamed", "f",
         "2 RM N... " + modes + hash + " " + hash + " R87 new name.c", "old name.c",
         "2 C. N... " + modes + hash + " " + hash + " C75 copy", "orig",
         "1 .M N... " + modes + hash + " " + hash + " after"}));
  ASSERT_EQ(st.staged.size(), 3u);
  EXPECT_EQ(st.staged[0].path, "f renamed");
  EXPECT_EQ(st.staged[0].orig_path, "f");
  EXPECT_EQ(st.staged[0].status, "renamed");
  EXPECT_EQ(st.staged[0].score, 100);
  EXPECT_EQ(st.staged[1].path, "new name.c");
  EXPECT_EQ(st.staged[1].orig_path, "old name.c");
  EXPECT_EQ(st.staged[1].score, 87);
  EXPECT_EQ(st.staged[2].status, "copied");
  EXPECT_EQ(st.staged[2].orig_path, "orig");
  ASSERT_EQ(st.modified.size(), 2u);
  EXPECT_EQ(st.modified[0].path, "new name.c");  // renamed and then edited
  EXPECT_EQ(st.modified[0].status, "modified");
  EXPECT_EQ(st.modified[0].orig_path, "") << "the work tree side is a plain modification";
  EXPECT_EQ(st.modified[1].path, "after") << "the record after a rename is read as a record";
}

TEST(GitStatusParse, Conflicts) {
  std::string u = "100644 100644 100644 100644 " + hash + " " + hash + " " + hash + " ";
  auto st =
      must_parse(z({"# branch.oid " + oid, "# branch.head main", "# branch.upstream origin/main", "# branch.ab +1 -1",
                    "1 A. N... 000000 100644 100644 " + std::string(40, '0') + " " + hash + " n",
                    "u UU N... " + u + "f", "u AA N... " + u + "both added", "u DU N... " + u + "del by us",
                    "u UD N... " + u + "x", "u AU N... " + u + "y", "u UA N... " + u + "w", "u DD N... " + u + "v"}));
  ASSERT_EQ(st.conflicted.size(), 7u);
  EXPECT_EQ(st.conflicted[0].path, "f");
  EXPECT_EQ(st.conflicted[0].status, "both_modified");
  EXPECT_EQ(st.conflicted[0].xy, "UU");
  EXPECT_EQ(st.conflicted[1].path, "both added");
  EXPECT_EQ(st.conflicted[1].status, "both_added");
  EXPECT_EQ(st.conflicted[2].status, "deleted_by_us");
  EXPECT_EQ(st.conflicted[3].status, "deleted_by_them");
  EXPECT_EQ(st.conflicted[4].status, "added_by_us");
  EXPECT_EQ(st.conflicted[5].status, "added_by_them");
  EXPECT_EQ(st.conflicted[6].status, "both_deleted");
  EXPECT_EQ(st.staged.size(), 1u);
  EXPECT_FALSE(st.clean());
}

TEST(GitStatusParse, SubmodulesIgnoredAndUnknownHeaders) {
  auto st = must_parse(z({"# branch.oid " + oid, "# branch.head main", "# stash 2",
                          "1 .M SC.. 160000 160000 160000 " + hash + " " + hash + " lib/sub", "! ignored.o"}));
  ASSERT_EQ(st.modified.size(), 1u);
  EXPECT_TRUE(st.modified[0].submodule);
  EXPECT_TRUE(st.untracked.empty());
  EXPECT_TRUE(st.staged.empty());
}

TEST(GitStatusParse, TruncatedOutputDropsTheCutRecord) {
  std::string full = z({"# branch.oid " + oid, "# branch.head main", "? a", "? bbbbbbbb"});
  std::string cut = full.substr(0, full.size() - 4);  // inside "? bbbbbbbb"
  auto st = must_parse(cut, true);
  EXPECT_TRUE(st.truncated);
  ASSERT_EQ(st.untracked.size(), 1u);
  EXPECT_EQ(st.untracked[0].path, "a");
  // A rename cut between its two paths is dropped too.
  std::string r = z({"# branch.head main", "2 R. N... " + modes + hash + " " + hash + " R100 new"});
  st = must_parse(r, true);
  EXPECT_TRUE(st.staged.empty());
  std::string err;
  EXPECT_FALSE(parse_status(r, false, err)) << "not truncated: a rename without its origin is malformed";
}

TEST(GitStatusParse, MalformedRecords) {
  std::string err;
  for (const std::string &bad : {z({"1 M. N..."}), z({"u UU N... 1 2 3"}), z({"x what"}), z({"?x"}),
                                 z({"1 M N... " + modes + hash + " " + hash + " p"})}) {
    err.clear();
    EXPECT_FALSE(parse_status(bad, false, err)) << bad;
    EXPECT_NE(err.find("unexpected git status record"), std::string::npos);
  }
  EXPECT_TRUE(parse_status("", false, err)) << "no output at all parses (nothing to report)";
}

TEST(GitStatusParse, ResultJson) {
  git_args a;
  a.repo = "/r";
  run_result r;
  r.out = z({"# branch.oid " + oid, "# branch.head (detached)", "2 R. N... " + modes + hash + " " + hash + " R100 b",
             "a", "? caf\xc3\xa9", "? bad\xff"});
  auto o = status_outcome(a, r);
  EXPECT_EQ(o.status, RA_OK);
  auto d = doc(o.result_json);
  EXPECT_TRUE(d["success"].GetBool());
  EXPECT_TRUE(d["branch"].IsNull());
  EXPECT_TRUE(d["detached"].GetBool());
  EXPECT_TRUE(d["upstream"].IsNull());
  EXPECT_STREQ(d["head"].GetString(), oid.c_str());
  EXPECT_STREQ(d["staged"][0]["orig_path"].GetString(), "a");
  EXPECT_STREQ(d["staged"][0]["status"].GetString(), "renamed");
  EXPECT_EQ(d["staged"][0]["score"].GetInt(), 100);
  EXPECT_STREQ(d["untracked"][0]["path"].GetString(), "caf\xc3\xa9");
  EXPECT_STREQ(d["untracked"][1]["path"].GetString(), "bad\xef\xbf\xbd") << "ill-formed UTF-8 is replaced";
  EXPECT_FALSE(d["clean"].GetBool());
  EXPECT_EQ(d["exit_code"].GetInt(), 0);
}

TEST(GitFailures, NotARepositoryAndMissingDirectory) {
  git_args a;
  a.repo = "/tmp/nope";
  a.timeout_ms = 1000;
  run_result r;
  r.exit_code = 128;
  r.err = "fatal: not a git repository (or any of the parent directories): .git\n";
  auto o = status_outcome(a, r);
  EXPECT_EQ(o.status, RA_FAILED_PRECONDITION);
  EXPECT_EQ(o.message, "not a git repository: /tmp/nope");
  auto d = doc(o.result_json);
  EXPECT_FALSE(d["success"].GetBool());
  EXPECT_EQ(d["exit_code"].GetInt(), 128);
  EXPECT_STREQ(d["error"].GetString(), o.message.c_str());
  r.err = "fatal: cannot change to '/tmp/nope': No such file or directory\n";
  o = log_outcome(a, r);
  EXPECT_EQ(o.status, RA_FAILED_PRECONDITION);
  EXPECT_NE(o.message.find("No such file or directory"), std::string::npos) << o.message;
  r.err = "fatal: detected dubious ownership in repository at '/tmp/nope'\n";
  o = diff_outcome(a, r);
  EXPECT_NE(o.message.find("safe.directory"), std::string::npos) << o.message;
  r.err = "warning: Not a git repository. Use --no-index to compare two paths outside a working tree\nusage: …";
  r.exit_code = 129;
  EXPECT_EQ(diff_outcome(a, r).message, "not a git repository: /tmp/nope");
  auto check = repo_check_outcome(a, r);
  ASSERT_TRUE(check);
  EXPECT_EQ(check->status, RA_FAILED_PRECONDITION);
  run_result fine;
  fine.out = ".git\n";
  EXPECT_FALSE(repo_check_outcome(a, fine)) << "a repository passes the check";
  r.exit_code = 128;
  r.err = "fatal: bad revision 'nosuch'\n";
  o = diff_outcome(a, r);
  EXPECT_EQ(o.message, "git diff failed (exit 128): bad revision 'nosuch'");
}

TEST(GitFailures, TimeoutAndCancel) {
  git_args a;
  a.repo = "/r";
  a.timeout_ms = 700;
  run_result r;
  r.exit_code = -1;
  r.term_signal = 9;
  r.timed_out = true;
  auto o = pull_outcome(a, r, nullptr);
  EXPECT_EQ(o.status, RA_DEADLINE_EXCEEDED);
  EXPECT_EQ(o.message, "git pull timed out after 700 ms (its process group was killed)");
  EXPECT_TRUE(doc(o.result_json)["timed_out"].GetBool());
  r.timed_out = false;
  r.cancelled = true;
  EXPECT_EQ(status_outcome(a, r).status, RA_CANCELLED);
}

// ---- log ---------------------------------------------------------------------------------------------

TEST(GitLogParse, RecordsAndTruncation) {
  std::string data = z({"c1", "Ann Author", "ann@example.com", "2024-05-01T10:00:00+02:00", "Fix: a bug", "c2", "Bob",
                        "bob@x", "2024-04-30T09:00:00Z", "subject with\ttab and ünïcode"});
  bool incomplete = true;
  auto log = parse_log(data, incomplete);
  EXPECT_FALSE(incomplete);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].commit, "c1");
  EXPECT_EQ(log[0].author, "Ann Author");
  EXPECT_EQ(log[0].email, "ann@example.com");
  EXPECT_EQ(log[0].date, "2024-05-01T10:00:00+02:00");
  EXPECT_EQ(log[0].subject, "Fix: a bug");
  EXPECT_EQ(log[1].subject, "subject with\ttab and ünïcode");
  auto cut = parse_log(data.substr(0, data.size() - 5), incomplete);
  EXPECT_TRUE(incomplete);
  EXPECT_EQ(cut.size(), 1u);
  EXPECT_TRUE(parse_log("", incomplete).empty());
  EXPECT_FALSE(incomplete);
}

TEST(GitLogParse, UnbornBranchIsAnEmptyHistory) {
  git_args a;
  a.repo = "/r";
  run_result r;
  r.exit_code = 128;
  r.err = "fatal: your current branch 'main' does not have any commits yet\n";
  auto o = log_outcome(a, r);
  EXPECT_EQ(o.status, RA_OK);
  auto d = doc(o.result_json);
  EXPECT_TRUE(d["success"].GetBool());
  EXPECT_EQ(d["commits"].Size(), 0u);
  r.out = z({"c1", "A", "a@x", "2024-01-01T00:00:00Z", "s"});
  r.exit_code = 0;
  r.err.clear();
  d = doc(log_outcome(a, r).result_json);
  ASSERT_EQ(d["commits"].Size(), 1u);
  EXPECT_STREQ(d["commits"][0]["date"].GetString(), "2024-01-01T00:00:00Z");
}

// ---- diff --------------------------------------------------------------------------------------------

TEST(GitDiff, TextTruncationAndCharacters) {
  git_args a;
  a.repo = "/r";
  run_result r;
  r.out = "diff --git a/x b/x\n+\xc3\xa9t\xc3";  // cut inside "é"
  r.out_truncated = true;
  r.out_bytes = 5000;
  auto d = doc(diff_outcome(a, r).result_json);
  EXPECT_STREQ(d["diff"].GetString(), "diff --git a/x b/x\n+\xc3\xa9t");
  EXPECT_TRUE(d["truncated"].GetBool());
  EXPECT_EQ(d["diff_bytes"].GetUint64(), 5000u);
  r.out = "";
  r.out_truncated = false;
  r.out_bytes = 0;
  d = doc(diff_outcome(a, r).result_json);
  EXPECT_STREQ(d["diff"].GetString(), "");
  EXPECT_FALSE(d["truncated"].GetBool());
}

// ---- pull ----------------------------------------------------------------------------------------------

TEST(GitPull, ConflictListsFilesAndSaysTheRepoIsLeftMidMerge) {
  git_args a;
  a.repo = "/r";
  run_result pull;
  pull.exit_code = 1;
  pull.out =
      "Auto-merging f\nCONFLICT (content): Merge conflict in f\nAutomatic merge failed; fix conflicts and then "
      "commit the result.\n";
  pull.err = "From /tmp/remote\n * branch            main       -> FETCH_HEAD\n";
  run_result st;
  std::string u = "100644 100644 100644 100644 " + hash + " " + hash + " " + hash + " ";
  st.out = z({"# branch.oid " + oid, "# branch.head main", "u UU N... " + u + "f", "u AA N... " + u + "g h"});
  auto o = pull_outcome(a, pull, &st);
  EXPECT_EQ(o.status, RA_FAILED_PRECONDITION);
  EXPECT_NE(o.message.find("merge conflict in f, g h"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("git merge --abort"), std::string::npos) << o.message;
  auto d = doc(o.result_json);
  EXPECT_FALSE(d["success"].GetBool());
  EXPECT_TRUE(d["conflict"].GetBool());
  ASSERT_EQ(d["conflicted"].Size(), 2u);
  EXPECT_STREQ(d["conflicted"][1]["path"].GetString(), "g h");
  EXPECT_NE(std::string(d["output"].GetString()).find("CONFLICT (content)"), std::string::npos);
  EXPECT_NE(std::string(d["output"].GetString()).find("FETCH_HEAD"), std::string::npos) << "stderr is included";
}

TEST(GitPull, OtherFailuresAndSuccess) {
  git_args a;
  a.repo = "/r";
  run_result pull;
  pull.exit_code = 1;
  pull.err =
      "error: Your local changes to the following files would be overwritten by merge:\n\tf\nPlease commit your "
      "changes or stash them before you merge.\nAborting\n";
  auto o = pull_outcome(a, pull, nullptr);
  EXPECT_EQ(o.status, RA_FAILED_PRECONDITION);
  EXPECT_NE(o.message.find("would be overwritten by merge"), std::string::npos) << o.message;
  EXPECT_FALSE(doc(o.result_json)["conflict"].GetBool());
  pull.exit_code = 128;
  pull.err =
      "fatal: 'nosuch' does not appear to be a git repository\nfatal: Could not read from remote repository.\n\n"
      "Please make sure you have the correct access rights\nand the repository exists.\n";
  o = pull_outcome(a, pull, nullptr);
  EXPECT_EQ(o.message,
            "git pull failed (exit 128): 'nosuch' does not appear to be a git repository; Could not read from remote "
            "repository.");
  run_result ok;
  ok.out = "Already up to date.\n";
  o = pull_outcome(a, ok, nullptr);
  EXPECT_EQ(o.status, RA_OK);
  auto d = doc(o.result_json);
  EXPECT_TRUE(d["success"].GetBool());
  EXPECT_TRUE(d["up_to_date"].GetBool());
  EXPECT_STREQ(d["output"].GetString(), "Already up to date.");
  EXPECT_FALSE(d.HasMember("error"));
}

// ---- push ----------------------------------------------------------------------------------------------

TEST(GitPush, PorcelainAndRejection) {
  auto refs = parse_push(
      "To /tmp/remote.git\n!\trefs/heads/main:refs/heads/main\t[rejected] (non-fast-forward)\n"
      "*\trefs/heads/topic:refs/heads/topic\t[new branch]\n=\trefs/heads/x:refs/heads/x\t[up to date]\n"
      "-\t:refs/heads/old\t[deleted]\nDone\n");
  ASSERT_EQ(refs.size(), 4u);
  EXPECT_EQ(refs[0].flag, '!');
  EXPECT_EQ(refs[0].from, "refs/heads/main");
  EXPECT_EQ(refs[0].to, "refs/heads/main");
  EXPECT_EQ(refs[0].summary, "[rejected] (non-fast-forward)");
  EXPECT_EQ(refs[3].from, "");
  EXPECT_EQ(refs[3].to, "refs/heads/old");

  git_args a;
  a.repo = "/r";
  run_result r;
  r.exit_code = 1;
  r.out = "To /tmp/remote.git\n!\trefs/heads/main:refs/heads/main\t[rejected] (fetch first)\nDone\n";
  r.err = "error: failed to push some refs to '/tmp/remote.git'\nhint: Updates were rejected because ...\n";
  auto o = push_outcome(a, r);
  EXPECT_EQ(o.status, RA_FAILED_PRECONDITION);
  EXPECT_NE(o.message.find("push rejected: main -> main"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("non-fast-forward"), std::string::npos) << o.message;
  auto d = doc(o.result_json);
  EXPECT_TRUE(d["rejected"].GetBool());
  EXPECT_STREQ(d["refs"][0]["status"].GetString(), "rejected");
  EXPECT_STREQ(d["refs"][0]["to"].GetString(), "main");

  r.out = "To /tmp/remote.git\n!\trefs/heads/main:refs/heads/main\t[remote rejected] (pre-receive hook declined)\n";
  o = push_outcome(a, r);
  EXPECT_NE(o.message.find("the remote refused it"), std::string::npos) << o.message;

  r.exit_code = 128;
  r.out.clear();
  r.err =
      "fatal: The current branch topic has no upstream branch.\nTo push the current branch and set the remote as "
      "upstream, use\n\n    git push --set-upstream origin topic\n";
  o = push_outcome(a, r);
  EXPECT_EQ(o.message, "git push failed (exit 128): The current branch topic has no upstream branch.");

  run_result ok;
  ok.out = "To /tmp/remote.git\n \trefs/heads/main:refs/heads/main\tabc..def\nDone\n";
  o = push_outcome(a, ok);
  EXPECT_EQ(o.status, RA_OK);
  d = doc(o.result_json);
  EXPECT_FALSE(d["rejected"].GetBool());
  EXPECT_STREQ(d["refs"][0]["status"].GetString(), "fast_forward");
}

// ---- commit --------------------------------------------------------------------------------------------

TEST(GitCommit, SuccessNothingToCommitAndAddFailure) {
  git_args a;
  a.repo = "/r";
  run_result add, commit, head;
  commit.out = "[main 38aadab] m\n 1 file changed, 1 insertion(+)\n create mode 100644 b\n";
  head.out = oid + "\n";
  auto o = commit_outcome(a, add, &commit, &head);
  EXPECT_EQ(o.status, RA_OK);
  auto d = doc(o.result_json);
  EXPECT_TRUE(d["success"].GetBool());
  EXPECT_STREQ(d["commit"].GetString(), oid.c_str());
  EXPECT_STREQ(d["summary"].GetString(), "[main 38aadab] m\n1 file changed, 1 insertion(+)");
  EXPECT_FALSE(d["nothing_to_commit"].GetBool());
  // The id could not be read: still a success, commit null.
  d = doc(commit_outcome(a, add, &commit, nullptr).result_json);
  EXPECT_TRUE(d["commit"].IsNull());

  for (const char *text :
       {"On branch main\nnothing to commit, working tree clean\n",
        "On branch main\nUntracked files:\n\tx\nnothing added to commit but untracked files present\n",
        "no changes added to commit (use \"git add\" and/or \"git commit -a\")\n"}) {
    run_result none;
    none.exit_code = 1;
    none.out = text;
    o = commit_outcome(a, add, &none, nullptr);
    EXPECT_EQ(o.status, RA_FAILED_PRECONDITION);
    EXPECT_EQ(o.message, "nothing to commit: the working tree has no changes") << text;
    d = doc(o.result_json);
    EXPECT_TRUE(d["nothing_to_commit"].GetBool());
    EXPECT_FALSE(d["success"].GetBool());
  }
  a.files = {"x"};
  run_result none;
  none.exit_code = 1;
  none.out = "nothing to commit, working tree clean\n";
  EXPECT_EQ(commit_outcome(a, add, &none, nullptr).message, "nothing to commit: the selected files have no changes");

  run_result who;
  who.exit_code = 128;
  who.err = "Author identity unknown\n\n*** Please tell me who you are.\n";
  EXPECT_NE(commit_outcome(a, add, &who, nullptr).message.find("user.email"), std::string::npos);
  EXPECT_NE(pull_outcome(a, who, nullptr).message.find("GIT_COMMITTER_NAME"), std::string::npos)
      << "a pull that must create a merge commit needs the identity too";

  run_result bad_add;
  bad_add.exit_code = 128;
  bad_add.err = "fatal: pathspec 'nosuch' did not match any files\n";
  o = commit_outcome(a, bad_add, nullptr, nullptr);
  EXPECT_EQ(o.status, RA_FAILED_PRECONDITION);
  EXPECT_EQ(o.message, "git add failed (exit 128): pathspec 'nosuch' did not match any files");
}

// ---- helpers -----------------------------------------------------------------------------------------

TEST(GitText, CombineOutputAndReason) {
  EXPECT_EQ(combine_output("out\n", "err\n\n"), "out\nerr");
  EXPECT_EQ(combine_output("out", "err"), "out\nerr");
  EXPECT_EQ(combine_output("out\n  ", "  \n"), "out");
  EXPECT_EQ(combine_output("", "err"), "err");
  EXPECT_EQ(failure_reason("", "hint: a\nerror: one\nfatal: two\nhint: b\n"), "one; two");
  EXPECT_EQ(failure_reason("last stdout line\n", "\n"), "last stdout line");
  EXPECT_EQ(failure_reason("", "something odd\nhint: x\n"), "something odd");
  EXPECT_EQ(valid_utf8("a\xff\xc3\xa9"), "a\xef\xbf\xbd\xc3\xa9");
  EXPECT_EQ(valid_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") << "surrogates are ill-formed";
}

TEST(GitSchemas, EveryToolHasParseableSchemas) {
  for (op o : {op::status, op::log, op::diff, op::pull, op::commit, op::push}) {
    EXPECT_EQ(op_of(tool_name(o)), o);
    auto in = doc(input_schema(o));
    EXPECT_STREQ(in["type"].GetString(), "object") << tool_name(o);
    EXPECT_FALSE(in["additionalProperties"].GetBool()) << tool_name(o);
    EXPECT_TRUE(in["properties"].HasMember("repo"));
    EXPECT_TRUE(in["properties"].HasMember("timeout_ms"));
    auto out = doc(output_schema(o));
    EXPECT_TRUE(out["properties"].HasMember("success")) << tool_name(o);
  }
  EXPECT_FALSE(op_of("git_rebase"));
  EXPECT_TRUE(doc(input_schema(op::commit))["properties"].HasMember("files"));
}

}  // namespace
}  // namespace ra_git
