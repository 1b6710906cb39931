// Randomised invariants of the policy, from a fixed seed (printed, so a failure can be replayed):
// a denied path is refused whatever the allow list says, normalisation is idempotent, list order
// never matters, and a hard-denied structure stays refused in every mode wherever it appears.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "policy/policy.hpp"

namespace ra::policy {
namespace {

constexpr uint32_t path_seed = 0x5eed0001;
constexpr uint32_t command_seed = 0x5eed0002;
constexpr int path_cases = 10000;
constexpr int command_cases = 2500;

size_t pick(std::mt19937 &rng, size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }

std::string random_path(std::mt19937 &rng, bool absolute) {
  static const char *parts[] = {"etc",  "shadow", "home", "u", "..", ".",   "",
                                "boot", "bootx",  "a",    "b", "~",  "x y", "%2F"};
  std::string p = absolute ? "/" : "";
  size_t n = pick(rng, 6);
  for (size_t i = 0; i < n; ++i) {
    p += parts[pick(rng, std::size(parts))];
    if (i + 1 < n || pick(rng, 4) == 0) p += pick(rng, 5) == 0 ? "//" : "/";
  }
  return p;
}

std::vector<std::string> random_list(std::mt19937 &rng) {
  std::vector<std::string> out;
  size_t n = pick(rng, 4);
  for (size_t i = 0; i < n; ++i) out.push_back(random_path(rng, pick(rng, 5) != 0));
  return out;
}

bool is_normal_form(const std::string &p) {
  if (p == "/") return true;
  return p.starts_with('/') && !p.ends_with('/') && p.find("//") == std::string::npos &&
         p.find("/./") == std::string::npos && p.find("/../") == std::string::npos && !p.ends_with("/.") &&
         !p.ends_with("/..");
}

TEST(PolicyPropertyTest, DeniedPathsWinAndResultsDoNotDependOnListOrder) {
  std::printf("[ seed     ] path cases: %u\n", path_seed);
  std::mt19937 rng(path_seed);
  for (int i = 0; i < path_cases; ++i) {
    rules r;
    r.allowed_paths = random_list(rng);
    r.denied_paths = random_list(rng);
    const std::string path = random_path(rng, pick(rng, 2) == 0);
    const std::string cwd = random_path(rng, pick(rng, 8) != 0);
    const std::string where =
        "seed " + std::to_string(path_seed) + " case " + std::to_string(i) + ": path '" + path + "' cwd '" + cwd + "'";

    const std::string norm = normalize_path(path, cwd);
    ASSERT_TRUE(is_normal_form(norm)) << where << " → " << norm;
    ASSERT_EQ(normalize_path(norm, cwd), norm) << where;
    ASSERT_EQ(normalize_path(norm, "/elsewhere"), norm) << where;

    bool under_denied = std::any_of(r.denied_paths.begin(), r.denied_paths.end(), [&](const std::string &d) {
      return !d.empty() && path_is_under(norm, normalize_path(d, "/"));
    });
    rules shuffled = r;
    std::shuffle(shuffled.allowed_paths.begin(), shuffled.allowed_paths.end(), rng);
    std::shuffle(shuffled.denied_paths.begin(), shuffled.denied_paths.end(), rng);
    rules allow_all = r;  // more allowed entries never lift a deny
    allow_all.allowed_paths.push_back("/");
    allow_all.allowed_paths.push_back(norm);

    for (mode m : {mode::plan, mode::edit, mode::bypass}) {
      for (access a : {access::read, access::write}) {
        decision d = check_path(path, a, m, r, cwd);
        if (under_denied) {
          ASSERT_FALSE(d.allowed) << where;
          ASSERT_FALSE(check_path(path, a, m, allow_all, cwd).allowed) << where;
        }
        decision s = check_path(path, a, m, shuffled, cwd);
        ASSERT_EQ(d.allowed, s.allowed) << where;
        ASSERT_EQ(d.reason, s.reason) << where;
      }
    }
  }
}

TEST(PolicyPropertyTest, HardDeniedStructuresStayDeniedInEveryMode) {
  std::printf("[ seed     ] command cases: %u\n", command_seed);
  static const char *dangerous[] = {
      "rm -rf /",
      "rm -r -f /*",
      "rm -R --force -- /",
      "rm --recursive ~",
      "rm -fr \"$HOME\"",
      "rm -rf --no-preserve-root /srv",
      "mkfs.ext4 /dev/sdb1",
      "mkfs -t xfs /dev/vdb",
      "dd if=/dev/zero of=/dev/sda bs=1M",
      "dd of=/dev/nvme0n1 if=img",
      "echo x > /dev/sdb",
      "cat img >> /dev/mmcblk0",
      "bash -c 'rm -rf /'",
      "sh -c \"mkfs.ext4 /dev/sda1\"",
  };
  static const char *fork_bombs[] = {":(){ :|:& };:", ":(){:|:&};:", "b(){ b|b& };b", "function f { f | f & }; f"};
  static const char *benign[] = {"ls -la",      "echo hi", "git status",    "cat /etc/hostname",
                                 "grep -r x .", "true",    "cd /tmp",       "echo 'quoted ; text | x'",
                                 "sort -u f",   "A=1",     "echo rm -rf /", "rm -rf /tmp/build"};
  static const char *joiners[] = {"; ", " && ", " || ", " | ", "\n", " & ", ";"};
  static const char *wrappers[] = {
      "", "", "sudo ", "env -i ", "nice -n 5 ", "timeout 10 ", "command ", "sudo -u root ", "stdbuf -oL ", "xargs "};
  static const std::vector<std::string> allow_lists[] = {{}, {"*"}, {"rm", "mkfs*", "dd", "echo", "bash", "sh"}};

  std::mt19937 rng(command_seed);
  for (int i = 0; i < command_cases; ++i) {
    std::string bad;
    if (pick(rng, 5) == 0) {
      bad = fork_bombs[pick(rng, std::size(fork_bombs))];
    } else {
      bad = std::string(wrappers[pick(rng, std::size(wrappers))]) + dangerous[pick(rng, std::size(dangerous))];
    }
    switch (pick(rng, 4)) {  // where it sits
      case 0:
        bad = "echo $(" + bad + ")";
        break;
      case 1:
        bad = "{ " + bad + "; }";
        break;
      case 2:
        bad = "if true; then " + bad + "; fi";
        break;
      default:
        break;
    }
    std::string command;
    size_t before = pick(rng, 3);
    size_t after = pick(rng, 3);
    for (size_t k = 0; k < before; ++k) {
      command += std::string(benign[pick(rng, std::size(benign))]) + joiners[pick(rng, std::size(joiners))];
    }
    command += bad;
    for (size_t k = 0; k < after; ++k) {
      command += std::string(joiners[pick(rng, std::size(joiners))]) + benign[pick(rng, std::size(benign))];
    }
    const std::string where = "seed " + std::to_string(command_seed) + " case " + std::to_string(i) + ": " + command;

    ASSERT_NE(hard_deny_reason(command), std::nullopt) << where;
    rules r;
    r.allowed_commands = allow_lists[pick(rng, std::size(allow_lists))];
    for (mode m : {mode::plan, mode::edit, mode::bypass}) {
      decision d = check_command(command, m, r);
      ASSERT_FALSE(d.allowed) << where << " in " << mode_name(m);
      ASSERT_NE(d.reason.find("hard deny list"), std::string::npos) << where << " → " << d.reason;
    }
  }
}

}  // namespace
}  // namespace ra::policy
