#include "policy/backup_store.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE (glibc ≥ 2.28)
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <random>
#include <utility>

#include "policy/policy.hpp"

namespace ra::policy {
namespace {

// A backup's position in time: <millis>.bak or <millis>-<n>.bak (n-th in the same millisecond).
struct version {
  uint64_t millis = 0;
  uint64_t n = 0;
  bool operator<(const version &o) const { return std::pair(millis, n) < std::pair(o.millis, o.n); }
};

bool parse_number(std::string_view s, uint64_t &out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

std::optional<version> parse_backup_name(std::string_view name) {
  if (!name.ends_with(".bak")) return std::nullopt;
  name.remove_suffix(4);
  size_t dash = name.find('-');
  version v;
  if (!parse_number(name.substr(0, dash), v.millis)) return std::nullopt;
  if (dash != std::string_view::npos && !parse_number(name.substr(dash + 1), v.n)) return std::nullopt;
  return v;
}

std::string backup_name(version v) {
  return std::to_string(v.millis) + (v.n != 0 ? "-" + std::to_string(v.n) : std::string()) + ".bak";
}

uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// One directory name per absolute path, reversibly: '%', '/' and control bytes are percent-encoded,
// so "/a/b_c" and "/a_b/c" never share a directory (the reference pooled by basename, §17.26).
// A name too long for the file system is cut and ends in "%~<hash>", which no encoding produces.
std::string escape_path(std::string_view path) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (c == '%' || c == '/' || c < 0x20 || c == 0x7f) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  constexpr size_t max_name = 200;  // NAME_MAX is 255 on the usual Linux file systems
  if (out.size() > max_name) {
    uint64_t h = fnv1a64(path);
    std::string tail = "%~";
    for (int shift = 60; shift >= 0; shift -= 4) tail += hex[(h >> shift) & 15];
    out = out.substr(0, max_name - tail.size()) + tail;
  }
  return out;
}

std::string errno_text(const char *what, const std::filesystem::path &p) {
  return std::string(what) + " " + p.string() + ": " + std::strerror(errno);
}

struct fd_closer {
  int fd;
  ~fd_closer() {
    if (fd >= 0) ::close(fd);
  }
};

bool copy_fd(int in, int out) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return true;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out, buf + off, static_cast<size_t>(n - off));
      if (w < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      off += w;
    }
  }
}

// Moves tmp to dest unless dest exists (then EEXIST): a concurrent backup is never overwritten.
int claim(const std::filesystem::path &tmp, const std::filesystem::path &dest) {
#ifdef RENAME_NOREPLACE
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dest.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;  // else: file system without NOREPLACE
#endif
  if (::link(tmp.c_str(), dest.c_str()) != 0) return errno;
  ::unlink(tmp.c_str());
  return 0;
}

void fsync_dir(const std::filesystem::path &dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

uint64_t now_millis() {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(since).count());
}

}  // namespace

backup_store::backup_store(std::filesystem::path backup_dir, uint64_t max_versions)
    : root_(std::move(backup_dir)), max_versions_(max_versions) {}

std::filesystem::path backup_store::dir_for(const std::filesystem::path &file) const {
  return root_ / escape_path(normalize_path(file.string(), "/"));
}

result<std::filesystem::path> backup_store::backup(const std::filesystem::path &file, int opened) {
  if (!file.is_absolute()) return invalid_argument("backup needs an absolute path: " + file.string());
  // O_NONBLOCK: a FIFO must not hang us before the regular-file check below. A descriptor we were
  // given is duplicated so that the guard below may close ours; the copy reads from offset 0 (pread
  // is not needed: the caller's descriptor is fresh and unshared).
  int src = opened >= 0 ? ::fcntl(opened, F_DUPFD_CLOEXEC, 0)
                        : ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (src < 0) {
    if (errno == ENOENT) return not_found(file.string() + " does not exist");
    return internal_error(errno_text("cannot open", file));
  }
  fd_closer src_guard{src};
  struct stat st {};
  if (::fstat(src, &st) != 0) return internal_error(errno_text("cannot stat", file));
  if (!S_ISREG(st.st_mode)) return failed_precondition(file.string() + " is not a regular file");

  const std::filesystem::path dir = dir_for(file);
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec) return internal_error("cannot create " + root_.string() + ": " + ec.message());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return internal_error(errno_text("cannot create", dir));

  // Copy into a temp file in the same directory, fsync, then give it its final name.
  std::random_device rd;
  const std::filesystem::path tmp = dir / (".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd()));
  int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);  // backups may hold secrets
  if (out < 0) return internal_error(errno_text("cannot create", tmp));
  bool copied = copy_fd(src, out) && ::fsync(out) == 0;
  int saved = errno;
  ::close(out);
  if (!copied) {
    ::unlink(tmp.c_str());
    errno = saved;
    return internal_error(errno_text("cannot copy to", tmp));
  }

  // Named after the clock, but never before the newest existing backup (the clock can step back
  // and retention deletes the oldest names first).
  version v{now_millis(), 0};
  std::vector<std::filesystem::path> existing = list(file);
  if (!existing.empty()) {
    std::optional<version> newest = parse_backup_name(existing.back().filename().string());
    if (newest && !(*newest < v)) v = {newest->millis, newest->n + 1};
  }
  std::filesystem::path dest;
  for (int attempt = 0;; ++attempt) {
    dest = dir / backup_name(v);
    int err = claim(tmp, dest);
    if (err == 0) break;
    if (err != EEXIST || attempt >= 10000) {
      ::unlink(tmp.c_str());
      errno = err;
      return internal_error(errno_text("cannot store backup", dest));
    }
    ++v.n;
  }
  fsync_dir(dir);

  if (max_versions_ > 0) {
    std::vector<std::filesystem::path> all = list(file);
    for (size_t k = 0; k + max_versions_ < all.size(); ++k) std::filesystem::remove(all[k], ec);
  }
  return dest;
}

std::vector<std::filesystem::path> backup_store::list(const std::filesystem::path &file) const {
  std::vector<std::pair<version, std::filesystem::path>> found;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir_for(file), ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (std::optional<version> v = parse_backup_name(it->path().filename().string())) {
      found.emplace_back(*v, it->path());
    }
  }
  std::sort(found.begin(), found.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
  std::vector<std::filesystem::path> out;
  for (auto &f : found) out.push_back(std::move(f.second));
  return out;
}

}  // namespace ra::policy
