// tests/fuzz/fuzz_tz.cpp — libFuzzer target for the scheduler plugin's TZif parser
// (time_zone::from_tzif in plugins/scheduler/tz.*), which reads $TZDIR/<zone> for any zone name a
// peer passes to schedule_add (a local attacker who can set TZDIR or write zone files controls the bytes).
//
// The input is the file's bytes. Besides crashes and sanitizer reports it checks, for a file that parses:
//  * offsets() is sorted, unique and every offset is within ±26 h;
//  * utc_offset_at(t) is one of offsets() for instants spread over 1900..2200;
//  * next_transition is strictly after its argument, and walking transitions from a fixed instant
//    gives a strictly increasing sequence (the transitions are sorted);
//  * cron next_after in this zone (a fixed-time and a wildcard expression) terminates, returns an
//    instant after `from`, and successive results increase.
// A rejected file has a non-empty error.
//
// Build and run: scripts/fuzz.
// Thread safety: libFuzzer calls the target from one thread.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cron.hpp"
#include "tz.hpp"

namespace {

using namespace ra_sched;

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr int max_offset = 26 * 3600;

const cron_expr &expr(int k) {
  static const cron_expr fixed_time = [] {
    std::string err;
    return *parse_cron("0 30 2 * * *", err);
  }();
  static const cron_expr wildcard = [] {
    std::string err;
    return *parse_cron("*/20 * * * *", err);
  }();
  return k == 0 ? fixed_time : wildcard;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  std::string err;
  auto z = time_zone::from_tzif("Fuzz/Zone", bytes, err);
  if (!z) {
    check(!err.empty());
    return 0;
  }
  const auto &offs = z->offsets();
  check(!offs.empty() && std::is_sorted(offs.begin(), offs.end()) &&
        std::adjacent_find(offs.begin(), offs.end()) == offs.end());
  for (int o : offs) check(o >= -max_offset && o <= max_offset);
  for (int64_t t = -2208988800; t < 7258118400; t += 86400 * 1009 + 3607) {
    int o = z->utc_offset_at(t);
    check(std::binary_search(offs.begin(), offs.end(), o));
  }
  int64_t t = -2208988800;  // 1900
  for (int k = 0; k < 64; ++k) {
    auto n = z->next_transition(t);
    if (!n) break;
    check(*n > t);
    t = *n;
  }
  for (int k = 0; k < 2; ++k) {
    for (int64_t from : {int64_t{0}, int64_t{1711846799}, int64_t{4102444799}}) {
      int64_t prev = from;
      for (int i = 0; i < 3; ++i) {
        auto n = next_after(expr(k), prev, *z);
        if (!n) break;
        check(*n > prev);
        prev = *n;
      }
    }
  }
  return 0;
}
