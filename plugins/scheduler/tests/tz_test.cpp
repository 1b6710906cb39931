// tz_test.cpp — TZif zones from the system zoneinfo, POSIX TZ footers, name checks and cron next-run
// computation in local wall time across DST changes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <tuple>

#include "cron.hpp"
#include "tz.hpp"

using namespace ra_sched;

namespace {

int64_t ts(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  return sys_days{year{y} / month{mo} / day{d}}.time_since_epoch().count() * 86400 + h * 3600 + mi * 60 + s;
}

std::string iso(int64_t s) { return iso8601_utc(s * 1000); }

const time_zone &zone(const std::string &name) {
  std::string err;
  auto z = find_time_zone(name, err);
  if (!z) {
    ADD_FAILURE() << name << ": " << err;
    static const time_zone utc = time_zone::fixed("UTC", 0);
    return utc;
  }
  static std::vector<std::shared_ptr<const time_zone>> keep;
  keep.push_back(z);
  return *z;
}

std::string next(const std::string &cron, int64_t after, const std::string &tz) {
  std::string err;
  auto c = parse_cron(cron, err);
  EXPECT_TRUE(c) << err;
  if (!c) return "bad";
  auto n = next_after(*c, after, zone(tz));
  return n ? iso(*n) : "never";
}

std::vector<std::string> nexts(const std::string &cron, int64_t after, const std::string &tz, int k) {
  std::string err;
  auto c = parse_cron(cron, err);
  EXPECT_TRUE(c) << err;
  std::vector<std::string> out;
  for (int i = 0; c && i < k; ++i) {
    auto n = next_after(*c, after, zone(tz));
    if (!n) break;
    out.push_back(iso(*n));
    after = *n;
  }
  return out;
}

void be32(std::string &s, uint32_t v) {
  for (int k = 3; k >= 0; --k) s += static_cast<char>((v >> (8 * k)) & 0xff);
}
void be64(std::string &s, int64_t v) {
  be32(s, static_cast<uint32_t>(static_cast<uint64_t>(v) >> 32));
  be32(s, static_cast<uint32_t>(v));
}
std::string header(char version, uint32_t timecnt, uint32_t typecnt, uint32_t charcnt) {
  std::string s = "TZif";
  s += version;
  s += std::string(15, '\0');
  for (uint32_t v : {0u, 0u, 0u, timecnt, typecnt, charcnt}) be32(s, v);
  return s;
}

// A tiny version 2 zone: +01:00 before 2000, then the footer "AAA-1BBB,M3.5.0,M10.5.0/3" (like Paris).
std::string tiny_tzif() {
  std::string s = header('2', 0, 1, 4);
  be32(s, 0);
  s += '\0';
  s += '\0';
  s += std::string("UTC\0", 4);
  s += header('2', 1, 2, 8);
  be64(s, ts(2000, 1, 1));
  s += '\1';
  be32(s, 3600);
  s += '\0';
  s += '\0';
  be32(s, 3600);
  s += '\0';
  s += '\4';
  s += std::string("AAA\0BBB\0", 8);
  s += "\nAAA-1BBB,M3.5.0,M10.5.0/3\n";
  return s;
}

}  // namespace

TEST(Tz, ZoneinfoIsInstalled) {
  std::ifstream f("/usr/share/zoneinfo/Europe/Paris");
  ASSERT_TRUE(f.good()) << "tzdata is not installed (/usr/share/zoneinfo/Europe/Paris is missing)";
}

TEST(Tz, ParisWinterSummerAndTransitions2026) {
  const time_zone &p = zone("Europe/Paris");
  EXPECT_EQ(p.utc_offset_at(ts(2026, 1, 15, 12)), 3600);
  EXPECT_FALSE(p.is_dst_at(ts(2026, 1, 15, 12)));
  EXPECT_EQ(p.utc_offset_at(ts(2026, 7, 15, 12)), 7200);
  EXPECT_TRUE(p.is_dst_at(ts(2026, 7, 15, 12)));
  // Last Sunday of March 2026 = 29th, 01:00 UTC; last Sunday of October 2026 = 25th, 01:00 UTC.
  EXPECT_EQ(p.utc_offset_at(ts(2026, 3, 29, 0, 59, 59)), 3600);
  EXPECT_EQ(p.utc_offset_at(ts(2026, 3, 29, 1)), 7200);
  EXPECT_EQ(p.utc_offset_at(ts(2026, 10, 25, 0, 59, 59)), 7200);
  EXPECT_EQ(p.utc_offset_at(ts(2026, 10, 25, 1)), 3600);
  EXPECT_EQ(p.next_transition(ts(2026, 1, 1)), ts(2026, 3, 29, 1));
  EXPECT_EQ(p.next_transition(ts(2026, 3, 29, 1)), ts(2026, 10, 25, 1));
}

