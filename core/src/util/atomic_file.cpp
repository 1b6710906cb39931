#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace ra {
namespace {

std::string errno_text(const char *what, const std::filesystem::path &p) {
  return std::string(what) + " " + p.string() + ": " + std::strerror(errno);
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

status write_file_atomic(const std::filesystem::path &path, std::string_view contents, unsigned mode) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0) mode = existing.st_mode & 07777;

  std::random_device rd;
  std::string tmp_name =
      "." + path.filename().string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
  std::filesystem::path tmp = dir / tmp_name;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return internal_error(errno_text("cannot create", tmp));
  bool ok = write_all(fd, contents) && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    errno = saved;
    return internal_error(errno_text("cannot write", tmp));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    return internal_error(errno_text("cannot replace", path));
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return status::ok();
}

result<std::string> read_file(const std::filesystem::path &path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return status(errno == ENOENT ? RA_NOT_FOUND : RA_INTERNAL, errno_text("cannot open", path));
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      errno = saved;
      return internal_error(errno_text("cannot read", path));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return status(RA_OUT_OF_RANGE, path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace ra
