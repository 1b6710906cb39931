// cron.cpp — parsing and evaluation of cron expressions (see cron.hpp).
#include "cron.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace ra_sched {
namespace {

struct field_spec {
  const char *name;
  int lo, hi;
  const char *const *names;  // index i → value lo + i (nullptr: numbers only)
};

const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",  "JUL",
                                   "AUG", "SEP", "OCT", "NOV", "DEC", nullptr};
const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", nullptr};

// In the order of the 7-field form.
const field_spec specs[7] = {
    {"second", 0, 59, nullptr},
    {"minute", 0, 59, nullptr},
    {"hour", 0, 23, nullptr},
    {"day of month", 1, 31, nullptr},
    {"month", 1, 12, month_names},
    {"day of week", 0, 7, day_names},
    {"year", min_year, max_year, nullptr},
};

struct token {
  std::string_view text;
  size_t pos;  // 0-based offset in the expression
};

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

class parser {
 public:
  parser(std::string_view full, std::string &error) : full_(full), error_(error) {}

  bool fail(size_t pos, const field_spec &f, const std::string &why) {
    error_ = "invalid cron expression '" + std::string(full_) + "': position " + std::to_string(pos + 1) + " (" +
             f.name + "): " + why;
    return false;
  }

  // One value (number or name) at [pos, pos+len).
  bool value(std::string_view s, size_t pos, const field_spec &f, int &out) {
    if (s.empty()) return fail(pos, f, "a value is missing");
    if (s[0] >= '0' && s[0] <= '9') {
      long v = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return fail(pos + i, f, "unexpected character '" + std::string(1, s[i]) + "'");
        v = v * 10 + (s[i] - '0');
        if (v > 100000) return fail(pos, f, "value " + std::string(s) + " is out of range " + range_text(f));
      }
      if (v < f.lo || v > f.hi) return fail(pos, f, "value " + std::to_string(v) + " is out of range " + range_text(f));
      out = static_cast<int>(v);
      return true;
    }
    if (f.names) {
      for (int i = 0; f.names[i]; ++i) {
        std::string_view n(f.names[i]);
        if (s.size() == n.size()) {
          bool eq = true;
          for (size_t k = 0; k < n.size(); ++k) eq = eq && upper(s[k]) == n[k];
          if (eq) {
            out = f.lo + i;
            return true;
          }
        }
      }
      return fail(pos, f,
                  "unknown name '" + std::string(s) + "' (" + (f.names == month_names ? "JAN–DEC" : "SUN–SAT") + ")");
    }
    return fail(pos, f, "'" + std::string(s) + "' is not a number");
  }

  static std::string range_text(const field_spec &f) { return std::to_string(f.lo) + "–" + std::to_string(f.hi); }

  // Sets the bits of one field; `bits` is indexed by value (weekday 7 folded onto 0 by the caller).
  bool field(token t, const field_spec &f, std::vector<bool> &bits, bool &starred) {
    std::string_view s = t.text;
    starred = !s.empty() && (s[0] == '*' || s[0] == '?');
    size_t start = 0;
    while (true) {
      size_t comma = s.find(',', start);
      std::string_view item = s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      size_t ipos = t.pos + start;
      if (item.empty()) return fail(ipos, f, "empty list item");
      if (!one_item(item, ipos, f, bits)) return false;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return true;
  }

  bool one_item(std::string_view item, size_t pos, const field_spec &f, std::vector<bool> &bits) {
    int step = 1;
    bool has_step = false;
    size_t slash = item.find('/');
    std::string_view base = item.substr(0, slash);
    if (slash != std::string_view::npos) {
      std::string_view st = item.substr(slash + 1);
      size_t spos = pos + slash + 1;
      if (st.empty()) return fail(spos, f, "a step is missing after '/'");
      long v = 0;
      for (size_t i = 0; i < st.size(); ++i) {
        if (st[i] < '0' || st[i] > '9') return fail(spos + i, f, "step must be a number");
        v = v * 10 + (st[i] - '0');
        if (v > 100000) break;
      }
      if (v < 1) return fail(spos, f, "step must be at least 1");
      int span = f.hi - f.lo + 1;
      if (v > span) return fail(spos, f, "step " + std::to_string(v) + " is larger than the range " + range_text(f));
      step = static_cast<int>(v);
      has_step = true;
    }
    int a = f.lo, b = f.hi;
    if (base == "*" || base == "?") {
      if (base == "?" && std::string_view(f.name) != "day of month" && std::string_view(f.name) != "day of week")
        return fail(pos, f, "'?' is only allowed in day of month and day of week");
      if (std::string_view(f.name) == "day of week") b = 6;  // `*` covers Sunday once
    } else {
      size_t dash = base.find('-', 1);
      if (dash == std::string_view::npos) {
        if (!value(base, pos, f, a)) return false;
        b = has_step ? (std::string_view(f.name) == "day of week" ? 6 : f.hi) : a;
      } else {
        if (!value(base.substr(0, dash), pos, f, a)) return false;
        if (!value(base.substr(dash + 1), pos + dash + 1, f, b)) return false;
        if (a > b)
          return fail(pos, f,
                      "range " + std::to_string(a) + "-" + std::to_string(b) + " runs backwards (start after end)");
      }
    }
    for (int v = a; v <= b; v += step) bits[static_cast<size_t>(v - f.lo)] = true;
    return true;
  }

 private:
  std::string_view full_;
  std::string &error_;
};

