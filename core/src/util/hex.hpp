// util/hex.hpp — lower-case hex encoding and strict decoding of byte strings (routing ids in
// URLs and logs, test vectors). Shared by crypto/ and wire/.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ra {

std::string to_hex(std::span<const uint8_t> bytes);

// nullopt unless `text` is an even number of hex digits (either case); whitespace is not allowed.
std::optional<std::vector<uint8_t>> from_hex(std::string_view text);

}  // namespace ra
