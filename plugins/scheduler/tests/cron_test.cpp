// cron_test.cpp — the scheduler's cron parser and next_after (UTC and fixed offsets), time zones.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "cron.hpp"
#include "job_store.hpp"

using namespace ra_sched;

namespace {

int64_t ts(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  return sys_days{year{y} / month{mo} / day{d}}.time_since_epoch().count() * 86400 + h * 3600 + mi * 60 + s;
}

std::string iso(int64_t s) { return iso8601_utc(s * 1000); }

cron_expr parse_ok(const std::string &text) {
  std::string err;
  auto c = parse_cron(text, err);
  EXPECT_TRUE(c.has_value()) << text << ": " << err;
  return c.value_or(cron_expr{});
}

std::string parse_err(const std::string &text) {
  std::string err;
  auto c = parse_cron(text, err);
  EXPECT_FALSE(c.has_value()) << text << " should be rejected";
  return err;
}

// The next occurrence after `after` as ISO text ("never" when none).
std::string next(const std::string &text, int64_t after, int offset = 0) {
  auto c = parse_ok(text);
  auto n = next_after(c, after, offset);
  return n ? iso(*n) : "never";
}

// The first `k` occurrences after `after`.
std::vector<std::string> nexts(const std::string &text, int64_t after, int k) {
  auto c = parse_ok(text);
  std::vector<std::string> out;
  for (int i = 0; i < k; ++i) {
    auto n = next_after(c, after);
    if (!n) break;
    out.push_back(iso(*n));
    after = *n;
  }
  return out;
}

}  // namespace

TEST(CronIso, Formats) {
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601_utc(ts(2024, 2, 29, 23, 59, 59) * 1000 + 123, true), "2024-02-29T23:59:59.123Z");
  EXPECT_EQ(iso(ts(2026, 11, 25, 7, 8, 9)), "2026-11-25T07:08:09Z");
}

TEST(CronParse, FieldCounts) {
  EXPECT_EQ(parse_ok("* * * * *").fields, 5);
  EXPECT_EQ(parse_ok("* * * * * *").fields, 6);
  EXPECT_EQ(parse_ok("* * * * * * 2030").fields, 7);
  EXPECT_NE(parse_err("* * * *").find("got 4"), std::string::npos);
  EXPECT_NE(parse_err("* * * * * * * *").find("got 8"), std::string::npos);
  EXPECT_NE(parse_err("").find("got 0"), std::string::npos);
  EXPECT_NE(parse_err("garbage").find("got 1"), std::string::npos);
  EXPECT_NE(parse_err("   ").find("expected 5 fields"), std::string::npos);
}

TEST(CronParse, FiveFieldMeansSecondZero) {
  auto c = parse_ok("* * * * *");
  EXPECT_TRUE(c.seconds.test(0));
  EXPECT_EQ(c.seconds.count(), 1u);
  EXPECT_EQ(c.minutes.count(), 60u);
}

TEST(CronParse, StepZeroHasPosition) {
  std::string e = parse_err("*/0 * * * *");
  EXPECT_NE(e.find("position 3"), std::string::npos) << e;
  EXPECT_NE(e.find("minute"), std::string::npos) << e;
  EXPECT_NE(e.find("step must be at least 1"), std::string::npos) << e;
  e = parse_err("0 0 */0 * * *");
  EXPECT_NE(e.find("position 7"), std::string::npos) << e;
  EXPECT_NE(e.find("hour"), std::string::npos) << e;
}

TEST(CronParse, OutOfRangeHasPosition) {
  std::string e = parse_err("60 * * * *");
  EXPECT_NE(e.find("position 1"), std::string::npos) << e;
  EXPECT_NE(e.find("value 60 is out of range 0–59"), std::string::npos) << e;
  e = parse_err("0 24 * * *");
  EXPECT_NE(e.find("position 3 (hour)"), std::string::npos) << e;
  e = parse_err("0 0 0 * *");
  EXPECT_NE(e.find("position 5 (day of month)"), std::string::npos) << e;
  e = parse_err("0 0 32 * *");
  EXPECT_NE(e.find("out of range 1–31"), std::string::npos) << e;
  e = parse_err("0 0 1 13 *");
  EXPECT_NE(e.find("position 7 (month)"), std::string::npos) << e;
  e = parse_err("0 0 * * 8");
  EXPECT_NE(e.find("position 9 (day of week)"), std::string::npos) << e;
  e = parse_err("0 0 0 * * * 1969");
  EXPECT_NE(e.find("(year)"), std::string::npos) << e;
  e = parse_err("0 0 0 * * * 2200");
  EXPECT_NE(e.find("(year)"), std::string::npos) << e;
  e = parse_err("1,2,99 * * * *");
  EXPECT_NE(e.find("position 5"), std::string::npos) << e;
  e = parse_err("5-99 * * * *");
  EXPECT_NE(e.find("position 3"), std::string::npos) << e;
}

