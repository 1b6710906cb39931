// policy/mode_store.hpp — the machine-wide mode file <data_dir>/mode (one word, no newline),
// shared by every daemon process of the machine. Written atomically.
// Thread safety: safe from any thread (file operations only; current() re-reads the file).
#pragma once

#include <filesystem>
#include <optional>

#include "policy/mode.hpp"
#include "util/status.hpp"

namespace ra::policy {

class mode_store {
 public:
  mode_store(std::filesystem::path data_dir, mode config_default);
  // The mode file's value if present and valid, else the config default.
  mode current() const;
  // Writes the mode file atomically (temp + fsync + rename).
  status set(mode m);
  const std::filesystem::path &file() const { return file_; }

 private:
  std::filesystem::path file_;
  mode config_default_;
};

}  // namespace ra::policy
