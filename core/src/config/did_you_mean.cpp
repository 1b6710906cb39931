#include "config/did_you_mean.hpp"

#include <algorithm>
#include <vector>

namespace ra::config {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_prefix_ignoring_case(std::string_view shorter, std::string_view longer) {
  if (shorter.size() > longer.size()) return false;
  for (size_t i = 0; i < shorter.size(); ++i)
    if (lower(shorter[i]) != lower(longer[i])) return false;
  return true;
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  // Two rolling rows: O(|b|) memory. Inputs are config keys, so O(|a|·|b|) time is nothing;
  // still, cap absurd inputs (a fuzzer's 1 MB key) so a warning cannot cost seconds.
  constexpr size_t cap = 256;
  if (a.size() > cap || b.size() > cap) return std::max(a.size(), b.size());
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitute = prev[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string_view> did_you_mean(std::string_view typed, std::span<const std::string_view> candidates) {
  if (typed.empty()) return std::nullopt;
  const size_t limit = std::max<size_t>(2, typed.size() / 3);
  std::optional<std::string_view> best;
  size_t best_distance = 0;
  for (std::string_view c : candidates) {
    size_t d = edit_distance(typed, c);
    // A distance equal to the typed length means nothing of it survived: not a typo.
    bool close = d <= limit && d < typed.size();
    bool prefix = std::min(typed.size(), c.size()) >= 4 &&
                  (is_prefix_ignoring_case(typed, c) || is_prefix_ignoring_case(c, typed));
    if (!close && !prefix) continue;
    if (!best || d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace ra::config
