#include "fs_ops.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <vector>

#include "json_put.hpp"
#include "text.hpp"

namespace ra_files {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void fd_guard::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int64_t monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

namespace {

constexpr uint64_t chunk_limit = 4u << 20;  // read_chunk's schema maximum

void put(writer &w, const char *key, std::string_view value) { ra::plugin_text::put_text(w, key, value); }
void put(writer &w, const char *key, uint64_t v) {
  w.Key(key);
  w.Uint64(v);
}
void put_bool(writer &w, const char *key, bool v) {
  w.Key(key);
  w.Bool(v);
}

std::string errno_text(int err) { return std::strerror(err); }

// Parsed arguments: the core validated them against the schema already; these accessors are
// defensive anyway (a wrong type reads as absent).
struct args {
  rapidjson::Document doc;
  bool parse(std::string_view json) {
    doc.Parse(json.data(), json.size());
    return !doc.HasParseError() && doc.IsObject();
  }
  bool has(const char *k) const { return doc.HasMember(k) && !doc[k].IsNull(); }
  std::string str(const char *k, std::string def = {}) const {
    return has(k) && doc[k].IsString() ? std::string(doc[k].GetString(), doc[k].GetStringLength()) : def;
  }
  uint64_t u64(const char *k, uint64_t def) const { return has(k) && doc[k].IsUint64() ? doc[k].GetUint64() : def; }
  bool boolean(const char *k, bool def) const { return has(k) && doc[k].IsBool() ? doc[k].GetBool() : def; }
};

outcome bad_args() { return outcome::fail(RA_INVALID_ARGUMENT, "arguments must be a JSON object"); }

// Reads up to `want` bytes at `offset` (stops early at EOF).
bool pread_all(int fd, uint64_t offset, uint64_t want, std::string &out, int &err) {
  out.resize(want);
  uint64_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(fd, out.data() + got, want - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    if (n == 0) break;
    got += static_cast<uint64_t>(n);
  }
  out.resize(got);
  return true;
}

bool write_all(int fd, std::string_view data, int &err) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

// No NUL byte and valid UTF-8 (a head cut off mid-file may end inside a character).
bool looks_like_text(std::string_view head, bool cut) {
  if (head.find('\0') != std::string_view::npos) return false;
  for (size_t k = 0; k <= (cut ? 3u : 0u) && k <= head.size(); ++k)
    if (is_utf8(head.substr(0, head.size() - k))) return true;
  return false;
}

std::string human_size(uint64_t n) {
  if (n >= (1u << 20) && n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

// Shared by read_file and read_chunk: open, check the range, read.
struct range_read {
  std::string path;
  uint64_t size = 0, offset = 0;
  std::string bytes;
  bool eof = false;
};

outcome read_range(fs_host &h, const std::string &path, uint64_t offset, std::optional<uint64_t> length, uint64_t limit,
                   const char *tool, range_read &r) {
  r.path = path;
  opened o = h.open(path, RA_OPEN_READ);
  if (!o) return outcome::fail(o.status, o.error);
  fd_guard fd(o.fd);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return outcome::fail(RA_INTERNAL, "cannot stat " + path + ": " + errno_text(errno));
  r.size = static_cast<uint64_t>(st.st_size);
  r.offset = offset;
  if (offset > r.size)
    return outcome::fail(RA_OUT_OF_RANGE, "offset " + std::to_string(offset) + " is past the end of " + path + " (" +
                                              std::to_string(r.size) + " bytes)");
  uint64_t avail = r.size - offset;
  if (length && *length > limit)
    return outcome::fail(RA_RESOURCE_EXHAUSTED, std::string(tool) + ": length " + std::to_string(*length) +
                                                    " exceeds this host's read limit of " + std::to_string(limit) +
                                                    " bytes (max_read_bytes): read smaller ranges");
  if (!length && avail > limit)
    return outcome::fail(RA_RESOURCE_EXHAUSTED,
                         "File size " + std::to_string(r.size) + " bytes exceeds the read limit of " +
                             std::to_string(limit) + " bytes (" + human_size(limit) +
                             ", max_read_bytes): pass offset and length to read a range, or download it with "
                             "read_chunk (base64, up to 4 MiB per call)");
  uint64_t want = length ? std::min(*length, avail) : avail;
  int err = 0;
  if (!pread_all(fd.get(), offset, want, r.bytes, err))
    return outcome::fail(err == EISDIR ? RA_FAILED_PRECONDITION : RA_INTERNAL,
                         "cannot read " + path + ": " + errno_text(err));
  // The file may have changed size meanwhile: EOF is judged on its size now.
  struct stat now {};
  uint64_t size_now = ::fstat(fd.get(), &now) == 0 ? static_cast<uint64_t>(now.st_size) : r.size;
  r.eof = offset + r.bytes.size() >= size_now;
  return {};
}

}  // namespace

std::optional<settings> parse_settings(std::string_view config_json, std::string &error) {
  settings s;
  rapidjson::Document d;
  d.Parse(config_json.data(), config_json.size());
  if (d.HasParseError() || !d.IsObject()) {
    error = "must be a table";
    return std::nullopt;
  }
  for (auto &m : d.GetObject()) {
    std::string key(m.name.GetString(), m.name.GetStringLength());
    uint64_t *slot = key == "max_read_bytes"    ? &s.max_read_bytes
                     : key == "max_write_bytes" ? &s.max_write_bytes
                                                : nullptr;
    if (!slot) {
      error = "unknown key '" + key + "' (known: max_read_bytes, max_write_bytes)";
      return std::nullopt;
    }
    if (!m.value.IsUint64() || m.value.GetUint64() == 0 || m.value.GetUint64() > (uint64_t{1} << 40)) {
      error = key + " must be an integer between 1 and 2^40";
      return std::nullopt;
    }
    *slot = m.value.GetUint64();
  }
  return s;
}

outcome read_file(fs_host &h, const settings &s, std::string_view args_json) {
  args a;
  if (!a.parse(args_json)) return bad_args();
  const std::string path = normalize_path(a.str("path"), current_dir());
  std::optional<uint64_t> length;
  if (a.has("length")) length = a.u64("length", 0);
  const bool want_base64 = a.str("encoding", "text") == "base64";
  range_read r;
  outcome o = read_range(h, path, a.u64("offset", 0), length, s.max_read_bytes, "read_file", r);
  if (o.status != RA_OK) return o;

  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  put(w, "path", r.path);
  bool text = !want_base64 && is_utf8(r.bytes);
  if (text) {
    w.Key("content");
    w.String(r.bytes.data(), static_cast<rapidjson::SizeType>(r.bytes.size()));
  } else {
    put(w, "content_base64", base64_encode(r.bytes));
  }
  put(w, "size", r.size);
  put(w, "offset", r.offset);
  put(w, "length", static_cast<uint64_t>(r.bytes.size()));
  put_bool(w, "eof", r.eof);
  put(w, "encoding", text ? "text" : "base64");
  if (!text && !want_base64)
    put(w, "note", "the bytes are not valid UTF-8 text: content_base64 holds them exactly (base64)");
  w.EndObject();
  return {RA_OK, sb.GetString(), {}};
}

outcome read_chunk(fs_host &h, const settings &s, std::string_view args_json) {
  args a;
  if (!a.parse(args_json)) return bad_args();
  const std::string path = normalize_path(a.str("path"), current_dir());
  range_read r;
  outcome o = read_range(h, path, a.u64("offset", 0), a.u64("length", chunk_limit),
                         std::min(s.max_read_bytes, chunk_limit), "read_chunk", r);
  if (o.status != RA_OK) return o;
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  put(w, "path", r.path);
  put(w, "content_base64", base64_encode(r.bytes));
  put(w, "size", r.size);
  put(w, "offset", r.offset);
  put(w, "length", static_cast<uint64_t>(r.bytes.size()));
  put_bool(w, "eof", r.eof);
  put(w, "encoding", "base64");
  w.EndObject();
  return {RA_OK, sb.GetString(), {}};
}

namespace {

// Creates the missing directories above `target` (normalised), each through the host: the parent
// of every new directory is opened with RA_OPEN_PARENT_FOR_WRITE (write policy for the new
// directory's path), then mkdirat on its single name.
outcome make_parents(fs_host &h, const std::string &target, std::vector<std::string> &created) {
  std::vector<std::string> missing;  // deepest first
  std::string dir = parent_of(target);
  for (int depth = 0;; ++depth) {
    if (dir == "/" || depth > 256) return outcome::fail(RA_NOT_FOUND, "no existing ancestor directory for " + target);
    opened o = h.open(dir, RA_OPEN_PARENT_FOR_WRITE);
    if (o) {
      ::close(o.fd);
      break;
    }
    if (o.status != RA_NOT_FOUND) return outcome::fail(o.status, o.error);
    missing.push_back(dir);
    dir = parent_of(dir);
  }
  missing.push_back(dir);  // exists, or is the first to create: mkdirat says which
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    opened o = h.open(*it, RA_OPEN_PARENT_FOR_WRITE);
    if (!o) return outcome::fail(o.status, o.error);
    fd_guard parent(o.fd);
    std::string name = base_of(*it);
    if (::mkdirat(parent.get(), name.c_str(), 0755) == 0) {
      created.push_back(*it);
      continue;
    }
    int err = errno;
    struct stat st {};
    if (err == EEXIST && ::fstatat(parent.get(), name.c_str(), &st, 0) == 0 && S_ISDIR(st.st_mode)) continue;
    if (err == EEXIST) return outcome::fail(RA_FAILED_PRECONDITION, *it + " exists and is not a directory");
    return outcome::fail(err == EACCES || err == EPERM ? RA_PERMISSION_DENIED : RA_INTERNAL,
                         "cannot create directory " + *it + ": " + errno_text(err));
  }
  return {};
}

// The real path of a descriptor (the kernel's name for it), "" when unknown.
std::string real_path_of(int fd) {
  char buf[PATH_MAX + 1];
  std::string proc = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(proc.c_str(), buf, sizeof buf - 1);
  if (n <= 0 || buf[0] != '/') return {};
  return std::string(buf, static_cast<size_t>(n));
}

std::string temp_name(const std::string &name) {
  unsigned char rnd[8] = {0};
  if (::getrandom(rnd, sizeof rnd, 0) != static_cast<ssize_t>(sizeof rnd)) {
    uint64_t t = static_cast<uint64_t>(monotonic_ms()) ^ static_cast<uint64_t>(::getpid());
    std::memcpy(rnd, &t, sizeof rnd);
  }
  static const char hex[] = "0123456789abcdef";
  std::string suffix = ".ra-";
  for (unsigned char c : rnd) {
    suffix += hex[c >> 4];
    suffix += hex[c & 15];
  }
  suffix += ".tmp";
  std::string stem = "." + name;
  if (stem.size() + suffix.size() > 255) stem.resize(255 - suffix.size());
  return stem + suffix;
}

ra_status write_status(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return RA_RESOURCE_EXHAUSTED;
    case EACCES:
    case EPERM:
      return RA_PERMISSION_DENIED;
    case EROFS:
      return RA_FAILED_PRECONDITION;
    default:
      return RA_INTERNAL;
  }
}

std::string write_error(int err, const std::string &path) {
  if (err == ENOSPC || err == EDQUOT)
    return "no space left on the device (" + errno_text(err) + ") while writing " + path +
           ": the file was not changed and the temporary file was removed";
  if (err == EFBIG)
    return "the file size limit was reached (" + errno_text(err) + ") while writing " + path +
           ": the file was not changed and the temporary file was removed";
  return "cannot write " + path + ": " + errno_text(err) + " (the file was not changed)";
}

}  // namespace

outcome write_file(fs_host &h, const settings &s, std::string_view args_json) {
  args a;
  if (!a.parse(args_json)) return bad_args();
  const std::string raw = a.str("path");
  std::string_view last = last_component(raw);
  if (last.empty() || last == "." || last == "..")
    return outcome::fail(RA_INVALID_ARGUMENT, "cannot write " + raw + ": the path must end in a file name");
  std::string content = a.str("content");
  if (a.str("encoding", "text") == "base64") {
    auto bytes = base64_decode(content);
    if (!bytes) return outcome::fail(RA_INVALID_ARGUMENT, "content is not valid base64");
    content = std::move(*bytes);
  }
  if (content.size() > s.max_write_bytes)
    return outcome::fail(RA_RESOURCE_EXHAUSTED, "content is " + std::to_string(content.size()) +
                                                    " bytes, over this host's write limit of " +
                                                    std::to_string(s.max_write_bytes) + " bytes (max_write_bytes)");
  const bool want_backup = a.boolean("create_backup", true);
  const bool create_parents = a.boolean("create_parents", false);

  const std::string requested = normalize_path(raw, current_dir());
  std::string target = requested;
  std::vector<std::string> created_dirs;
  fd_guard dir;
  std::string name, real_dir;
  struct stat old {};
  bool exists = false;
  // A symlink at the name is followed like the shell's `>` would, but by path through the host
  // again, so its target is checked as if it had been named (at most 8 links).
  for (int hop = 0;; ++hop) {
    if (hop > 8) return outcome::fail(RA_FAILED_PRECONDITION, "too many levels of symbolic links at " + requested);
    opened o = h.open(target, RA_OPEN_PARENT_FOR_WRITE);
    if (!o && o.status == RA_NOT_FOUND && create_parents) {
      outcome m = make_parents(h, target, created_dirs);
      if (m.status != RA_OK) return m;
      o = h.open(target, RA_OPEN_PARENT_FOR_WRITE);
    }
    if (!o && o.status == RA_NOT_FOUND)
      return outcome::fail(RA_NOT_FOUND, "the directory of " + target + " does not exist (" + o.error +
                                             "); pass create_parents: true to create it");
    if (!o) return outcome::fail(o.status, o.error);
    dir.reset(o.fd);
    name = base_of(target);
    real_dir = real_path_of(dir.get());
    if (::fstatat(dir.get(), name.c_str(), &old, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) return outcome::fail(RA_INTERNAL, "cannot stat " + target + ": " + errno_text(errno));
      exists = false;
      break;
    }
    if (S_ISLNK(old.st_mode)) {
      char buf[PATH_MAX + 1];
      ssize_t n = ::readlinkat(dir.get(), name.c_str(), buf, sizeof buf - 1);
      if (n <= 0) return outcome::fail(RA_INTERNAL, "cannot read the symlink " + target);
      std::string link(buf, static_cast<size_t>(n));
      target = normalize_path(link, real_dir.empty() ? parent_of(target) : real_dir);
      continue;
    }
    if (S_ISDIR(old.st_mode)) return outcome::fail(RA_FAILED_PRECONDITION, target + " is a directory");
    if (!S_ISREG(old.st_mode))
      return outcome::fail(RA_FAILED_PRECONDITION, target + " is not a regular file (" + type_name(old.st_mode) + ")");
    exists = true;
    break;
  }
  const std::string real_target = real_dir.empty() ? target : join(real_dir, name);

  // Backup before overwrite (the host decides by mode: edit only, when backups are on).
  std::optional<std::string> backup_path;
  if (exists && want_backup) {
    std::string out;
    ra_status b = h.backup(real_target, out);
    if (b == RA_OK && !out.empty()) backup_path = out;
    if (b != RA_OK && b != RA_NOT_FOUND)
      return outcome::fail(b, "backup of " + target + " failed: " + out + " (the file was not changed)");
  }

  // Temp file beside the target, written, flushed, given its mode, renamed over the name.
  const std::string tmp = temp_name(name);
  int tfd = ::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (tfd < 0) {
    int err = errno;
    return outcome::fail(write_status(err), "cannot create a temporary file beside " + target + ": " + errno_text(err));
  }
  fd_guard temp(tfd);
  auto abandon = [&](int err) {
    temp.reset();
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    return outcome::fail(write_status(err), write_error(err, target));
  };
  int err = 0;
  if (!write_all(temp.get(), content, err)) return abandon(err);
  if (::fsync(temp.get()) != 0) return abandon(errno);
  mode_t mode = exists ? (old.st_mode & 07777) : 0644;
  if (::fchmod(temp.get(), mode) != 0) return abandon(errno);
  if (exists && (old.st_uid != ::geteuid() || old.st_gid != ::getegid())) {
    // Best effort: only root (or, for the group, one of its members) may; otherwise the new file is ours.
    if (::fchown(temp.get(), old.st_uid, old.st_gid) != 0) errno = 0;
  }
  if (::close(temp.release()) != 0) {
    err = errno;
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    return outcome::fail(write_status(err), write_error(err, target));
  }
  if (::renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0) {
    err = errno;
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    return outcome::fail(write_status(err), "cannot replace " + target + ": " + errno_text(err) + " (not changed)");
  }
  ::fsync(dir.get());

  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  put(w, "path", target);
  put(w, "bytes_written", static_cast<uint64_t>(content.size()));
  w.Key("backup");
  if (backup_path) {
    std::string b = lossy_utf8(*backup_path);
    w.String(b.data(), static_cast<rapidjson::SizeType>(b.size()));
  } else {
    w.Null();
  }
  put_bool(w, "created", !exists);
  if (!created_dirs.empty()) {
    w.Key("created_dirs");
    w.StartArray();
    for (const auto &d : created_dirs) {
      std::string v = lossy_utf8(d);
      w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    }
    w.EndArray();
  }
  if (target != requested) put(w, "via_symlink", requested);
  w.EndObject();
  return {RA_OK, sb.GetString(), {}};
}

namespace {

struct entry {
  std::string name;
  mode_t mode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string target;  // symlinks
};

}  // namespace

outcome list_dir(fs_host &h, const settings &, std::string_view args_json) {
  args a;
  if (!a.parse(args_json)) return bad_args();
  const std::string path = normalize_path(a.str("path"), current_dir());
  const std::string pattern = a.str("pattern");
  const std::string sort = a.str("sort", "name");
  const bool reverse = a.boolean("reverse", false);
  const bool dirs_first = a.boolean("dirs_first", true);
  const uint64_t limit = std::clamp<uint64_t>(a.u64("limit", 1000), 1, 100000);

  opened o = h.open(path, RA_OPEN_DIRECTORY);
  if (!o) return outcome::fail(o.status, o.error);
  DIR *d = ::fdopendir(o.fd);
  if (!d) {
    int err = errno;
    ::close(o.fd);
    return outcome::fail(RA_INTERNAL, "cannot list " + path + ": " + errno_text(err));
  }
  std::vector<entry> entries;
  int dfd = ::dirfd(d);
  uint64_t seen = 0;
  bool cancelled = false;
  while (dirent *de = ::readdir(d)) {
    std::string_view n = de->d_name;
    if (n == "." || n == "..") continue;
    if ((++seen & 1023) == 0 && h.cancelled()) {
      cancelled = true;
      break;
    }
    if (!pattern.empty() && !name_matches(pattern, n, false)) continue;
    // Deny beats allow, also for names: an entry under denied_paths is not listed.
    if (!h.may_read(join(path, n))) continue;
    struct stat st {};
    if (::fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
    entry e;
    e.name = n;
    e.mode = st.st_mode;
    e.size = static_cast<uint64_t>(st.st_size);
    e.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (S_ISLNK(st.st_mode)) {
      char buf[PATH_MAX + 1];
      ssize_t k = ::readlinkat(dfd, de->d_name, buf, sizeof buf - 1);
      if (k > 0) e.target.assign(buf, static_cast<size_t>(k));
    }
    entries.push_back(std::move(e));
  }
  ::closedir(d);
  if (cancelled) return outcome::fail(RA_CANCELLED, "cancelled while listing " + path);

  auto key_less = [&](const entry &x, const entry &y) {
    if (dirs_first && S_ISDIR(x.mode) != S_ISDIR(y.mode)) return S_ISDIR(x.mode);
    bool less;
    if (sort == "size" && x.size != y.size)
      less = x.size > y.size;
    else if (sort == "mtime" && x.mtime_ns != y.mtime_ns)
      less = x.mtime_ns > y.mtime_ns;
    else
      return reverse ? x.name > y.name : x.name < y.name;
    return reverse ? !less : less;
  };
  const uint64_t total = entries.size();
  if (total > limit) {
    std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(limit), entries.end(), key_less);
    entries.resize(limit);
  } else {
    std::sort(entries.begin(), entries.end(), key_less);
  }

  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  put(w, "path", path);
  w.Key("entries");
  w.StartArray();
  for (const entry &e : entries) {
    w.StartObject();
    put(w, "name", e.name);
    put(w, "type", type_name(e.mode));
    put(w, "size", e.size);
    put(w, "mtime", iso8601_utc(e.mtime_ns / 1'000'000'000));
    put(w, "mode", mode_string(e.mode));
    if (!e.target.empty()) put(w, "target", e.target);
    w.EndObject();
  }
  w.EndArray();
  put(w, "total", total);
  put_bool(w, "truncated", total > limit);
  w.EndObject();
  return {RA_OK, sb.GetString(), {}};
}

outcome file_stat(fs_host &h, const settings &, std::string_view args_json) {
  args a;
  if (!a.parse(args_json)) return bad_args();
  const std::string path = normalize_path(a.str("path"), current_dir());
  opened o = h.open(path, RA_OPEN_STAT);
  if (!o) return outcome::fail(o.status, o.error);
  struct stat st {};
  {
    fd_guard fd(o.fd);
    if (::fstat(fd.get(), &st) != 0)
      return outcome::fail(RA_INTERNAL, "cannot stat " + path + ": " + errno_text(errno));
  }
  // Is the name itself a symlink? Only its directory can say (best effort: the parent may be
  // outside the allowed roots, then it is not asked).
  bool is_symlink = false;
  std::string target;
  if (path != "/") {
    opened p = h.open(parent_of(path), RA_OPEN_DIRECTORY);
    if (p) {
      fd_guard pfd(p.fd);
      struct stat lst {};
      std::string name = base_of(path);
      if (::fstatat(pfd.get(), name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode)) {
        is_symlink = true;
        char buf[PATH_MAX + 1];
        ssize_t k = ::readlinkat(pfd.get(), name.c_str(), buf, sizeof buf - 1);
        if (k > 0) target.assign(buf, static_cast<size_t>(k));
      }
    }
  }
  // MIME from the extension; for regular files without a known one, from the first bytes.
  std::optional<std::string> mime =
      S_ISDIR(st.st_mode) ? std::optional<std::string>("inode/directory") : mime_from_name(base_of(path));
  bool is_image = mime && mime->starts_with("image/");
  if (S_ISREG(st.st_mode) && !mime && st.st_size > 0) {
    opened r = h.open(path, RA_OPEN_READ);
    if (r) {
      fd_guard rfd(r.fd);
      std::string head;
      int err = 0;
      if (pread_all(rfd.get(), 0, 8192, head, err)) {
        if (auto m = image_mime_from_magic(head)) {
          mime = m;
          is_image = true;
        } else if (looks_like_text(head, head.size() == 8192)) {
          mime = "text/plain";
        }
      }
    }
  }

  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  put(w, "path", path);
  put(w, "type", type_name(st.st_mode));
  put(w, "size", static_cast<uint64_t>(st.st_size));
  put(w, "mode", mode_string(st.st_mode));
  put(w, "mtime", iso8601_utc(st.st_mtim.tv_sec));
  w.Key("mtime_ms");
  w.Int64(static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000);
  put_bool(w, "is_image", is_image);
  put(w, "mime", mime.value_or("application/octet-stream"));
  put_bool(w, "is_symlink", is_symlink);
  if (is_symlink) put(w, "target", target);
  w.EndObject();
  return {RA_OK, sb.GetString(), {}};
}

}  // namespace ra_files
