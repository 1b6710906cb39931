// crypto/secret_key.hpp — a 256-bit key that is wiped when it goes away. Keys live only in these
// objects (never in std::string or logs), so no copy of a room or session key outlives its owner.
// Thread safety: a value type; concurrent reads of one object are safe, writes are not.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ra::crypto {

// Overwrites memory in a way the optimiser may not elide (defined in primitives.cpp).
void secure_wipe(void *data, size_t size) noexcept;

class secret_key {
 public:
  static constexpr size_t size = 32;

  secret_key() = default;
  explicit secret_key(std::span<const uint8_t, size> bytes) {
    for (size_t i = 0; i < size; ++i) bytes_[i] = bytes[i];
  }
  secret_key(const secret_key &) = default;
  secret_key &operator=(const secret_key &) = default;
  ~secret_key() { secure_wipe(bytes_.data(), bytes_.size()); }

  std::span<const uint8_t, size> bytes() const { return bytes_; }
  std::span<uint8_t, size> mutable_bytes() { return bytes_; }

 private:
  std::array<uint8_t, size> bytes_{};
};

}  // namespace ra::crypto
