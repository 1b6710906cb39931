// tests/fuzz/fuzz_target.cpp — libFuzzer target for target expressions (core/src/dispatch/target).
// The input is parsed as a target. Besides crashes and sanitizer reports it checks invariants:
// errors are "target: ..." messages, a parsed target prints to canonical text within the length
// limit, that text parses again to an equivalent target (the same matches() and select() on a
// fixed fleet with awkward names, tags and shared agent ids) and prints to the same text.
// Build standalone:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Icore/src -Isdk/include \
//     tests/fuzz/fuzz_target.cpp core/src/dispatch/target.cpp -o fuzz_target
//   ./fuzz_target tests/fuzz/corpus/target
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch/target.hpp"

namespace {

using ra::dispatch::host_facts;
using ra::dispatch::target;

const std::vector<host_facts> &fleet() {
  static const std::vector<host_facts> hosts = [] {
    auto h = [](std::string name, std::string agent, std::string peer, std::vector<std::string> tags,
                std::string family, std::string os, bool accepts) {
      host_facts f;
      f.name = std::move(name);
      f.agent_id = std::move(agent);
      f.peer_id = std::move(peer);
      f.tags = std::move(tags);
      f.os_family = std::move(family);
      f.os = std::move(os);
      f.accepts_commands = accepts;
      return f;
    };
    return std::vector<host_facts>{
        h("web-1", "a1", "p1", {"web", "prod"}, "linux", "linux", true),
        h("web-2", "a1", "p0", {"web"}, "linux", "", true),  // second connection of a1
        h("web-10", "a10", "p10", {"web", "env:prod", "all"}, "Linux", "", true),
        h("db", "a3", "p3", {"db", "and", "web-1"}, "macos", "darwin", true),
        h("caf\xc3\xa9-[1]", "a4", "p4", {"x y", "a,b", "\"q\""}, "windows", "", true),
        h("raw\xff\xfe", "a5", "p5", {"tag:web"}, "", "Linux", true),
        h("observer", "a6", "p6", {"web", "db"}, "linux", "", false),
        h("", "", "p7", {"db"}, "freebsd", "", true),
        h("anon", "", "", {"prod"}, "linux", "", true),
    };
  }();
  return hosts;
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4 * target::max_bytes) return 0;  // anything longer is refused by the first check
  const std::string_view input(reinterpret_cast<const char *>(data), size);
  auto t = target::parse(input);
  if (!t) {
    check(t.error().message().rfind("target: ", 0) == 0);
    return 0;
  }
  check(size <= target::max_bytes);
  const std::string text = t->to_string();
  check(!text.empty() && text.size() <= target::max_bytes);
  auto again = target::parse(text);
  check(static_cast<bool>(again));
  check(again->to_string() == text);
  check(again->is_single_host() == t->is_single_host());
  const auto &hosts = fleet();
  for (const host_facts &h : hosts) check(again->matches(h) == t->matches(h));
  const auto picked = select(*t, hosts);
  check(select(*again, hosts) == picked);
  for (size_t i : picked) check(i < hosts.size() && hosts[i].accepts_commands);
  return 0;
}