TEST(CronParse, BadNamesAndSyntax) {
  std::string e = parse_err("0 0 * FOO *");
  EXPECT_NE(e.find("unknown name 'FOO'"), std::string::npos) << e;
  EXPECT_NE(e.find("position 7"), std::string::npos) << e;
  e = parse_err("0 0 * * FUNDAY");
  EXPECT_NE(e.find("unknown name 'FUNDAY'"), std::string::npos) << e;
  e = parse_err("0 0 MON * *");  // names only in month and day of week
  EXPECT_NE(e.find("not a number"), std::string::npos) << e;
  e = parse_err("0 0 * * 5-1");
  EXPECT_NE(e.find("backwards"), std::string::npos) << e;
  e = parse_err("0 0 1,,2 * *");
  EXPECT_NE(e.find("empty list item"), std::string::npos) << e;
  e = parse_err("*/ * * * *");
  EXPECT_NE(e.find("step is missing"), std::string::npos) << e;
  e = parse_err("*/x * * * *");
  EXPECT_NE(e.find("step must be a number"), std::string::npos) << e;
  e = parse_err("*/61 * * * *");
  EXPECT_NE(e.find("larger than the range"), std::string::npos) << e;
  e = parse_err("1x * * * *");
  EXPECT_NE(e.find("unexpected character 'x'"), std::string::npos) << e;
  e = parse_err("? * * * *");
  EXPECT_NE(e.find("only allowed in day of month and day of week"), std::string::npos) << e;
  e = parse_err("@fortnightly");
  EXPECT_NE(e.find("unknown shorthand"), std::string::npos) << e;
  e = parse_err("-1 * * * *");
  EXPECT_NE(e.find("position 1"), std::string::npos) << e;
}

TEST(CronParse, NamesCaseInsensitive) {
  auto a = parse_ok("0 0 * jan-Mar mon,WED,fri");
  EXPECT_TRUE(a.months.test(1) && a.months.test(2) && a.months.test(3));
  EXPECT_FALSE(a.months.test(4));
  EXPECT_TRUE(a.weekdays.test(1) && a.weekdays.test(3) && a.weekdays.test(5));
  EXPECT_EQ(a.weekdays.count(), 3u);
  auto b = parse_ok("0 0 * DEC SAT-SAT");
  EXPECT_TRUE(b.months.test(12));
  EXPECT_TRUE(b.weekdays.test(6));
}

TEST(CronParse, SundayIsZeroAndSeven) {
  auto a = parse_ok("0 0 * * 0");
  auto b = parse_ok("0 0 * * 7");
  auto c = parse_ok("0 0 * * SUN");
  EXPECT_EQ(a.weekdays, b.weekdays);
  EXPECT_EQ(a.weekdays, c.weekdays);
  EXPECT_TRUE(a.weekdays.test(0));
  auto r = parse_ok("0 0 * * 5-7");  // Fri, Sat, Sun
  EXPECT_TRUE(r.weekdays.test(5) && r.weekdays.test(6) && r.weekdays.test(0));
  EXPECT_EQ(r.weekdays.count(), 3u);
  EXPECT_EQ(parse_ok("0 0 * * *").weekdays.count(), 7u);
}

