// Unit tests of zstd_frame: frames made with libzstd (content size declared and not declared) decode,
// the decompressed-size cap holds whatever the header says, corrupt and truncated frames fail with
// a message; without libzstd every frame fails with "built without libzstd".
#include "zstd_frame.hpp"

#include <gtest/gtest.h>

#include <string>

#ifdef RA_SESSIONS_ZSTD
#include <zstd.h>
#endif

using namespace ra_sessions;

TEST(Zstd, Magic) {
  EXPECT_TRUE(is_zstd(std::string("\x28\xB5\x2F\xFD", 4)));
  EXPECT_FALSE(is_zstd("{\"messages\":[]}"));
  EXPECT_FALSE(is_zstd("\x28\xB5"));
}

#ifdef RA_SESSIONS_ZSTD
namespace {

// 300 KB of compressible text: more than one 64 KiB output chunk of the decoder.
std::string sample() {
  std::string s;
  for (int i = 0; s.size() < 300'000; ++i) s += "line " + std::to_string(i) + " of a zed thread\n";
  return s;
}

std::string compress_sized(const std::string &plain) {
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 1));
  return out;
}

// A streamed frame whose header does not declare the content size.
std::string compress_unsized(const std::string &plain) {
  ZSTD_CCtx *c = ZSTD_createCCtx();
  std::string out(ZSTD_compressBound(plain.size()) + 64, '\0');
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  ZSTD_inBuffer in{plain.data(), plain.size(), 0};
  ZSTD_compressStream2(c, &o, &in, ZSTD_e_flush);  // unknown size: data went out before the end
  EXPECT_EQ(ZSTD_compressStream2(c, &o, &in, ZSTD_e_end), 0u);
  ZSTD_freeCCtx(c);
  out.resize(o.pos);
  return out;
}

}  // namespace

TEST(Zstd, DecodesWithAndWithoutDeclaredSize) {
  const std::string plain = sample();
  std::string err;
  auto sized = compress_sized(plain), unsized = compress_unsized(plain);
  EXPECT_NE(ZSTD_getFrameContentSize(sized.data(), sized.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  EXPECT_EQ(ZSTD_getFrameContentSize(unsized.data(), unsized.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  EXPECT_EQ(zstd_decompress(sized, 1 << 20, err).value_or("failed: " + err), plain);
  EXPECT_EQ(zstd_decompress(unsized, 1 << 20, err).value_or("failed: " + err), plain);
  EXPECT_EQ(zstd_decompress(sized + sized, 1 << 20, err).value_or("failed: " + err), plain + plain);
}

TEST(Zstd, CapHolds) {
  const std::string plain = sample();
  std::string err;
  EXPECT_FALSE(zstd_decompress(compress_sized(plain), 100'000, err));  // refused from the header
  EXPECT_NE(err.find("more than"), std::string::npos) << err;
  err.clear();
  EXPECT_FALSE(zstd_decompress(compress_unsized(plain), 100'000, err));  // refused while decoding
  EXPECT_NE(err.find("more than"), std::string::npos) << err;
}

TEST(Zstd, CorruptAndTruncatedFail) {
  const std::string frame = compress_unsized(sample());
  std::string err;
  EXPECT_FALSE(zstd_decompress(frame.substr(0, frame.size() / 2), 1 << 20, err));
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
  std::string bad = frame;
  for (size_t i = 20; i < bad.size(); i += 7) bad[i] = static_cast<char>(bad[i] ^ 0x5A);
  EXPECT_FALSE(zstd_decompress(bad, 1 << 20, err));
  EXPECT_NE(err.find("zstd"), std::string::npos) << err;
  EXPECT_FALSE(zstd_decompress(std::string("\x28\xB5\x2F\xFD\x00\x01", 6), 1 << 20, err));
  EXPECT_FALSE(err.empty());
}
#else
TEST(Zstd, BuiltWithout) {
  std::string err;
  EXPECT_FALSE(zstd_supported());
  EXPECT_FALSE(zstd_decompress(std::string("\x28\xB5\x2F\xFD\x00\x01", 6), 1 << 20, err));
  EXPECT_NE(err.find("built without libzstd"), std::string::npos);
}
#endif
