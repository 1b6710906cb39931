// crypto/primitives.cpp — Botan 2 behind the primitives.hpp API. Botan reports errors by throwing;
// every entry point catches here so no exception leaves crypto/ (ARCHITECTURE §7).
#include "crypto/primitives.hpp"

#include <botan/aead.h>
#include <botan/argon2.h>
#include <botan/exceptn.h>
#include <botan/hash.h>
#include <botan/kdf.h>
#include <botan/mem_ops.h>
#include <botan/system_rng.h>

#include <exception>
#include <string>

#include "crypto/secret_key.hpp"

namespace ra::crypto {

namespace {

// Argon2 variant number y for Argon2id (RFC 9106 §3.1).
constexpr uint8_t k_argon2id = 2;

status botan_failure(const char *what, const std::exception &e) {
  return internal_error(std::string(what) + " failed: " + e.what());
}

}  // namespace

void secure_wipe(void *data, size_t size) noexcept { Botan::secure_scrub_memory(data, size); }

result<std::array<uint8_t, k_sha256_size>> sha256(byte_span data) {
  try {
    auto hash = Botan::HashFunction::create_or_throw("SHA-256");
    hash->update(data.data(), data.size());
    std::array<uint8_t, k_sha256_size> out{};
    hash->final(out.data());
    return out;
  } catch (const std::exception &e) {
    return botan_failure("SHA-256", e);
  }
}

status hkdf_sha256(byte_span ikm, byte_span salt, byte_span info, std::span<uint8_t> out) {
  if (out.empty() || out.size() > 255 * k_sha256_size) {
    return invalid_argument("HKDF-SHA256 output must be 1.." + std::to_string(255 * k_sha256_size) + " bytes");
  }
  try {
    auto kdf = Botan::KDF::create_or_throw("HKDF(SHA-256)");
    // Botan's KDF::kdf(out, secret, salt, label): HKDF uses salt for extract, label as info.
    kdf->kdf(out.data(), out.size(), ikm.data(), ikm.size(), salt.data(), salt.size(), info.data(), info.size());
    return status::ok();
  } catch (const std::exception &e) {
    return botan_failure("HKDF-SHA256", e);
  }
}

status argon2id(byte_span password, byte_span salt, const argon2id_cost &cost, std::span<uint8_t> out, byte_span secret,
                byte_span ad) {
  // RFC 9106 §3.1 bounds, narrowed to what this daemon should ever ask for.
  if (cost.lanes < 1 || cost.lanes > 255) return invalid_argument("Argon2id lanes must be 1..255");
  if (cost.iterations < 1 || cost.iterations > 64) return invalid_argument("Argon2id iterations must be 1..64");
  if (cost.memory_kib < 8 * cost.lanes || cost.memory_kib > 4u * 1024 * 1024) {
    return invalid_argument("Argon2id memory must be 8*lanes KiB .. 4 GiB");
  }
  if (salt.size() < 8) return invalid_argument("Argon2id salt must be at least 8 bytes");
  if (out.size() < 4) return invalid_argument("Argon2id output must be at least 4 bytes");
  try {
    Botan::argon2(out.data(), out.size(), reinterpret_cast<const char *>(password.data()), password.size(), salt.data(),
                  salt.size(), secret.data(), secret.size(), ad.data(), ad.size(), k_argon2id, cost.lanes,
                  cost.memory_kib, cost.iterations);
    return status::ok();
  } catch (const std::exception &e) {
    return botan_failure("Argon2id", e);
  }
}

status random_bytes(std::span<uint8_t> out) {
  try {
    Botan::system_rng().randomize(out.data(), out.size());
    return status::ok();
  } catch (const std::exception &e) {
    return botan_failure("system RNG", e);
  }
}

struct aes256_gcm::impl {
  std::unique_ptr<Botan::AEAD_Mode> enc;
  std::unique_ptr<Botan::AEAD_Mode> dec;
};

aes256_gcm::aes256_gcm(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
aes256_gcm::aes256_gcm(aes256_gcm &&) noexcept = default;
aes256_gcm &aes256_gcm::operator=(aes256_gcm &&) noexcept = default;
aes256_gcm::~aes256_gcm() = default;

result<aes256_gcm> aes256_gcm::create(byte_span key) {
  if (key.size() != k_aes256_key_size) return invalid_argument("AES-256/GCM needs a 32-byte key");
  try {
    auto p = std::make_unique<impl>();
    p->enc = Botan::AEAD_Mode::create_or_throw("AES-256/GCM", Botan::ENCRYPTION);
    p->dec = Botan::AEAD_Mode::create_or_throw("AES-256/GCM", Botan::DECRYPTION);
    p->enc->set_key(key.data(), key.size());
    p->dec->set_key(key.data(), key.size());
    return aes256_gcm(std::move(p));
  } catch (const std::exception &e) {
    return botan_failure("AES-256/GCM key setup", e);
  }
}

status aes256_gcm::seal(byte_span nonce, byte_span aad, byte_span plaintext, std::vector<uint8_t> &out) {
  if (nonce.size() != k_gcm_nonce_size) return invalid_argument("AES-256/GCM nonce must be 12 bytes");
  try {
    Botan::secure_vector<uint8_t> buf(plaintext.begin(), plaintext.end());
    impl_->enc->set_associated_data(aad.data(), aad.size());
    impl_->enc->start(nonce.data(), nonce.size());
    impl_->enc->finish(buf);
    out.insert(out.end(), buf.begin(), buf.end());
    return status::ok();
  } catch (const std::exception &e) {
    return botan_failure("AES-256/GCM seal", e);
  }
}

result<std::vector<uint8_t>> aes256_gcm::open(byte_span nonce, byte_span aad, byte_span sealed) {
  if (nonce.size() != k_gcm_nonce_size) return invalid_argument("AES-256/GCM nonce must be 12 bytes");
  if (sealed.size() < k_gcm_tag_size) return permission_denied("sealed data shorter than the GCM tag");
  try {
    Botan::secure_vector<uint8_t> buf(sealed.begin(), sealed.end());
    impl_->dec->set_associated_data(aad.data(), aad.size());
    impl_->dec->start(nonce.data(), nonce.size());
    impl_->dec->finish(buf);
    return std::vector<uint8_t>(buf.begin(), buf.end());
  } catch (const Botan::Invalid_Authentication_Tag &) {
    // Botan resets the mode itself; the key stays set for the next frame.
    return permission_denied("authentication failed (wrong key, tampered or forged data)");
  } catch (const std::exception &e) {
    return botan_failure("AES-256/GCM open", e);
  }
}

}  // namespace ra::crypto