TEST(CronParse, RangesStepsLists) {
  auto c = parse_ok("0-10/5,30,45-47 * * * *");
  std::vector<int> want = {0, 5, 10, 30, 45, 46, 47};
  EXPECT_EQ(c.minutes.count(), want.size());
  for (int m : want) EXPECT_TRUE(c.minutes.test(static_cast<size_t>(m))) << m;
  auto d = parse_ok("* 10/6 * * *");  // N/S = N-max/S
  EXPECT_TRUE(d.hours.test(10) && d.hours.test(16) && d.hours.test(22));
  EXPECT_EQ(d.hours.count(), 3u);
  auto e = parse_ok("*/15 * * * * *");
  EXPECT_EQ(e.seconds.count(), 4u);
  auto f = parse_ok("* * * */2 *");  // Jan, Mar, …, Nov
  EXPECT_TRUE(f.months.test(1) && f.months.test(11) && !f.months.test(2));
  auto q = parse_ok("0 0 ? * MON");
  EXPECT_FALSE(q.dom_restricted);
  EXPECT_TRUE(q.dow_restricted);
}

TEST(CronParse, Macros) {
  int64_t t = ts(2026, 5, 17, 13, 14, 15);  // a Sunday
  EXPECT_EQ(next("@yearly", t), "2027-01-01T00:00:00Z");
  EXPECT_EQ(next("@annually", t), "2027-01-01T00:00:00Z");
  EXPECT_EQ(next("@monthly", t), "2026-06-01T00:00:00Z");
  EXPECT_EQ(next("@weekly", t), "2026-05-24T00:00:00Z");
  EXPECT_EQ(next("@daily", t), "2026-05-18T00:00:00Z");
  EXPECT_EQ(next("@midnight", t), "2026-05-18T00:00:00Z");
  EXPECT_EQ(next("@hourly", t), "2026-05-17T14:00:00Z");
  EXPECT_EQ(next("  @HOURLY ", t), "2026-05-17T14:00:00Z");
}

TEST(CronNext, EverySecondIsStrictlyAfter) {
  int64_t t = ts(2026, 1, 1, 0, 0, 0);
  EXPECT_EQ(nexts("* * * * * *", t, 3),
            (std::vector<std::string>{"2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z", "2026-01-01T00:00:03Z"}));
  EXPECT_EQ(next("* * * * * *", ts(2026, 12, 31, 23, 59, 59)), "2027-01-01T00:00:00Z");
}

TEST(CronNext, EveryMinuteAndRollovers) {
  EXPECT_EQ(next("* * * * *", ts(2026, 1, 1, 0, 0, 0)), "2026-01-01T00:01:00Z");
  EXPECT_EQ(next("* * * * *", ts(2026, 1, 1, 0, 0, 30)), "2026-01-01T00:01:00Z");
  EXPECT_EQ(next("59 23 31 12 *", ts(2026, 12, 31, 23, 59, 0)), "2027-12-31T23:59:00Z");
  EXPECT_EQ(next("0 0 1 * *", ts(2026, 1, 31, 12)), "2026-02-01T00:00:00Z");
  EXPECT_EQ(next("30 2 * * *", ts(2026, 3, 29, 1, 0)), "2026-03-29T02:30:00Z");  // no DST in UTC
}

TEST(CronNext, Steps) {
  EXPECT_EQ(nexts("*/5 * * * * *", ts(2026, 1, 1, 0, 0, 3), 3),
            (std::vector<std::string>{"2026-01-01T00:00:05Z", "2026-01-01T00:00:10Z", "2026-01-01T00:00:15Z"}));
  EXPECT_EQ(nexts("0 */20 * * * *", ts(2026, 1, 1, 0, 50, 0), 2),
            (std::vector<std::string>{"2026-01-01T01:00:00Z", "2026-01-01T01:20:00Z"}));
  EXPECT_EQ(next("0 0 3 * * *", ts(2026, 1, 1, 3, 0, 0)), "2026-01-02T03:00:00Z");
}

TEST(CronNext, LeapYears) {
  EXPECT_EQ(next("0 0 29 2 *", ts(2025, 1, 1)), "2028-02-29T00:00:00Z");
  EXPECT_EQ(next("0 0 29 2 *", ts(2024, 1, 1)), "2024-02-29T00:00:00Z");
  EXPECT_EQ(next("0 0 29 2 *", ts(2096, 3, 1)), "2104-02-29T00:00:00Z");  // 2100 is not a leap year
  EXPECT_EQ(next("0 0 29 2 *", ts(1999, 3, 1)), "2000-02-29T00:00:00Z");  // 2000 is
}

