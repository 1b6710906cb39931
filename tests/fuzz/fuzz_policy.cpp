// tests/fuzz/fuzz_policy.cpp — libFuzzer target for the lexical policy (core/src/policy/).
// The input is used as a command line (every mode, plan classification, the hard deny list, the
// tokenizer) and, split at its first newline, as a path and a cwd. Besides crashes and sanitizer
// reports it checks invariants: normalisation is idempotent, a denied path is never allowed, and a
// hard-denied command is refused in every mode.
// Build (not wired into meson yet):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Icore/src -Isdk/include \
//     tests/fuzz/fuzz_policy.cpp core/src/policy/*.cpp core/src/util/atomic_file.cpp -o fuzz_policy
//   (leave out the *_test.cpp files) ./fuzz_policy tests/fuzz/corpus/policy
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/command_parse.hpp"
#include "policy/policy.hpp"

namespace {

using namespace ra::policy;

const rules &fuzz_rules() {
  static const rules r = [] {
    rules x;
    x.denied_paths = {"/etc/shadow", "/boot", "/root/"};
    x.allowed_paths = {"/home", "/tmp", "/etc"};
    x.denied_commands = {"curl", ""};
    x.allowed_commands = {"*"};
    return x;
  }();
  return r;
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 64 * 1024) return 0;  // the policy is linear; bigger inputs only slow the search
  const std::string_view input(reinterpret_cast<const char *>(data), size);
  const rules &r = fuzz_rules();

  // As a command line.
  parsed_command parsed = parse_command(input);
  std::optional<std::string> hard = hard_deny_reason(input);
  classify_readonly(input, default_readonly_commands());
  for (mode m : {mode::plan, mode::edit, mode::bypass, mode::disabled}) {
    decision d = check_command(input, m, r);
    if (hard || !parsed.ok() || m == mode::disabled) check(!d.allowed);
  }
  // Plan mode never allows more than classification does.
  if (check_command(input, mode::plan, rules{}).allowed) {
    check(classify_readonly(input, default_readonly_commands()).allowed);
  }

  // As "path\ncwd".
  const size_t nl = input.find('\n');
  const std::string_view path = input.substr(0, nl);
  const std::string_view cwd = nl == std::string_view::npos ? std::string_view("/") : input.substr(nl + 1);
  const std::string norm = normalize_path(path, cwd);
  check(!norm.empty() && norm.front() == '/');
  check(normalize_path(norm, "/") == norm);
  check(normalize_path(norm, cwd) == norm);
  const bool has_nul = input.find('\0') != std::string_view::npos;
  for (mode m : {mode::plan, mode::edit, mode::bypass}) {
    for (access a : {access::read, access::write}) {
      decision d = check_path(path, a, m, r, cwd);
      if (d.allowed) {
        check(!has_nul && !path.empty());
        check(!path_is_under(norm, "/etc/shadow") && !path_is_under(norm, "/boot") && !path_is_under(norm, "/root"));
        check(path_is_under(norm, "/home") || path_is_under(norm, "/tmp") || path_is_under(norm, "/etc"));
        check(!(m == mode::plan && a == access::write));
      }
    }
  }
  return 0;
}
