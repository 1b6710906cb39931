#include "policy/backup_store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <set>
#include <thread>

#include "util/atomic_file.hpp"

namespace ra::policy {
namespace {

namespace fs = std::filesystem;

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "ra-backup-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string contents(const fs::path &p) { return *ra::read_file(p); }

TEST(BackupStoreTest, CopiesThePreviousContents) {
  temp_dir t;
  fs::path file = t.path / "work" / "config.toml";
  fs::create_directories(file.parent_path());
  ASSERT_TRUE(ra::write_file_atomic(file, "old"));
  backup_store store(t.path / "backups", 10);

  result<fs::path> b = store.backup(file);
  ASSERT_TRUE(b) << b.error().to_string();
  ASSERT_TRUE(ra::write_file_atomic(file, "new"));
  EXPECT_EQ(contents(*b), "old");
  EXPECT_EQ(b->extension(), ".bak");
  EXPECT_TRUE(b->parent_path().parent_path() == t.path / "backups");
  struct stat st {};
  ASSERT_EQ(::stat(b->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // a backup may hold secrets
  ASSERT_EQ(store.list(file).size(), 1u);
  EXPECT_EQ(store.list(file)[0], *b);
  // No temp files are left behind.
  size_t entries = 0;
  for (auto &e : fs::directory_iterator(b->parent_path())) entries += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(entries, 1u);
}

TEST(BackupStoreTest, ErrorsForMissingRelativeAndNonRegularFiles) {
  temp_dir t;
  backup_store store(t.path / "backups", 10);
  EXPECT_EQ(store.backup(t.path / "missing").error().code(), RA_NOT_FOUND);
  EXPECT_EQ(store.backup("relative/file").error().code(), RA_INVALID_ARGUMENT);
  EXPECT_EQ(store.backup(t.path).error().code(), RA_FAILED_PRECONDITION);
  EXPECT_TRUE(store.list(t.path / "missing").empty());
}

// Many backups within one millisecond get distinct names, listed oldest first.
TEST(BackupStoreTest, VersionsAreOrderedAndRetentionKeepsTheNewest) {
  temp_dir t;
  fs::path file = t.path / "f.txt";
  backup_store store(t.path / "backups", 3);
  std::vector<fs::path> made;
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(ra::write_file_atomic(file, "v" + std::to_string(i)));
    result<fs::path> b = store.backup(file);
    ASSERT_TRUE(b) << b.error().to_string();
    made.push_back(*b);
  }
  EXPECT_EQ(std::set<fs::path>(made.begin(), made.end()).size(), made.size());
  std::vector<fs::path> kept = store.list(file);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(contents(kept[0]), "v4");
  EXPECT_EQ(contents(kept[1]), "v5");
  EXPECT_EQ(contents(kept[2]), "v6");
  EXPECT_EQ(kept.back(), made.back());
}

TEST(BackupStoreTest, ZeroMaxVersionsKeepsAll) {
  temp_dir t;
  fs::path file = t.path / "f";
  ASSERT_TRUE(ra::write_file_atomic(file, "x"));
  backup_store store(t.path / "backups", 0);
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(store.backup(file));
  EXPECT_EQ(store.list(file).size(), 12u);
}

// The reference pooled backups by basename across directories (REFERENCE-SPEC §17.26).
TEST(BackupStoreTest, SameBasenameInDifferentDirectoriesDoesNotShareRetention) {
  temp_dir t;
  fs::path a = t.path / "a" / "config.toml";
  fs::path b = t.path / "b" / "config.toml";
  fs::create_directories(a.parent_path());
  fs::create_directories(b.parent_path());
  backup_store store(t.path / "backups", 2);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(ra::write_file_atomic(a, "a" + std::to_string(i)));
    ASSERT_TRUE(store.backup(a));
  }
  ASSERT_TRUE(ra::write_file_atomic(b, "b0"));
  ASSERT_TRUE(store.backup(b));
  for (int i = 3; i < 6; ++i) {
    ASSERT_TRUE(ra::write_file_atomic(a, "a" + std::to_string(i)));
    ASSERT_TRUE(store.backup(a));
  }
  std::vector<fs::path> la = store.list(a);
  std::vector<fs::path> lb = store.list(b);
  ASSERT_EQ(la.size(), 2u);
  ASSERT_EQ(lb.size(), 1u);  // a's six backups did not push b's out
  EXPECT_EQ(contents(lb[0]), "b0");
  EXPECT_EQ(contents(la[1]), "a5");
}

// Directory names must be injective: "/x/a%2Fb" (a file whose name contains "%2F") and "/x/a/b"
// are different files.
TEST(BackupStoreTest, EscapedDirectoriesDoNotCollide) {
  temp_dir t;
  fs::path odd = t.path / "a%2Fb";
  fs::path nested = t.path / "a" / "b";
  fs::create_directories(nested.parent_path());
  ASSERT_TRUE(ra::write_file_atomic(odd, "odd"));
  ASSERT_TRUE(ra::write_file_atomic(nested, "nested"));
  backup_store store(t.path / "backups", 1);
  ASSERT_TRUE(store.backup(odd));
  ASSERT_TRUE(store.backup(nested));
  ASSERT_EQ(store.list(odd).size(), 1u);
  ASSERT_EQ(store.list(nested).size(), 1u);
  EXPECT_EQ(contents(store.list(odd)[0]), "odd");
  EXPECT_EQ(contents(store.list(nested)[0]), "nested");
  EXPECT_EQ(store.list(t.path / "a" / "." / "b"), store.list(nested));  // same file, same directory
}

TEST(BackupStoreTest, VeryLongPathsGetAHashedDirectoryName) {
  temp_dir t;
  fs::path dir = t.path;
  for (int i = 0; i < 6; ++i) dir /= std::string(60, static_cast<char>('a' + i));
  fs::create_directories(dir);
  fs::path file = dir / "f";
  ASSERT_TRUE(ra::write_file_atomic(file, "deep"));
  backup_store store(t.path / "backups", 5);
  result<fs::path> b = store.backup(file);
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_LE(b->parent_path().filename().string().size(), 200u);
  EXPECT_EQ(contents(*b), "deep");
}

TEST(BackupStoreTest, ConcurrentBackupsOfOneFileGetDistinctNames) {
  temp_dir t;
  fs::path file = t.path / "shared";
  ASSERT_TRUE(ra::write_file_atomic(file, "x"));
  backup_store store(t.path / "backups", 0);
  constexpr int threads = 4;
  constexpr int each = 10;
  std::vector<std::vector<fs::path>> made(threads);
  std::vector<std::thread> pool;
  for (int k = 0; k < threads; ++k) {
    pool.emplace_back([&, k] {
      for (int i = 0; i < each; ++i) {
        result<fs::path> b = store.backup(file);
        if (b) made[k].push_back(*b);
      }
    });
  }
  for (std::thread &th : pool) th.join();
  std::set<fs::path> all;
  for (auto &v : made) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(threads * each));
  EXPECT_EQ(store.list(file).size(), static_cast<size_t>(threads * each));
}

}  // namespace
}  // namespace ra::policy
