#include "util/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "util/json.hpp"
#include "util/uuid.hpp"

namespace ra {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ra-atomic-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(AtomicFileTest, WritesReplacesAndKeepsMode) {
  auto p = dir_ / "f";
  ASSERT_TRUE(write_file_atomic(p, "one", 0600).is_ok());
  EXPECT_EQ(*read_file(p), "one");
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ::chmod(p.c_str(), 0640);
  ASSERT_TRUE(write_file_atomic(p, "two").is_ok());
  EXPECT_EQ(*read_file(p), "two");
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u) << "an existing file keeps its permissions";
  // No temp files are left behind.
  int entries = 0;
  for (auto &e : std::filesystem::directory_iterator(dir_)) entries += e.is_regular_file();
  EXPECT_EQ(entries, 1);
}

TEST_F(AtomicFileTest, FailureLeavesTheOldFile) {
  auto p = dir_ / "sub" / "f";
  auto st = write_file_atomic(p, "x");
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("cannot create"), std::string::npos);
  auto full = write_file_atomic("/dev/full/x", "x");
  EXPECT_FALSE(full.is_ok());
}

TEST_F(AtomicFileTest, ReadLimits) {
  auto p = dir_ / "big";
  ASSERT_TRUE(write_file_atomic(p, std::string(1000, 'a')).is_ok());
  EXPECT_FALSE(read_file(p, 999).is_ok());
  EXPECT_TRUE(read_file(p, 1000).is_ok());
  EXPECT_EQ(read_file(dir_ / "missing").error().code(), RA_NOT_FOUND);
}

TEST(UuidTest, Version4Format) {
  auto a = uuid_v4(), b = uuid_v4();
  EXPECT_NE(a, b);
  EXPECT_TRUE(looks_like_uuid(a));
  EXPECT_EQ(a[14], '4');
  EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
  EXPECT_FALSE(looks_like_uuid("not-a-uuid"));
}

TEST(JsonTest, ParseErrorsDepthAndUtf8) {
  rapidjson::Document d;
  auto st = json::parse("{\"a\": }", d);
  EXPECT_NE(st.message().find("invalid JSON at offset 6"), std::string::npos) << st.message();
  EXPECT_FALSE(json::parse("{} x", d).is_ok()) << "trailing garbage is an error";
  EXPECT_FALSE(json::parse(std::string(100, '[') + std::string(100, ']'), d).is_ok());
  EXPECT_TRUE(json::parse(std::string(60, '[') + std::string(60, ']'), d).is_ok());
  EXPECT_FALSE(json::parse("\"\xff\"", d).is_ok()) << "invalid UTF-8 is rejected";
  // Nested far deeper than max_depth: refused without recursing into it (this overflowed the stack).
  EXPECT_FALSE(json::parse(std::string(1 << 20, '[') + std::string(1 << 20, ']'), d).is_ok());
  EXPECT_EQ(json::depth(d), json::max_depth + 1) << "counted only up to the limit";
  // RapidJSON 1.1 lets a lone low surrogate escape through as ill-formed UTF-8 (found by fuzzing).
  EXPECT_FALSE(json::parse(R"(["\udc00"])", d).is_ok()) << "lone low surrogate";
  EXPECT_FALSE(json::parse(R"({"\ude00x":1})", d).is_ok()) << "in a key";
  EXPECT_TRUE(json::parse(R"("\ud83d\ude00")", d).is_ok()) << "a surrogate pair is fine";
  // Numbers parse exactly, so re-serialising a raw member does not change it (found by fuzzing).
  ASSERT_TRUE(json::parse("[-2.1475555555555558e81,1e23,0.1]", d).is_ok());
  const std::string once = json::to_string(d);
  EXPECT_EQ(once.substr(0, 24), "[-2.1475555555555558e81,");
  ASSERT_TRUE(json::parse(once, d).is_ok());
  EXPECT_EQ(json::to_string(d), once);
  EXPECT_TRUE(json::is_valid_utf8("héllo €𝄞"));
  for (const char *bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80"})
    EXPECT_FALSE(json::is_valid_utf8(bad)) << bad;
  EXPECT_EQ(json::to_valid_utf8("a\xff"
                                "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(json::base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(json::quote("a\"b\xff"), "\"a\\\"b\xef\xbf\xbd\"");
}

}  // namespace
}  // namespace ra
