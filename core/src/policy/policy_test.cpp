// The policy decision functions: tool classes, the hard deny list, configured deny/allow lists,
// paths. Table-driven; plan-mode classification has its own file (readonly_test.cpp).
#include "policy/policy.hpp"

#include <gtest/gtest.h>

#include "policy/command_parse.hpp"

namespace ra::policy {
namespace {

constexpr mode all_modes[] = {mode::plan, mode::edit, mode::bypass};

rules permissive() {
  rules r;
  r.allowed_commands = {"*"};
  r.readonly_commands = default_readonly_commands();
  return r;
}

// ---- tool classes ------------------------------------------------------------------------------

TEST(PolicyTest, ToolClassMatrix) {
  struct row {
    mode m;
    ra_permission p;
    bool allowed;
    const char *reason;
  };
  const row rows[] = {
      {mode::disabled, RA_PERM_INFO, true, ""},
      {mode::disabled, RA_PERM_READ, false, "host is disabled"},
      {mode::disabled, RA_PERM_EXEC, false, "host is disabled"},
      {mode::disabled, RA_PERM_ADMIN, false, "host is disabled"},
      {mode::disabled, RA_PERM_WRITE, false, "host is disabled"},
      {mode::plan, RA_PERM_READ, true, ""},
      {mode::plan, RA_PERM_EXEC, true, ""},
      {mode::plan, RA_PERM_INFO, true, ""},
      {mode::plan, RA_PERM_ADMIN, true, ""},
      {mode::plan, RA_PERM_WRITE, false, "plan mode is read-only: write tools are refused"},
      {mode::plan, RA_PERM_NETWORK, false, "plan mode is read-only: network tools are refused"},
      {mode::edit, RA_PERM_WRITE, true, ""},
      {mode::edit, RA_PERM_NETWORK, true, ""},
      {mode::bypass, RA_PERM_WRITE, true, ""},
      {mode::bypass, RA_PERM_ADMIN, true, ""},
      {mode::edit, static_cast<ra_permission>(42), false, "unknown permission class 42"},
      {static_cast<mode>(9), RA_PERM_READ, false, "unknown mode"},
  };
  for (const row &r : rows) {
    decision d = check_tool_class(r.m, r.p);
    EXPECT_EQ(d.allowed, r.allowed) << "mode " << static_cast<int>(r.m) << " permission " << r.p;
    EXPECT_EQ(d.reason, r.reason);
  }
}

TEST(PolicyTest, DisabledRefusesCommandsAndPaths) {
  rules r;
  EXPECT_EQ(check_command("ls", mode::disabled, r).reason, "host is disabled");
  EXPECT_EQ(check_path("/tmp/x", access::read, mode::disabled, r, "/").reason, "host is disabled");
  EXPECT_FALSE(check_command("ls", static_cast<mode>(7), r).allowed);
}

// ---- hard deny -------------------------------------------------------------------------------------

struct deny_row {
  const char *command;
  const char *reason_part;
};

const deny_row hard_denied[] = {
    {"rm -rf /", "recursive delete of /"},
    {"rm -fr /", "recursive delete of /"},
    {"rm -r -f /", "recursive delete of /"},
    {"rm -R /", "recursive delete of /"},
    {"rm -r /", "recursive delete of /"},  // no -f needed: without a tty rm -r does not ask
    {"rm --recursive --force /", "recursive delete of /"},
    {"rm --rec --force /", "recursive delete of /"},
    {"rm -rf --no-preserve-root /", "recursive delete of /"},
    {"rm --no-preserve-root -r /var/x", "--no-preserve-root"},
    {"rm -rf /*", "recursive delete of /"},
    {"rm -rf /.", "recursive delete of /"},
    {"rm -rf //", "recursive delete of /"},
    {"rm -rf /usr/..", "recursive delete of /"},
    {"rm -rf /?*", "recursive delete of /"},
    {"rm -rf /u*", "recursive delete of /"},
    {"rm -rf /*/*", "recursive delete of /"},
    {"rm -rf -- /", "recursive delete of /"},
    {"rm / -rf", "recursive delete of /"},
    {"rm -rf '/'", "recursive delete of /"},
    {"rm -rf \"/\"", "recursive delete of /"},
    {"/bin/rm -rf /", "recursive delete of /"},
    {"\\rm -rf /", "recursive delete of /"},
    {"r\"m\" -rf /", "recursive delete of /"},
    {"$'\\x72\\x6d' -rf /", "recursive delete of /"},
    {"/bin/r? -rf /", "recursive delete of /"},
    {"rm -rf ~", "the home directory"},
    {"rm -rf ~/", "the home directory"},
    {"rm -rf ~/*", "the home directory"},
    {"rm -rf ~/..", "the home directory"},
    {"rm -rf $HOME", "the home directory"},
    {"rm -rf \"$HOME\"/", "the home directory"},
    {"rm -rf ${HOME}/*", "the home directory"},
    {"rm -rf \"$DIR/\"*", "when $DIR is empty"},
    {"rm -rf $PREFIX/", "when $PREFIX is empty"},
    {"sudo rm -rf /", "recursive delete of /"},
    {"sudo -u root -- rm -rf /", "recursive delete of /"},
    {"env -i FOO=1 rm -rf /", "recursive delete of /"},
    {"nice -n 5 timeout 10 rm -rf /", "recursive delete of /"},
    {"echo / | xargs rm -rf /", "recursive delete of /"},
    {"env -S 'rm -rf /'", "recursive delete of /"},
    {"ls; rm -rf /", "recursive delete of /"},
    {"true && rm -rf / || echo", "recursive delete of /"},
    {"echo $(rm -rf /)", "recursive delete of /"},
    {"echo \"`rm -rf /`\"", "recursive delete of /"},
    {"bash -c 'rm -rf /'", "recursive delete of /"},
    {"sh -xc \"rm -rf /\"", "recursive delete of /"},
    {"sudo sh -c 'cd / && rm -rf /*'", "recursive delete of /"},
    {"eval rm -rf /", "recursive delete of /"},
    {"su -c 'rm -rf /' root", "recursive delete of /"},
    {"bash <<'EOF'\nrm -rf /\nEOF", "recursive delete of /"},
    {"if true; then rm -rf /; fi", "recursive delete of /"},
    {"{ rm -rf /; }", "recursive delete of /"},
    {"mkfs /dev/sdb1", "mkfs"},
    {"mkfs.ext4 /dev/sdb1", "mkfs.ext4"},
    {"/sbin/mkfs.xfs -f /dev/nvme0n1p1", "mkfs.xfs"},
    {"sudo mke2fs /dev/sdc", "mke2fs"},
    {"bash -c 'mkfs.ext4 /dev/sdb1'", "mkfs"},
    {":(){ :|:& };:", "fork bomb"},
    {":(){:|:&};:", "fork bomb"},
    {": ( ) { : | : & } ; :", "fork bomb"},
    {":(){ :|: & };:", "fork bomb"},
    {":()\n{\n:|:&\n};:", "fork bomb"},
    {"bomb(){ bomb|bomb& };bomb", "fork bomb"},
    {"function f { f | f & }; f", "fork bomb"},
    {"f() ( f | f & ); f", "fork bomb"},
    {"dd if=/dev/zero of=/dev/sda", "dd onto a block device"},
    {"dd if=image.iso of=/dev/sdb bs=4M", "dd onto a block device"},
    {"dd of=/dev/nvme0n1 if=/dev/urandom", "dd onto a block device"},
    {"dd if=x of=/dev/vda1", "dd onto a block device"},
    {"dd if=x of=/dev/hda", "dd onto a block device"},
    {"dd if=x of=/dev/xvda", "dd onto a block device"},
    {"dd if=x of=/dev/mmcblk0", "dd onto a block device"},
    {"dd if=x of=/dev//sda", "dd onto a block device"},
    {"dd if=x of=\"/dev/disk/by-id/ata-X\"", "dd onto a block device"},
    {"echo x > /dev/sda", "redirection into a block device"},
    {"cat img >/dev/sdb", "redirection into a block device"},
    {"cat img 1>> /dev/nvme0n1", "redirection into a block device"},
    {"cat img &> /dev/vda", "redirection into a block device"},
    {"cat img | tee /dev/sda", "tee into a block device"},
    {"echo x >| /dev/mem", "redirection into a block device"},
};

TEST(PolicyTest, HardDenyBlocksInEveryModeIncludingBypass) {
  for (const deny_row &row : hard_denied) {
    for (mode m : all_modes) {
      decision d = check_command(row.command, m, permissive());
      EXPECT_FALSE(d.allowed) << row.command << " in " << mode_name(m);
      EXPECT_NE(d.reason.find("command blocked by the hard deny list ("), std::string::npos)
          << row.command << " → " << d.reason;
      EXPECT_NE(d.reason.find(row.reason_part), std::string::npos)
          << row.command << " → " << d.reason << " (expected to mention " << row.reason_part << ")";
    }
  }
}

// The reference's substring list blocked these in every mode (§17.9).
TEST(PolicyTest, HardDenyIsStructuralNotSubstring) {
  const char *allowed[] = {
      "rm -rf /tmp/build",
      "rm -rf ./build /var/tmp/x",
      "rm -r ~/build",
      "rm -rf \"$HOME/.cache/thing\"",
      "rm -rf \"${DIR:?}/\"*",
      "rm -rf $DIR",
      "rm /",  // not recursive: rm refuses a directory
      "rm -f /tmp/*.log",
      "rm -rf /tmp/*",
      "rm -rf '/*'",  // a file literally named '*'
      "echo mkfs-notes",
      "cat mkfs.txt",
      "mkfsnotes",
      "grep -r mkfs .",
      "echo rm -rf /",
      "grep -r 'rm -rf /' .",
      "git commit -m 'never run rm -rf /'",
      "dd if=/dev/zero of=./disk.img bs=1M count=10",
      "dd if=/dev/zero of=/dev/null bs=1M count=10",
      "dd if=/dev/sda of=./backup.img",
      "cat /dev/sda > /dev/null",
      "echo x > /dev/stderr",
      "ls -l /dev/sda",
      "f() { echo hi; }; f | cat",
      "f() { g | h & }; f",
      "echo ':(){ :|:& };:'",
      "tee /tmp/out < in",
  };
  for (const char *c : allowed) {
    EXPECT_EQ(hard_deny_reason(c), std::nullopt) << c;
    for (mode m : {mode::edit, mode::bypass}) {
      decision d = check_command(c, m, rules{});
      EXPECT_TRUE(d.allowed) << c << " in " << mode_name(m) << ": " << d.reason;
    }
  }
}

TEST(PolicyTest, HardDenyReasonIsASentence) {
  EXPECT_EQ(check_command("rm -rf /", mode::bypass, rules{}).reason,
            "command blocked by the hard deny list (recursive delete of /)");
  EXPECT_EQ(hard_deny_reason("mkfs.ext4 /dev/sdb1"), "filesystem creation (mkfs.ext4)");
}

TEST(PolicyTest, NestedShellsAreLookedIntoUpToALimit) {
  EXPECT_NE(hard_deny_reason("sh -c \"sh -c 'rm -rf /'\""), std::nullopt);
  EXPECT_NE(hard_deny_reason("eval eval eval rm -rf /"), std::nullopt);
  // Deeper than we look: refused rather than let through unseen.
  EXPECT_EQ(hard_deny_reason("eval eval eval eval eval eval ls"), "shell commands nested too deeply to inspect");
}

// ---- configured lists ----------------------------------------------------------------------------

TEST(PolicyTest, ConfiguredDenyIsCaseInsensitiveSubstringOnCollapsedWhitespace) {
  rules r;
  r.denied_commands = {"curl", "", "   ", "Shutdown  -h"};
  struct row {
    const char *command;
    bool allowed;
  };
  const row rows[] = {
      {"CURL example.com", false},
      {"ls | curl -T - x", false},
      {"echo libcurl", false},  // substring: reference compatible
      {"sudo shutdown\t\t-H now", false},
      {"ls -la", true},
  };
  for (const row &row : rows) {
    for (mode m : all_modes) {
      decision d = check_command(row.command, m, r);
      if (m == mode::plan && row.allowed) continue;  // plan classification is tested elsewhere
      EXPECT_EQ(d.allowed, row.allowed) << row.command << " in " << mode_name(m) << ": " << d.reason;
    }
  }
  EXPECT_EQ(check_command("CURL x", mode::edit, r).reason,
            "command blocked by the configured deny list (matched 'curl')");
}

TEST(PolicyTest, AllowListMatchesEveryProgramByGlob) {
  rules r;
  r.allowed_commands = {"git", "ls", "python3*", "cd"};
  struct row {
    const char *command;
    bool allowed;
    const char *reason_part;
  };
  const row rows[] = {
      {"git status", true, ""},
      {"cd /srv && git pull && ls", true, ""},
      {"python3.11 -m venv x", true, ""},
      {"/usr/bin/git log", true, ""},
      {"LANG=C ls", true, ""},
      {"ls | grep x", false, "'grep' is not in allowed_commands"},
      {"git log; rm x", false, "'rm' is not in allowed_commands"},
      {"echo $(id)", false, "'id' is not in allowed_commands"},
      {"$EDITOR x", false, "computed at run time"},
      {"{git,rm} x", false, "computed at run time"},
  };
  for (const row &row : rows) {
    decision d = check_command(row.command, mode::edit, r);
    EXPECT_EQ(d.allowed, row.allowed) << row.command << ": " << d.reason;
    EXPECT_NE(d.reason.find(row.reason_part), std::string::npos) << row.command << ": " << d.reason;
  }
  // Wrappers must be allowed themselves, and so must what they run.
  r.allowed_commands = {"env", "timeout", "ls"};
  EXPECT_TRUE(check_command("env LANG=C timeout 5 ls", mode::edit, r).allowed);
  EXPECT_FALSE(check_command("env rm x", mode::edit, r).allowed);
  EXPECT_FALSE(check_command("timeout -s 9 5 rm x", mode::edit, r).allowed);
  EXPECT_FALSE(check_command("env -S 'rm x'", mode::edit, r).allowed);
}

// `<<` inside arithmetic or a comment is no heredoc: the next lines are code for allowed_commands.
TEST(PolicyTest, AllowListSeesLinesAfterHeredocLookalikes) {
  rules r;
  r.allowed_commands = {"echo", "ls", "cat"};
  EXPECT_FALSE(check_command("echo $((1<<2))\nrm x\n2", mode::edit, r).allowed);
  EXPECT_FALSE(check_command("ls # <<EOF\nrm x\nEOF", mode::edit, r).allowed);
  EXPECT_TRUE(check_command("cat <<EOF\nrm x\nEOF", mode::edit, r).allowed);
  EXPECT_FALSE(check_command("((rm -rf /) )", mode::bypass, rules{}).allowed);  // not arithmetic: subshells
  EXPECT_TRUE(check_command("echo $(( (1+2) * 3 ))", mode::edit, rules{}).allowed);
}

TEST(PolicyTest, DenyWinsOverAllow) {
  rules r;
  r.allowed_commands = {"*"};
  r.denied_commands = {"curl"};
  EXPECT_FALSE(check_command("curl x", mode::bypass, r).allowed);
  r.allowed_commands = {"rm"};
  EXPECT_FALSE(check_command("rm -rf /", mode::bypass, r).allowed);

  rules p;
  p.allowed_paths = {"/", "/etc"};
  p.denied_paths = {"/etc/shadow"};
  EXPECT_FALSE(check_path("/etc/shadow", access::read, mode::bypass, p, "/").allowed);
  EXPECT_TRUE(check_path("/etc/passwd", access::read, mode::bypass, p, "/").allowed);
}

TEST(PolicyTest, PlanModeClassifiesAfterTheLists) {
  rules r;
  EXPECT_TRUE(check_command("ls -la", mode::plan, r).allowed);  // empty list = built-in default
  EXPECT_EQ(check_command("touch x", mode::plan, r).reason, "plan mode: 'touch' is not an allowed read-only command");
  EXPECT_TRUE(check_command("touch x", mode::edit, r).allowed);
  r.readonly_commands = {"touch"};
  EXPECT_TRUE(check_command("touch x", mode::plan, r).allowed);
}

TEST(PolicyTest, UnparseableAndNulCommandsAreRefusedInEveryMode) {
  const std::string nul("ls\0; rm -rf /", 13);
  for (mode m : all_modes) {
    EXPECT_FALSE(check_command("echo 'unterminated", m, rules{}).allowed);
    EXPECT_FALSE(check_command("echo $(ls", m, rules{}).allowed);
    decision d = check_command(nul, m, rules{});
    EXPECT_FALSE(d.allowed);
    EXPECT_NE(d.reason.find("NUL"), std::string::npos) << d.reason;
  }
  EXPECT_EQ(check_command("echo 'x", mode::edit, rules{}).reason,
            "command could not be parsed: unterminated single quote");
}

// Edit-mode agents write files with heredocs; prose with apostrophes must not break parsing.
TEST(PolicyTest, HeredocBodiesAreData) {
  const char *c = "cat > notes.md <<'EOF'\nIt's done; don't rm anything\n$(not run)\nEOF\necho ok";
  EXPECT_TRUE(check_command(c, mode::edit, rules{}).allowed) << check_command(c, mode::edit, rules{}).reason;
  EXPECT_FALSE(check_command("bash <<EOF\nrm -rf /\nEOF", mode::edit, rules{}).allowed);
}

// ---- the tokenizer (what the checks above rely on) ------------------------------------------------

TEST(PolicyTest, TokenizerSplitsSegmentsAndReportsRedirections) {
  parsed_command p = parse_command("a 'b c' \"d $e\" f\\ g | h >out 2>&1 && i; j\nk || l");
  ASSERT_TRUE(p.ok()) << p.error;
  std::vector<std::vector<std::string>> words;
  for (const segment &s : p.segments) {
    std::vector<std::string> w;
    for (const word &x : s.words) w.push_back(x.text);
    words.push_back(w);
  }
  std::vector<std::vector<std::string>> want = {{"a", "b c", "d $e", "f g"}, {"h"}, {"i"}, {"j"}, {"k"}, {"l"}};
  EXPECT_EQ(words, want);
  ASSERT_EQ(p.segments[1].redirections.size(), 2u);
  EXPECT_EQ(p.segments[1].redirections[0].op, ">");
  EXPECT_TRUE(p.segments[1].redirections[0].writes());
  EXPECT_EQ(p.segments[1].redirections[1].fd, "2");
  EXPECT_TRUE(p.segments[1].redirections[1].duplicates_fd());
  EXPECT_EQ(p.segments[0].after, separator::pipe);
  EXPECT_EQ(p.segments[1].after, separator::and_if);
  EXPECT_EQ(p.segments[2].after, separator::sequence);
  EXPECT_EQ(p.segments[3].after, separator::newline);
  EXPECT_EQ(p.segments[4].after, separator::or_if);
  EXPECT_FALSE(p.substitution);
  EXPECT_TRUE(p.segments[0].words[2].expands);
  EXPECT_TRUE(p.segments[0].words[1].quoted);
}

TEST(PolicyTest, TokenizerFlags) {
  EXPECT_TRUE(parse_command("echo $(x)").substitution);
  EXPECT_TRUE(parse_command("echo `x`").substitution);
  EXPECT_TRUE(parse_command("cat <(x)").substitution);
  EXPECT_FALSE(parse_command("echo '$(x)'").substitution);
  EXPECT_TRUE(parse_command("echo \"$(x)\"").substitution);
  EXPECT_TRUE(parse_command("(ls)").subshell);
  EXPECT_TRUE(parse_command("ls &").background);
  EXPECT_FALSE(parse_command("ls && ls").background);
  EXPECT_TRUE(parse_command("A=1 ls").segments[0].words[0].assignment);
  EXPECT_FALSE(parse_command("'A'=1 ls").segments[0].words[0].assignment);
  EXPECT_TRUE(parse_command("ls *.c").segments[0].words[1].glob);
  EXPECT_FALSE(parse_command("ls '*.c'").segments[0].words[1].glob);
  EXPECT_TRUE(parse_command("ls *.c").segments[0].words[1].leading_special);
  EXPECT_FALSE(parse_command("ls ./*.c").segments[0].words[1].leading_special);
  EXPECT_EQ(parse_command("echo $'a\\tb\\x41'").segments[0].words[1].text, "a\tbA");
  EXPECT_EQ(parse_command("echo a\\\nb").segments[0].words[1].text, "ab");
  EXPECT_FALSE(parse_command("echo 'x").ok());
  EXPECT_FALSE(parse_command("echo \"x").ok());
  EXPECT_FALSE(parse_command("echo `x").ok());
  EXPECT_FALSE(parse_command("ls >").ok());
}

// Hostile nesting must neither exhaust the stack nor take exponential time: every recursive path
// of the tokenizer counts depth, and arithmetic detection is a linear scan.
TEST(PolicyTest, PathologicalInputsAreBounded) {
  auto repeat = [](std::string_view piece, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += piece;
    return out;
  };
  const std::string inputs[] = {
      repeat("$(", 50000),
      repeat("${x:-\"", 50000),
      repeat("$((", 50000),
      repeat("((", 50000),
      repeat("(", 50000),
      repeat("`", 50001),
      repeat("$((1+", 30) + repeat("))", 30) + repeat("$(( (", 20),
      repeat("cat <<E\n", 20000),
      repeat("sh -c '", 20000),
      repeat("sudo ", 50000) + "rm -rf /",
      repeat("a=1 ", 50000) + "ls",
      repeat("<", 50000),
      repeat("\\", 50001),
      repeat(":(){ :|:& };", 5000),
  };
  for (const std::string &in : inputs) {
    for (mode m : all_modes) check_command(in, m, rules{});
    hard_deny_reason(in);
  }
  EXPECT_FALSE(check_command(repeat("sudo ", 50000) + "rm -rf /", mode::bypass, rules{}).allowed);
  EXPECT_FALSE(check_command(repeat("$(", 50000), mode::bypass, rules{}).allowed);
}

// ---- paths -------------------------------------------------------------------------------------------

TEST(PolicyTest, NormalizePath) {
  struct row {
    const char *path;
    const char *cwd;
    const char *want;
  };
  const row rows[] = {
      {"/", "/", "/"},
      {"/a/b", "/x", "/a/b"},
      {"a/b", "/x", "/x/a/b"},
      {"", "/x", "/x"},
      {".", "/x/y", "/x/y"},
      {"..", "/x/y", "/x"},
      {"../../../..", "/x/y", "/"},
      {"/a/./b/../c//d/", "/", "/a/c/d"},
      {"//etc///shadow", "/", "/etc/shadow"},
      {"/..", "/", "/"},
      {"a", "", "/a"},
      {"a", "rel/dir", "/rel/dir/a"},
      {"...", "/", "/..."},
  };
  for (const row &r : rows) EXPECT_EQ(normalize_path(r.path, r.cwd), r.want) << r.path << " in " << r.cwd;
}

TEST(PolicyTest, PathIsUnderIsComponentWise) {
  EXPECT_TRUE(path_is_under("/boot", "/boot"));
  EXPECT_TRUE(path_is_under("/boot/x", "/boot"));
  EXPECT_FALSE(path_is_under("/bootx", "/boot"));
  EXPECT_FALSE(path_is_under("/boo", "/boot"));
  EXPECT_TRUE(path_is_under("/anything", "/"));
  EXPECT_TRUE(path_is_under("/", "/"));
}

TEST(PolicyTest, CheckPath) {
  rules r;
  r.denied_paths = {"/etc/shadow", "/boot", "", "/root/"};
  r.allowed_paths = {"/home/u", "/etc", "srv"};  // a relative entry is taken from /
  struct row {
    const char *path;
    access a;
    mode m;
    const char *cwd;
    const char *reason;  // "" = allowed
  };
  const row rows[] = {
      {"/home/u/x", access::read, mode::plan, "/", ""},
      {"/home/u/x", access::write, mode::edit, "/", ""},
      {"/home/u/x", access::write, mode::plan, "/", "plan mode is read-only: writing /home/u/x is refused"},
      {"x", access::read, mode::plan, "/home/u", ""},
      {"/etc/shadow", access::read, mode::bypass, "/", "path denied by policy: /etc/shadow"},
      {"/etc/./shadow", access::read, mode::bypass, "/", "path denied by policy: /etc/shadow"},
      {"/home/u/../../etc/shadow", access::read, mode::bypass, "/", "path denied by policy: /etc/shadow"},
      {"shadow", access::read, mode::edit, "/etc", "path denied by policy: /etc/shadow"},
      {"/boot/vmlinuz", access::read, mode::edit, "/", "path denied by policy: /boot/vmlinuz"},
      {"/bootx", access::read, mode::edit, "/", "path not in allowed list: /bootx"},
      {"/srv/app", access::read, mode::edit, "/", ""},
      {"/root", access::read, mode::edit, "/", "path denied by policy: /root"},
      {"/home/other", access::read, mode::edit, "/", "path not in allowed list: /home/other"},
      {"", access::read, mode::edit, "/", "empty path"},
  };
  for (const row &row : rows) {
    decision d = check_path(row.path, row.a, row.m, r, row.cwd);
    EXPECT_EQ(d.allowed, std::string(row.reason).empty()) << row.path << ": " << d.reason;
    EXPECT_EQ(d.reason, row.reason) << row.path;
  }
  EXPECT_FALSE(check_path(std::string("/etc/shadow\0/x", 14), access::read, mode::edit, r, "/").allowed);
  rules none;
  none.allowed_paths = {""};  // a list with only empty entries allows nothing
  EXPECT_FALSE(check_path("/tmp", access::read, mode::edit, none, "/").allowed);
  EXPECT_TRUE(check_path("/tmp", access::read, mode::edit, rules{}, "/").allowed);
}

}  // namespace
}  // namespace ra::policy
