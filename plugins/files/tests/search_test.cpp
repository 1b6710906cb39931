#include "search.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <filesystem>

#include "fake_host.hpp"

namespace ra_files {
namespace {

namespace fs = std::filesystem;
using testing::fake_host;
using testing::temp_dir;
using testing::write_text;

class FilesSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(t / "docs/deep/er");
    fs::create_directories(t / "node_modules/pkg");
    fs::create_directories(t / "private");
    write_text(t / "Report-2024.pdf", "pdf");
    write_text(t / "docs/report.txt", "line one\nthe needle is here\n");
    write_text(t / "docs/deep/er/notes.md", "nothing\n");
    write_text(t / "docs/deep/photo.JPG", "jpg");
    write_text(t / "docs/bin.dat", std::string("needle\0binary", 13));
    write_text(t / "node_modules/pkg/report.js", "needle");
    write_text(t / "private/report-secret.txt", "needle");
    fs::create_symlink(t / "docs", t / "docs_link");  // never followed
    h.home_dir = t.path();
  }

  rapidjson::Document run(const std::string &args, ra_status want = RA_OK) {
    auto o = file_search(h, s, args);
    EXPECT_EQ(o.status, want) << o.message;
    rapidjson::Document d;
    d.Parse(o.json.c_str());
    return d;
  }
  std::vector<std::string> paths(const rapidjson::Document &d) {
    std::vector<std::string> out;
    for (auto &hit : d["hits"].GetArray())
      out.emplace_back(std::string(hit["path"].GetString()).substr(t.path().size()));
    return out;
  }
  std::string roots() { return ",\"roots\":[\"" + t.path() + "\"]"; }

  temp_dir t;
  fake_host h;
  settings s;
};

using v = std::vector<std::string>;

TEST_F(FilesSearch, ByNameBreadthFirstPrunedAndWithoutSymlinks) {
  auto d = run("{\"query\":\"report\"" + roots() + "}");
  // Shallow first; the pruned node_modules and the symlinked docs_link are not entered.
  EXPECT_EQ(paths(d), (v{"/Report-2024.pdf", "/docs/report.txt", "/private/report-secret.txt"}));
  EXPECT_FALSE(d["truncated"].GetBool());
  EXPECT_FALSE(d["timed_out"].GetBool());
  d = run("{\"query\":\"*.md\"" + roots() + "}");
  EXPECT_EQ(paths(d), (v{"/docs/deep/er/notes.md"}));
  d = run("{\"query\":\"*.md\",\"max_depth\":2" + roots() + "}");
  EXPECT_TRUE(paths(d).empty());
}

TEST_F(FilesSearch, DeniedPlacesAreNeitherEnteredNorReported) {
  h.denied = {t / "private", t / "Report-2024.pdf"};
  auto d = run("{\"query\":\"report\"" + roots() + "}");
  EXPECT_EQ(paths(d), (v{"/docs/report.txt"}));
  EXPECT_EQ(d["skipped_dirs"].GetUint64(), 1u);
}

TEST_F(FilesSearch, ByContentWithLinesSkippingBinaries) {
  auto d = run("{\"query\":\"needle\",\"kind\":\"content\"" + roots() + "}");
  EXPECT_EQ(paths(d), (v{"/docs/report.txt", "/private/report-secret.txt"}));
  EXPECT_EQ(d["hits"][0]["line"].GetUint64(), 2u);
  EXPECT_GE(d["skipped_files"].GetUint64(), 1u);  // bin.dat
  d = run("{\"query\":\"needle\",\"kind\":\"content\",\"max_file_bytes\":5" + roots() + "}");
  EXPECT_TRUE(paths(d).empty());
}

TEST_F(FilesSearch, ImagesAndLimits) {
  auto d = run("{\"query\":\"*\",\"kind\":\"image\"" + roots() + "}");
  EXPECT_EQ(paths(d), (v{"/docs/deep/photo.JPG"}));
  EXPECT_TRUE(d["hits"][0]["is_image"].GetBool());
  d = run("{\"query\":\"txt\",\"kind\":\"image\"" + roots() + "}");
  EXPECT_TRUE(paths(d).empty());
  d = run("{\"query\":\"r\",\"max_hits\":2" + roots() + "}");
  EXPECT_EQ(d["hits"].Size(), 2u);
  EXPECT_TRUE(d["truncated"].GetBool());
}

TEST_F(FilesSearch, TimeoutAndCancel) {
  for (int i = 0; i < 300; ++i) write_text(t / ("docs/f" + std::to_string(i)), "x");
  h.deadline = monotonic_ms() - 1;  // the call's deadline has passed
  auto d = run("{\"query\":\"zzz\"" + roots() + "}");
  EXPECT_TRUE(d["timed_out"].GetBool());
  h.deadline = 0;
  h.cancel = true;
  run("{\"query\":\"zzz\"" + roots() + "}", RA_CANCELLED);
}

TEST_F(FilesSearch, Roots) {
  // Default: $HOME (the subdirectories would be inside it).
  auto d = run("{\"query\":\"notes\"}");
  ASSERT_EQ(d["roots"].Size(), 1u);
  EXPECT_EQ(std::string(d["roots"][0].GetString()), t.path());
  // HOME outside the allowed paths: the allowed standard folders below it that exist.
  fs::create_directories(t / "Documents");
  fs::create_directories(t / "Pictures");
  h.allowed = {t / "Documents", t / "Pictures", t / "Desktop", t / "docs", t / "nope"};
  d = run("{\"query\":\"notes\"}");
  EXPECT_EQ(d["roots"].Size(), 2u);
  EXPECT_FALSE(d.HasMember("skipped_roots")) << "a default root that is not allowed or missing is no news";
  h.allowed.clear();
  // Nested roots fold into their ancestor; a missing one is reported.
  d = run("{\"query\":\"notes\",\"roots\":[\"" + t.path() + "\",\"" + (t / "docs") + "\",\"" + (t / "nope") + "\"]}");
  EXPECT_EQ(d["roots"].Size(), 1u);
  EXPECT_EQ(d["skipped_roots"].Size(), 1u);
  h.home_dir = "";
  run("{\"query\":\"x\"}", RA_PERMISSION_DENIED);
  run("{\"query\":\"   \"" + roots() + "}", RA_INVALID_ARGUMENT);
}

TEST(FilesSearchStream, FindsAcrossChunkBoundariesAndCountsLines) {
  temp_dir t;
  for (size_t at : {size_t(0), size_t(65530), size_t(65536), size_t(70000)}) {
    std::string text(80000, 'a');
    for (size_t i = 100; i < text.size(); i += 1000) text[i] = '\n';
    text.replace(at, 6, "needle");
    write_text(t / "f", text);
    int fd = ::open((t / "f").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    bool binary = false;
    uint64_t line = find_in_fd(fd, "needle", binary);
    ::close(fd);
    uint64_t want =
        static_cast<uint64_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n')) + 1;
    EXPECT_EQ(line, want) << "at " << at;
    EXPECT_FALSE(binary);
  }
  write_text(t / "b", std::string("x\0needle", 8));
  int fd = ::open((t / "b").c_str(), O_RDONLY);
  bool binary = false;
  EXPECT_EQ(find_in_fd(fd, "needle", binary), 0u);
  EXPECT_TRUE(binary);
  ::close(fd);
}

}  // namespace
}  // namespace ra_files
