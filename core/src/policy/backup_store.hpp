// policy/backup_store.hpp — copies of files taken before they are overwritten in edit mode.
// Layout: <backup_dir>/<escaped absolute path>/<unix-millis>[-n].bak, so retention is per file
// (the reference pooled files by basename across directories, §17.26). Copies are atomic.
// Thread safety: safe from any thread; concurrent backups of one file get distinct names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "util/status.hpp"

namespace ra::policy {

class backup_store {
 public:
  backup_store(std::filesystem::path backup_dir, uint64_t max_versions /* 0 = keep all */);
  // Backs up `file` (absolute); returns the backup's path. RA_NOT_FOUND when file does not exist.
  // `opened` (not owned; -1 = open `file` here): the contents come from this descriptor — one the
  // caller opened confined beneath the policy roots — so a path swapped for a symlink between the
  // caller's check and the copy cannot put another file's contents into the store.
  result<std::filesystem::path> backup(const std::filesystem::path &file, int opened = -1);
  // Existing backups of `file`, oldest first.
  std::vector<std::filesystem::path> list(const std::filesystem::path &file) const;

 private:
  std::filesystem::path dir_for(const std::filesystem::path &file) const;
  std::filesystem::path root_;
  uint64_t max_versions_;
};

}  // namespace ra::policy
