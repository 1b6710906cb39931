// cron.hpp — the scheduler plugin's cron expressions and time zones, pure (no host, no clock).
//
// Syntax (case-insensitive names):
//   5 fields  `min hour dom month dow`            (classic crontab; seconds = 0)
//   6 fields  `sec min hour dom month dow`        (the reference's form)
//   7 fields  `sec min hour dom month dow year`   (year 1970–2199)
//   @yearly @annually @monthly @weekly @daily @midnight @hourly (5-field equivalents)
// Each field is a comma list of items: `*`, `?` (dom/dow only, = `*`), `N`, `A-B`, `*/S`, `A-B/S`,
// `N/S` (= N-max/S). Months JAN–DEC or 1–12; days of week SUN–SAT or 0–7 where BOTH 0 and 7 are
// Sunday (classic cron; unlike the reference's Quartz 1 = Sunday). Day of month 1–31.
// Day rule (Vixie cron): when both day-of-month and day-of-week are restricted (their field does not
// start with `*` or `?`), a day matches if EITHER matches; otherwise both must match.
// Time zones: this file handles UTC and fixed offsets ("UTC", "Z", "+02:00", "-0530", "UTC+01:00");
// IANA names (Europe/Paris, with DST) are in tz.hpp (libstdc++ 12 has no tzdb, so TZif files are read).
// Thread safety: all functions are pure; cron_expr is immutable after parsing.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ra_sched {

inline constexpr int min_year = 1970;
inline constexpr int max_year = 2199;
// Unix seconds beyond which no local time (|offset| < 4 days) can be in min_year..max_year:
// next_after clamps its `after` to them (a corrupt jobs.json cursor can be any int64).
inline constexpr int64_t search_min = -4 * 86400;                // 1969-12-28
inline constexpr int64_t search_max = 7258118400LL + 4 * 86400;  // 2200-01-05

struct cron_expr {
  std::bitset<60> seconds;
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;     // 1..31
  std::bitset<13> months;   // 1..12
  std::bitset<7> weekdays;  // 0 = Sunday .. 6
  std::bitset<max_year - min_year + 1> years;
  bool dom_restricted = false;
  bool dow_restricted = false;
  int fields = 0;  // 5, 6 or 7 after macro expansion
};

// Parses an expression. On error: nullopt and `error` says what and where, e.g.
// "invalid cron expression '*/0 * * * *': position 3 (minute): step must be at least 1".
std::optional<cron_expr> parse_cron(std::string_view text, std::string &error);

// The first matching second strictly after `after` (Unix seconds), with local time = UTC +
// offset_seconds. nullopt when nothing matches up to the end of max_year (e.g. `0 0 30 2 *`).
std::optional<int64_t> next_after(const cron_expr &c, int64_t after, int offset_seconds = 0);

// "" / "UTC" / "Z" / "GMT" / "Etc/UTC" → 0; "+02:00", "-05:30", "+0200", "+02", "UTC+02:00" → the
// offset in seconds (|offset| ≤ 14 h). Anything else → nullopt with the reason (IANA names: tz.hpp).
std::optional<int> parse_timezone(std::string_view tz, std::string &error);

// Unix milliseconds → "2026-01-02T03:04:05Z" (ms dropped) or with ms when `millis`.
std::string iso8601_utc(int64_t unix_ms, bool millis = false);

}  // namespace ra_sched
