// sandbox/open_beneath.hpp — opening files so that the kernel, not string matching, keeps them
// beneath the policy's roots: openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) relative to the
// longest root that lexically contains the path. `..`, absolute symlinks, symlinks leading out of
// the root and /proc magic links (/proc/self/root, /proc/<pid>/fd/N, /dev/fd/N) fail in the kernel,
// at the moment of use — a path swapped for a symlink between a check and the open changes nothing.
// open_confined adds what host->open_file promises on top (ABI rule R65): the real path of what was
// opened must not lie under a denied path (nor be a denied file's inode), READ and WRITE get regular
// files only (no FIFO that blocks, no device whose open has effects), and writes create files only
// through a checked parent directory.
// No fallback: on kernels without openat2 (< 5.6) every open fails with RA_UNAVAILABLE.
// Thread safety: stateless functions; safe from any thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "sandbox/unique_fd.hpp"
#include "util/status.hpp"

namespace ra::sandbox {

// Opens `abs_path` (absolute; normalised lexically here, so ".." never reaches the kernel) with
// `open_flags` (O_CLOEXEC is added) and `mode` (used with O_CREAT only) beneath the longest of
// `roots` that contains it. The root "/" resolves with RESOLVE_IN_ROOT (ordinary resolution,
// absolute symlinks included, minus magic links); any other root with RESOLVE_BENEATH, so an
// absolute symlink is refused even when it points back inside. An empty relative part opens ".".
// Errors: RA_PERMISSION_DENIED (outside every root; escapes a root: EXDEV; symlink loop or magic
// link: ELOOP; EACCES/EPERM from the file system), RA_NOT_FOUND, RA_INVALID_ARGUMENT (relative
// path, NUL, too long), RA_FAILED_PRECONDITION (ENOTDIR, EISDIR, ...), RA_UNAVAILABLE (ENOSYS).
result<unique_fd> open_beneath(const std::vector<std::string> &roots, const std::string &abs_path, int open_flags,
                               mode_t mode);

// The absolute path the kernel reports for an open descriptor (readlink of /proc/self/fd/N), with
// a " (deleted)" suffix removed. RA_UNAVAILABLE when /proc is not mounted.
result<std::string> fd_real_path(int fd);

enum class open_kind { read, directory, write, parent_for_write, stat };

struct confined_open {
  open_kind kind = open_kind::read;
  bool create = false;    // write: create the file when missing (O_CREAT | O_EXCL through the parent)
  bool truncate = false;  // write: truncate an existing file
  mode_t create_mode = 0644;
};

// host->open_file after the lexical policy check:
//  read       O_RDONLY of a regular file            directory  O_RDONLY | O_DIRECTORY
//  write      O_WRONLY of a regular file            stat       O_PATH (any type, for fstat)
//  parent_for_write  O_RDONLY | O_DIRECTORY of the parent of abs_path (whose last component must
//             be a name), for openat(O_CREAT | O_EXCL) + renameat
// READ/WRITE first open O_PATH, check the type, then reopen that same inode through
// /proc/self/fd/N, so nothing but a regular file is ever opened for data (opening a FIFO blocks,
// opening some devices acts). Refused (RA_PERMISSION_DENIED) when the real path of the opened object
// — for parent_for_write also <real parent>/<name> — lies under an entry of `denied` (taken
// lexically and, when it exists, through its own symlinks), or when the object is the inode of a
// denied regular file (a hard link to it).
result<unique_fd> open_confined(const std::vector<std::string> &roots, const std::vector<std::string> &denied,
                                const std::string &abs_path, const confined_open &how);

}  // namespace ra::sandbox
