// dispatch/grouping.hpp — per-host outcomes of a fleet operation and an aggregated view that
// groups hosts with identical results (dshbak -c style), as text and as JSON:
//
//   ---------------- web-[1-2] (2 hosts, ok)
//   hello
//   ---------------- db-1 (1 host, failed)
//   exit 1: permission denied
//   ================ 3 hosts: 2 ok, 1 failed
//
// Two hosts are in one group when their kinds are equal and their outputs are byte-identical after
// dropping one final line break ("\n" or "\r\n"): "hello" and "hello\n" are the same result,
// "hello\n\n" is not (it ends with an empty line). Hosts in a group are in natural order (web-2
// before web-10); groups are ordered by size, largest first, then by their first host.
//
// Host display names come from peers: in text headers control characters are shown as '?', so a
// name cannot forge a header line. Outputs are printed as they are — a host's output can contain
// lines that look like headers; use grouped_json() where that matters.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ra::dispatch {

struct host_outcome {
  std::string host;  // display name; empty: the peer id is shown, or "(unknown)"
  std::string peer_id;
  std::string kind;    // ok failed denied timeout unreachable cancelled invalid; empty: "unknown"
  std::string output;  // the text to compare and print
  int64_t duration_ms = 0;
};

// One group of identical results. Views point into the outcomes it was built from.
struct outcome_group {
  std::vector<size_t> members;  // indices into the outcomes, in natural order of display names
  std::string_view kind;        // "unknown" for an empty kind
  std::string_view output;      // shared output without its final line break
};

// Groups in display order (size descending, then first host in natural order).
std::vector<outcome_group> group_outcomes(std::span<const host_outcome> outcomes);

// The dshbak -c style text above; ends with the "================ " summary line and a newline.
// With compress_ranges, host names differing only in a trailing number are written as a pdsh
// style range: web-1,web-2,web-3,web-5 → web-[1-3,5].
std::string grouped_text(std::span<const host_outcome> outcomes, bool compress_ranges = true);

// "3 hosts: 2 ok, 1 failed" — kinds in the order ok, failed, denied, timeout, unreachable,
// cancelled, invalid, then any others alphabetically; kinds with no host are left out.
std::string summary_line(std::span<const host_outcome> outcomes);

// {"groups":[{"hosts":[...],"peer_ids":[...],"hostlist":"web-[1-2]","kind":"ok","output":"...",
//   "count":2}],"counts":{"ok":2,"failed":1,"denied":0,...},"total":3}
// "counts" always has the seven standard kinds (0 when absent) and any other kind seen. Strings
// that are not valid UTF-8 have the bad sequences replaced by U+FFFD.
std::string grouped_json(std::span<const host_outcome> outcomes);

// The name shown for an outcome: host, else peer_id, else "(unknown)".
std::string_view display_name(const host_outcome &o);

// Natural order: runs of ASCII digits compare by numeric value (any length, no overflow), other
// bytes by value; names equal that way (web-01, web-1) fall back to plain byte order, so this is a
// strict total order.
bool natural_less(std::string_view a, std::string_view b);

// pdsh-style compression of names that are already in natural order. A name takes part when it
// ends in 1 to 18 digits and contains none of "[],"; runs of consecutive numbers of one width
// (or all unpadded) become a-b. Prefixes are listed in order of first appearance; a prefix with a
// single name is written plainly. Names are joined with ",".
std::string compress_host_names(std::span<const std::string_view> names);

}  // namespace ra::dispatch
