// crypto/hex.hpp — lower-case hex encoding and strict decoding of byte strings (routing ids in
// URLs, test vectors). No Botan: callers outside crypto/ may use it too.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ra::crypto {

std::string to_hex(std::span<const uint8_t> bytes);

// nullopt unless `text` is an even number of hex digits (either case); whitespace is not allowed.
std::optional<std::vector<uint8_t>> from_hex(std::string_view text);

}  // namespace ra::crypto
