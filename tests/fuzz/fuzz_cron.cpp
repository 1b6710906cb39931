// tests/fuzz/fuzz_cron.cpp — libFuzzer target for the scheduler plugin's cron expressions
// (plugins/scheduler/cron.*) and POSIX TZ strings (tz.*): a peer can call schedule_add with any
// cron text, and jobs.json is re-read by every process that loads the plugin.
//
// The input is the text, given to parse_cron and parse_posix_tz. Besides crashes, sanitizer
// reports and timeouts (every search must terminate quickly) it checks, for an expression that
// parses, from a few fixed instants and UTC offsets (0, +05:30, -10:00, +14:00):
//  * next_after(from) > from, and its local wall clock matches the expression (a reference matcher
//    written here from the bitsets, with the Vixie day-of-month / day-of-week rule);
//  * no second in (from, next) within the first 600 s after `from` matches (none was skipped);
//  * successive next_after calls are strictly increasing;
//  * with time_zone::fixed the zone-aware next_after gives the same instants as the offset one;
//  * with Europe/Paris (when /usr/share/zoneinfo has it) results are > from and increasing;
//  * iso8601_utc of a result is a 20-character "YYYY-MM-DDTHH:MM:SSZ".
// A rejected expression has a non-empty error. parse_posix_tz: an accepted rule has day/month/
// week/weekday fields within their ranges.
//
// Build and run: scripts/fuzz (or by hand: clang++ -std=c++20 -fsanitize=fuzzer,address,undefined
//   -Iplugins/scheduler tests/fuzz/fuzz_cron.cpp plugins/scheduler/{cron,tz}.cpp).
// Thread safety: libFuzzer calls the target from one thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "cron.hpp"
#include "tz.hpp"

namespace {

using namespace ra_sched;

void check(bool ok) {
  if (!ok) std::abort();
}

// Does the local wall-clock second `local` (Unix seconds + offset) match c?
bool matches(const cron_expr &c, int64_t local) {
  using namespace std::chrono;
  int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
  int sod = static_cast<int>(local - day * 86400);
  year_month_day ymd{sys_days{days{day}}};
  int y = static_cast<int>(ymd.year());
  if (y < min_year || y > max_year || !c.years.test(static_cast<size_t>(y - min_year))) return false;
  if (!c.months.test(static_cast<unsigned>(ymd.month()))) return false;
  bool dom = c.days.test(static_cast<unsigned>(ymd.day()));
  bool dow = c.weekdays.test(weekday{sys_days{days{day}}}.c_encoding());
  bool day_ok = (c.dom_restricted && c.dow_restricted) ? (dom || dow) : (dom && dow);
  return day_ok && c.hours.test(static_cast<size_t>(sod / 3600)) &&
         c.minutes.test(static_cast<size_t>((sod / 60) % 60)) && c.seconds.test(static_cast<size_t>(sod % 60));
}

const time_zone *paris() {
  static std::shared_ptr<const time_zone> z = [] {
    std::string err;
    return find_time_zone("Europe/Paris", err);
  }();
  return z.get();
}

constexpr int64_t instants[] = {
    -86400,      // 1969-12-31, before the first matchable year
    0,           // the epoch
    951782399,   // 2000-02-28T23:59:59Z, just before a leap day
    1711846799,  // 2024-03-31T00:59:59Z, one second before the Paris spring-forward
    1730595600,  // 2024-11-03, an arbitrary Sunday
    4102444799,  // 2099-12-31T23:59:59Z (2100 is not a leap year)
    7258118399,  // 2199-12-31T23:59:59Z, the last searchable second
};
constexpr int offsets[] = {0, 19800, -36000, 50400};

void check_expr(const cron_expr &c) {
  check(c.fields >= 5 && c.fields <= 7);
  for (int64_t from : instants) {
    for (int off : offsets) {
      auto n = next_after(c, from, off);
      time_zone fixed = time_zone::fixed("fixed", off);
      auto z = next_after(c, from, fixed);
      check(z == n);
      if (!n) continue;
      check(*n > from);
      check(matches(c, *n + off));
      for (int64_t t = from + 1; t < *n && t <= from + 600; ++t) check(!matches(c, t + off));
      check(iso8601_utc(*n * 1000).size() == 20);
      int64_t prev = *n;
      for (int k = 0; k < 4; ++k) {
        auto m = next_after(c, prev, off);
        if (!m) break;
        check(*m > prev && matches(c, *m + off));
        prev = *m;
      }
    }
    if (const time_zone *p = paris()) {
      int64_t prev = from;
      for (int k = 0; k < 4; ++k) {
        auto m = next_after(c, prev, *p);
        if (!m) break;
        check(*m > prev);
        prev = *m;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  std::string err;
  if (auto c = parse_cron(text, err)) {
    check_expr(*c);
  } else {
    check(!err.empty());
  }
  err.clear();
  if (auto tz = parse_posix_tz(text, err)) {
    for (const auto *r : {&tz->start, &tz->end}) {
      if (!tz->has_dst) break;
      if (r->kind == posix_tz::rule::month_week_day)
        check(r->month >= 1 && r->month <= 12 && r->week >= 1 && r->week <= 5 && r->wday >= 0 && r->wday <= 6);
      else
        check(r->day >= 0 && r->day <= 365);
    }
  } else {
    check(!err.empty());
  }
  return 0;
}