TEST(Tz, NewYork) {
  const time_zone &ny = zone("America/New_York");
  EXPECT_EQ(ny.utc_offset_at(ts(2026, 1, 15)), -5 * 3600);
  EXPECT_EQ(ny.utc_offset_at(ts(2026, 7, 15)), -4 * 3600);
  // Second Sunday of March 2026 = 8th, 02:00 EST = 07:00 UTC; first Sunday of November = 1st, 06:00 UTC.
  EXPECT_EQ(ny.utc_offset_at(ts(2026, 3, 8, 6, 59, 59)), -5 * 3600);
  EXPECT_EQ(ny.utc_offset_at(ts(2026, 3, 8, 7)), -4 * 3600);
  EXPECT_EQ(ny.utc_offset_at(ts(2026, 11, 1, 5, 59, 59)), -4 * 3600);
  EXPECT_EQ(ny.utc_offset_at(ts(2026, 11, 1, 6)), -5 * 3600);
}

TEST(Tz, HalfHourZones) {
  const time_zone &k = zone("Asia/Kolkata");
  EXPECT_EQ(k.utc_offset_at(ts(2026, 1, 15)), 5 * 3600 + 1800);
  EXPECT_EQ(k.utc_offset_at(ts(2026, 7, 15)), 5 * 3600 + 1800);
  EXPECT_EQ(k.utc_offset_at(ts(2090, 7, 15)), 5 * 3600 + 1800);
  // Lord Howe: +10:30 in (southern) winter, +11:00 with its 30-minute DST in summer.
  const time_zone &lh = zone("Australia/Lord_Howe");
  EXPECT_EQ(lh.utc_offset_at(ts(2026, 7, 15)), 10 * 3600 + 1800);
  EXPECT_EQ(lh.utc_offset_at(ts(2026, 1, 15)), 11 * 3600);
  EXPECT_EQ(lh.utc_offset_at(ts(2090, 7, 15)), 10 * 3600 + 1800);
  EXPECT_EQ(lh.utc_offset_at(ts(2090, 12, 15)), 11 * 3600);
}

TEST(Tz, FooterRuleBeyondTheLastTransition) {
  const time_zone &p = zone("Europe/Paris");
  EXPECT_EQ(p.utc_offset_at(ts(2090, 1, 15)), 3600);
  EXPECT_EQ(p.utc_offset_at(ts(2090, 7, 15)), 7200);
  // 2090: last Sunday of March = 26th, of October = 29th.
  EXPECT_EQ(p.utc_offset_at(ts(2090, 3, 26, 0, 59, 59)), 3600);
  EXPECT_EQ(p.utc_offset_at(ts(2090, 3, 26, 1)), 7200);
  EXPECT_EQ(p.utc_offset_at(ts(2090, 10, 29, 0, 59, 59)), 7200);
  EXPECT_EQ(p.utc_offset_at(ts(2090, 10, 29, 1)), 3600);
  EXPECT_EQ(p.next_transition(ts(2090, 1, 1)), ts(2090, 3, 26, 1));
  const time_zone &ny = zone("America/New_York");
  EXPECT_EQ(ny.utc_offset_at(ts(2090, 3, 12, 6, 59, 59)), -5 * 3600);  // 2nd Sunday of March 2090 = 12th
  EXPECT_EQ(ny.utc_offset_at(ts(2090, 3, 12, 7)), -4 * 3600);
}

