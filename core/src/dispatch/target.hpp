// dispatch/target.hpp — target expressions: which hosts of a fleet a fleet operation goes to.
// A pure parser and matcher; nothing here talks to the network.
//
// Syntax (a superset of the reference's parse_target, REFERENCE-SPEC §7.1 / §2.7):
//
//   expr     := or_expr
//   or_expr  := and_expr { "or" and_expr }
//   and_expr := unary { "and" unary }
//   unary    := "not" unary | primary
//   primary  := "(" expr ")" | "all" | list
//   list     := element { "," element }
//   element  := [ qualifier ":" ] value
//   qualifier:= "tag" | "name" | "id" | "os" | "platform"        (platform is a synonym of os)
//   value    := word | "\"" chars "\""                           (in quotes only \" and \\ escape)
//
// Precedence: "," binds tightest, then not, and, or. Keywords (and, or, not, all) and qualifiers
// are ASCII case-insensitive. A word runs until whitespace, "(", ")", "," or a double quote; a
// qualifier may be followed by whitespace before its value ("os: linux", as the reference trims).
//
// What the terms match (on one host entry):
//   all            every host (that accepts commands — see below)
//   tag:T          a host carrying tag T (exact, case-sensitive, as the reference)
//   name:G         a host whose name matches the glob G: * any run, ? one character, [a-z] / [!a-z]
//                  a class (a "]" right after "[" or "[!" is literal; no backslash escapes; a
//                  reversed range is an error). Case-sensitive. Hosts without a name never match.
//   id:X           a host whose agent id or peer id equals X
//   os:F           a host whose platform family or legacy os equals F, ASCII case-insensitively
//   W (bare word)  a host whose agent id, peer id or name equals W; if no host has that identity,
//                  the hosts carrying tag W (the reference treats every bare word as a tag).
//                  Identity wins: if "web" names a host, "web" targets that host even when other
//                  hosts are tagged "web" — write tag:web to mean the tag, id:/name: to mean a host.
//   a,b,c          any of the elements. Elements of a comma list are tags unless qualified, never
//                  bare identity words (reference: a comma list is a tag list). An element without
//                  a qualifier takes the one of the element before it: tag:a,b is tag:a or tag:b,
//                  name:web-*,db-* is two name globs, os:linux,macos either family, and
//                  web,os:linux,macos is tag:web or os:linux or os:macos.
//
// Ambiguous or changed inputs, resolved on purpose:
//   * "os:linux and tag:x" is an expression here; the reference took everything after "os:" as
//     the family (and so matched nothing). Likewise "os:a,b" is either family here.
//   * Qualifiers are case-insensitive here ("OS:linux"); the reference's prefix was case-sensitive
//     and "OS:linux" was a tag. A colon word whose prefix is not a qualifier is a plain value, so
//     tags such as "env:prod" keep working bare, in lists and after tag:.
//   * Empty list elements ("web,,db", "web,") and empty values are errors; the reference kept them
//     as empty tags, which only a host with an empty tag could match.
//   * and/or/not/all are reserved: as a value they must be quoted ("all") or follow a qualifier
//     (tag:all). The reference read "web,all" as two tags; here it is an error.
//   * A value with spaces needs quotes: tag:"web server" (the reference took "web server" whole).
//   * Matching is per host entry (one peer connection), then entries are collapsed per agent id
//     (select()). "not id:<peer id>" therefore excludes that connection only; another connection
//     of the same agent may still be chosen. Exclude a machine with "not id:<agent id>".
//
// Send-only entries (accepts_commands == false) are never targets: matches() is false for them and
// select() never returns them — unlike the reference, which delivered Agent{id} even to them.
//
// Limits (untrusted text): at most 1024 bytes, nesting (parentheses and "not") at most 32 deep, at
// most 256 terms (each list element counts). Errors read "target: <what> at column <n>", columns
// counting characters (UTF-8 code points) from 1; a column one past the end means "at the end".
//
// Thread safety: target is an immutable value after parse(); all functions are pure.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.hpp"

namespace ra::dispatch {

// What a target can be matched against: one peer connection as the roster describes it.
struct host_facts {
  std::string peer_id;
  std::string agent_id;
  std::string name;
  std::vector<std::string> tags;
  std::string os_family;  // AgentInfo.platform.family
  std::string os;         // legacy AgentInfo.os; os: matches either field (reference §2.7)
  bool accepts_commands = true;
};

class target {
 public:
  static constexpr size_t max_bytes = 1024;
  static constexpr size_t max_nesting = 32;
  static constexpr size_t max_terms = 256;

  // Parses an expression (see the grammar above). The result is kept in a canonical form: nested
  // and/or flattened, list elements of one qualifier merged, duplicates dropped.
  static result<target> parse(std::string_view text);

  // Does this single host entry match? A bare word is resolved against this host alone, so it
  // matches when the host has that identity or carries that tag. False for send-only hosts.
  bool matches(const host_facts &host) const;

  // True when the whole target is one bare word or one id: value — a dispatch meant for one host
  // (it may still select none; a bare word that names no host falls back to being a tag).
  bool is_single_host() const;

  // Canonical text that parses back to an equivalent target: lower-case keywords, "os:" for
  // platform:, quotes only where needed, parentheses only where precedence needs them. Always
  // within max_bytes (spaces around parentheses are dropped when the spaced form would not fit).
  std::string to_string() const;

  // The parsed tree (exposed for tests and for printing; built only by parse()).
  struct node {
    enum class kind : unsigned char { all, bare, tag, name, id, os, op_and, op_or, op_not };
    kind k = kind::all;
    std::vector<std::string> values;  // tag/name/id/os: any of these (>= 1); bare: exactly one
    std::vector<node> children;       // op_and/op_or: >= 2; op_not: exactly 1
  };
  const node &root() const { return root_; }

 private:
  target() = default;
  friend std::vector<size_t> select(const target &t, std::span<const host_facts> hosts);
  node root_;
};

// The entries of `hosts` that `t` targets, as ascending indices into `hosts`.
// * Entries with accepts_commands == false are never selected (send-only peers are never targets).
// * A bare word is resolved against the identities (agent id, peer id, name) of the entries that
//   accept commands: if any has it, the word means that identity, otherwise that tag.
// * One entry per agent id: several connections may share an agent id (REFERENCE §2.6). Each entry
//   is matched on its own facts; among the matching entries of one agent id (all of which accept
//   commands — so accepting entries are always preferred) the one with the lexicographically
//   smallest peer_id (byte-wise) wins, then the smallest index. Entries with an empty agent id are
//   collapsed by peer_id instead, and kept apart when that is empty too.
std::vector<size_t> select(const target &t, std::span<const host_facts> hosts);

}  // namespace ra::dispatch
