// tz.cpp — TZif / POSIX TZ time zones and cron in local time (see tz.hpp).
#include "tz.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <sys/stat.h>

namespace ra_sched {
namespace {

int64_t days_from_civil(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return sys_days{year{y} / month{m} / day{d}}.time_since_epoch().count();
}

int year_of(int64_t t) {
  using namespace std::chrono;
  int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  return static_cast<int>(year_month_day{sys_days{days{day}}}.year());
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Reads [+-]hh[:mm[:ss]] (hours up to 167) at s[i]; seconds with sign.
bool posix_time(std::string_view s, size_t &i, int &out, bool allow_sign) {
  int sign = 1;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    if (!allow_sign) return false;
    sign = s[i] == '-' ? -1 : 1;
    ++i;
  }
  int parts[3] = {0, 0, 0};
  for (int p = 0; p < 3; ++p) {
    if (p > 0) {
      if (i >= s.size() || s[i] != ':') break;
      ++i;
    }
    size_t st = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - st < 3) parts[p] = parts[p] * 10 + (s[i++] - '0');
    if (i == st) return false;
  }
  if (parts[0] > 167 || parts[1] > 59 || parts[2] > 59) return false;
  out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}

bool posix_name(std::string_view s, size_t &i) {
  size_t st = i;
  if (i < s.size() && s[i] == '<') {
    size_t e = s.find('>', i);
    if (e == std::string_view::npos) return false;
    i = e + 1;
    return e - st >= 4;
  }
  while (i < s.size() && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))) ++i;
  return i - st >= 3;
}

bool posix_num(std::string_view s, size_t &i, int &out) {
  size_t st = i;
  out = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - st < 4) out = out * 10 + (s[i++] - '0');
  return i > st;
}

bool posix_rule(std::string_view s, size_t &i, posix_tz::rule &r) {
  if (i < s.size() && s[i] == 'M') {
    ++i;
    r.kind = posix_tz::rule::month_week_day;
    if (!posix_num(s, i, r.month) || r.month < 1 || r.month > 12) return false;
    if (i >= s.size() || s[i++] != '.') return false;
    if (!posix_num(s, i, r.week) || r.week < 1 || r.week > 5) return false;
    if (i >= s.size() || s[i++] != '.') return false;
    if (!posix_num(s, i, r.wday) || r.wday > 6) return false;
  } else if (i < s.size() && s[i] == 'J') {
    ++i;
    r.kind = posix_tz::rule::julian1;
    if (!posix_num(s, i, r.day) || r.day < 1 || r.day > 365) return false;
  } else {
    r.kind = posix_tz::rule::julian0;
    if (!posix_num(s, i, r.day) || r.day > 365) return false;
  }
  r.time = 7200;
  if (i < s.size() && s[i] == '/') {
    ++i;
    if (!posix_time(s, i, r.time, true)) return false;
  }
  return true;
}

// Local seconds (since the epoch, as if UTC) at which rule `r` fires in `y`.
int64_t rule_local(const posix_tz::rule &r, int y) {
  int64_t day = 0;
  switch (r.kind) {
    case posix_tz::rule::julian1:
      day = days_from_civil(y, 1, 1) + r.day - 1 + (is_leap(y) && r.day >= 60 ? 1 : 0);
      break;
    case posix_tz::rule::julian0:
      day = days_from_civil(y, 1, 1) + r.day;
      break;
    case posix_tz::rule::month_week_day: {
      using namespace std::chrono;
      int64_t first = days_from_civil(y, static_cast<unsigned>(r.month), 1);
      int wd1 = static_cast<int>(weekday{sys_days{days{first}}}.c_encoding());
      int d = 1 + (r.wday - wd1 + 7) % 7 + (r.week - 1) * 7;
      unsigned last = static_cast<unsigned>(
          year_month_day_last{year{y}, month_day_last{month{static_cast<unsigned>(r.month)}}}.day());
      while (d > static_cast<int>(last)) d -= 7;
      day = first + d - 1;
      break;
    }
  }
  return day * 86400 + r.time;
}

