// policy/mode.hpp — the four safety modes. Values equal the SDK's ra_mode.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace ra::policy {

enum class mode { plan = 0, edit = 1, bypass = 2, disabled = 3 };

// Case-insensitive "plan" | "edit" | "bypass" | "disabled".
std::optional<mode> parse_mode(std::string_view text);
std::string_view mode_name(mode m);  // lower-case

// Strictness order used by set_mode: disabled > plan > edit > bypass. "Raising" a mode means
// moving towards bypass (more power); lowering means moving towards disabled.
int mode_power(mode m);  // disabled 0, plan 1, edit 2, bypass 3

}  // namespace ra::policy
