// Target expressions: the reference forms (§7.1), the boolean syntax, bare-word resolution, every
// parse error with its column, the limits, canonical text and its round trip, and the choice of
// one entry per agent id. Table-driven.
#include "dispatch/target.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace ra::dispatch {
namespace {

host_facts host(std::string name, std::string agent, std::string peer, std::vector<std::string> tags,
                std::string family, std::string os = "", bool accepts = true) {
  host_facts h;
  h.name = std::move(name);
  h.agent_id = std::move(agent);
  h.peer_id = std::move(peer);
  h.tags = std::move(tags);
  h.os_family = std::move(family);
  h.os = std::move(os);
  h.accepts_commands = accepts;
  return h;
}

// A small fleet with the awkward cases: a legacy host known only by `os`, a host without a name, a
// send-only observer, case-different tags.
std::vector<host_facts> fleet() {
  return {
      host("web-1", "a1", "p1", {"web", "prod"}, "linux", "linux"),
      host("web-2", "a2", "p2", {"web"}, "linux"),
      host("web-10", "a10", "p10", {"web", "env:prod"}, "Linux"),
      host("db-1", "a3", "p3", {"db", "prod"}, "linux"),
      host("mac-mini", "a4", "p4", {"dev", "Web"}, "macos", "darwin"),
      host("win-box", "a5", "p5", {}, "windows", "windows"),
      host("observer", "a6", "p6", {"web", "db"}, "linux", "", /*accepts=*/false),
      host("legacy", "a7", "p7", {"old"}, "", "Linux"),
      host("", "a8", "p8", {"db"}, "freebsd"),
  };
}

// The names (or "#<index>" for unnamed hosts) that select() picks, in index order.
std::vector<std::string> selected(const target &t, const std::vector<host_facts> &hosts) {
  std::vector<std::string> out;
  for (size_t i : select(t, hosts)) out.push_back(hosts[i].name.empty() ? "#" + std::to_string(i) : hosts[i].name);
  return out;
}

using names = std::vector<std::string>;
const names every = {"web-1", "web-2", "web-10", "db-1", "mac-mini", "win-box", "legacy", "#8"};

TEST(TargetTest, SelectsFromTheFleet) {
  struct row {
    const char *expr;
    names want;
  };
  const row rows[] = {
      // Reference forms (REFERENCE-SPEC §7.1).
      {"all", every},
      {" ALL ", every},
      {"All", every},
      {"os:linux", {"web-1", "web-2", "web-10", "db-1", "legacy"}},  // family or legacy os, any case
      {"platform:LINUX", {"web-1", "web-2", "web-10", "db-1", "legacy"}},
      {"os: linux ", {"web-1", "web-2", "web-10", "db-1", "legacy"}},
      {"os:darwin", {"mac-mini"}},
      {"web", {"web-1", "web-2", "web-10"}},  // no host is called "web": a tag, case-sensitive
      {"Web", {"mac-mini"}},
      {"web,db", {"web-1", "web-2", "web-10", "db-1", "#8"}},
      {" web , db ", {"web-1", "web-2", "web-10", "db-1", "#8"}},
      {"prod", {"web-1", "db-1"}},
      {"env:prod", {"web-10"}},  // not a qualifier: a plain tag
      {"nosuch", {}},
      // Qualified terms.
      {"OS:macos", {"mac-mini"}},
      {"os:windows,macos", {"mac-mini", "win-box"}},
      {"os:freebsd", {"#8"}},
      {"tag:web", {"web-1", "web-2", "web-10"}},
      {"tag:env:prod", {"web-10"}},
      {"TAG:prod", {"web-1", "db-1"}},
      {"tag:\"web\"", {"web-1", "web-2", "web-10"}},
      {"tag: web", {"web-1", "web-2", "web-10"}},
      {"id:a1", {"web-1"}},
      {"id:p2", {"web-2"}},
      {"id:web-1", {}},  // id: is agent id or peer id only
      {"id:a1,a3", {"web-1", "db-1"}},
      {"id:a6", {}},  // send-only peers are never targets
      {"name:web-*", {"web-1", "web-2", "web-10"}},
      {"name:web-?", {"web-1", "web-2"}},
      {"name:web-[12]", {"web-1", "web-2"}},
      {"name:web-[!1]*", {"web-2"}},
      {"name:web-[^1]*", {"web-2"}},
      {"name:*-1*", {"web-1", "web-10", "db-1"}},
      {"name:*", {"web-1", "web-2", "web-10", "db-1", "mac-mini", "win-box", "legacy"}},  // unnamed never
      {"name:WEB-*", {}},
      {"name:db-*,mac-*", {"db-1", "mac-mini"}},
      {"name:web-1", {"web-1"}},
      {"name:[a-d]*", {"db-1"}},
      // Bare identities.
      {"web-1", {"web-1"}},
      {"a3", {"db-1"}},
      {"p4", {"mac-mini"}},
      {"\"web-2\"", {"web-2"}},
      {"observer", {}},  // a send-only host's name resolves to nothing, then to no tag
      // Boolean forms.
      {"tag:web and not os:macos", {"web-1", "web-2", "web-10"}},
      {"tag:web and not name:web-1", {"web-2", "web-10"}},
      {"(tag:db or name:db-*) and not id:p3", {"#8"}},
      {"web or db and prod", {"web-1", "web-2", "web-10", "db-1"}},
      {"(web or db) and prod", {"web-1", "db-1"}},
      {"not web", {"db-1", "mac-mini", "win-box", "legacy", "#8"}},
      {"not not web", {"web-1", "web-2", "web-10"}},
      {"NOT web AND os:linux", {"db-1", "legacy"}},
      {"web and os:linux or dev", {"web-1", "web-2", "web-10", "mac-mini"}},
      {"all and not os:linux", {"mac-mini", "win-box", "#8"}},
      {"all or web", every},
      {"web and db", {}},
      {"(((web)))", {"web-1", "web-2", "web-10"}},
      {"id:a1 or id:a2", {"web-1", "web-2"}},
      {"not(web)and(prod)", {"db-1"}},
      {"web\tand\nnot\rname:web-1", {"web-2", "web-10"}},
      // Comma lists with qualifiers: unqualified elements take the previous qualifier.
      {"web,os:macos", {"web-1", "web-2", "web-10", "mac-mini"}},
      {"os:macos,windows", {"mac-mini", "win-box"}},
      {"tag:dev,os:windows,linux", {"web-1", "web-2", "web-10", "db-1", "mac-mini", "win-box", "legacy"}},
      {"not web,db", {"mac-mini", "win-box", "legacy"}},  // "," binds tighter than not
  };
  const auto hosts = fleet();
  for (const row &r : rows) {
    auto t = target::parse(r.expr);
    ASSERT_TRUE(t) << r.expr << ": " << t.error().to_string();
    EXPECT_EQ(selected(*t, hosts), r.want) << r.expr << " (canonical: " << t->to_string() << ")";
  }
}

TEST(TargetTest, BareWordPrefersIdentityOverTag) {
  const std::vector<host_facts> hosts = {
      host("web", "g1", "q1", {"edge"}, "linux"),
      host("edge-1", "g2", "q2", {"web"}, "linux"),
      host("edge-2", "g3", "q3", {"web"}, "linux"),
  };
  struct row {
    const char *expr;
    names want;
  };
  const row rows[] = {
      {"web", {"web"}},  // a host is called "web": that host, not the tag
      {"tag:web", {"edge-1", "edge-2"}},
      {"name:web", {"web"}},
      {"web,edge", {"web", "edge-1", "edge-2"}},  // list elements are always tags
      {"edge", {"web"}},
      {"not web", {"edge-1", "edge-2"}},
      {"web or tag:web", {"web", "edge-1", "edge-2"}},
  };
  for (const row &r : rows) {
    auto t = target::parse(r.expr);
    ASSERT_TRUE(t) << r.expr;
    EXPECT_EQ(selected(*t, hosts), r.want) << r.expr;
  }
  // matches() sees one host: the word is that host's identity or one of its tags.
  auto web = target::parse("web");
  ASSERT_TRUE(web);
  EXPECT_TRUE(web->matches(hosts[0]));
  EXPECT_TRUE(web->matches(hosts[1]));
  // A send-only host that names the word does not shadow the tag.
  std::vector<host_facts> with_observer = hosts;
  with_observer[0].accepts_commands = false;
  EXPECT_EQ(selected(*web, with_observer), (names{"edge-1", "edge-2"}));
}

TEST(TargetTest, MatchesOneHost) {
  const auto hosts = fleet();
  auto t = target::parse("tag:web and os:linux");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->matches(hosts[0]));
  EXPECT_FALSE(t->matches(hosts[4]));
  EXPECT_FALSE(t->matches(hosts[6]));  // send-only: false even though it has tag web and linux
  auto all = target::parse("all");
  ASSERT_TRUE(all);
  EXPECT_FALSE(all->matches(hosts[6]));
  auto neg = target::parse("not tag:nothing");
  ASSERT_TRUE(neg);
  EXPECT_FALSE(neg->matches(hosts[6]));
  // Empty fields never match, whatever the value.
  host_facts blank;
  auto any_name = target::parse("name:*");
  ASSERT_TRUE(any_name);
  EXPECT_FALSE(any_name->matches(blank));
  EXPECT_TRUE(all->matches(blank));
}

