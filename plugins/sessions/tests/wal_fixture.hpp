// wal_fixture.hpp — test helper: a real SQLite database in WAL mode, built with the sqlite3 library,
// whose main file and -wal file are copied while the connection is still open (closing the last
// connection would checkpoint the log into the main file and delete it).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace wal_fixture {

struct files {
  std::string db, wal;
};

inline std::string slurp(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void exec(sqlite3 *db, const std::string &sql) {
  char *err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (err ? err : "");
  sqlite3_free(err);
}

// `checkpointed` ends up in the main file; each of `in_wal` (one statement: its own transaction)
// is left in the log.
inline files make(const std::string &checkpointed, const std::vector<std::string> &in_wal) {
  static int n = 0;
  std::string path =
      testing::TempDir() + "/wal_fixture_" + std::to_string(getpid()) + "_" + std::to_string(n++) + ".db";
  sqlite3 *db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  exec(db, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;");
  exec(db, checkpointed);
  exec(db, "PRAGMA wal_checkpoint(TRUNCATE);");
  for (const auto &t : in_wal) exec(db, t);
  files out{slurp(path), slurp(path + "-wal")};
  sqlite3_close(db);
  for (const char *suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return out;
}

// One integer from a query over a database image (deserialized; the WAL-mode header bytes are
// switched to rollback mode so SQLite does not look for a log). -1 when the image is not readable.
inline long long query_int(std::string image, const char *sql) {
  if (image.size() < 100) return -1;
  image[18] = image[19] = 1;
  sqlite3 *db = nullptr;
  sqlite3_open(":memory:", &db);
  auto *buf = static_cast<unsigned char *>(sqlite3_malloc64(image.size()));
  memcpy(buf, image.data(), image.size());
  long long v = -1;
  if (sqlite3_deserialize(db, "main", buf, static_cast<sqlite3_int64>(image.size()),
                          static_cast<sqlite3_int64>(image.size()), SQLITE_DESERIALIZE_FREEONCLOSE) == SQLITE_OK) {
    sqlite3_stmt *st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return v;
}

}  // namespace wal_fixture
