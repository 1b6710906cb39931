// Grouping of per-host outcomes: the dshbak -c text, the summary, the JSON form, natural order and
// pdsh-style range compression; empty input, huge outputs, unicode and hostile names.
#include "dispatch/grouping.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace ra::dispatch {
namespace {

host_outcome outcome(std::string host, std::string kind, std::string output, std::string peer = "") {
  host_outcome o;
  o.host = std::move(host);
  o.kind = std::move(kind);
  o.output = std::move(output);
  o.peer_id = peer.empty() ? "peer-" + o.host : std::move(peer);
  return o;
}

rapidjson::Document parse_json(const std::string &text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  EXPECT_FALSE(d.HasParseError()) << text.substr(0, 200);
  return d;
}

TEST(GroupingTest, TheExample) {
  const std::vector<host_outcome> in = {
      outcome("db-1", "failed", "exit 1: permission denied\n"), outcome("web-2", "ok", "hello\n"),
      outcome("web-1", "ok", "hello"),  // the missing final newline does not split the group
  };
  EXPECT_EQ(grouped_text(in, /*compress_ranges=*/false),
            "---------------- web-1,web-2 (2 hosts, ok)\n"
            "hello\n"
            "---------------- db-1 (1 host, failed)\n"
            "exit 1: permission denied\n"
            "================ 3 hosts: 2 ok, 1 failed\n");
  EXPECT_EQ(grouped_text(in),
            "---------------- web-[1-2] (2 hosts, ok)\n"
            "hello\n"
            "---------------- db-1 (1 host, failed)\n"
            "exit 1: permission denied\n"
            "================ 3 hosts: 2 ok, 1 failed\n");
  EXPECT_EQ(summary_line(in), "3 hosts: 2 ok, 1 failed");
}

TEST(GroupingTest, GroupOrder) {
  const std::vector<host_outcome> in = {
      outcome("z-1", "ok", "C"),      // 0: alone
      outcome("web-10", "ok", "A"),   // 1
      outcome("web-2", "ok", "A"),    // 2
      outcome("b-1", "ok", "B"),      // 3
      outcome("a-9", "ok", "B"),      // 4
      outcome("web-9", "ok", "A"),    // 5
      outcome("c-1", "failed", "A"),  // 6: same output, other kind
      outcome("a-10", "ok", "D"),     // 7: alone
  };
  const auto groups = group_outcomes(in);
  ASSERT_EQ(groups.size(), 5u);
  EXPECT_EQ(groups[0].members, (std::vector<size_t>{2, 5, 1}));  // 3 hosts: web-2, web-9, web-10
  EXPECT_EQ(groups[0].output, "A");
  EXPECT_EQ(groups[1].members, (std::vector<size_t>{4, 3}));  // 2 hosts: a-9, b-1
  EXPECT_EQ(groups[2].members, (std::vector<size_t>{7}));     // then singles by host: a-10
  EXPECT_EQ(groups[3].members, (std::vector<size_t>{6}));     // c-1
  EXPECT_EQ(groups[3].kind, "failed");
  EXPECT_EQ(groups[4].members, (std::vector<size_t>{0}));  // z-1
  EXPECT_EQ(summary_line(in), "8 hosts: 7 ok, 1 failed");
}

TEST(GroupingTest, NaturalOrder) {
  struct row {
    const char *a;
    const char *b;
  };
  // a < b in every row.
  const row rows[] = {
      {"web-2", "web-10"},
      {"web-9", "web-10"},
      {"web-09", "web-10"},
      {"web-01", "web-1"},  // equal as numbers: byte order
      {"web-1", "web-1a"},
      {"web-1a", "web-2"},
      {"", "a"},
      {"a", "b"},
      {"a9", "a10"},
      {"x99", "x100"},
      {"n99999999999999999999", "n100000000000000000000"},  // beyond 64 bits
      {"n0000000000000000000000001", "n2"},
      {"web-2.b", "web-10.a"},
      {"1", "a"},
      {"a-", "a1"},
      {"A", "a"},
      {"h\xc3\xb4te-2", "h\xc3\xb4te-10"},
      {"rack1-node2", "rack1-node10"},
      {"rack2-node1", "rack10-node1"},
  };
  for (const row &r : rows) {
    EXPECT_TRUE(natural_less(r.a, r.b)) << r.a << " < " << r.b;
    EXPECT_FALSE(natural_less(r.b, r.a)) << r.b << " !< " << r.a;
    EXPECT_FALSE(natural_less(r.a, r.a)) << r.a;
  }
}

TEST(GroupingTest, NaturalOrderIsAStrictTotalOrder) {
  std::mt19937 rng(7);
  const char alphabet[] = "a0-19.";
  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 7);
    for (int k = 0; k < n; ++k) s += alphabet[rng() % (sizeof alphabet - 1)];
    names.push_back(s);
  }
  for (const auto &a : names) {
    EXPECT_FALSE(natural_less(a, a));
    for (const auto &b : names) {
      if (a != b) {
        EXPECT_NE(natural_less(a, b), natural_less(b, a)) << a << " vs " << b;
      }
    }
  }
  // Transitivity: a sorted sequence is pairwise ordered.
  std::sort(names.begin(), names.end(), natural_less);
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t j = i + 1; j < names.size(); ++j)
      EXPECT_TRUE(natural_less(names[i], names[j])) << names[i] << " " << names[j];
  }
}

