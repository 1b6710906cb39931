// Known-answer tests for the Botan wrappers: every vector comes from a published standard or from
// an independent implementation, so a wrong argument order (salt vs info, key vs ad …) fails here.
#include "crypto/primitives.hpp"

#include <gtest/gtest.h>

#include "crypto/test_support.hpp"

namespace ra::crypto {
namespace {

using testing::bytes;
using testing::hex;

TEST(sha256, fips_180_abc) {
  auto d = sha256(bytes("abc"));
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(to_hex(*d), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 5869 Appendix A, test cases 1–3 (HKDF-SHA256).
struct hkdf_case {
  const char *name, *ikm, *salt, *info;
  size_t length;
  const char *okm;
};

const hkdf_case k_hkdf_cases[] = {
    {"rfc5869_case1", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
     "f0f1f2f3f4f5f6f7f8f9", 42,
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
    {"rfc5869_case2",
     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
     "303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
     "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f"
     "909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
     "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
     "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
     82,
     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
     "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
    {"rfc5869_case3", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
};

TEST(hkdf_sha256, rfc5869_vectors) {
  for (const auto &c : k_hkdf_cases) {
    SCOPED_TRACE(c.name);
    std::vector<uint8_t> out(c.length);
    ASSERT_TRUE(hkdf_sha256(hex(c.ikm), hex(c.salt), hex(c.info), out).is_ok());
    EXPECT_EQ(to_hex(out), c.okm);
  }
}

TEST(hkdf_sha256, refuses_impossible_lengths) {
  std::vector<uint8_t> none, too_long(255 * 32 + 1);
  EXPECT_EQ(hkdf_sha256(bytes("k"), {}, {}, none).code(), RA_INVALID_ARGUMENT);
  EXPECT_EQ(hkdf_sha256(bytes("k"), {}, {}, too_long).code(), RA_INVALID_ARGUMENT);
}

// The GCM specification (McGrew & Viega, "The Galois/Counter Mode of Operation"), AES-256 test
// cases 13–16. Case 16 has AAD and a plaintext that is not a whole number of blocks.
struct gcm_case {
  const char *name, *key, *iv, *plaintext, *aad, *ciphertext, *tag;
};

const char k_gcm_key15[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
const gcm_case k_gcm_cases[] = {
    {"gcm_tc13", "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "",
     "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"gcm_tc14", "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"gcm_tc15", k_gcm_key15, "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
     "b16aedf5aa0de657ba637b391aafd255",
     "",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
     "c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"gcm_tc16", k_gcm_key15, "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
     "b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
     "c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

TEST(aes256_gcm, gcm_spec_vectors_seal_and_open) {
  for (const auto &c : k_gcm_cases) {
    SCOPED_TRACE(c.name);
    auto gcm = aes256_gcm::create(hex(c.key));
    ASSERT_TRUE(gcm.is_ok());
    std::vector<uint8_t> sealed;
    ASSERT_TRUE(gcm->seal(hex(c.iv), hex(c.aad), hex(c.plaintext), sealed).is_ok());
    EXPECT_EQ(to_hex(sealed), std::string(c.ciphertext) + c.tag);

    auto opened = gcm->open(hex(c.iv), hex(c.aad), sealed);
    ASSERT_TRUE(opened.is_ok()) << opened.error().to_string();
    EXPECT_EQ(to_hex(*opened), c.plaintext);
  }
}

TEST(aes256_gcm, seal_appends_after_existing_bytes) {
  const gcm_case &c = k_gcm_cases[3];
  auto gcm = aes256_gcm::create(hex(c.key));
  ASSERT_TRUE(gcm.is_ok());
  std::vector<uint8_t> out = {0xaa, 0xbb};
  ASSERT_TRUE(gcm->seal(hex(c.iv), hex(c.aad), hex(c.plaintext), out).is_ok());
  EXPECT_EQ(to_hex(out), std::string("aabb") + c.ciphertext + c.tag);
}

TEST(aes256_gcm, tampering_is_refused_and_the_object_stays_usable) {
  const gcm_case &c = k_gcm_cases[3];
  auto gcm = aes256_gcm::create(hex(c.key));
  ASSERT_TRUE(gcm.is_ok());
  auto sealed = hex(std::string(c.ciphertext) + c.tag);
  auto aad = hex(c.aad);
  auto iv = hex(c.iv);

  auto bad_tag = sealed;
  bad_tag.back() ^= 1;
  EXPECT_EQ(gcm->open(iv, aad, bad_tag).error().code(), RA_PERMISSION_DENIED);
  auto bad_aad = aad;
  bad_aad[0] ^= 0x80;
  EXPECT_EQ(gcm->open(iv, bad_aad, sealed).error().code(), RA_PERMISSION_DENIED);
  auto bad_iv = iv;
  bad_iv[11] ^= 1;
  EXPECT_EQ(gcm->open(bad_iv, aad, sealed).error().code(), RA_PERMISSION_DENIED);
  EXPECT_EQ(gcm->open(iv, aad, std::span(sealed).first(15)).error().code(), RA_PERMISSION_DENIED);

  // After failures the same object still opens the genuine data (Botan resets its state).
  EXPECT_TRUE(gcm->open(iv, aad, sealed).is_ok());
}

TEST(aes256_gcm, refuses_bad_key_and_nonce_sizes) {
  EXPECT_FALSE(aes256_gcm::create(std::vector<uint8_t>(16)).is_ok());
  auto gcm = aes256_gcm::create(std::vector<uint8_t>(32));
  ASSERT_TRUE(gcm.is_ok());
  std::vector<uint8_t> out;
  EXPECT_EQ(gcm->seal(std::vector<uint8_t>(8), {}, {}, out).code(), RA_INVALID_ARGUMENT);
}

// RFC 9106 §5.3: Argon2id v0x13, m = 32 KiB, t = 3, p = 4, with secret K and associated data X.
// The key schedule uses the same wrapper with K and X empty.
TEST(argon2id, rfc9106_section_5_3) {
  std::vector<uint8_t> tag(32);
  ASSERT_TRUE(argon2id(std::vector<uint8_t>(32, 0x01), std::vector<uint8_t>(16, 0x02), {32, 3, 4}, tag,
                       std::vector<uint8_t>(8, 0x03), std::vector<uint8_t>(12, 0x04))
                  .is_ok());
  EXPECT_EQ(to_hex(tag), "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
}

// Without K and X, as the key schedule calls it: the vector of the Argon2 reference
// implementation's own test suite (argon2id, v=19, t=2, m=2^16 KiB, p=1, "password"/"somesalt"),
// re-checked on this machine with the reference CLI (Debian package argon2):
//   echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1 -l 32 -r
TEST(argon2id, reference_cli_vector_without_secret_or_ad) {
  std::vector<uint8_t> tag(32);
  ASSERT_TRUE(argon2id(bytes("password"), bytes("somesalt"), {65536, 2, 1}, tag).is_ok());
  EXPECT_EQ(to_hex(tag), "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7");
}

TEST(argon2id, refuses_out_of_range_cost) {
  std::vector<uint8_t> tag(32);
  EXPECT_EQ(argon2id(bytes("p"), bytes("saltsalt"), {7, 1, 1}, tag).code(), RA_INVALID_ARGUMENT);
  EXPECT_EQ(argon2id(bytes("p"), bytes("saltsalt"), {64, 0, 1}, tag).code(), RA_INVALID_ARGUMENT);
  EXPECT_EQ(argon2id(bytes("p"), bytes("saltsalt"), {64, 1, 0}, tag).code(), RA_INVALID_ARGUMENT);
  EXPECT_EQ(argon2id(bytes("p"), bytes("short"), {64, 1, 1}, tag).code(), RA_INVALID_ARGUMENT);
}

TEST(random_bytes, fills_and_differs) {
  std::vector<uint8_t> a(32), b(32);
  ASSERT_TRUE(random_bytes(a).is_ok());
  ASSERT_TRUE(random_bytes(b).is_ok());
  EXPECT_NE(a, b);
}

TEST(secure_wipe, zeroes_memory) {
  std::vector<uint8_t> v(64, 0x5a);
  secure_wipe(v.data(), v.size());
  EXPECT_EQ(v, std::vector<uint8_t>(64, 0));
}

TEST(hex, round_trip_and_strictness) {
  EXPECT_EQ(to_hex(hex("00ff10Ab")), "00ff10ab");
  EXPECT_FALSE(from_hex("abc").has_value());
  EXPECT_FALSE(from_hex("zz").has_value());
  EXPECT_FALSE(from_hex("0 ").has_value());
  EXPECT_TRUE(from_hex("").has_value());
}

}  // namespace
}  // namespace ra::crypto