TEST(TargetTest, ParseErrorsNameTheColumn) {
  struct row {
    std::string expr;
    const char *error;
  };
  const row rows[] = {
      {"", "target: empty expression"},
      {"  \t ", "target: empty expression"},
      {"tag:web and", "target: expected an expression after 'and' at column 12"},
      {"tag:web and ", "target: expected an expression after 'and' at column 13"},
      {"and web", "target: expected an expression at column 1, found 'and'"},
      {"web or", "target: expected an expression after 'or' at column 7"},
      {"web and or db", "target: expected an expression after 'and' at column 9, found 'or'"},
      {"not", "target: expected an expression after 'not' at column 4"},
      {"not and", "target: expected an expression after 'not' at column 5, found 'and'"},
      {"()", "target: expected an expression after '(' at column 2, found ')'"},
      {"(web", "target: expected ')' at column 5 to close '(' at column 1"},
      {"x and (y", "target: expected ')' at column 9 to close '(' at column 7"},
      {"(web db)", "target: expected 'and', 'or' or ')' at column 6, found 'db'"},
      {"web)", "target: unmatched ')' at column 4"},
      {"web db", "target: expected 'and', 'or' or the end at column 5, found 'db'"},
      {"web (db)", "target: expected 'and', 'or' or the end at column 5, found '('"},
      {"tag:a\"b\"", "target: expected 'and', 'or' or the end at column 6, found '\"b\"'"},
      {")", "target: expected an expression at column 1, found ')'"},
      {",", "target: expected an expression at column 1, found ','"},
      {"web and (db or", "target: expected an expression after 'or' at column 15"},
      {"web,", "target: expected a value after ',' at column 5"},
      {"web,,db", "target: expected a value after ',' at column 5, found ','"},
      {"web,and db", "target: expected a value after ',' at column 5, found 'and'"},
      {"web,all", "target: expected a value after ',' at column 5, found 'all'"},
      {"web,(db)", "target: expected a value after ',' at column 5, found '('"},
      {"all,web", "target: expected 'and', 'or' or the end at column 4, found ','"},
      {"tag:", "target: expected a value after 'tag:' at column 5"},
      {"os: and web", "target: expected a value after 'os:' at column 5, found 'and'"},
      {"NAME: )", "target: expected a value after 'NAME:' at column 7, found ')'"},
      {"tag:\"\"", "target: empty value at column 5"},
      {"\"\"", "target: empty value at column 1"},
      {"web,\"\"", "target: empty value at column 5"},
      {"tag:\"web", "target: unterminated quoted value at column 5"},
      {"tag:\"a\\nb\"", "target: invalid escape in a quoted value (only \\\" and \\\\ are allowed) at column 7"},
      {"\"a\\", "target: invalid escape in a quoted value (only \\\" and \\\\ are allowed) at column 3"},
      {"web\x01", "target: control character at column 4"},
      {std::string("web\0", 4), "target: control character at column 4"},
      {"web\x7f", "target: control character at column 4"},
      {"tag:\"a\tb\"", "target: control character at column 7"},
      {"web\xff", "target: invalid UTF-8 at column 4"},
      {"\xc3\xa9\xc3", "target: invalid UTF-8 at column 2"},
      {"\xed\xa0\x80", "target: invalid UTF-8 at column 1"},                                // a surrogate
      {"\xc0\xaf", "target: invalid UTF-8 at column 1"},                                    // overlong
      {"\xc3\xbcn\xc3\xaf and", "target: expected an expression after 'and' at column 8"},  // columns count characters
      {"name:web-[1", "target: unterminated '[' in name pattern at column 6"},
      {"name:web-[]", "target: unterminated '[' in name pattern at column 6"},
      {"name:web-[!]", "target: unterminated '[' in name pattern at column 6"},
      {"name:web-[z-a]", "target: reversed range 'z-a' in name pattern at column 6"},
      {"name:a,[b", "target: unterminated '[' in name pattern at column 8"},  // inherited name:
      {"name: \"[x\"", "target: unterminated '[' in name pattern at column 7"},
  };
  for (const row &r : rows) {
    auto t = target::parse(r.expr);
    ASSERT_FALSE(t) << r.expr << " parsed as " << t->to_string();
    EXPECT_EQ(t.error().code(), RA_INVALID_ARGUMENT);
    EXPECT_EQ(t.error().message(), r.error) << r.expr;
  }
}