TEST(GroupingTest, RangeCompression) {
  struct row {
    std::vector<std::string_view> names;
    const char *want;
  };
  const row rows[] = {
      {{}, ""},
      {{"web-1"}, "web-1"},
      {{"web-1", "web-2", "web-3", "web-5"}, "web-[1-3,5]"},
      {{"web-1", "web-3", "web-5"}, "web-[1,3,5]"},
      {{"web-1", "db-1"}, "web-1,db-1"},
      {{"db-1", "db-2", "web-1", "web-2"}, "db-[1-2],web-[1-2]"},
      {{"web-08", "web-09", "web-10"}, "web-[08-10]"},
      {{"web-9", "web-10", "web-11"}, "web-[9-11]"},
      {{"web-1", "web-02"}, "web-[1,02]"},  // a padded and an unpadded number never share a range
      {{"web-099", "web-100"}, "web-[099-100]"},
      {{"web-1", "web-1"}, "web-[1,1]"},
      {{"alpha", "web-1", "web-2", "beta"}, "alpha,web-[1-2],beta"},
      {{"a[1]", "a[2]", "x,1", "x,2"}, "a[1],a[2],x,1,x,2"},  // would read ambiguously: left alone
      {{"n1234567890123456789", "n1234567890123456790"}, "n1234567890123456789,n1234567890123456790"},
      {{"n123456789012345678", "n123456789012345679"}, "n[123456789012345678-123456789012345679]"},
      {{"1", "2", "3"}, "[1-3]"},
      {{"rack1-node1", "rack1-node2", "rack2-node1"}, "rack1-node[1-2],rack2-node1"},
      {{"h\xc3\xb4te-1", "h\xc3\xb4te-2"}, "h\xc3\xb4te-[1-2]"},
  };
  for (const row &r : rows) EXPECT_EQ(compress_host_names(r.names), r.want);
}

TEST(GroupingTest, EmptyInput) {
  EXPECT_TRUE(group_outcomes({}).empty());
  EXPECT_EQ(grouped_text({}), "================ 0 hosts\n");
  EXPECT_EQ(summary_line({}), "0 hosts");
  EXPECT_EQ(grouped_json({}),
            "{\"groups\":[],\"counts\":{\"ok\":0,\"failed\":0,\"denied\":0,\"timeout\":0,\"unreachable\":0,"
            "\"cancelled\":0,\"invalid\":0},\"total\":0}");
}

TEST(GroupingTest, FinalNewlineIsNormalised) {
  const std::vector<host_outcome> in = {
      outcome("h1", "ok", "a\n"),   outcome("h2", "ok", "a"),
      outcome("h3", "ok", "a\r\n"), outcome("h4", "ok", "a\n\n"),  // ends with an empty line: a different output
      outcome("h5", "ok", ""),      outcome("h6", "ok", "\n"),
  };
  EXPECT_EQ(grouped_text(in),
            "---------------- h[1-3] (3 hosts, ok)\n"
            "a\n"
            "---------------- h[5-6] (2 hosts, ok)\n"
            "---------------- h4 (1 host, ok)\n"
            "a\n"
            "\n"
            "================ 6 hosts: 6 ok\n");
}

