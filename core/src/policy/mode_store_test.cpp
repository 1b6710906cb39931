#include "policy/mode_store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "util/atomic_file.hpp"

namespace ra::policy {
namespace {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ra-mode-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

TEST(ModeStoreTest, ConfigDefaultWhenNoFile) {
  temp_dir t;
  EXPECT_EQ(mode_store(t.path, mode::plan).current(), mode::plan);
  EXPECT_EQ(mode_store(t.path, mode::edit).current(), mode::edit);
  EXPECT_EQ(mode_store(t.path, mode::plan).file(), t.path / "mode");
}

TEST(ModeStoreTest, SetWritesOneWordAndCurrentReadsIt) {
  temp_dir t;
  mode_store s(t.path / "nested" / "dir", mode::plan);  // set() creates the directory
  for (mode m : {mode::edit, mode::bypass, mode::disabled, mode::plan}) {
    ASSERT_TRUE(s.set(m)) << mode_name(m);
    EXPECT_EQ(s.current(), m);
    EXPECT_EQ(*ra::read_file(s.file()), mode_name(m));  // one word, no newline
  }
}

// Every daemon process of the machine shares the file; current() re-reads it on every call.
TEST(ModeStoreTest, OtherProcessesSeeChangesImmediately) {
  temp_dir t;
  mode_store a(t.path, mode::plan);
  mode_store b(t.path, mode::plan);
  ASSERT_TRUE(a.set(mode::edit));
  EXPECT_EQ(b.current(), mode::edit);
  ASSERT_TRUE(b.set(mode::disabled));
  EXPECT_EQ(a.current(), mode::disabled);
}

TEST(ModeStoreTest, HandEditedAndInvalidFiles) {
  temp_dir t;
  mode_store s(t.path, mode::plan);
  struct row {
    const char *contents;
    mode want;
  };
  const row rows[] = {
      {"edit\n", mode::edit}, {"  BYPASS \r\n", mode::bypass}, {"Disabled", mode::disabled}, {"", mode::plan},
      {"sudo", mode::plan},   {"edit plan", mode::plan},
  };
  for (const row &r : rows) {
    ASSERT_TRUE(ra::write_file_atomic(s.file(), r.contents));
    EXPECT_EQ(s.current(), r.want) << "'" << r.contents << "'";
  }
  ASSERT_TRUE(ra::write_file_atomic(s.file(), std::string(100, 'x')));  // oversized: ignored
  EXPECT_EQ(s.current(), mode::plan);
}

TEST(ModeStoreTest, SetFailsCleanlyWhenTheDirectoryCannotBeCreated) {
  temp_dir t;
  ASSERT_TRUE(ra::write_file_atomic(t.path / "file", "x"));
  mode_store s(t.path / "file" / "sub", mode::plan);
  EXPECT_FALSE(s.set(mode::edit));
  EXPECT_EQ(s.current(), mode::plan);
}

}  // namespace
}  // namespace ra::policy