TEST(TargetTest, Limits) {
  // Length: 1024 bytes are fine, 1025 are not.
  EXPECT_TRUE(target::parse("tag:" + std::string(1020, 'a')));
  EXPECT_TRUE(target::parse(std::string(1000, ' ') + "web" + std::string(21, ' ')));
  auto long_one = target::parse(std::string(1025, 'a'));
  ASSERT_FALSE(long_one);
  EXPECT_EQ(long_one.error().message(), "target: expression is longer than 1024 bytes");

  // Nesting: parentheses and "not" share one budget of 32.
  auto parens = [](size_t n) { return std::string(n, '(') + "web" + std::string(n, ')'); };
  EXPECT_TRUE(target::parse(parens(32)));
  auto deep = target::parse(parens(33));
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().message(), "target: nesting deeper than 32 at column 33");
  auto nots = [](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += "not ";
    return s + "web";
  };
  EXPECT_TRUE(target::parse(nots(32)));
  auto deep_not = target::parse(nots(33));
  ASSERT_FALSE(deep_not);
  EXPECT_EQ(deep_not.error().message(), "target: nesting deeper than 32 at column 129");
  std::string mixed;
  for (int i = 0; i < 16; ++i) mixed += "not (";
  mixed += "not web";
  mixed += std::string(16, ')');
  auto deep_mixed = target::parse(mixed);
  ASSERT_FALSE(deep_mixed);
  EXPECT_EQ(deep_mixed.error().message(), "target: nesting deeper than 32 at column 81");
  // Siblings do not add up.
  std::string wide;
  for (int i = 0; i < 40; ++i) wide += (i ? " or " : "") + std::string("(a)");
  EXPECT_TRUE(target::parse(wide));

  // Terms: 256 list elements are fine, the 257th is reported where it starts.
  auto list = [](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += (i ? "," : "") + std::string(1, static_cast<char>('a' + i % 26));
    return s;
  };
  EXPECT_TRUE(target::parse(list(256)));
  auto many = target::parse(list(257));
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().message(), "target: more than 256 terms at column 513");
  // "all" counts as a term too.
  std::string alls = list(255) + " or all or all";
  auto many_all = target::parse(alls);
  ASSERT_FALSE(many_all);
  EXPECT_EQ(many_all.error().message(), "target: more than 256 terms at column 521");
}

