// crypto/primitives.hpp — the only door to Botan: SHA-256, HKDF-SHA256, Argon2id, AES-256/GCM and
// the system RNG behind plain byte spans, with every Botan exception turned into an ra::status.
// Everything else in crypto/ builds on these, so the known-answer tests exercise exactly the code
// paths the protocol uses.
// Thread safety: the free functions are thread-safe. An aes256_gcm object is not (it keeps cipher
// state between calls); use one per thread or guard it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "util/status.hpp"

namespace ra::crypto {

using byte_span = std::span<const uint8_t>;

inline constexpr size_t k_sha256_size = 32;
inline constexpr size_t k_gcm_nonce_size = 12;
inline constexpr size_t k_gcm_tag_size = 16;
inline constexpr size_t k_aes256_key_size = 32;

result<std::array<uint8_t, k_sha256_size>> sha256(byte_span data);

// RFC 5869 extract-then-expand. `out` may be 1..255*32 bytes.
status hkdf_sha256(byte_span ikm, byte_span salt, byte_span info, std::span<uint8_t> out);

// RFC 9106 Argon2id, version 0x13. memory in KiB (>= 8 * lanes). `secret` and `ad` are the
// optional K and X inputs; the key schedule passes them empty, the RFC test vector does not.
struct argon2id_cost {
  uint32_t memory_kib;
  uint32_t iterations;
  uint32_t lanes;
};
status argon2id(byte_span password, byte_span salt, const argon2id_cost &cost, std::span<uint8_t> out,
                byte_span secret = {}, byte_span ad = {});

// Fills `out` from the operating system's CSPRNG (getrandom on Linux).
status random_bytes(std::span<uint8_t> out);

// AES-256 in GCM mode with a 96-bit nonce and a 128-bit tag, keyed once.
class aes256_gcm {
 public:
  static result<aes256_gcm> create(byte_span key);
  aes256_gcm(aes256_gcm &&) noexcept;
  aes256_gcm &operator=(aes256_gcm &&) noexcept;
  ~aes256_gcm();

  // Appends ciphertext || tag to `out`. `aad` may point into `out` (the header the frame starts
  // with): it is consumed before `out` grows.
  status seal(byte_span nonce, byte_span aad, byte_span plaintext, std::vector<uint8_t> &out);
  // `sealed` = ciphertext || tag. Any authentication failure is RA_PERMISSION_DENIED.
  result<std::vector<uint8_t>> open(byte_span nonce, byte_span aad, byte_span sealed);

 private:
  struct impl;
  explicit aes256_gcm(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace ra::crypto