uint32_t be32(const unsigned char *p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
int64_t be64(const unsigned char *p) { return static_cast<int64_t>((uint64_t{be32(p)} << 32) | uint64_t{be32(p + 4)}); }

}  // namespace

std::optional<posix_tz> parse_posix_tz(std::string_view s, std::string &error) {
  posix_tz z;
  size_t i = 0;
  auto bad = [&](const char *why) -> std::optional<posix_tz> {
    error = "bad POSIX TZ string '" + std::string(s) + "': " + why;
    return std::nullopt;
  };
  int off = 0;
  // UT offsets are POSIX hh[:mm[:ss]] with hh 0..24 (only the rules' times may go to 167 h, RFC 8536
  // §3.3.1); a larger one made utc_offset_at return up to ±167 h, which the TZif types reject
  // (found by tests/fuzz/fuzz_tz).
  auto offset_ok = [](int o) { return o >= -(25 * 3600 - 1) && o <= 25 * 3600 - 1; };
  if (!posix_name(s, i)) return bad("standard time name");
  if (!posix_time(s, i, off, true) || !offset_ok(off)) return bad("standard time offset");
  z.std_offset = -off;
  if (i == s.size()) return z;
  if (!posix_name(s, i)) return bad("daylight time name");
  z.has_dst = true;
  z.dst_offset = z.std_offset + 3600;
  if (i < s.size() && s[i] != ',') {
    if (!posix_time(s, i, off, true) || !offset_ok(off)) return bad("daylight time offset");
    z.dst_offset = -off;
  }
  if (i == s.size()) {  // POSIX default: the US rules
    z.start = {posix_tz::rule::month_week_day, 0, 3, 2, 0, 7200};
    z.end = {posix_tz::rule::month_week_day, 0, 11, 1, 0, 7200};
    return z;
  }
  if (s[i++] != ',' || !posix_rule(s, i, z.start)) return bad("start rule");
  if (i >= s.size() || s[i++] != ',' || !posix_rule(s, i, z.end)) return bad("end rule");
  if (i != s.size()) return bad("trailing characters");
  return z;
}

time_zone time_zone::fixed(std::string name, int offset_seconds) {
  time_zone z;
  z.name_ = std::move(name);
  z.types_.push_back({offset_seconds, false});
  z.offsets_.push_back(offset_seconds);
  return z;
}