TEST(CronNext, ImpossibleDatesNeverFire) {
  EXPECT_EQ(next("0 0 30 2 *", ts(2026, 1, 1)), "never");
  EXPECT_EQ(next("0 0 31 4,6,9,11 *", ts(2026, 1, 1)), "never");
  EXPECT_EQ(next("0 0 0 1 1 * 2020", ts(2026, 1, 1)), "never");  // year in the past
  EXPECT_EQ(next("0 0 31 * *", ts(2026, 4, 1)), "2026-05-31T00:00:00Z");
}

TEST(CronNext, YearField) {
  EXPECT_EQ(next("0 0 0 1 1 * 2030", ts(2026, 6, 1)), "2030-01-01T00:00:00Z");
  EXPECT_EQ(nexts("0 0 12 * * * 2027-2028/1", ts(2027, 12, 31, 12), 2),
            (std::vector<std::string>{"2028-01-01T12:00:00Z", "2028-01-02T12:00:00Z"}));
  EXPECT_EQ(next("0 0 0 29 2 * 2199", ts(2026, 1, 1)), "never");  // 2199 is not a leap year
}

TEST(CronNext, DayOfMonthOrDayOfWeek) {
  // Both restricted: the 13th OR any Friday.
  int64_t t = ts(2026, 2, 1);  // Sunday
  EXPECT_EQ(nexts("0 0 13 * FRI", t, 4), (std::vector<std::string>{"2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z",
                                                                   "2026-02-20T00:00:00Z", "2026-02-27T00:00:00Z"}));
  // 2026-03-13 is a Friday as well, 2026-04-13 a Monday.
  EXPECT_EQ(next("0 0 13 * FRI", ts(2026, 4, 10)), "2026-04-13T00:00:00Z");
  // Only day of week restricted: every Monday.
  EXPECT_EQ(nexts("0 9 * * 1", t, 2), (std::vector<std::string>{"2026-02-02T09:00:00Z", "2026-02-09T09:00:00Z"}));
  // Only day of month restricted.
  EXPECT_EQ(next("0 9 15 * *", t), "2026-02-15T09:00:00Z");
  // `*/2` in day of month counts as unrestricted (Vixie): AND with Monday.
  EXPECT_EQ(next("0 0 */2 * MON", t), "2026-02-09T00:00:00Z");
}

TEST(CronNext, Weekdays) {
  int64_t t = ts(2026, 11, 25, 12);  // Wednesday
  EXPECT_EQ(next("0 0 * * 0", t), "2026-11-29T00:00:00Z");
  EXPECT_EQ(next("0 0 * * 7", t), "2026-11-29T00:00:00Z");
  EXPECT_EQ(next("0 0 * * SAT", t), "2026-11-28T00:00:00Z");
  EXPECT_EQ(nexts("0 30 8 * * MON-FRI", ts(2026, 11, 27, 9), 2),
            (std::vector<std::string>{"2026-11-30T08:30:00Z", "2026-12-01T08:30:00Z"}));
}

TEST(CronNext, FixedOffsets) {
  // 09:00 at +02:00 is 07:00 UTC.
  EXPECT_EQ(next("0 9 * * *", ts(2026, 1, 1), 2 * 3600), "2026-01-01T07:00:00Z");
  EXPECT_EQ(next("0 9 * * *", ts(2026, 1, 1, 8), 2 * 3600), "2026-01-02T07:00:00Z");
  // Midnight at -05:30 is 05:30 UTC.
  EXPECT_EQ(next("@daily", ts(2026, 1, 1, 6), -(5 * 3600 + 1800)), "2026-01-02T05:30:00Z");
  // A local date differs from the UTC date: Monday 00:30 at +01:00 is Sunday 23:30 UTC.
  EXPECT_EQ(next("0 30 0 * * MON", ts(2026, 11, 25), 3600), "2026-11-29T23:30:00Z");
}

TEST(CronNext, BeforeEpochInputIsFine) { EXPECT_EQ(next("0 0 1 1 *", -100), "1970-01-01T00:00:00Z"); }

