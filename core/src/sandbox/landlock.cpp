#include "sandbox/landlock.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>

#include "sandbox/unique_fd.hpp"

namespace ra::sandbox {
namespace {

// Rights newer than the ABI 2 headers of Debian 12 (values from the kernel UAPI).
constexpr uint64_t k_access_truncate = 1ULL << 14;   // ABI 3
constexpr uint64_t k_access_ioctl_dev = 1ULL << 15;  // ABI 5

// Only write-type rights are handled, so reading, listing and executing stay allowed everywhere.
// IOCTL_DEV is deliberately not handled: a device opened read-only cannot be written through an
// ioctl that needs write mode, and handling it would break terminal ioctls for no gain.
constexpr uint64_t k_make_rights = LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
                                   LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
                                   LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                                   LANDLOCK_ACCESS_FS_MAKE_SYM;
static_assert((k_make_rights & k_access_ioctl_dev) == 0);

// Bounds the work (and kernel memory) spent carving a denied path out of a huge directory.
constexpr size_t k_max_rules = 50000;

struct rights {
  uint64_t file = 0;  // what a rule on a non-directory may carry
  uint64_t dir = 0;   // everything handled; a rule on a directory covers all beneath it
};

rights rights_for(int abi) {
  rights r;
  r.file = LANDLOCK_ACCESS_FS_WRITE_FILE;
  if (abi >= 3) r.file |= k_access_truncate;
  r.dir = r.file | k_make_rights | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE;
  // REFER (cross-directory rename/link) is denied implicitly on ABI 1 and cannot be granted there.
  if (abi >= 2) r.dir |= LANDLOCK_ACCESS_FS_REFER;
  return r;
}

std::string errno_text() { return std::strerror(errno); }

// Adds path-beneath rules to one ruleset.
class rule_adder {
 public:
  rule_adder(int ruleset_fd, rights r) : ruleset_fd_(ruleset_fd), rights_(r) {}
  const rights &access() const { return rights_; }

  status grant(int fd, uint64_t access, const std::string &path) {
    if (++count_ > k_max_rules)
      return failed_precondition("too many Landlock rules needed (more than " + std::to_string(k_max_rules) +
                                 " entries around a denied path)");
    landlock_path_beneath_attr attr{};
    attr.allowed_access = access;
    attr.parent_fd = fd;
    if (::syscall(SYS_landlock_add_rule, ruleset_fd_, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) != 0)
      return internal_error("cannot add Landlock rule for " + path + ": " + errno_text());
    return status::ok();
  }

  // Directories get every write right, other files only the file-level ones (the kernel refuses
  // directory rights on a file). Symlinks get nothing: a write through a link is checked against
  // the rules of its target, and creating or removing the link is a right of its directory.
  status grant_entry(int fd, const struct stat &st, const std::string &path) {
    if (S_ISLNK(st.st_mode)) return status::ok();
    return grant(fd, S_ISDIR(st.st_mode) ? rights_.dir : rights_.file, path);
  }