TEST(Tz, GeneratedTzifFile) {
  std::string err;
  auto z = time_zone::from_tzif("Test/Tiny", tiny_tzif(), err);
  ASSERT_TRUE(z) << err;
  EXPECT_EQ(z->utc_offset_at(ts(1999, 7, 1)), 3600);
  EXPECT_EQ(z->utc_offset_at(ts(2026, 7, 1)), 7200);
  EXPECT_EQ(z->utc_offset_at(ts(2026, 3, 29, 1)), 7200);
  EXPECT_EQ(z->utc_offset_at(ts(2026, 10, 25, 1)), 3600);
  // Through $TZDIR.
  char dir[] = "/tmp/tz_test_XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  std::string sub = std::string(dir) + "/Test";
  ASSERT_EQ(system(("mkdir -p " + sub).c_str()), 0);
  {
    std::ofstream f(sub + "/Tiny", std::ios::binary);
    f << tiny_tzif();
  }
  setenv("TZDIR", dir, 1);
  auto l = load_time_zone("Test/Tiny", err);
  unsetenv("TZDIR");
  ASSERT_TRUE(l) << err;
  EXPECT_EQ(l->utc_offset_at(ts(2026, 7, 1)), 7200);
  // Truncated and garbage files are refused.
  EXPECT_FALSE(time_zone::from_tzif("x", tiny_tzif().substr(0, 60), err));
  EXPECT_FALSE(time_zone::from_tzif("x", "not a zone file at all, not at all, not at all", err));
  std::ignore = system(("rm -rf " + std::string(dir)).c_str());
}

TEST(Tz, PosixStrings) {
  std::string err;
  auto a = parse_posix_tz("<+0530>-5:30", err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->std_offset, 19800);
  EXPECT_FALSE(a->has_dst);
  auto b = parse_posix_tz("EST5EDT,J60/2,300", err);
  ASSERT_TRUE(b) << err;
  EXPECT_EQ(b->std_offset, -18000);
  EXPECT_EQ(b->dst_offset, -14400);
  EXPECT_EQ(b->start.kind, posix_tz::rule::julian1);
  EXPECT_EQ(b->end.kind, posix_tz::rule::julian0);
  auto c = parse_posix_tz("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", err);
  ASSERT_TRUE(c) << err;
  EXPECT_EQ(c->start.time, -7200);
  EXPECT_FALSE(parse_posix_tz("CET-1CEST,M13.5.0,M10.5.0/3", err));
  EXPECT_FALSE(parse_posix_tz("X-1", err));
  // Regression (tests/fuzz/fuzz_tz): UT offsets are hh 0..24; 167 h is for the rules' times only.
  EXPECT_TRUE(parse_posix_tz("AAA-24:59:59", err));
  EXPECT_FALSE(parse_posix_tz("CET-29CEST,M3.5.0,M10.5.0/3", err));
  EXPECT_FALSE(parse_posix_tz("CET-1CEST-100,M3.5.0,M10.5.0/3", err));
  EXPECT_FALSE(parse_posix_tz("AAA+167", err));
  EXPECT_TRUE(parse_posix_tz("CET-1CEST,M3.5.0/167,M10.5.0/-167", err)) << err;
}

TEST(Tz, NamesAreValidatedAndUnknownZonesRefused) {
  std::string err;
  for (const char *bad : {"../etc/passwd", "/etc/passwd", "Europe/../Paris", "Europe/Paris ", "Europe//Paris",
                          "Europe/", "Europe/Par*s", ""}) {
    err.clear();
    EXPECT_FALSE(valid_zone_name(bad, err)) << bad;
    EXPECT_FALSE(load_time_zone(bad, err)) << bad;
    EXPECT_FALSE(err.empty());
  }
  EXPECT_FALSE(find_time_zone("../etc/passwd", err));
  EXPECT_NE(err.find("must not"), std::string::npos) << err;
  EXPECT_FALSE(find_time_zone("Mars/Olympus", err));
  EXPECT_NE(err.find("unknown time zone 'Mars/Olympus'"), std::string::npos) << err;
  EXPECT_FALSE(find_time_zone("Europe", err));  // a directory
  EXPECT_NE(err.find("unknown time zone"), std::string::npos) << err;
  EXPECT_FALSE(find_time_zone("+15:00", err));  // offset-like: the fixed-offset reason
  EXPECT_NE(err.find("fixed offset"), std::string::npos) << err;
  EXPECT_TRUE(valid_zone_name("America/Argentina/Buenos_Aires", err));
  EXPECT_TRUE(valid_zone_name("Etc/GMT+5", err));
}