// Regression (tests/fuzz/fuzz_scheduler_store): the stored cursor can be any int64; after + 1 and
// the day arithmetic overflowed (UBSan) at the limits.
TEST(CronNext, ExtremeInstantsAreClamped) {
  std::string err;
  auto c = parse_cron("* * * * *", err);
  ASSERT_TRUE(c) << err;
  EXPECT_EQ(next_after(*c, INT64_MIN), 0);
  EXPECT_EQ(next_after(*c, INT64_MIN, -14 * 3600), 14 * 3600);
  EXPECT_FALSE(next_after(*c, INT64_MAX));
  EXPECT_FALSE(next_after(*c, INT64_MAX - 1, 14 * 3600));
  auto z = time_zone::fixed("+02:00", 7200);
  EXPECT_EQ(next_after(*c, INT64_MIN, z), -7200);
  EXPECT_FALSE(next_after(*c, INT64_MAX, z));
}

TEST(CronTimezone, Parsing) {
  std::string err;
  EXPECT_EQ(parse_timezone("", err), 0);
  EXPECT_EQ(parse_timezone("UTC", err), 0);
  EXPECT_EQ(parse_timezone("Z", err), 0);
  EXPECT_EQ(parse_timezone("Etc/UTC", err), 0);
  EXPECT_EQ(parse_timezone("+02:00", err), 7200);
  EXPECT_EQ(parse_timezone("-05:30", err), -(5 * 3600 + 1800));
  EXPECT_EQ(parse_timezone("+0200", err), 7200);
  EXPECT_EQ(parse_timezone("+2", err), 7200);
  EXPECT_EQ(parse_timezone("UTC+01:00", err), 3600);
  EXPECT_EQ(parse_timezone("+14:00", err), 14 * 3600);
  EXPECT_FALSE(parse_timezone("+14:30", err));
  EXPECT_FALSE(parse_timezone("+02:75", err));
  EXPECT_FALSE(parse_timezone("02:00", err));
  EXPECT_FALSE(parse_timezone("+02:0x", err));
  EXPECT_FALSE(parse_timezone("Europe/Paris", err));  // IANA names: find_time_zone (tz.hpp, tz_test.cpp)
  EXPECT_NE(err.find("fixed offset"), std::string::npos) << err;
}

// jobs.json (job_store.hpp). Regression, found by tests/fuzz/fuzz_scheduler_store: run_count is
// written as a uint64 and was read as an int64, so a negative value became 2^64-1, was saved as
// such and then read back as 0.
TEST(JobStore, RunCountRoundTrips) {
  auto jobs = decode_jobs(R"({"jobs":[{"name":"a","run_count":-1},{"name":"b","run_count":18446744073709551615}]})");
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].run_count, 0u);
  EXPECT_EQ((*jobs)[1].run_count, 18446744073709551615u);
  auto back = decode_jobs(encode_jobs(*jobs));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *jobs);
}

TEST(JobStore, DecodeDefaultsAndRejects) {
  EXPECT_FALSE(decode_jobs("[]"));
  EXPECT_FALSE(decode_jobs(R"({"jobs":{}})"));
  auto jobs = decode_jobs(R"({"jobs":[1,{"name":"x"}]})");
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].last_run_ms, -1);
  EXPECT_EQ((*jobs)[0].missed, "");
}

// schedule_add's arguments without the host's schema check: a non-integer splay_ms is an error,
// not a RapidJSON assertion (GetInt64 on a string).
TEST(JobStore, AddArgs) {
  auto has_tool = [](const std::string &t) { return t == "exec" || t == "echo"; };
  add_error code;
  std::string err;
  auto r =
      parse_add_args(R"({"name":"n","cron":"0 0 * * *","command":"true","splay_ms":5})", "+02:00", has_tool, code, err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->j.timezone, "+02:00");
  EXPECT_EQ(r->j.splay_ms, 5);
  EXPECT_EQ(r->j.dispatch_tool(), "exec");
  EXPECT_FALSE(
      parse_add_args(R"({"name":"n","cron":"0 0 * * *","command":"true","splay_ms":"5"})", "UTC", has_tool, code, err));
  EXPECT_EQ(code, add_error::invalid_argument);
  EXPECT_FALSE(parse_add_args(R"({"name":"n","cron":"0 0 * * *","tool":"nope"})", "UTC", has_tool, code, err));
  EXPECT_EQ(code, add_error::invalid_argument);
  auto no_exec = [](const std::string &) { return false; };
  EXPECT_FALSE(parse_add_args(R"({"name":"n","cron":"0 0 * * *","command":"x"})", "UTC", no_exec, code, err));
  EXPECT_EQ(code, add_error::failed_precondition);
}