TEST(TargetTest, CanonicalText) {
  struct row {
    const char *expr;
    const char *canonical;
  };
  const row rows[] = {
      {"web", "web"},
      {"ALL", "all"},
      {"platform:Linux", "os:Linux"},
      {"os: linux", "os:linux"},
      {"web,db", "web,db"},
      {" web , db ", "web,db"},
      {"tag:web", "tag:web"},
      {"tag:web or tag:db", "web,db"},
      {"tag:web,web", "tag:web"},
      {"os:linux or tag:web", "os:linux,tag:web"},
      {"tag:web or os:linux", "web,os:linux"},
      {"web or tag:db", "tag:db or web"},  // lists first: or is commutative
      {"NOT web AND (db OR os:macos)", "not web and (os:macos or db)"},
      {"(tag:db or name:db-*) and not id:abc", "db,name:db-* and not id:abc"},
      {"a and (b and c)", "a and b and c"},
      {"((a))", "a"},
      {"tag:\"web server\"", "tag:\"web server\""},
      {"\"and\"", "\"and\""},
      {"tag:and", "tag:and"},
      {"tag:x or tag:and", "x,\"and\""},
      {"\"tag:x\"", "\"tag:x\""},
      {"tag:x or tag:os:y", "x,\"os:y\""},
      {"env:prod", "env:prod"},
      {"tag:a\\b", "tag:a\\b"},
      {"tag:\"a\\\"b\"", "tag:\"a\\\"b\""},
      {"tag:\"a,b\"", "tag:\"a,b\""},
      {"not (a or b)", "not (a or b)"},
      {"not (tag:a or tag:b)", "not a,b"},
      {"not (a and b)", "not (a and b)"},
      {"name:web-*,db-*", "name:web-*,db-*"},
      {"id:x or id:y", "id:x,y"},
      {"web,os:linux,macos", "web,os:linux,macos"},
      {"a or b and c", "a or b and c"},
      {"(a or b) and c", "(a or b) and c"},
      {"not not a", "not not a"},
      {"\"caf\xc3\xa9\"", "caf\xc3\xa9"},
      {"os:linux or (tag:a or (id:x or tag:b))", "os:linux,tag:a,b,id:x"},
  };
  for (const row &r : rows) {
    auto t = target::parse(r.expr);
    ASSERT_TRUE(t) << r.expr << ": " << t.error().to_string();
    EXPECT_EQ(t->to_string(), r.canonical) << r.expr;
    auto again = target::parse(t->to_string());
    ASSERT_TRUE(again) << r.expr;
    EXPECT_EQ(again->to_string(), r.canonical) << r.expr;
  }
}