TEST(GroupingTest, KindsAndSummaryOrder) {
  const std::vector<host_outcome> in = {
      outcome("h1", "weird", "x"),       outcome("h2", "", "x"),
      outcome("h3", "invalid", "x"),     outcome("h4", "ok", "x"),
      outcome("h5", "unreachable", "x"), outcome("h6", "timeout", "x"),
      outcome("h7", "cancelled", "x"),   outcome("h8", "denied", "x"),
      outcome("h9", "failed", "x"),      outcome("h10", "ok", "x"),
  };
  EXPECT_EQ(summary_line(in),
            "10 hosts: 2 ok, 1 failed, 1 denied, 1 timeout, 1 unreachable, 1 cancelled, 1 invalid, 1 unknown, "
            "1 weird");
  const auto groups = group_outcomes(in);
  ASSERT_EQ(groups.size(), 9u);  // same output, nine kinds
  EXPECT_EQ(groups[0].kind, "ok");
  EXPECT_EQ(groups[0].members.size(), 2u);
  auto doc = parse_json(grouped_json(in));
  EXPECT_EQ(doc["counts"]["ok"].GetUint64(), 2u);
  EXPECT_EQ(doc["counts"]["unknown"].GetUint64(), 1u);
  EXPECT_EQ(doc["counts"]["weird"].GetUint64(), 1u);
  EXPECT_EQ(doc["counts"].MemberCount(), 9u);
  EXPECT_EQ(doc["total"].GetUint64(), 10u);
}

TEST(GroupingTest, Json) {
  const std::vector<host_outcome> in = {
      outcome("web-2", "ok", "hello\n", "p2"),
      outcome("web-1", "ok", "hello", "p1"),
      outcome("db-1", "failed", "exit 1: \"denied\"\n", "p3"),
  };
  auto doc = parse_json(grouped_json(in));
  ASSERT_TRUE(doc.IsObject());
  const auto &groups = doc["groups"];
  ASSERT_EQ(groups.Size(), 2u);
  EXPECT_EQ(groups[0]["hosts"].Size(), 2u);
  EXPECT_STREQ(groups[0]["hosts"][0].GetString(), "web-1");
  EXPECT_STREQ(groups[0]["hosts"][1].GetString(), "web-2");
  EXPECT_STREQ(groups[0]["peer_ids"][0].GetString(), "p1");
  EXPECT_STREQ(groups[0]["hostlist"].GetString(), "web-[1-2]");
  EXPECT_STREQ(groups[0]["kind"].GetString(), "ok");
  EXPECT_STREQ(groups[0]["output"].GetString(), "hello");
  EXPECT_EQ(groups[0]["count"].GetUint64(), 2u);
  EXPECT_STREQ(groups[1]["output"].GetString(), "exit 1: \"denied\"");
  EXPECT_STREQ(groups[1]["kind"].GetString(), "failed");
  EXPECT_EQ(doc["counts"]["ok"].GetUint64(), 2u);
  EXPECT_EQ(doc["counts"]["failed"].GetUint64(), 1u);
  EXPECT_EQ(doc["counts"]["denied"].GetUint64(), 0u);
  EXPECT_EQ(doc["total"].GetUint64(), 3u);
}