bool is_space(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::optional<cron_expr> parse_cron(std::string_view text, std::string &error) {
  std::string_view full = text;
  // Trim.
  size_t b = 0, e = text.size();
  while (b < e && is_space(text[b])) ++b;
  while (e > b && is_space(text[e - 1])) --e;
  std::string_view body = text.substr(b, e - b);
  std::string expanded;
  if (!body.empty() && body[0] == '@') {
    std::string m;
    for (char c : body) m += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (m == "@yearly" || m == "@annually")
      expanded = "0 0 1 1 *";
    else if (m == "@monthly")
      expanded = "0 0 1 * *";
    else if (m == "@weekly")
      expanded = "0 0 * * 0";
    else if (m == "@daily" || m == "@midnight")
      expanded = "0 0 * * *";
    else if (m == "@hourly")
      expanded = "0 * * * *";
    else {
      error = "invalid cron expression '" + std::string(full) + "': position " + std::to_string(b + 1) +
              ": unknown shorthand '" + std::string(body) +
              "' (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)";
      return std::nullopt;
    }
    full = expanded;
    body = expanded;
    b = 0;
  }
  std::vector<token> toks;
  for (size_t i = 0; i < body.size();) {
    if (is_space(body[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < body.size() && !is_space(body[j])) ++j;
    toks.push_back({body.substr(i, j - i), b + i});
    i = j;
  }
  if (toks.size() < 5 || toks.size() > 7) {
    error = "invalid cron expression '" + std::string(text) + "': expected 5 fields (min hour dom month dow), 6 " +
            "(sec min hour dom month dow) or 7 (… year), got " + std::to_string(toks.size());
    return std::nullopt;
  }
  cron_expr c;
  c.fields = static_cast<int>(toks.size());
  parser p(full, error);
  // Map tokens to the 7-field layout.
  int first = toks.size() == 5 ? 1 : 0;
  std::vector<bool> bits;
  for (int fi = 0; fi < 7; ++fi) {
    const field_spec &f = specs[fi];
    int ti = fi - first;
    bits.assign(static_cast<size_t>(f.hi - f.lo + 1), false);
    bool starred = true;
    if (fi == 0 && first == 1) {
      bits[0] = true;  // 5-field form: at second 0
    } else if (ti >= static_cast<int>(toks.size())) {
      bits.assign(bits.size(), true);  // no year field: every year
    } else if (!p.field(toks[static_cast<size_t>(ti)], f, bits, starred)) {
      return std::nullopt;
    }
    for (size_t i = 0; i < bits.size(); ++i) {
      if (!bits[i]) continue;
      int v = f.lo + static_cast<int>(i);
      switch (fi) {
        case 0:
          c.seconds.set(static_cast<size_t>(v));
          break;
        case 1:
          c.minutes.set(static_cast<size_t>(v));
          break;
        case 2:
          c.hours.set(static_cast<size_t>(v));
          break;
        case 3:
          c.days.set(static_cast<size_t>(v));
          break;
        case 4:
          c.months.set(static_cast<size_t>(v));
          break;
        case 5:
          c.weekdays.set(static_cast<size_t>(v % 7));
          break;
        case 6:
          c.years.set(static_cast<size_t>(v - min_year));
          break;
      }
    }
    if (fi == 3) c.dom_restricted = !starred;
    if (fi == 5) c.dow_restricted = !starred;
  }
  return c;
}

std::optional<int64_t> next_after(const cron_expr &c, int64_t after, int offset_seconds) {
  using namespace std::chrono;
  // Clamp first: `after` near the int64 limits overflowed below (found by tests/fuzz/fuzz_scheduler_store
  // with a stored cursor). Nothing matches before search_min or after search_max anyway.
  if (after >= search_max) return std::nullopt;
  after = std::max(after, search_min);
  int64_t local = after + 1 + offset_seconds;  // strictly after
  int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
  int sod = static_cast<int>(local - day * 86400);
  for (;; ++day, sod = 0) {
    year_month_day ymd{sys_days{days{day}}};
    int y = static_cast<int>(ymd.year());
    if (y > max_year) return std::nullopt;
    if (y < min_year || !c.years.test(static_cast<size_t>(y - min_year))) {
      // Jump to the last day of this year (the loop's ++day goes to 1 January).
      day = sys_days{year{y} / December / 31}.time_since_epoch().count();
      continue;
    }
    unsigned m = static_cast<unsigned>(ymd.month());
    if (!c.months.test(m)) {
      day = sys_days{year_month_day_last{year{y}, month_day_last{month{m}}}}.time_since_epoch().count();
      continue;
    }
    unsigned d = static_cast<unsigned>(ymd.day());
    unsigned wd = weekday{sys_days{days{day}}}.c_encoding();
    bool dom = c.days.test(d), dow = c.weekdays.test(wd);
    bool day_ok = (c.dom_restricted && c.dow_restricted) ? (dom || dow) : (dom && dow);
    if (!day_ok) continue;
    int h0 = sod / 3600, m0 = (sod / 60) % 60, s0 = sod % 60;
    for (int h = h0; h < 24; ++h) {
      if (!c.hours.test(static_cast<size_t>(h))) continue;
      for (int mi = (h == h0 ? m0 : 0); mi < 60; ++mi) {
        if (!c.minutes.test(static_cast<size_t>(mi))) continue;
        for (int s = (h == h0 && mi == m0 ? s0 : 0); s < 60; ++s) {
          if (!c.seconds.test(static_cast<size_t>(s))) continue;
          return day * 86400 + h * 3600 + mi * 60 + s - offset_seconds;
        }
      }
    }
  }
}

std::optional<int> parse_timezone(std::string_view tz, std::string &error) {
  std::string_view s = tz;
  if (s.empty() || s == "UTC" || s == "utc" || s == "Z" || s == "GMT" || s == "Etc/UTC" || s == "UCT" ||
      s == "Etc/GMT" || s == "Universal" || s == "Zulu")
    return 0;
  if (s.substr(0, 3) == "UTC" || s.substr(0, 3) == "GMT") s = s.substr(3);
  auto bad = [&]() -> std::optional<int> {
    error = "time zone '" + std::string(tz) + "' is not UTC or a fixed offset like +02:00 or -05:30 (at most ±14:00)";
    return std::nullopt;
  };
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return bad();
  int sign = s[0] == '-' ? -1 : 1;
  std::string digits;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == ':' && i == 3) continue;
    if (s[i] < '0' || s[i] > '9') return bad();
    digits += s[i];
  }
  int h = 0, m = 0;
  if (digits.size() == 1 || digits.size() == 2) {
    h = std::stoi(digits);
  } else if (digits.size() == 4) {
    h = std::stoi(digits.substr(0, 2));
    m = std::stoi(digits.substr(2));
  } else {
    return bad();
  }
  if (m > 59 || h * 60 + m > 14 * 60) return bad();
  return sign * (h * 3600 + m * 60);
}

std::string iso8601_utc(int64_t unix_ms, bool millis) {
  using namespace std::chrono;
  int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : -((-unix_ms + 999) / 1000);
  int ms = static_cast<int>(unix_ms - secs * 1000);
  int64_t day = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int sod = static_cast<int>(secs - day * 86400);
  year_month_day ymd{sys_days{days{day}}};
  char buf[64];
  if (millis)
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), sod / 3600, (sod / 60) % 60,
                  sod % 60, ms);
  else
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), sod / 3600, (sod / 60) % 60,
                  sod % 60);
  return buf;
}

}  // namespace ra_sched