TEST(TargetTest, SingleHost) {
  struct row {
    const char *expr;
    bool single;
  };
  const row rows[] = {
      {"web-1", true},      {"\"web-1\"", true},    {"id:a1", true},     {"id:a1,a1", true},    {"(id:a1)", true},
      {"id:a1,a2", false},  {"web,db", false},      {"tag:web", false},  {"name:web-1", false}, {"all", false},
      {"not web-1", false}, {"web and web", false}, {"os:linux", false},
  };
  for (const row &r : rows) {
    auto t = target::parse(r.expr);
    ASSERT_TRUE(t) << r.expr;
    EXPECT_EQ(t->is_single_host(), r.single) << r.expr;
  }
}

TEST(TargetTest, OneEntryPerAgentId) {
  const std::vector<host_facts> hosts = {
      host("x", "X", "p-b", {"web"}, "linux"),
      host("x", "X", "p-a", {"web"}, "linux", "", /*accepts=*/false),  // smallest peer id, but send-only
      host("x", "X", "p-c", {"web"}, "linux"),
      host("y", "Y", "z", {"web"}, "linux"),
      host("y", "Y", "y", {"db"}, "linux"),
      host("solo", "", "solo", {"web"}, "linux"),
      host("solo", "", "solo", {"web"}, "linux"),
      host("anon", "", "", {"web"}, "linux"),
      host("anon", "", "", {"web"}, "linux"),
  };
  struct row {
    const char *expr;
    std::vector<size_t> want;
  };
  const row rows[] = {
      {"tag:web", {0, 3, 5, 7, 8}},  // Y: only "z" carries the tag
      {"all", {0, 4, 5, 7, 8}},      // Y: "y" < "z"
      {"id:X", {0}},
      {"id:p-c", {2}},  // a peer id addresses that connection
      {"id:p-a", {}},
      {"not id:p-b and tag:web", {2, 3, 5, 7, 8}},  // excludes one connection, not the agent
      {"not id:X and tag:web", {3, 5, 7, 8}},
      {"x", {0}},
      {"solo", {5}},
  };
  for (const row &r : rows) {
    auto t = target::parse(r.expr);
    ASSERT_TRUE(t) << r.expr;
    EXPECT_EQ(select(*t, hosts), r.want) << r.expr;
  }
  // The choice does not depend on the order of the entries, only the returned index does.
  std::vector<host_facts> reversed(hosts.rbegin(), hosts.rend());
  auto all = target::parse("all");
  ASSERT_TRUE(all);
  std::vector<std::string> peers;
  for (size_t i : select(*all, reversed)) peers.push_back(reversed[i].peer_id);
  EXPECT_EQ(peers, (std::vector<std::string>{"", "", "solo", "y", "p-b"}));
  // An empty fleet selects nothing.
  EXPECT_TRUE(select(*all, std::span<const host_facts>()).empty());
}

