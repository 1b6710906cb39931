// fake_host.hpp — an fs_host for the unit tests: opens like host->open_file would (the kinds,
// plan mode refusing writes, a lexical deny list, NOT_FOUND), with plain open() in a temp dir.
// It is not the security boundary (that is the core's open_beneath, tested there and end to end in
// tests/integration/path_escape_test.py): it lets the tools' logic run against a real file system.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fs_ops.hpp"
#include "text.hpp"

namespace ra_files::testing {

class temp_dir {
 public:
  temp_dir() {
    const char *base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/ra-files-test.XXXXXX";
    if (!::mkdtemp(pattern.data())) ADD_FAILURE() << "mkdtemp failed";
    path_ = std::filesystem::canonical(pattern).string();
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string &path() const { return path_; }
  std::string operator/(const std::string &rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline void write_text(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}
inline std::string read_text(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class fake_host : public fs_host {
 public:
  ra_mode mode = RA_MODE_EDIT;
  std::vector<std::string> denied;
  std::vector<std::string> allowed;  // like allowed_paths: empty = everything not denied
  std::vector<std::string> backups;  // paths backed up
  std::string home_dir;
  bool cancel = false;
  int64_t deadline = 0;
  int opens = 0;

  static bool under(const std::string &path, const std::string &d) { return path == d || path.starts_with(d + "/"); }
  bool is_denied(const std::string &path) const {
    for (const auto &d : denied)
      if (under(path, d)) return true;
    if (allowed.empty()) return false;
    for (const auto &a : allowed)
      if (under(path, a)) return false;
    return true;
  }

  opened open(const std::string &path, uint32_t how, uint32_t mode_bits) override {
    ++opens;
    const uint32_t kind = how & RA_OPEN_KIND_MASK;
    const bool write = kind == RA_OPEN_WRITE || kind == RA_OPEN_PARENT_FOR_WRITE;
    if (path.empty() || path[0] != '/') return {-1, RA_INVALID_ARGUMENT, "not absolute: " + path};
    if (is_denied(path)) return {-1, RA_PERMISSION_DENIED, "path denied by policy: " + path};
    if (write && mode == RA_MODE_PLAN) return {-1, RA_PERMISSION_DENIED, "plan mode is read-only"};
    int fd = -1;
    switch (kind) {
      case RA_OPEN_READ:
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        break;
      case RA_OPEN_DIRECTORY:
        fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        break;
      case RA_OPEN_WRITE:
        fd = ::open(
            path.c_str(),
            O_WRONLY | O_CLOEXEC | ((how & RA_OPEN_CREATE) ? O_CREAT : 0) | ((how & RA_OPEN_TRUNCATE) ? O_TRUNC : 0),
            mode_bits);
        break;
      case RA_OPEN_PARENT_FOR_WRITE:
        fd = ::open(parent_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        break;
      case RA_OPEN_STAT:
        fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
        break;
      default:
        return {-1, RA_INVALID_ARGUMENT, "bad kind"};
    }
    if (fd >= 0) {
      struct stat st {};
      if (kind == RA_OPEN_READ && ::fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        ::close(fd);
        return {-1, RA_FAILED_PRECONDITION, path + " is not a regular file"};
      }
      return {fd, RA_OK, {}};
    }
    int err = errno;
    if (err == ENOENT) return {-1, RA_NOT_FOUND, "no such file or directory: " + path};
    if (err == ENOTDIR) return {-1, RA_FAILED_PRECONDITION, "not a directory: " + path};
    return {-1, RA_INTERNAL, std::strerror(err)};
  }

  ra_status backup(const std::string &path, std::string &out) override {
    if (::access(path.c_str(), F_OK) != 0) return RA_NOT_FOUND;
    if (mode != RA_MODE_EDIT) {
      out.clear();
      return RA_OK;
    }
    backups.push_back(path);
    out = path + ".bak";
    std::filesystem::copy_file(path, out, std::filesystem::copy_options::overwrite_existing);
    return RA_OK;
  }

  bool may_read(const std::string &path) override { return !is_denied(path); }
  bool cancelled() override { return cancel; }
  std::string home() override { return home_dir; }
  int64_t deadline_ms() override { return deadline; }
};

}  // namespace ra_files::testing