std::optional<time_zone> time_zone::from_tzif(std::string name, std::string_view bytes, std::string &error) {
  auto bad = [&](const std::string &why) -> std::optional<time_zone> {
    error = "time zone '" + name + "': not a valid TZif file (" + why + ")";
    return std::nullopt;
  };
  const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
  size_t n = bytes.size();
  if (n < 44 || bytes.substr(0, 4) != "TZif") return bad("no TZif header");
  auto counts = [&](size_t at, uint32_t c[6]) {
    for (int k = 0; k < 6; ++k) c[k] = be32(p + at + 20 + 4 * k);
  };
  // counts: isutcnt isstdcnt leapcnt timecnt typecnt charcnt
  auto block_size = [](const uint32_t c[6], size_t tsize) {
    return c[3] * tsize + c[3] + c[4] * 6 + c[5] + c[2] * (tsize + 4) + c[1] + c[0];
  };
  uint32_t c[6];
  counts(0, c);
  for (int k = 0; k < 6; ++k)
    if (c[k] > 100000) return bad("absurd counts");
  size_t at = 44, tsize = 4;
  char version = bytes[4];
  if (version >= '2') {
    at += block_size(c, 4);
    if (n < at + 44 || bytes.substr(at, 4) != "TZif") return bad("no second header");
    counts(at, c);
    for (int k = 0; k < 6; ++k)
      if (c[k] > 100000) return bad("absurd counts");
    at += 44;
    tsize = 8;
  }
  if (n < at + block_size(c, tsize)) return bad("truncated data");
  if (c[4] == 0) return bad("no local time types");
  time_zone z;
  z.name_ = std::move(name);
  for (uint32_t k = 0; k < c[3]; ++k)
    z.trans_.push_back(tsize == 8 ? be64(p + at + 8 * k) : static_cast<int32_t>(be32(p + at + 4 * k)));
  at += c[3] * tsize;
  for (uint32_t k = 0; k < c[3]; ++k) {
    if (p[at + k] >= c[4]) return bad("bad type index");
    z.idx_.push_back(p[at + k]);
  }
  at += c[3];
  for (uint32_t k = 0; k < c[4]; ++k) {
    const unsigned char *q = p + at + 6 * k;
    int utoff = static_cast<int32_t>(be32(q));
    if (utoff < -25 * 3600 || utoff > 26 * 3600) return bad("bad UT offset");
    z.types_.push_back({utoff, q[4] != 0});
  }
  at += c[4] * 6 + c[5] + c[2] * (tsize + 4) + c[1] + c[0];
  if (!std::is_sorted(z.trans_.begin(), z.trans_.end())) return bad("transitions out of order");
  if (tsize == 8 && at < n && bytes[at] == '\n') {
    size_t e = bytes.find('\n', at + 1);
    if (e == std::string_view::npos) return bad("unterminated footer");
    std::string_view footer = bytes.substr(at + 1, e - at - 1);
    if (!footer.empty()) {
      std::string err;
      z.footer_ = parse_posix_tz(footer, err);
      if (!z.footer_) return bad(err);
    }
  }
  for (auto &t : z.types_) z.offsets_.push_back(t.utoff);
  if (z.footer_) {
    z.offsets_.push_back(z.footer_->std_offset);
    if (z.footer_->has_dst) z.offsets_.push_back(z.footer_->dst_offset);
  }
  std::sort(z.offsets_.begin(), z.offsets_.end());
  z.offsets_.erase(std::unique(z.offsets_.begin(), z.offsets_.end()), z.offsets_.end());
  return z;
}

void time_zone::posix_year(int y, int64_t &start, int64_t &end) const {
  start = rule_local(footer_->start, y) - footer_->std_offset;
  end = rule_local(footer_->end, y) - footer_->dst_offset;
}

time_zone::ttype time_zone::type_at(int64_t t) const {
  if (trans_.empty() || t < trans_.front()) {
    if (trans_.empty() && footer_) {
      // fall through to the footer
    } else {
      return types_.front();
    }
  } else if (!footer_ || t < trans_.back()) {
    auto it = std::upper_bound(trans_.begin(), trans_.end(), t);
    return types_[idx_[static_cast<size_t>(it - trans_.begin() - 1)]];
  }
  if (!footer_) return types_.front();
  if (!footer_->has_dst) return {footer_->std_offset, false};
  int64_t s, e;
  posix_year(year_of(t), s, e);
  bool dst = s < e ? (t >= s && t < e) : (t < e || t >= s);
  return dst ? ttype{footer_->dst_offset, true} : ttype{footer_->std_offset, false};
}

int time_zone::utc_offset_at(int64_t t) const { return type_at(t).utoff; }
bool time_zone::is_dst_at(int64_t t) const { return type_at(t).isdst; }

std::optional<int64_t> time_zone::next_transition(int64_t t) const {
  if (!trans_.empty() && t < trans_.back()) return *std::upper_bound(trans_.begin(), trans_.end(), t);
  if (!footer_ || !footer_->has_dst) return std::nullopt;
  int y = year_of(t);
  std::optional<int64_t> best;
  for (int yy = y - 1; yy <= y + 1; ++yy) {
    int64_t s, e;
    posix_year(yy, s, e);
    for (int64_t x : {s, e})
      if (x > t && (!best || x < *best)) best = x;
  }
  return best;
}

bool valid_zone_name(std::string_view name, std::string &error) {
  auto bad = [&](const std::string &why) {
    error = "invalid time zone name '" + std::string(name) + "': " + why;
    return false;
  };
  if (name.empty() || name.size() > 255) return bad("must be 1–255 characters");
  if (name[0] == '/') return bad("must not start with '/'");
  if (name.find("..") != std::string_view::npos) return bad("must not contain '..'");
  if (name.find("//") != std::string_view::npos || name.back() == '/') return bad("empty path component");
  for (char ch : name)
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' ||
          ch == '-' || ch == '/'))
      return bad(std::string("character '") + ch + "' is not allowed (A-Z a-z 0-9 _ + - /)");
  return true;
}

