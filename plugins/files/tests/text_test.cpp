#include "text.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <random>

namespace ra_files {
namespace {

TEST(FilesText, Utf8) {
  EXPECT_TRUE(is_utf8("plain ascii"));
  EXPECT_TRUE(is_utf8("aé€𝄞z"));
  EXPECT_FALSE(is_utf8("\xff"));
  EXPECT_FALSE(is_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_utf8("\xe2\x82"));          // cut off
  EXPECT_EQ(lossy_utf8("a\xffz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(lossy_utf8("é"), "é");
}

TEST(FilesText, Base64RoundTripsEveryLength) {
  std::mt19937 rng(7);
  for (size_t n = 0; n < 300; ++n) {
    std::string bytes(n, '\0');
    for (char &c : bytes) c = static_cast<char>(rng());
    std::string enc = base64_encode(bytes);
    EXPECT_EQ(enc.size() % 4, 0u);
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec) << n;
    EXPECT_EQ(*dec, bytes) << n;
  }
  EXPECT_EQ(base64_encode("ok\xff"), "b2v/");
  EXPECT_EQ(*base64_decode("b2v/\n"), "ok\xff");
  EXPECT_EQ(*base64_decode("aGk"), "hi");  // padding optional
  for (const char *bad : {"a", "ab=c", "a!bc", "abc==="}) EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(FilesText, PathsAreLexical) {
  EXPECT_EQ(normalize_path("/a/b/../c/./d/", "/x"), "/a/c/d");
  EXPECT_EQ(normalize_path("rel/../x", "/cwd"), "/cwd/x");
  EXPECT_EQ(normalize_path("/../../..", "/"), "/");
  EXPECT_EQ(normalize_path("//a//b", "/"), "/a/b");
  // Encodings are names, never decoded.
  EXPECT_EQ(normalize_path("/r/%2e%2e/x", "/"), "/r/%2e%2e/x");
  EXPECT_EQ(parent_of("/a/b"), "/a");
  EXPECT_EQ(parent_of("/a"), "/");
  EXPECT_EQ(base_of("/a/b"), "b");
  EXPECT_EQ(base_of("/"), "");
  EXPECT_EQ(join("/", "x"), "/x");
  EXPECT_EQ(join("/a", "x"), "/a/x");
  EXPECT_EQ(last_component("a/b/"), "");
  EXPECT_EQ(last_component("a/."), ".");
  EXPECT_EQ(last_component("file"), "file");
}

TEST(FilesText, NameMatching) {
  EXPECT_TRUE(name_matches("*.txt", "a.txt", false));
  EXPECT_FALSE(name_matches("*.txt", "a.TXT", false));
  EXPECT_TRUE(name_matches("*.txt", "a.TXT", true));
  EXPECT_TRUE(name_matches("rep", "Report.pdf", true));
  EXPECT_FALSE(name_matches("rep", "Report.pdf", false));
  EXPECT_TRUE(name_matches("file?.[ch]", "file1.c", false));
  EXPECT_TRUE(contains_ascii_nocase("HeLLo", "ll"));
  EXPECT_FALSE(contains_ascii_nocase("he", "hello"));
}

TEST(FilesText, MimeAndImages) {
  EXPECT_EQ(*mime_from_name("a.PNG"), "image/png");
  EXPECT_EQ(*mime_from_name("x.json"), "application/json");
  EXPECT_FALSE(mime_from_name("Makefile"));
  EXPECT_FALSE(mime_from_name(".bashrc"));
  EXPECT_TRUE(is_image_name("photo.JPeG"));
  EXPECT_FALSE(is_image_name("photo.txt"));
  EXPECT_EQ(*image_mime_from_magic("\x89PNG\r\n\x1a\nrest"), "image/png");
  EXPECT_EQ(*image_mime_from_magic("\xFF\xD8\xFF\xE0"), "image/jpeg");
  EXPECT_EQ(*image_mime_from_magic("GIF89a...."), "image/gif");
  EXPECT_EQ(*image_mime_from_magic(std::string("RIFF\0\0\0\0WEBPVP8 ", 16)), "image/webp");
  EXPECT_FALSE(image_mime_from_magic("hello world"));
}

TEST(FilesText, Formatting) {
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601_utc(1714566896), "2024-05-01T12:34:56Z");
  EXPECT_EQ(mode_string(S_IFREG | 0644), "0644");
  EXPECT_EQ(mode_string(S_IFDIR | 01777), "1777");
  EXPECT_STREQ(type_name(S_IFREG), "file");
  EXPECT_STREQ(type_name(S_IFDIR), "dir");
  EXPECT_STREQ(type_name(S_IFLNK), "symlink");
  EXPECT_STREQ(type_name(S_IFIFO), "other");
}

}  // namespace
}  // namespace ra_files
