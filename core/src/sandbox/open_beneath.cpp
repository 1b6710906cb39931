#include "sandbox/open_beneath.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>

#include "policy/policy.hpp"

#ifndef SYS_openat2
#define SYS_openat2 437  // the same number on every architecture (asm-generic)
#endif

namespace ra::sandbox {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

int openat2_raw(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
  open_how how{};
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

// The status of a failed openat2 below `root` (its errno in `err`).
status open_error(int err, const std::string &path, const std::string &root) {
  switch (err) {
    case EXDEV:
      return permission_denied("refused " + path + ": it escapes " + root +
                               " (a symlink, an absolute link or a mount leads outside the allowed root)");
    case ELOOP:
      return permission_denied("refused " + path + ": a symlink loop, or a /proc magic link (/proc/*/root, cwd, fd/…)");
    case ENOENT:
      return not_found("no such file or directory: " + path);
    case EACCES:
    case EPERM:
      return permission_denied("the file system refuses access to " + path + " (" + errno_text(err) + ")");
    case ENOTDIR:
      return failed_precondition("not a directory: a component of " + path + " is not a directory");
    case EISDIR:
      return failed_precondition(path + " is a directory");
    case ENAMETOOLONG:
      return invalid_argument("path too long: " + path.substr(0, 256) + "…");
    case EEXIST:
      return {RA_ALREADY_EXISTS, path + " already exists"};
    case ENOSPC:
    case EDQUOT:
      return {RA_RESOURCE_EXHAUSTED, "no space left on the device for " + path};
    case EROFS:
      return failed_precondition(path + " is on a read-only file system");
    case ENXIO:
      return failed_precondition(path + " is not a file that can be opened (a socket or a device without driver)");
    case ENOSYS:
      return unavailable(
          "openat2(2) is not available (Linux 5.6 or later is needed): files are not opened without it, there is no "
          "fallback to path checks");
    default:
      return internal_error("cannot open " + path + ": " + errno_text(err));
  }
}

std::string parent_of(const std::string &p) {
  size_t slash = p.rfind('/');
  return slash == 0 || slash == std::string::npos ? std::string("/") : p.substr(0, slash);
}

std::string base_of(const std::string &p) { return p.substr(p.rfind('/') + 1); }

const char *type_name(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISLNK(m)) return "a symlink";
  return "not a regular file";
}

// One entry of the deny list, prepared for the real-path checks of one open.
struct denied_entry {
  std::string lexical;
  std::optional<std::string> real;  // through its own symlinks, when it exists
  bool is_file = false;
  dev_t dev = 0;
  ino_t ino = 0;
};

std::vector<denied_entry> resolve(const std::vector<std::string> &denied) {
  std::vector<denied_entry> out;
  for (const std::string &d : denied) {
    if (d.empty() || d.find('\0') != std::string::npos) continue;
    denied_entry e;
    e.lexical = policy::normalize_path(d, "/");
    char buf[PATH_MAX];
    if (::realpath(e.lexical.c_str(), buf) != nullptr) {
      e.real = buf;
      struct stat st {};
      if (::stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
        e.is_file = true;
        e.dev = st.st_dev;
        e.ino = st.st_ino;
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

// The deny list resolved (realpath, inode), kept for a second: a file search opens thousands of
// files a second and the list (the defaults hold five entries) would cost ~15 syscalls per open.
// The lexical entries are always current; only their resolution may be up to a second old.
std::vector<denied_entry> prepare(const std::vector<std::string> &denied) {
  static std::mutex mu;
  static std::vector<std::string> key;
  static std::vector<denied_entry> cached;
  static std::chrono::steady_clock::time_point at;
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu);
    if (key == denied && now - at < std::chrono::seconds(1)) return cached;
  }
  std::vector<denied_entry> fresh = resolve(denied);
  std::lock_guard lock(mu);
  key = denied;
  cached = fresh;
  at = now;
  return fresh;
}

// Why `real` (a real path; `st` its stat, or null) is denied, or nullopt.
std::optional<std::string> denied_reason(const std::vector<denied_entry> &denied, const std::string &real,
                                         const struct stat *st) {
  for (const denied_entry &d : denied) {
    if (policy::path_is_under(real, d.lexical) || (d.real && policy::path_is_under(real, *d.real)))
      return "path denied by policy: it resolves to " + real + ", under the denied " + d.lexical;
    if (st && d.is_file && S_ISREG(st->st_mode) && st->st_dev == d.dev && st->st_ino == d.ino)
      return "path denied by policy: it is a hard link to the denied file " + d.lexical;
  }
  return std::nullopt;
}

// The real path of `fd` checked against the deny list.
status check_real(const std::vector<denied_entry> &denied, int fd, const struct stat &st, const std::string &path) {
  auto real = fd_real_path(fd);
  if (!real) return real.error();
  if (auto why = denied_reason(denied, *real, &st)) return permission_denied("refused " + path + ": " + *why);
  return status::ok();
}

// Reopens the inode behind an O_PATH descriptor with real access, without resolving any path again.
result<unique_fd> reopen(int path_fd, int flags, const struct stat &want, const std::string &path) {
  std::string proc = "/proc/self/fd/" + std::to_string(path_fd);
  int fd;
  do {
    fd = ::open(proc.c_str(), flags | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return unavailable("cannot reopen " + path + ": is /proc mounted?");
    return open_error(err, path, "/");
  }
  unique_fd out(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_dev != want.st_dev || st.st_ino != want.st_ino)
    return internal_error("reopening " + path + " gave a different file");
  return out;
}

}  // namespace

result<unique_fd> open_beneath(const std::vector<std::string> &roots, const std::string &abs_path, int open_flags,
                               mode_t mode) {
  if (abs_path.find('\0') != std::string::npos) return invalid_argument("path contains a NUL byte");
  if (!abs_path.starts_with('/')) return invalid_argument("not an absolute path: " + abs_path);
  const std::string path = policy::normalize_path(abs_path, "/");
  if (path.size() >= PATH_MAX) return invalid_argument("path too long: " + path.substr(0, 256) + "…");

  std::string root;
  for (const std::string &r : roots) {
    if (r.empty() || r.find('\0') != std::string::npos) continue;
    std::string nr = policy::normalize_path(r, "/");
    if (policy::path_is_under(path, nr) && (root.empty() || nr.size() > root.size())) root = nr;
  }
  if (root.empty()) return permission_denied("refused " + path + ": it is not beneath any allowed root");

  int rfd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0) {
    int err = errno;
    if (err == ENOENT) return not_found("the allowed root " + root + " does not exist");
    return open_error(err, root, root);
  }
  unique_fd root_fd(rfd);

  std::string rel = root == "/" ? path.substr(1) : path.substr(root.size());
  while (rel.starts_with('/')) rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  uint64_t resolve = RESOLVE_NO_MAGICLINKS | (root == "/" ? RESOLVE_IN_ROOT : RESOLVE_BENEATH);
  uint64_t how_mode = (open_flags & (O_CREAT | O_TMPFILE)) ? (mode & 07777) : 0;
  for (int attempt = 0;; ++attempt) {
    int fd = openat2_raw(root_fd.get(), rel.c_str(), static_cast<uint64_t>(open_flags | O_CLOEXEC), how_mode, resolve);
    if (fd >= 0) return unique_fd(fd);
    int err = errno;
    // EAGAIN: a rename or mount raced with a "..": the kernel asks to retry.
    if ((err == EINTR || err == EAGAIN) && attempt < 64) continue;
    return open_error(err, path, root);
  }
}

result<std::string> fd_real_path(int fd) {
  std::string proc = "/proc/self/fd/" + std::to_string(fd);
  char buf[PATH_MAX + 16];
  ssize_t n = ::readlink(proc.c_str(), buf, sizeof buf - 1);
  if (n < 0)
    return unavailable("cannot read the real path of an open file (" + errno_text(errno) + "): is /proc mounted?");
  std::string p(buf, static_cast<size_t>(n));
  if (p.ends_with(" (deleted)")) p.resize(p.size() - 10);
  if (!p.starts_with('/')) return permission_denied("the opened object has no path in this file system: " + p);
  return p;
}

result<unique_fd> open_confined(const std::vector<std::string> &roots, const std::vector<std::string> &denied_list,
                                const std::string &abs_path, const confined_open &how) {
  if (abs_path.find('\0') != std::string::npos) return invalid_argument("path contains a NUL byte");
  if (!abs_path.starts_with('/')) return invalid_argument("not an absolute path: " + abs_path);
  const std::string path = policy::normalize_path(abs_path, "/");
  const std::vector<denied_entry> denied = prepare(denied_list);

  if (how.kind == open_kind::directory) {
    auto r = open_beneath(roots, path, O_RDONLY | O_DIRECTORY, 0);
    if (!r)
      return r.error().code() == RA_FAILED_PRECONDITION ? failed_precondition(path + " is not a directory") : r.error();
    struct stat st {};
    if (::fstat(r->get(), &st) != 0) return internal_error("cannot stat " + path + ": " + errno_text(errno));
    if (auto s = check_real(denied, r->get(), st, path); !s) return s;
    return r;
  }

  if (how.kind == open_kind::parent_for_write) {
    if (path == "/") return invalid_argument("cannot write /: it has no parent directory");
    const std::string parent = parent_of(path), name = base_of(path);
    auto r = open_beneath(roots, parent, O_RDONLY | O_DIRECTORY, 0);
    if (!r) return r.error();
    auto real = fd_real_path(r->get());
    if (!real) return real.error();
    std::string target = *real == "/" ? "/" + name : *real + "/" + name;
    struct stat existing {};
    const struct stat *st = nullptr;
    if (::fstatat(r->get(), name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0) st = &existing;
    if (auto why = denied_reason(denied, *real, nullptr)) return permission_denied("refused " + path + ": " + *why);
    if (auto why = denied_reason(denied, target, st)) return permission_denied("refused " + path + ": " + *why);
    return r;
  }

  // read, write, stat: O_PATH first — nothing is opened for data before its type is known.
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto r = open_beneath(roots, path, O_PATH, 0);
    if (r) {
      struct stat st {};
      if (::fstat(r->get(), &st) != 0) return internal_error("cannot stat " + path + ": " + errno_text(errno));
      if (auto s = check_real(denied, r->get(), st, path); !s) return s;
      if (how.kind == open_kind::stat) return r;
      if (!S_ISREG(st.st_mode))
        return failed_precondition(path + " is " + type_name(st.st_mode) + ", not a regular file");
      int flags = how.kind == open_kind::read ? O_RDONLY : (O_WRONLY | (how.truncate ? O_TRUNC : 0));
      return reopen(r->get(), flags, st, path);
    }
    if (r.error().code() != RA_NOT_FOUND || how.kind != open_kind::write || !how.create || path == "/")
      return r.error();

    // Create: through the checked parent, one component, never following a link at the name.
    const std::string parent = parent_of(path), name = base_of(path);
    auto dir = open_beneath(roots, parent, O_PATH | O_DIRECTORY, 0);
    if (!dir) return dir.error();
    auto real = fd_real_path(dir->get());
    if (!real) return real.error();
    std::string target = *real == "/" ? "/" + name : *real + "/" + name;
    if (auto why = denied_reason(denied, *real, nullptr)) return permission_denied("refused " + path + ": " + *why);
    if (auto why = denied_reason(denied, target, nullptr)) return permission_denied("refused " + path + ": " + *why);
    int fd = ::openat(dir->get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                      how.create_mode & 0777);
    if (fd >= 0) return unique_fd(fd);
    int err = errno;
    struct stat link {};
    if (err == EEXIST && ::fstatat(dir->get(), name.c_str(), &link, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(link.st_mode))
      return failed_precondition(path + " is a symlink whose target does not exist: it is not followed to create one");
    if (err == EEXIST) continue;  // created meanwhile: open what exists
    return open_error(err, path, parent);
  }
  return status(RA_ABORTED, "gave up opening " + path + ": it keeps changing between open and create");
}

}  // namespace ra::sandbox