TEST(TargetTest, CanonicalTextFitsTheLimit) {
  // "and(" written tightly: the spaced canonical form would be longer than 1024 bytes.
  std::string tight = "x";
  while (tight.size() + 13 <= target::max_bytes) tight += "and(b or c)";
  tight.insert(1, " ");
  ASSERT_LE(tight.size(), target::max_bytes);
  auto t = target::parse(tight);
  ASSERT_TRUE(t) << t.error().to_string();
  const std::string text = t->to_string();
  EXPECT_LE(text.size(), target::max_bytes);
  EXPECT_EQ(text.substr(0, 17), "x and(b or c)and(");
  auto again = target::parse(text);
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(again->to_string(), text);
}

// Random expressions from a small vocabulary: whatever parses must print to text that parses to
// a target selecting the same hosts and printing the same text.
TEST(TargetTest, RandomRoundTrip) {
  const char *vocab[] = {"web",      "db",    "prod",        "web-1",    "a3",         "p4",    "all", "and",
                         "or",       "not",   "(",           ")",        ",",          "tag:",  "os:", "name:",
                         "id:",      "\"",    "tag:web",     "os:linux", "name:web-*", "id:a1", "Web", "\"and\"",
                         "env:prod", "macos", "name:[a-m]*", "x y",      "platform:",  "ALL",   "NOT", "\\"};
  const auto hosts = fleet();
  std::mt19937 rng(20240611);
  size_t parsed = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string expr;
    const int n = 1 + static_cast<int>(rng() % 9);
    for (int i = 0; i < n; ++i) {
      expr += vocab[rng() % std::size(vocab)];
      if (rng() % 3) expr += ' ';
    }
    auto t = target::parse(expr);
    if (!t) {
      EXPECT_EQ(t.error().message().rfind("target: ", 0), 0u) << expr;
      continue;
    }
    ++parsed;
    const std::string text = t->to_string();
    auto again = target::parse(text);
    ASSERT_TRUE(again) << expr << " -> " << text << ": " << again.error().to_string();
    EXPECT_EQ(again->to_string(), text) << expr;
    EXPECT_EQ(select(*again, hosts), select(*t, hosts)) << expr << " -> " << text;
    for (const host_facts &h : hosts) EXPECT_EQ(again->matches(h), t->matches(h)) << expr << " -> " << text;
  }
  EXPECT_GT(parsed, 1000u);
}

}  // namespace
}  // namespace ra::dispatch
