// tz.hpp — time zones for the scheduler: UTC, fixed offsets and IANA zones read from the system's
// compiled zoneinfo files (TZif, RFC 8536), because libstdc++ 12 has no tzdb.
//
// IANA zones: the file $TZDIR/<name> (default /usr/share/zoneinfo/<name>). The version 2+ 64-bit
// data block is used (the 32-bit version 1 block when a file has nothing else): transitions, local
// time types (UT offset, isdst); instants after the last transition follow the footer's POSIX TZ
// string (`std offset [dst [offset] [,start[/time],end[/time]]]`, rules `Mm.w.d`, `Jn` and `n`).
// Leap-second records are ignored (the scheduler counts POSIX seconds).
// Names: 1–255 characters of [A-Za-z0-9_+-/], no "..", no leading "/", no empty component.
//
// Cron in local time (`next_after` with a zone): matching is done on local wall-clock fields. DST
// rules, as cronie / Vixie cron do it:
//   * A job is a "wildcard" job when its minute or hour field covers every value (`*`, `*/1`).
//   * Spring forward (local times skipped): a fixed-time job whose time falls in the gap runs once,
//     right at the end of the gap (the transition instant); a wildcard job simply has no runs there.
//   * Fall back (local times repeated): a fixed-time job runs once, at the first occurrence; a
//     wildcard job runs in both passes (an hourly job keeps running every hour of real time).
// Thread safety: time_zone is immutable; find_time_zone caches loaded zones under a mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cron.hpp"

namespace ra_sched {

// The POSIX TZ rule of a TZif footer, e.g. "CET-1CEST,M3.5.0,M10.5.0/3".
struct posix_tz {
  struct rule {
    enum kind_t { julian1, julian0, month_week_day } kind = month_week_day;  // Jn, n, Mm.w.d
    int day = 0, month = 0, week = 0, wday = 0;                              // n / m.w.d
    int time = 7200;                                                         // seconds after local midnight
  };
  int std_offset = 0;  // seconds east of UTC (the TZ string's sign inverted)
  bool has_dst = false;
  int dst_offset = 0;
  rule start, end;
};

// Parses a POSIX TZ string (the TZif footer form). nullopt + error when malformed.
std::optional<posix_tz> parse_posix_tz(std::string_view s, std::string &error);

class time_zone {
 public:
  struct ttype {
    int utoff = 0;
    bool isdst = false;
  };

  // A zone with one constant offset (UTC, "+02:00").
  static time_zone fixed(std::string name, int offset_seconds);

  // Parses TZif bytes. nullopt + error when malformed.
  static std::optional<time_zone> from_tzif(std::string name, std::string_view bytes, std::string &error);

  const std::string &name() const { return name_; }
  // Seconds east of UTC in effect at the UTC instant `t` (Unix seconds).
  int utc_offset_at(int64_t t) const;
  bool is_dst_at(int64_t t) const;
  // The first instant > t at which the offset or DST flag may change; nullopt when none.
  std::optional<int64_t> next_transition(int64_t t) const;
  // Every distinct UT offset the zone uses.
  const std::vector<int> &offsets() const { return offsets_; }

 private:
  ttype type_at(int64_t t) const;
  void posix_year(int year, int64_t &start, int64_t &end) const;

  std::string name_;
  std::vector<int64_t> trans_;
  std::vector<uint8_t> idx_;
  std::vector<ttype> types_;
  std::optional<posix_tz> footer_;
  std::vector<int> offsets_;
};

// True when `name` is an acceptable IANA name (see above); otherwise false + error.
bool valid_zone_name(std::string_view name, std::string &error);

// Reads and parses $TZDIR/<name> (default /usr/share/zoneinfo). nullopt + error ("unknown time zone
// 'Mars/Olympus' …") when the name is invalid, the file is missing or not a TZif file.
std::optional<time_zone> load_time_zone(std::string_view name, std::string &error);

// "UTC" and its aliases, fixed offsets (parse_timezone) or an IANA name (load_time_zone), cached.
std::shared_ptr<const time_zone> find_time_zone(std::string_view name, std::string &error);

// The first matching second strictly after `after` with cron fields matched on the local wall clock
// of `zone`, DST handled as described above. nullopt when nothing matches up to the end of max_year.
std::optional<int64_t> next_after(const cron_expr &c, int64_t after, const time_zone &zone);

}  // namespace ra_sched
