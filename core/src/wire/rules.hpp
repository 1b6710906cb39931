// wire/rules.hpp — the field rules of every frame type, in one place: encode() checks a frame
// against them before writing it and decode() after reading it, so whatever one side accepts the
// other does too. Structural checks (lengths against the bytes present) stay in decode.cpp.
// Internal to wire/; callers use codec.hpp.
// Thread safety: pure functions.
#pragma once

#include "util/status.hpp"
#include "wire/frame.hpp"

namespace ra::wire::detail {

// RA_INVALID_ARGUMENT for a malformed field, RA_RESOURCE_EXHAUSTED for a payload over
// max_payload(lim). The whole-frame size is checked by the codec.
status check_fields(const frame &f, const limits &lim);

// ids: at most max_count, each a valid peer id, no two equal. `what` names the list in errors.
status check_id_list(std::span<const std::string_view> ids, size_t max_count, const char *what);

}  // namespace ra::wire::detail
