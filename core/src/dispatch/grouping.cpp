#include "dispatch/grouping.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include "util/json.hpp"

namespace ra::dispatch {
namespace {

// The standard kinds, in the order summaries list them (dispatch::outcome_name spells them).
constexpr std::string_view standard_kinds[] = {"ok",          "failed",    "denied", "timeout",
                                               "unreachable", "cancelled", "invalid"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view kind_of(const host_outcome &o) { return o.kind.empty() ? std::string_view("unknown") : o.kind; }

// The compared and printed output: without one final "\n" or "\r\n".
std::string_view body_of(const host_outcome &o) {
  std::string_view s = o.output;
  if (!s.empty() && s.back() == '\n') {
    s.remove_suffix(1);
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  }
  return s;
}

// Summary order: the standard kinds first, the rest alphabetically.
bool kind_before(std::string_view a, std::string_view b) {
  auto rank = [](std::string_view k) {
    auto it = std::find(std::begin(standard_kinds), std::end(standard_kinds), k);
    return static_cast<size_t>(it - std::begin(standard_kinds));
  };
  const size_t ra = rank(a);
  const size_t rb = rank(b);
  return ra != rb ? ra < rb : a < b;
}

std::vector<std::pair<std::string_view, size_t>> count_kinds(std::span<const host_outcome> outcomes) {
  std::map<std::string_view, size_t, bool (*)(std::string_view, std::string_view)> counts(kind_before);
  for (const host_outcome &o : outcomes) ++counts[kind_of(o)];
  return {counts.begin(), counts.end()};
}

std::string hosts_word(size_t n) { return std::to_string(n) + (n == 1 ? " host" : " hosts"); }

// Header text may not break lines or carry terminal escapes: C0 controls, DEL and the UTF-8 encoded
// C1 controls (U+0080..U+009F, which some terminals take as CSI and friends) become '?'.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      out += '?';
      ++i;
    } else {
      out += u < 0x20 || u == 0x7F ? '?' : s[i];
    }
  }
  return out;
}

std::string joined(std::span<const std::string_view> names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i];
  }
  return out;
}

std::vector<std::string_view> member_names(std::span<const host_outcome> outcomes, const outcome_group &g) {
  std::vector<std::string_view> names;
  names.reserve(g.members.size());
  for (size_t i : g.members) names.push_back(display_name(outcomes[i]));
  return names;
}

// RapidJSON needs valid UTF-8; copy only when a string is not.
void put_string(rapidjson::Writer<rapidjson::StringBuffer> &w, std::string_view s) {
  if (json::is_valid_utf8(s)) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  } else {
    const std::string fixed = json::to_valid_utf8(s);
    w.String(fixed.data(), static_cast<rapidjson::SizeType>(fixed.size()));
  }
}

// A name split for range compression: prefix + a trailing number.
struct numbered {
  std::string_view prefix;
  std::string_view digits;
  uint64_t value = 0;
};

std::optional<numbered> split_number(std::string_view name) {
  if (name.find_first_of("[],") != std::string_view::npos) return std::nullopt;
  size_t start = name.size();
  while (start > 0 && is_digit(name[start - 1])) --start;
  const size_t len = name.size() - start;
  if (len == 0 || len > 18) return std::nullopt;  // 18 digits always fit in uint64_t
  numbered n{name.substr(0, start), name.substr(start), 0};
  for (char c : n.digits) n.value = n.value * 10 + static_cast<uint64_t>(c - '0');
  return n;
}

// May b follow a in one range a-b? Consecutive, and written with one width — or both unpadded,
// since "9-10" reads back as 9,10 while "09-10" means width 2.
bool continues(const numbered &a, const numbered &b) {
  if (b.value != a.value + 1) return false;
  const bool padded_a = a.digits.size() > 1 && a.digits[0] == '0';
  const bool padded_b = b.digits.size() > 1 && b.digits[0] == '0';
  return a.digits.size() == b.digits.size() || (!padded_a && !padded_b);
}

}  // namespace

std::string_view display_name(const host_outcome &o) {
  if (!o.host.empty()) return o.host;
  if (!o.peer_id.empty()) return o.peer_id;
  return "(unknown)";
}

bool natural_less(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      // Compare the digit runs by value: skip leading zeros, then more digits is bigger, then
      // the first differing digit decides.
      size_t ie = i;
      while (ie < a.size() && is_digit(a[ie])) ++ie;
      size_t je = j;
      while (je < b.size() && is_digit(b[je])) ++je;
      size_t iz = i;
      while (iz + 1 < ie && a[iz] == '0') ++iz;
      size_t jz = j;
      while (jz + 1 < je && b[jz] == '0') ++jz;
      if (ie - iz != je - jz) return ie - iz < je - jz;
      const int c = a.substr(iz, ie - iz).compare(b.substr(jz, je - jz));
      if (c != 0) return c < 0;
      i = ie;
      j = je;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    ++i;
    ++j;
  }
  if ((i < a.size()) != (j < b.size())) return j < b.size();  // a prefix sorts first
  return a < b;                                               // equal as numbers: byte order
}