TEST(Tz, UtcAndFixedOffsetsStillWork) {
  std::string err;
  auto u = find_time_zone("UTC", err);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->utc_offset_at(ts(2026, 7, 1)), 0);
  auto f = find_time_zone("+02:00", err);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->utc_offset_at(ts(2026, 1, 1)), 7200);
  EXPECT_EQ(next("0 9 * * *", ts(2026, 1, 1), "+02:00"), "2026-01-01T07:00:00Z");
  EXPECT_EQ(next("0 9 * * *", ts(2026, 1, 1), "UTC"), "2026-01-01T09:00:00Z");
}

TEST(TzCron, DailyFollowsSummerTime) {
  EXPECT_EQ(next("0 9 * * *", ts(2026, 1, 10), "Europe/Paris"), "2026-01-10T08:00:00Z");
  EXPECT_EQ(next("0 9 * * *", ts(2026, 7, 10), "Europe/Paris"), "2026-07-10T07:00:00Z");
  EXPECT_EQ(next("0 9 * * *", ts(2026, 7, 10), "America/New_York"), "2026-07-10T13:00:00Z");
  EXPECT_EQ(next("0 9 * * *", ts(2026, 7, 10), "Asia/Kolkata"), "2026-07-10T03:30:00Z");
  // Local date differs from the UTC date: Monday 00:30 in Paris (winter) is Sunday 23:30 UTC.
  EXPECT_EQ(next("0 30 0 * * MON", ts(2026, 11, 25), "Europe/Paris"), "2026-11-29T23:30:00Z");
  EXPECT_EQ(next("0 9 * * *", ts(2090, 7, 10), "Europe/Paris"), "2090-07-10T07:00:00Z");
}

TEST(TzCron, SpringForwardGapRunsRightAfterTheGap) {
  // 2026-03-29 in Paris: 02:00 → 03:00 local (01:00 UTC); 02:30 does not exist.
  EXPECT_EQ(nexts("0 30 2 * * *", ts(2026, 3, 27, 12), "Europe/Paris", 3),
            (std::vector<std::string>{"2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}));
  // A job at 03:00 and the caught-up 02:30 coincide: one run at 03:00 CEST.
  EXPECT_EQ(nexts("0 0,30 2,3 * * *", ts(2026, 3, 29), "Europe/Paris", 2),
            (std::vector<std::string>{"2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"}));
  // Wildcard (hourly) jobs just have no run in the missing hour.
  EXPECT_EQ(nexts("0 0 * * * *", ts(2026, 3, 28, 23, 30), "Europe/Paris", 3),
            (std::vector<std::string>{"2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"}));
  // New York: 02:30 on 2026-03-8 does not exist → 03:00 EDT = 07:00 UTC.
  EXPECT_EQ(next("0 30 2 * * *", ts(2026, 3, 8), "America/New_York"), "2026-03-08T07:00:00Z");
}

TEST(TzCron, FallBackRepeatRunsOnce) {
  // 2026-10-25 in Paris: 03:00 CEST → 02:00 CET (01:00 UTC); 02:30 happens twice, runs at the first.
  EXPECT_EQ(nexts("0 30 2 * * *", ts(2026, 10, 24, 12), "Europe/Paris", 3),
            (std::vector<std::string>{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z"}));
  // Wildcard (hourly) jobs run every real hour, both passes of 02:00.
  EXPECT_EQ(nexts("0 0 * * * *", ts(2026, 10, 24, 23, 30), "Europe/Paris", 3),
            (std::vector<std::string>{"2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"}));
  // Lord Howe falls back by 30 minutes (2026-04-05 02:00 → 01:30): 01:45 runs once, at +11:00.
  EXPECT_EQ(nexts("0 45 1 * * *", ts(2026, 4, 4, 12), "Australia/Lord_Howe", 2),
            (std::vector<std::string>{"2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"}));
}

TEST(TzCron, ImpossibleDatesStillNever) { EXPECT_EQ(next("0 0 30 2 *", ts(2026, 1, 1), "Europe/Paris"), "never"); }