TEST(GroupingTest, Unicode) {
  const std::vector<host_outcome> in = {
      outcome("h\xc3\xb4te-10", "ok", "h\xc3\xa9llo \xe2\x9c\x93\n"),
      outcome("h\xc3\xb4te-2", "ok", "h\xc3\xa9llo \xe2\x9c\x93"),
      outcome("\xe6\x9c\x8d\xe5\x8a\xa1\xe5\x99\xa8", "ok", "\xf0\x9f\x98\x80"),
      outcome("bad-1", "ok", "\xff\xfe bytes"),
  };
  EXPECT_EQ(grouped_text(in),
            "---------------- h\xc3\xb4te-[2,10] (2 hosts, ok)\n"
            "h\xc3\xa9llo \xe2\x9c\x93\n"
            "---------------- bad-1 (1 host, ok)\n"
            "\xff\xfe bytes\n"  // text keeps the bytes as they are
            "---------------- \xe6\x9c\x8d\xe5\x8a\xa1\xe5\x99\xa8 (1 host, ok)\n"
            "\xf0\x9f\x98\x80\n"
            "================ 4 hosts: 4 ok\n");
  auto doc = parse_json(grouped_json(in));
  EXPECT_STREQ(doc["groups"][0]["output"].GetString(), "h\xc3\xa9llo \xe2\x9c\x93");
  EXPECT_STREQ(doc["groups"][1]["output"].GetString(), "\xef\xbf\xbd\xef\xbf\xbd bytes");  // JSON needs UTF-8
  EXPECT_STREQ(doc["groups"][2]["hosts"][0].GetString(), "\xe6\x9c\x8d\xe5\x8a\xa1\xe5\x99\xa8");
}

TEST(GroupingTest, HostileNamesCannotForgeHeaders) {
  const std::vector<host_outcome> in = {
      outcome("evil\n================ 0 hosts", "ok", "x"),
      outcome("esc\x1b[2J\xc2\x9b"
              "1m",
              "o\nk", "y"),
  };
  EXPECT_EQ(grouped_text(in),
            "---------------- esc?[2J?1m (1 host, o?k)\n"
            "y\n"
            "---------------- evil?================ 0 hosts (1 host, ok)\n"
            "x\n"
            "================ 2 hosts: 1 ok, 1 o?k\n");
  // JSON carries names exactly (escaped).
  auto doc = parse_json(grouped_json(in));
  EXPECT_STREQ(doc["groups"][1]["hosts"][0].GetString(), "evil\n================ 0 hosts");
}

TEST(GroupingTest, DisplayNames) {
  host_outcome named = outcome("web-1", "ok", "");
  host_outcome by_peer;
  by_peer.peer_id = "p9";
  host_outcome nothing;
  EXPECT_EQ(display_name(named), "web-1");
  EXPECT_EQ(display_name(by_peer), "p9");
  EXPECT_EQ(display_name(nothing), "(unknown)");
  const std::vector<host_outcome> in = {by_peer, nothing, named};
  EXPECT_EQ(grouped_text(in, false),
            "---------------- (unknown),p9 (2 hosts, unknown)\n"
            "---------------- web-1 (1 host, ok)\n"
            "================ 3 hosts: 1 ok, 2 unknown\n");
}

TEST(GroupingTest, HugeOutputs) {
  const std::string big(8u << 20, 'x');
  std::vector<host_outcome> in;
  for (int i = 1; i <= 6; ++i) in.push_back(outcome("node-" + std::to_string(i), "ok", big + "\n"));
  in.push_back(outcome("node-7", "ok", big + "y"));  // differs only in the last byte
  const auto start = std::chrono::steady_clock::now();
  const auto groups = group_outcomes(in);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].members.size(), 6u);
  EXPECT_EQ(groups[0].output.size(), big.size());
  EXPECT_EQ(groups[0].output.data(), in[0].output.data());  // a view, not a copy
  const std::string text = grouped_text(in);
  EXPECT_EQ(text.size(), 2 * big.size() + 1 + std::string("---------------- node-[1-6] (6 hosts, ok)\n\n").size() +
                             std::string("---------------- node-7 (1 host, ok)\n\n").size() +
                             std::string("================ 7 hosts: 7 ok\n").size());
  const std::string json = grouped_json(in);
  EXPECT_GT(json.size(), 2 * big.size());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count(), 20);

  // Many hosts, many distinct outputs.
  std::vector<host_outcome> many;
  for (int i = 0; i < 5000; ++i) many.push_back(outcome("n" + std::to_string(i), "ok", std::to_string(i % 3)));
  const auto g = group_outcomes(many);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].members.size(), 1667u);
  EXPECT_EQ(compress_host_names({}).size(), 0u);
  const std::string t = grouped_text(many);
  EXPECT_NE(t.find("---------------- n[0,3,6,9,"), std::string::npos);
}

}  // namespace
}  // namespace ra::dispatch