 private:
  int ruleset_fd_;
  rights rights_;
  size_t count_ = 0;
};

// Output sinks that ordinary programs open for writing without changing anything.
status add_device_rules(rule_adder &adder) {
  static constexpr const char *k_paths[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/ptmx", "/dev/pts"};
  for (const char *path : k_paths) {
    unique_fd fd(::open(path, O_PATH | O_CLOEXEC));
    if (!fd) continue;  // not present on this host: nothing to grant
    // File-level rights only, also on the /dev/pts directory: terminals may be written, but
    // nothing may be created or removed there.
    if (status s = adder.grant(fd.get(), adder.access().file, path); !s) return s;
  }
  return status::ok();
}

// Absolute, symlink-free, without a trailing slash; the form used to compare paths below.
result<std::string> normal_path(const std::string &path) {
  if (path.empty() || path[0] != '/') return invalid_argument("sandbox path must be absolute: '" + path + "'");
  std::error_code ec;
  std::string out = std::filesystem::weakly_canonical(path, ec).string();
  if (ec) return invalid_argument("cannot resolve sandbox path " + path + ": " + ec.message());
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// True when `inner` equals `outer` or lies beneath it.
bool is_within(const std::string &inner, const std::string &outer) {
  if (outer == "/") return true;
  return inner.compare(0, outer.size(), outer) == 0 && (inner.size() == outer.size() || inner[outer.size()] == '/');
}

std::string join(const std::string &dir, const char *name) {
  return dir == "/" ? "/" + std::string(name) : dir + "/" + name;
}

// Landlock can only grant, never subtract: a rule on a directory covers everything beneath it.
// So to keep `denied` (paths strictly beneath `path`) read-only, `path` itself gets no rule;
// instead every entry of it gets one, except the entries that are, or lead to, a denied path —
// those are skipped or carved up the same way, one level down.
//
// Trade-off: the directories on the way to a denied path have no rule of their own, so directly
// inside them nothing can be created, removed or renamed (existing files stay writable, and
// subdirectories off the path stay fully writable). Entries created there by others after the
// ruleset was built are not writable for this child either. This errs on the side of denying.
status grant_around(rule_adder &adder, int dir_fd, const std::string &path, const std::vector<std::string> &denied) {
  int list_fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (list_fd < 0) return internal_error("cannot open " + path + ": " + errno_text());
  std::unique_ptr<DIR, int (*)(DIR *)> dir(::fdopendir(list_fd), ::closedir);
  if (!dir) {
    ::close(list_fd);
    return internal_error("cannot list " + path + ": " + errno_text());
  }
  for (;;) {
    errno = 0;
    const dirent *entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) return internal_error("cannot list " + path + ": " + errno_text());
      return status::ok();
    }
    const char *name = entry->d_name;
    if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
    std::string child = join(path, name);

    bool is_denied = false;
    std::vector<std::string> below;
    for (const std::string &d : denied) {
      if (d == child)
        is_denied = true;
      else if (is_within(d, child))
        below.push_back(d);
    }
    if (is_denied) continue;

    // O_NOFOLLOW: the entry itself, never what a symlink points at.
    unique_fd fd(::openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      if (errno == ENOENT) continue;  // removed meanwhile
      return internal_error("cannot open " + child + ": " + errno_text());
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return internal_error("cannot stat " + child + ": " + errno_text());
    if (below.empty()) {
      if (status s = adder.grant_entry(fd.get(), st, child); !s) return s;
    } else if (S_ISDIR(st.st_mode)) {
      if (status s = grant_around(adder, fd.get(), child, below); !s) return s;
    }
    // A denied path below something that is no longer a directory: grant nothing there.
  }
}

status add_edit_rules(rule_adder &adder, const fs_profile &profile) {
  std::vector<std::string> denied;
  for (const std::string &d : profile.denied_paths) {
    auto n = normal_path(d);
    if (!n) return n.error();
    denied.push_back(std::move(*n));
  }
  std::vector<std::string> roots = profile.writable_roots;
  if (roots.empty()) roots.push_back("/");

  for (const std::string &r : roots) {
    auto n = normal_path(r);
    if (!n) return n.error();
    const std::string &root = *n;

    bool inside_denied = false;
    std::vector<std::string> below;
    for (const std::string &d : denied) {
      if (is_within(root, d))
        inside_denied = true;
      else if (is_within(d, root))
        below.push_back(d);
    }
    if (inside_denied) continue;

    unique_fd fd(::open(root.c_str(), O_PATH | O_CLOEXEC));
    if (!fd) {
      // A missing root grants nothing, and it cannot be created: its parent has no rule.
      if (errno == ENOENT) continue;
      return internal_error("cannot open writable root " + root + ": " + errno_text());
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return internal_error("cannot stat " + root + ": " + errno_text());
    status s = below.empty()         ? adder.grant_entry(fd.get(), st, root)
               : S_ISDIR(st.st_mode) ? grant_around(adder, fd.get(), root, below)
                                     : status::ok();
    if (!s) return s;
  }
  return status::ok();
}

}  // namespace

int landlock_abi_version() {
  static const int version = [] {
    long v = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return v < 0 ? 0 : static_cast<int>(v);  // ENOSYS (old kernel) or EOPNOTSUPP (disabled)
  }();
  return version;
}

ruleset &ruleset::operator=(ruleset &&o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

ruleset::~ruleset() {
  if (fd_ >= 0) ::close(fd_);
}

result<ruleset> build_ruleset(const fs_profile &profile) {
  if (profile.mode == policy::mode::bypass) return ruleset{};
  int abi = landlock_abi_version();
  if (abi == 0) return ruleset{};

  rights r = rights_for(abi);
  landlock_ruleset_attr attr{};
  attr.handled_access_fs = r.dir;
  // The ruleset fd is close-on-exec by kernel default; the child uses it before exec.
  unique_fd fd(static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0)));
  if (!fd) return internal_error("cannot create Landlock ruleset: " + errno_text());

  rule_adder adder(fd.get(), r);
  if (status s = add_device_rules(adder); !s) return s;
  // plan (and, defensively, disabled) adds nothing more: the filesystem is read-only.
  if (profile.mode == policy::mode::edit) {
    if (status s = add_edit_rules(adder, profile); !s) return s;
  }
  return ruleset(fd.release());
}

int apply_in_child(int ruleset_fd) noexcept {
  // no_new_privs first: the kernel requires it for an unprivileged restrict_self, and it stops
  // set-uid programs from gaining privileges inside the sandbox.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (ruleset_fd >= 0 && ::syscall(SYS_landlock_restrict_self, ruleset_fd, 0) != 0) return errno;
  return 0;
}

}  // namespace ra::sandbox