std::optional<time_zone> load_time_zone(std::string_view name, std::string &error) {
  if (!valid_zone_name(name, error)) return std::nullopt;
  const char *env = std::getenv("TZDIR");
  std::string dir = env && *env ? env : "/usr/share/zoneinfo";
  std::string path = dir + "/" + std::string(name);
  auto unknown = [&](const std::string &why) -> std::optional<time_zone> {
    error = "unknown time zone '" + std::string(name) + "': " + why +
            " (use an IANA name like Europe/Paris, UTC or a fixed offset like +02:00)";
    return std::nullopt;
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return unknown("no such zone in " + dir);
  if (!S_ISREG(st.st_mode)) return unknown("not a zone file in " + dir);
  if (st.st_size > (1 << 20)) return unknown("zone file too large");
  std::ifstream f(path, std::ios::binary);
  if (!f) return unknown("cannot read " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  std::string bytes = ss.str();
  std::string err;
  auto z = time_zone::from_tzif(std::string(name), bytes, err);
  if (!z) return unknown(err);
  return z;
}

std::shared_ptr<const time_zone> find_time_zone(std::string_view name, std::string &error) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const time_zone>, std::less<>> cache;
  {
    std::lock_guard lock(mu);
    auto it = cache.find(name);
    if (it != cache.end()) return it->second;
  }
  std::shared_ptr<const time_zone> z;
  bool offset_like = name.empty() || name[0] == '+' || name[0] == '-' ||
                     ((name.substr(0, 3) == "UTC" || name.substr(0, 3) == "GMT") && name.size() > 3 &&
                      (name[3] == '+' || name[3] == '-'));
  std::string err;
  if (auto off = parse_timezone(name, err)) {
    z = std::make_shared<const time_zone>(time_zone::fixed(std::string(name), *off));
  } else if (offset_like) {
    error = err;
    return nullptr;
  } else {
    auto loaded = load_time_zone(name, error);
    if (!loaded) return nullptr;
    z = std::make_shared<const time_zone>(std::move(*loaded));
  }
  std::lock_guard lock(mu);
  if (cache.size() > 1000) cache.clear();
  cache.emplace(std::string(name), z);
  return z;
}

std::optional<int64_t> next_after(const cron_expr &c, int64_t after, const time_zone &zone) {
  bool wildcard = c.minutes.all() || c.hours.all();
  // See the offset next_after: a stored cursor can be any int64 (seg - 1 / after + 1 overflowed).
  if (after >= search_max) return std::nullopt;
  after = std::max(after, search_min);
  int64_t seg = after + 1;  // search [seg, seg_end) at one offset
  for (int guard = 0; guard < 100000; ++guard) {
    int off = zone.utc_offset_at(seg);
    auto seg_end = zone.next_transition(seg);
    int prev = zone.utc_offset_at(seg - 1);
    auto n = ra_sched::next_after(c, seg - 1, off);
    if (!n) return std::nullopt;
    if (prev < off && !wildcard) {
      // Spring forward at `seg`: local times [seg+prev, seg+off) never happen; a fixed-time job due in
      // them runs once, right after the gap.
      auto g = ra_sched::next_after(c, seg + prev - 1, 0);
      if (g && *g < seg + off) return seg;
    }
    if (seg_end && *n >= *seg_end) {
      seg = *seg_end;
      continue;
    }
    if (!wildcard) {
      // Fall back: the same wall time was already shown earlier at a larger offset → a repeat.
      int64_t wall = *n + off;
      bool repeat = false;
      for (int o : zone.offsets())
        if (o > off && wall - o < *n && zone.utc_offset_at(wall - o) == o) repeat = true;
      if (repeat) {
        seg = *n + 1;
        continue;
      }
    }
    return n;
  }
  return std::nullopt;
}

}  // namespace ra_sched
