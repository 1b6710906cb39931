#include "fs_ops.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>

#include <filesystem>

#include "fake_host.hpp"
#include "text.hpp"

namespace ra_files {
namespace {

namespace fs = std::filesystem;
using testing::fake_host;
using testing::read_text;
using testing::temp_dir;
using testing::write_text;

rapidjson::Document parse(const outcome &o) {
  rapidjson::Document d;
  d.Parse(o.json.c_str());
  EXPECT_FALSE(d.HasParseError()) << o.json;
  return d;
}

std::string q(const std::string &s) { return "\"" + s + "\""; }

class FilesOps : public ::testing::Test {
 protected:
  temp_dir t;
  fake_host h;
  settings s;
};

TEST(FilesSettings, DefaultsAndErrors) {
  std::string err;
  auto s = parse_settings("{}", err);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->max_read_bytes, 10u << 20);
  EXPECT_EQ(s->max_write_bytes, 10u << 20);
  s = parse_settings(R"({"max_read_bytes": 5, "max_write_bytes": 7})", err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->max_read_bytes, 5u);
  EXPECT_EQ(s->max_write_bytes, 7u);
  for (const char *bad : {R"({"max_read":1})", R"({"max_read_bytes":0})", R"({"max_read_bytes":"1"})", "[]"}) {
    EXPECT_FALSE(parse_settings(bad, err)) << bad;
    EXPECT_FALSE(err.empty());
  }
  parse_settings(R"({"colour":1})", err);
  EXPECT_NE(err.find("unknown key 'colour'"), std::string::npos);
}

TEST_F(FilesOps, ReadFileTextBinaryAndRanges) {
  write_text(t / "a.txt", "hello é world");
  auto o = read_file(h, s, "{\"path\":" + q(t / "a.txt") + "}");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  auto d = parse(o);
  EXPECT_STREQ(d["content"].GetString(), "hello é world");
  EXPECT_STREQ(d["encoding"].GetString(), "text");
  EXPECT_EQ(d["size"].GetUint64(), 14u);
  EXPECT_TRUE(d["eof"].GetBool());

  o = read_file(h, s, "{\"path\":" + q(t / "a.txt") + ",\"offset\":6,\"length\":2}");
  d = parse(o);
  EXPECT_STREQ(d["content"].GetString(), "é");
  EXPECT_FALSE(d["eof"].GetBool());
  EXPECT_EQ(d["length"].GetUint64(), 2u);
  // A range that cuts a character is not text: it comes back exactly, as base64.
  o = read_file(h, s, "{\"path\":" + q(t / "a.txt") + ",\"offset\":6,\"length\":1}");
  d = parse(o);
  EXPECT_STREQ(d["encoding"].GetString(), "base64");
  EXPECT_STREQ(d["content_base64"].GetString(), "ww==");
  EXPECT_TRUE(d.HasMember("note"));

  write_text(t / "bin", std::string("\x00\x01\xff", 3));
  o = read_file(h, s, "{\"path\":" + q(t / "bin") + "}");
  d = parse(o);
  EXPECT_STREQ(d["content_base64"].GetString(), "AAH/");
  EXPECT_FALSE(d.HasMember("content"));
  o = read_file(h, s, "{\"path\":" + q(t / "a.txt") + ",\"encoding\":\"base64\"}");
  d = parse(o);
  EXPECT_EQ(*base64_decode(d["content_base64"].GetString()), "hello é world");
  EXPECT_FALSE(d.HasMember("note"));

  o = read_file(h, s, "{\"path\":" + q(t / "a.txt") + ",\"offset\":14}");
  ASSERT_EQ(o.status, RA_OK);
  d = parse(o);
  EXPECT_STREQ(d["content"].GetString(), "");
  EXPECT_TRUE(d["eof"].GetBool());
  o = read_file(h, s, "{\"path\":" + q(t / "a.txt") + ",\"offset\":15}");
  EXPECT_EQ(o.status, RA_OUT_OF_RANGE);
  EXPECT_NE(o.message.find("past the end"), std::string::npos);
}

TEST_F(FilesOps, ReadFileLimitsAndErrors) {
  s.max_read_bytes = 10;
  write_text(t / "big", std::string(11, 'x'));
  auto o = read_file(h, s, "{\"path\":" + q(t / "big") + "}");
  EXPECT_EQ(o.status, RA_RESOURCE_EXHAUSTED);
  EXPECT_NE(o.message.find("offset and length"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("read_chunk"), std::string::npos);
  o = read_file(h, s, "{\"path\":" + q(t / "big") + ",\"offset\":1}");
  EXPECT_EQ(o.status, RA_OK) << o.message;  // the rest fits
  o = read_file(h, s, "{\"path\":" + q(t / "big") + ",\"length\":11}");
  EXPECT_EQ(o.status, RA_RESOURCE_EXHAUSTED);
  o = read_file(h, s, "{\"path\":" + q(t / "missing") + "}");
  EXPECT_EQ(o.status, RA_NOT_FOUND);
  o = read_file(h, s, "{\"path\":" + q(t.path()) + "}");
  EXPECT_EQ(o.status, RA_FAILED_PRECONDITION);
  h.denied = {t / "big"};
  o = read_file(h, s, "{\"path\":" + q(t / "big") + "}");
  EXPECT_EQ(o.status, RA_PERMISSION_DENIED);
}

TEST_F(FilesOps, ReadChunkIsBase64WithEof) {
  write_text(t / "f", "0123456789");
  auto o = read_chunk(h, s, "{\"path\":" + q(t / "f") + ",\"offset\":8,\"length\":4}");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  auto d = parse(o);
  EXPECT_EQ(*base64_decode(d["content_base64"].GetString()), "89");
  EXPECT_EQ(d["length"].GetUint64(), 2u);
  EXPECT_EQ(d["size"].GetUint64(), 10u);
  EXPECT_TRUE(d["eof"].GetBool());
  o = read_chunk(h, s, "{\"path\":" + q(t / "f") + ",\"offset\":11,\"length\":4}");
  EXPECT_EQ(o.status, RA_OUT_OF_RANGE);
}

TEST_F(FilesOps, WriteFileCreatesAndReplacesAtomically) {
  auto o = write_file(h, s, "{\"path\":" + q(t / "new.txt") + ",\"content\":\"one\"}");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  auto d = parse(o);
  EXPECT_TRUE(d["created"].GetBool());
  EXPECT_TRUE(d["backup"].IsNull());
  EXPECT_EQ(d["bytes_written"].GetUint64(), 3u);
  EXPECT_EQ(read_text(t / "new.txt"), "one");
  struct stat st {};
  ASSERT_EQ(::stat((t / "new.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);

  ASSERT_EQ(::chmod((t / "new.txt").c_str(), 0600), 0);
  o = write_file(h, s, "{\"path\":" + q(t / "new.txt") + ",\"content\":\"dHdv\",\"encoding\":\"base64\"}");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  d = parse(o);
  EXPECT_FALSE(d["created"].GetBool());
  EXPECT_EQ(std::string(d["backup"].GetString()), t / "new.txt.bak");
  EXPECT_EQ(read_text(t / "new.txt.bak"), "one");
  EXPECT_EQ(read_text(t / "new.txt"), "two");
  ASSERT_EQ(::stat((t / "new.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u) << "permissions are kept";
  // No temporary file is left behind.
  for (auto &e : fs::directory_iterator(t.path()))
    EXPECT_EQ(e.path().filename().string().find(".ra-"), std::string::npos) << e.path();

  o = write_file(h, s, "{\"path\":" + q(t / "new.txt") + ",\"content\":\"3\",\"create_backup\":false}");
  ASSERT_EQ(o.status, RA_OK);
  EXPECT_TRUE(parse(o)["backup"].IsNull());
  EXPECT_EQ(h.backups.size(), 1u);
  h.mode = RA_MODE_BYPASS;  // the host takes no backup outside edit mode
  o = write_file(h, s, "{\"path\":" + q(t / "new.txt") + ",\"content\":\"4\"}");
  EXPECT_TRUE(parse(o)["backup"].IsNull());
}

TEST_F(FilesOps, WriteFileRefusals) {
  auto o = write_file(h, s, "{\"path\":" + q(t / "a/b/c.txt") + ",\"content\":\"x\"}");
  EXPECT_EQ(o.status, RA_NOT_FOUND);
  EXPECT_NE(o.message.find("create_parents"), std::string::npos);
  o = write_file(h, s, "{\"path\":" + q(t / "a/b/c.txt") + ",\"content\":\"x\",\"create_parents\":true}");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  EXPECT_EQ(parse(o)["created_dirs"].Size(), 2u);
  EXPECT_EQ(read_text(t / "a/b/c.txt"), "x");
  for (const std::string &bad : {t / "a/", t / "a/.", t / "a/.."}) {
    o = write_file(h, s, "{\"path\":" + q(bad) + ",\"content\":\"x\"}");
    EXPECT_EQ(o.status, RA_INVALID_ARGUMENT) << bad;
  }
  o = write_file(h, s, "{\"path\":" + q(t / "a") + ",\"content\":\"x\"}");
  EXPECT_EQ(o.status, RA_FAILED_PRECONDITION);
  s.max_write_bytes = 2;
  o = write_file(h, s, "{\"path\":" + q(t / "z") + ",\"content\":\"xyz\"}");
  EXPECT_EQ(o.status, RA_RESOURCE_EXHAUSTED);
  EXPECT_FALSE(fs::exists(t / "z"));
  o = write_file(h, s, "{\"path\":" + q(t / "z") + ",\"content\":\"!!\",\"encoding\":\"base64\"}");
  EXPECT_EQ(o.status, RA_INVALID_ARGUMENT);
  h.mode = RA_MODE_PLAN;
  s.max_write_bytes = 100;
  o = write_file(h, s, "{\"path\":" + q(t / "z") + ",\"content\":\"x\"}");
  EXPECT_EQ(o.status, RA_PERMISSION_DENIED);
  EXPECT_FALSE(fs::exists(t / "z"));
}

TEST_F(FilesOps, WriteFileFollowsSymlinksThroughTheHost) {
  write_text(t / "real.txt", "old");
  fs::create_symlink("real.txt", t / "link");
  auto o = write_file(h, s, "{\"path\":" + q(t / "link") + ",\"content\":\"new\"}");
  ASSERT_EQ(o.status, RA_OK) << o.message;
  auto d = parse(o);
  EXPECT_EQ(std::string(d["path"].GetString()), t / "real.txt");
  EXPECT_EQ(std::string(d["via_symlink"].GetString()), t / "link");
  EXPECT_TRUE(fs::is_symlink(t / "link"));
  EXPECT_EQ(read_text(t / "real.txt"), "new");
  // The target is opened through the host like any path: a denied target is refused.
  fs::create_directories(t / "private");
  fs::create_symlink(t / "private/key", t / "to_private");
  h.denied = {t / "private"};
  o = write_file(h, s, "{\"path\":" + q(t / "to_private") + ",\"content\":\"x\"}");
  EXPECT_EQ(o.status, RA_PERMISSION_DENIED);
  EXPECT_FALSE(fs::exists(t / "private/key"));
  fs::create_symlink("loop2", t / "loop1");
  fs::create_symlink("loop1", t / "loop2");
  o = write_file(h, s, "{\"path\":" + q(t / "loop1") + ",\"content\":\"x\"}");
  EXPECT_EQ(o.status, RA_FAILED_PRECONDITION);
}

TEST_F(FilesOps, ListDirSortsFiltersAndHides) {
  fs::create_directories(t / "d/zdir");
  fs::create_directories(t / "d/adir");
  write_text(t / "d/b.txt", "12345");
  write_text(t / "d/a.log", "1");
  write_text(t / "d/c.txt", "123");
  fs::create_symlink("b.txt", t / "d/link");
  write_text(t / "d/secret", "s");
  h.denied = {t / "d/secret"};
  auto names = [&](const std::string &extra) {
    auto o = list_dir(h, s, "{\"path\":" + q(t / "d") + extra + "}");
    EXPECT_EQ(o.status, RA_OK) << o.message;
    auto d = parse(o);
    std::vector<std::string> out;
    for (auto &e : d["entries"].GetArray()) out.emplace_back(e["name"].GetString());
    return out;
  };
  using v = std::vector<std::string>;
  EXPECT_EQ(names(""), (v{"adir", "zdir", "a.log", "b.txt", "c.txt", "link"}));
  EXPECT_EQ(names(",\"dirs_first\":false"), (v{"a.log", "adir", "b.txt", "c.txt", "link", "zdir"}));
  EXPECT_EQ(names(",\"pattern\":\"*.txt\""), (v{"b.txt", "c.txt"}));
  EXPECT_EQ(names(",\"pattern\":\"dir\""), (v{"adir", "zdir"}));  // no glob characters: substring
  EXPECT_EQ(names(",\"pattern\":\"*.txt\",\"sort\":\"size\""), (v{"b.txt", "c.txt"}));
  EXPECT_EQ(names(",\"pattern\":\"*.txt\",\"sort\":\"size\",\"reverse\":true"), (v{"c.txt", "b.txt"}));
  auto o = list_dir(h, s, "{\"path\":" + q(t / "d") + ",\"limit\":2}");
  auto d = parse(o);
  EXPECT_EQ(d["entries"].Size(), 2u);
  EXPECT_EQ(d["total"].GetUint64(), 6u);
  EXPECT_TRUE(d["truncated"].GetBool());
  o = list_dir(h, s, "{\"path\":" + q(t / "d") + ",\"pattern\":\"link\"}");
  d = parse(o);
  const auto &e = d["entries"][0];
  EXPECT_STREQ(e["type"].GetString(), "symlink");
  EXPECT_STREQ(e["target"].GetString(), "b.txt");
  EXPECT_EQ(std::string(e["mtime"].GetString()).size(), 20u);
  EXPECT_EQ(std::string(e["mode"].GetString()).size(), 4u);
  o = list_dir(h, s, "{\"path\":" + q(t / "d/b.txt") + "}");
  EXPECT_EQ(o.status, RA_FAILED_PRECONDITION);
}

TEST_F(FilesOps, FileStat) {
  write_text(t / "img.png", "not really");
  write_text(t / "noext", "\x89PNG\r\n\x1a\nxxxx");
  write_text(t / "notes", "just text\n");
  fs::create_symlink("notes", t / "alias");
  auto stat_of = [&](const std::string &p) {
    auto o = file_stat(h, s, "{\"path\":" + q(p) + "}");
    EXPECT_EQ(o.status, RA_OK) << o.message;
    return parse(o);
  };
  auto d = stat_of(t / "img.png");
  EXPECT_TRUE(d["is_image"].GetBool());
  EXPECT_STREQ(d["mime"].GetString(), "image/png");
  EXPECT_STREQ(d["type"].GetString(), "file");
  d = stat_of(t / "noext");
  EXPECT_TRUE(d["is_image"].GetBool()) << "by magic";
  d = stat_of(t / "notes");
  EXPECT_STREQ(d["mime"].GetString(), "text/plain");
  EXPECT_FALSE(d["is_image"].GetBool());
  d = stat_of(t / "alias");
  EXPECT_TRUE(d["is_symlink"].GetBool());
  EXPECT_STREQ(d["target"].GetString(), "notes");
  EXPECT_EQ(d["size"].GetUint64(), 10u);
  d = stat_of(t.path());
  EXPECT_STREQ(d["type"].GetString(), "dir");
  EXPECT_STREQ(d["mime"].GetString(), "inode/directory");
  auto o = file_stat(h, s, "{\"path\":" + q(t / "nope") + "}");
  EXPECT_EQ(o.status, RA_NOT_FOUND);
}

}  // namespace
}  // namespace ra_files