std::string compress_host_names(std::span<const std::string_view> names) {
  // Slots in output order: a plain name, or the index of a prefix's list of numbers.
  struct slot {
    std::string_view plain;
    size_t family = SIZE_MAX;
  };
  std::vector<slot> slots;
  std::vector<std::vector<numbered>> families;
  std::unordered_map<std::string_view, size_t> by_prefix;
  for (std::string_view name : names) {
    auto n = split_number(name);
    if (!n) {
      slots.push_back({name});
      continue;
    }
    auto [it, fresh] = by_prefix.try_emplace(n->prefix, families.size());
    if (fresh) {
      families.emplace_back();
      slots.push_back({{}, it->second});
    }
    families[it->second].push_back(*n);
  }
  std::string out;
  for (const slot &s : slots) {
    if (!out.empty()) out += ',';
    if (s.family == SIZE_MAX) {
      out += s.plain;
      continue;
    }
    const auto &f = families[s.family];
    out += f[0].prefix;
    if (f.size() == 1) {
      out += f[0].digits;
      continue;
    }
    out += '[';
    for (size_t i = 0; i < f.size();) {
      size_t end = i;
      while (end + 1 < f.size() && continues(f[end], f[end + 1])) ++end;
      if (i > 0) out += ',';
      out += f[i].digits;
      if (end > i) {
        out += '-';
        out += f[end].digits;
      }
      i = end + 1;
    }
    out += ']';
  }
  return out;
}

std::vector<outcome_group> group_outcomes(std::span<const host_outcome> outcomes) {
  // Key on (kind, body) views; hashing a large output once per host is the whole cost.
  struct key_hash {
    size_t operator()(const std::pair<std::string_view, std::string_view> &k) const {
      const size_t h = std::hash<std::string_view>{}(k.second);
      return h ^ (std::hash<std::string_view>{}(k.first) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
    }
  };
  std::unordered_map<std::pair<std::string_view, std::string_view>, size_t, key_hash> index;
  std::vector<outcome_group> groups;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const std::pair<std::string_view, std::string_view> key{kind_of(outcomes[i]), body_of(outcomes[i])};
    auto [it, fresh] = index.try_emplace(key, groups.size());
    if (fresh) groups.push_back({{}, key.first, key.second});
    groups[it->second].members.push_back(i);
  }
  auto host_less = [&](size_t a, size_t b) {
    const std::string_view na = display_name(outcomes[a]);
    const std::string_view nb = display_name(outcomes[b]);
    if (na != nb) return natural_less(na, nb);
    return a < b;
  };
  for (auto &g : groups) std::sort(g.members.begin(), g.members.end(), host_less);
  std::sort(groups.begin(), groups.end(), [&](const outcome_group &a, const outcome_group &b) {
    if (a.members.size() != b.members.size()) return a.members.size() > b.members.size();
    if (a.members[0] != b.members[0]) return host_less(a.members[0], b.members[0]);
    return false;  // first members differ between groups: every outcome is in exactly one group
  });
  return groups;
}

std::string summary_line(std::span<const host_outcome> outcomes) {
  std::string out = hosts_word(outcomes.size());
  const auto counts = count_kinds(outcomes);
  for (size_t i = 0; i < counts.size(); ++i) {
    out += i == 0 ? ": " : ", ";
    out += std::to_string(counts[i].second) + " " + printable(counts[i].first);
  }
  return out;
}

std::string grouped_text(std::span<const host_outcome> outcomes, bool compress_ranges) {
  std::string out;
  for (const outcome_group &g : group_outcomes(outcomes)) {
    const auto names = member_names(outcomes, g);
    out += "---------------- ";
    out += printable(compress_ranges ? compress_host_names(names) : joined(names));
    out += " (" + hosts_word(g.members.size()) + ", " + printable(g.kind) + ")\n";
    if (!g.output.empty()) {
      out += g.output;
      out += '\n';
    }
  }
  out += "================ " + summary_line(outcomes) + "\n";
  return out;
}

std::string grouped_json(std::span<const host_outcome> outcomes) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("groups");
  w.StartArray();
  for (const outcome_group &g : group_outcomes(outcomes)) {
    const auto names = member_names(outcomes, g);
    w.StartObject();
    w.Key("hosts");
    w.StartArray();
    for (std::string_view n : names) put_string(w, n);
    w.EndArray();
    w.Key("peer_ids");
    w.StartArray();
    for (size_t i : g.members) put_string(w, outcomes[i].peer_id);
    w.EndArray();
    w.Key("hostlist");
    put_string(w, compress_host_names(names));
    w.Key("kind");
    put_string(w, g.kind);
    w.Key("output");
    put_string(w, g.output);
    w.Key("count");
    w.Uint64(g.members.size());
    w.EndObject();
  }
  w.EndArray();
  w.Key("counts");
  w.StartObject();
  const auto counts = count_kinds(outcomes);
  auto count_of = [&](std::string_view k) -> size_t {
    for (const auto &c : counts) {
      if (c.first == k) return c.second;
    }
    return 0;
  };
  for (std::string_view k : standard_kinds) {
    put_string(w, k);  // Writer::Key is String: keys go through the same UTF-8 check
    w.Uint64(count_of(k));
  }
  for (const auto &c : counts) {
    if (std::find(std::begin(standard_kinds), std::end(standard_kinds), c.first) != std::end(standard_kinds)) continue;
    put_string(w, c.first);
    w.Uint64(c.second);
  }
  w.EndObject();
  w.Key("total");
  w.Uint64(outcomes.size());
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace ra::dispatch
