// config/did_you_mean.hpp — "did you mean …?" suggestions for mistyped config keys and values.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace ra::config {

// Levenshtein distance between a and b, ignoring ASCII case (a key typed as "Security" is the
// same mistake as "secutity": both deserve the suggestion).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `typed`, if it is close enough to be a plausible typo: distance at
// most 2 (or a third of the typed length, for long keys) and smaller than the typed length, or
// one is a prefix of the other (at least 4 characters, e.g. "search_timeout" for
// "search_timeout_secs"). Ties go to the earlier candidate, so callers list common keys first.
std::optional<std::string_view> did_you_mean(std::string_view typed, std::span<const std::string_view> candidates);

}  // namespace ra::config
