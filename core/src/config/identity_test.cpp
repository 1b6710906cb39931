// config/identity_test.cpp — the persistent agent id: creation, reuse, refusal to replace a
// damaged one, and agreement between concurrent first starts.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "config/config.hpp"
#include "util/uuid.hpp"

namespace ra::config {
namespace {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ra-identity-test.XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::string read_all(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const std::filesystem::path &p, const std::string &text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

unsigned permissions(const std::filesystem::path &p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST(IdentityTest, CreatesAPrivateUuidOnFirstUse) {
  temp_dir tmp;
  auto data = tmp.path / "share" / "remote-agents";  // neither level exists yet
  auto id = load_or_create_agent_id(data);
  ASSERT_TRUE(id.is_ok()) << id.error().message();
  EXPECT_TRUE(looks_like_uuid(*id)) << *id;
  EXPECT_EQ(id->at(14), '4');                   // version 4
  EXPECT_EQ(read_all(data / "agent-id"), *id);  // reference format: no newline
  EXPECT_EQ(permissions(data / "agent-id"), 0600u);
  EXPECT_EQ(permissions(data), 0700u);
  EXPECT_EQ(permissions(tmp.path / "share"), 0700u);
  // Only the id file is left behind, no staging files.
  size_t entries = 0;
  for (const auto &e : std::filesystem::directory_iterator(data)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST(IdentityTest, ReusesThePersistedId) {
  temp_dir tmp;
  auto first = load_or_create_agent_id(tmp.path);
  auto second = load_or_create_agent_id(tmp.path);
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(*first, *second);
}

TEST(IdentityTest, ReadsAReferenceWrittenIdTrimmed) {
  struct tc {
    std::string content, id;
  };
  for (const tc &t :
       std::vector<tc>{{"0b7c6a52-3f1e-4c2d-9a8b-1234567890ab", "0b7c6a52-3f1e-4c2d-9a8b-1234567890ab"},
                       {"  0b7c6a52-3f1e-4c2d-9a8b-1234567890ab\n", "0b7c6a52-3f1e-4c2d-9a8b-1234567890ab"},
                       {"\t0B7C6A52-3F1E-4C2D-9A8B-1234567890AB\r\n", "0B7C6A52-3F1E-4C2D-9A8B-1234567890AB"}}) {
    temp_dir tmp;
    write(tmp.path / "agent-id", t.content);
    auto id = load_or_create_agent_id(tmp.path);
    ASSERT_TRUE(id.is_ok()) << id.error().message();
    EXPECT_EQ(*id, t.id);
  }
}

TEST(IdentityTest, ADamagedIdFileIsAnErrorAndIsLeftAlone) {
  for (std::string content :
       {"", "  \n", "not-a-uuid", "0b7c6a52-3f1e-4c2d-9a8b-1234567890a", "0b7c6a52_3f1e_4c2d_9a8b_1234567890ab"}) {
    temp_dir tmp;
    write(tmp.path / "agent-id", content);
    auto id = load_or_create_agent_id(tmp.path);
    ASSERT_FALSE(id.is_ok()) << "accepted '" << content << "'";
    EXPECT_EQ(id.error().code(), RA_FAILED_PRECONDITION);
    EXPECT_NE(id.error().message().find((tmp.path / "agent-id").string()), std::string::npos);
    EXPECT_EQ(read_all(tmp.path / "agent-id"), content);  // never replaced by a new identity
  }
}

TEST(IdentityTest, AnUnreadableIdFileIsAnError) {
  temp_dir tmp;
  std::filesystem::create_directories(tmp.path / "agent-id");  // a directory: cannot be read
  auto id = load_or_create_agent_id(tmp.path);
  EXPECT_FALSE(id.is_ok());
}

TEST(IdentityTest, ADataDirThatIsAFileIsAnError) {
  temp_dir tmp;
  write(tmp.path / "blocker", "x");
  auto id = load_or_create_agent_id(tmp.path / "blocker" / "remote-agents");
  EXPECT_FALSE(id.is_ok());
}

TEST(IdentityTest, ConcurrentFirstStartsAgreeOnOneId) {
  temp_dir tmp;
  constexpr int n = 8;
  std::vector<std::string> ids(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      auto id = load_or_create_agent_id(tmp.path / "data");
      ids[i] = id ? *id : "error: " + id.error().message();
    });
  for (auto &t : threads) t.join();
  std::set<std::string> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), 1u) << ::testing::PrintToString(ids);
  EXPECT_EQ(read_all(tmp.path / "data" / "agent-id"), ids[0]);
}

TEST(IdentityTest, AnExplicitIdWinsOverThePersistedOne) {
  temp_dir tmp;
  config c = defaults();
  c.id = "pinned";
  auto id = effective_agent_id(c, tmp.path);
  ASSERT_TRUE(id.is_ok());
  EXPECT_EQ(*id, "pinned");
  EXPECT_FALSE(std::filesystem::exists(tmp.path / "agent-id"));  // not even created

  c.id.reset();
  auto persisted = effective_agent_id(c, tmp.path);
  ASSERT_TRUE(persisted.is_ok());
  EXPECT_EQ(*persisted, read_all(tmp.path / "agent-id"));

  c.id = "   ";  // blank = not explicit
  auto again = effective_agent_id(c, tmp.path);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(*again, *persisted);
}

TEST(IdentityTest, TheInitTemplatePinsNoId) {
  // REFERENCE-SPEC §17.35: its `init` wrote a random explicit id, overriding agent-id.
  temp_dir tmp;
  auto persisted = load_or_create_agent_id(tmp.path);
  ASSERT_TRUE(persisted.is_ok());
  auto from_template = parse_text(init_template(), "config.toml");
  ASSERT_TRUE(from_template.is_ok());
  auto id = effective_agent_id(from_template->cfg, tmp.path);
  ASSERT_TRUE(id.is_ok());
  EXPECT_EQ(*id, *persisted);
}

}  // namespace
}  // namespace ra::config
