// Unit tests of sqlite_wal: real WAL files written by the sqlite3 library (rows only in the log are
// seen, a torn or corrupted last transaction is dropped while earlier ones stay, a shrinking commit
// truncates the image, garbage or mismatching logs are refused with a reason and change nothing).
#ifdef RA_SESSIONS_SQLITE
#include "sqlite_wal.hpp"

#include <gtest/gtest.h>

#include "wal_fixture.hpp"

using ra_sessions::apply_wal;

namespace {

constexpr uint64_t cap = 256ull << 20;
constexpr const char *count = "SELECT count(*) FROM t";

// Main file: one row. Log: two more transactions, the second one a multi-page blob (so it spans
// several frames and only its last frame commits).
wal_fixture::files three_rows() {
  return wal_fixture::make("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB); INSERT INTO t (v) VALUES ('a')",
                           {"INSERT INTO t (v) VALUES ('b')", "INSERT INTO t (v) VALUES (randomblob(20000))"});
}

uint32_t be32(const std::string &s, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

}  // namespace

TEST(SqliteWal, RowsOnlyInTheLogAreSeen) {
  auto f = three_rows();
  ASSERT_GT(f.wal.size(), 32u);
  EXPECT_EQ(wal_fixture::query_int(f.db, count), 1);  // the main file alone misses them
  std::string db = f.db, reason;
  auto r = apply_wal(db, f.wal, cap, reason);
  ASSERT_TRUE(r) << reason;
  EXPECT_EQ(r->commits, 2u);
  EXPECT_EQ(r->ignored_frames, 0u);
  EXPECT_GT(db.size(), f.db.size());  // the blob grew the database
  EXPECT_EQ(db.size(), static_cast<size_t>(r->db_pages) * r->page_size);
  EXPECT_EQ(wal_fixture::query_int(db, count), 3);
  EXPECT_EQ(wal_fixture::query_int(db, "SELECT length(v) FROM t WHERE id = 3"), 20000);
}

TEST(SqliteWal, LaterPageCopyWins) {
  // The same row updated in three transactions: the page is in the log three times.
  auto f = wal_fixture::make("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES (1, 0)",
                             {"UPDATE t SET v = 1", "UPDATE t SET v = 2", "UPDATE t SET v = 3"});
  std::string db = f.db, reason;
  ASSERT_TRUE(apply_wal(db, f.wal, cap, reason)) << reason;
  EXPECT_EQ(wal_fixture::query_int(db, "SELECT v FROM t"), 3);
}

TEST(SqliteWal, TornLastFrameDropsOnlyTheLastTransaction) {
  auto f = three_rows();
  std::string db = f.db, reason;
  auto r = apply_wal(db, std::string_view(f.wal).substr(0, f.wal.size() - 100), cap, reason);
  ASSERT_TRUE(r) << reason;
  EXPECT_EQ(r->commits, 1u);
  EXPECT_GT(r->ignored_frames, 1u);  // the blob's uncommitted frames and the torn one
  EXPECT_EQ(wal_fixture::query_int(db, count), 2);
}

TEST(SqliteWal, BadChecksumFrameEndsTheLog) {
  auto f = three_rows();
  uint32_t page = be32(f.wal, 8);
  size_t frame = 24 + page, frames = (f.wal.size() - 32) / frame;
  size_t first_commit = 0;  // the frame that commits the first logged transaction
  while (first_commit < frames && be32(f.wal, 32 + first_commit * frame + 4) == 0) ++first_commit;
  ASSERT_LT(first_commit + 2, frames);
  std::string wal = f.wal;
  wal[32 + (frames - 1) * frame + 24 + 10] ^= 0x55;  // page data of the last (commit) frame
  std::string db = f.db, reason;
  auto r = apply_wal(db, wal, cap, reason);
  ASSERT_TRUE(r) << reason;
  EXPECT_EQ(r->commits, 1u);
  EXPECT_EQ(wal_fixture::query_int(db, count), 2);

  // A wrong salt in the second transaction's first frame: only the first transaction counts.
  wal = f.wal;
  wal[32 + (first_commit + 1) * frame + 8] ^= 0x01;
  db = f.db;
  r = apply_wal(db, wal, cap, reason);
  ASSERT_TRUE(r) << reason;
  EXPECT_EQ(r->commits, 1u);
  EXPECT_EQ(wal_fixture::query_int(db, count), 2);
}

TEST(SqliteWal, ShrinkingCommitTruncatesTheImage) {
  auto f = wal_fixture::make(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB); INSERT INTO t (v) SELECT randomblob(4000) FROM "
      "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20) SELECT x FROM c)",
      {"DELETE FROM t", "VACUUM"});
  ASSERT_GT(f.db.size(), 80000u);
  std::string db = f.db, reason;
  auto r = apply_wal(db, f.wal, cap, reason);
  ASSERT_TRUE(r) << reason;
  EXPECT_LT(db.size(), f.db.size() / 4);
  EXPECT_EQ(db.size(), static_cast<size_t>(r->db_pages) * r->page_size);
  EXPECT_EQ(wal_fixture::query_int(db, count), 0);
  EXPECT_EQ(wal_fixture::query_int(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
}

TEST(SqliteWal, GarbageIsRefusedWithAReason) {
  auto f = three_rows();
  const std::string original = f.db;
  std::string db = f.db, reason;
  EXPECT_FALSE(apply_wal(db, "this is not a write-ahead log at all, just text", cap, reason));
  EXPECT_NE(reason.find("magic"), std::string::npos) << reason;
  EXPECT_FALSE(apply_wal(db, "short", cap, reason));
  EXPECT_FALSE(reason.empty());
  std::string wal = f.wal;
  wal[13] ^= 0x01;  // checkpoint sequence: breaks the header checksum
  EXPECT_FALSE(apply_wal(db, wal, cap, reason));
  EXPECT_NE(reason.find("checksum"), std::string::npos) << reason;
  EXPECT_FALSE(apply_wal(db, f.wal, 4096, reason));  // over the size cap
  EXPECT_NE(reason.find("exceed"), std::string::npos) << reason;
  std::string other = db;
  other[16] = 0x02;  // the main file claims 512-byte pages
  other[17] = 0x00;
  EXPECT_FALSE(apply_wal(other, f.wal, cap, reason));
  EXPECT_NE(reason.find("page size"), std::string::npos) << reason;
  EXPECT_EQ(db, original);  // nothing applied by a refused log
}

TEST(SqliteWal, HeaderOnlyLogChangesNothing) {
  auto f = three_rows();
  std::string db = f.db, reason;
  auto r = apply_wal(db, std::string_view(f.wal).substr(0, 32), cap, reason);
  ASSERT_TRUE(r) << reason;
  EXPECT_EQ(r->commits, 0u);
  EXPECT_EQ(db, f.db);
}

#endif
