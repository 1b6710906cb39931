#include "search.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include "text.hpp"

namespace ra_files {

const std::vector<std::string> &pruned_dir_names() {
  static const std::vector<std::string> names = {"node_modules", ".git",        ".cache", "Library",     "Caches",
                                                 ".cargo",       ".rustup",     ".npm",   ".pnpm-store", "venv",
                                                 ".venv",        "__pycache__", ".Trash", "target"};
  return names;
}

bool parse_search_args(std::string_view args_json, search_args &out, std::string &error) {
  rapidjson::Document d;
  d.Parse(args_json.data(), args_json.size());
  if (d.HasParseError() || !d.IsObject()) {
    error = "arguments must be a JSON object";
    return false;
  }
  auto has = [&](const char *k) { return d.HasMember(k) && !d[k].IsNull(); };
  if (!has("query") || !d["query"].IsString()) {
    error = "query is required";
    return false;
  }
  out.query.assign(d["query"].GetString(), d["query"].GetStringLength());
  // The reference trims the query and refuses an empty one.
  size_t b = out.query.find_first_not_of(" \t\r\n"), e = out.query.find_last_not_of(" \t\r\n");
  out.query = b == std::string::npos ? std::string() : out.query.substr(b, e - b + 1);
  if (out.query.empty()) {
    error = "empty search query";
    return false;
  }
  if (has("kind") && d["kind"].IsString()) {
    std::string k = d["kind"].GetString();
    out.kind = k == "content" ? search_kind::content : k == "image" ? search_kind::image : search_kind::name;
  }
  if (has("roots") && d["roots"].IsArray())
    for (auto &r : d["roots"].GetArray())
      if (r.IsString()) out.roots.emplace_back(r.GetString(), r.GetStringLength());
  if (has("max_hits") && d["max_hits"].IsUint64())
    out.max_hits = std::clamp<uint64_t>(d["max_hits"].GetUint64(), 1, 10000);
  if (has("max_depth") && d["max_depth"].IsUint()) out.max_depth = std::min(d["max_depth"].GetUint(), 64u);
  if (has("max_file_bytes") && d["max_file_bytes"].IsUint64())
    out.max_file_bytes = std::max<uint64_t>(d["max_file_bytes"].GetUint64(), 1);
  if (has("timeout_ms") && d["timeout_ms"].IsInt64())
    out.timeout_ms = std::clamp<int64_t>(d["timeout_ms"].GetInt64(), 1, 600'000);
  return true;
}

namespace {

bool is_under(const std::string &p, const std::string &prefix) {
  if (prefix == "/") return true;
  return p.starts_with(prefix) && (p.size() == prefix.size() || p[prefix.size()] == '/');
}

// Keeps each root once, dropping those inside another.
std::vector<std::string> fold_nested(std::vector<std::string> roots) {
  std::sort(roots.begin(), roots.end(), [](const std::string &a, const std::string &b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  std::vector<std::string> out;
  for (const std::string &r : roots) {
    bool inside = std::any_of(out.begin(), out.end(), [&](const std::string &o) { return is_under(r, o); });
    if (!inside) out.push_back(r);
  }
  return out;
}

bool is_pruned(std::string_view name) {
  const auto &p = pruned_dir_names();
  return std::find(p.begin(), p.end(), name) != p.end();
}

}  // namespace

bool resolve_roots(fs_host &h, const search_args &a, search_result &r, std::string &error) {
  std::vector<std::string> candidates;
  const bool given = !a.roots.empty();
  if (given) {
    const std::string cwd = current_dir();
    for (const std::string &raw : a.roots) candidates.push_back(normalize_path(raw, cwd));
  } else {
    std::string home = h.home();
    if (home.empty() || !home.starts_with('/')) {
      error = "no search roots: HOME is not set on this host; pass roots";
      return false;
    }
    home = normalize_path(home, "/");
    candidates = {home, join(home, "Pictures"), join(home, "Documents"), join(home, "Downloads"),
                  join(home, "Desktop")};
  }
  std::vector<std::string> usable;
  std::vector<std::pair<std::string, std::string>> refused;
  for (const std::string &c : candidates) {
    opened o = h.open(c, RA_OPEN_DIRECTORY);
    if (o) {
      ::close(o.fd);
      usable.push_back(c);
    } else {
      refused.emplace_back(c, o.error);
    }
  }
  // Given roots that cannot be searched are reported; default ones that are missing or not
  // allowed are simply not searched.
  if (given) r.skipped_roots = refused;
  r.roots = fold_nested(std::move(usable));
  if (r.roots.empty()) {
    error = "no allowed search roots";
    if (!given) error += " (default: ~, else ~/Pictures, ~/Documents, ~/Downloads, ~/Desktop)";
    for (const auto &[p, why] : refused) error += "; " + p + ": " + why;
    return false;
  }
  return true;
}

uint64_t find_in_fd(int fd, std::string_view needle, bool &binary, std::string &scratch) {
  binary = false;
  if (needle.empty()) return 1;
  constexpr size_t chunk = 64 * 1024;
  const size_t keep_max = needle.size() - 1;
  if (scratch.size() < chunk + keep_max) scratch.resize(chunk + keep_max);
  char *buf = scratch.data();
  size_t carry = 0;    // bytes at buf[0..carry): the tail of what came before, a match may start there
  uint64_t lines = 0;  // newlines in the bytes already dropped
  bool first = true;
  for (;;) {
    ssize_t n = ::read(fd, buf + carry, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return 0;
    }
    if (n == 0) return 0;
    if (first) {
      // Like grep -I: a NUL byte in the first 8 KiB means binary.
      if (std::memchr(buf, '\0', std::min<size_t>(static_cast<size_t>(n), 8192)) != nullptr) {
        binary = true;
        return 0;
      }
      first = false;
    }
    std::string_view data(buf, carry + static_cast<size_t>(n));
    size_t at = data.find(needle);
    if (at != std::string_view::npos)
      return lines +
             static_cast<uint64_t>(std::count(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(at), '\n')) + 1;
    size_t keep = std::min(data.size(), keep_max);
    lines += static_cast<uint64_t>(std::count(data.begin(), data.end() - static_cast<std::ptrdiff_t>(keep), '\n'));
    std::memmove(buf, buf + data.size() - keep, keep);
    carry = keep;
  }
}

uint64_t find_in_fd(int fd, std::string_view needle, bool &binary) {
  std::string scratch;
  return find_in_fd(fd, needle, binary, scratch);
}

void run_search(fs_host &h, const search_args &a, search_result &r) {
  int64_t deadline = monotonic_ms() + a.timeout_ms;
  if (int64_t call_deadline = h.deadline_ms(); call_deadline > 0) deadline = std::min(deadline, call_deadline);
  uint64_t ticks = 0;
  auto must_stop = [&]() {
    if (r.timed_out || r.cancelled) return true;
    if ((++ticks & 63) != 0) return false;
    if (h.cancelled()) r.cancelled = true;
    if (monotonic_ms() >= deadline) r.timed_out = true;
    return r.timed_out || r.cancelled;
  };
  const bool fold = true;  // names match case-insensitively (the reference's find -iname)

  std::string scratch;  // the content search's read buffer, reused for every file
  std::deque<std::pair<std::string, uint32_t>> queue;
  for (const std::string &root : r.roots) queue.emplace_back(root, 0);
  struct item {
    std::string name;
    unsigned char type;
  };
  while (!queue.empty()) {
    if (must_stop()) return;
    auto [dir, depth] = std::move(queue.front());
    queue.pop_front();
    opened o = h.open(dir, RA_OPEN_DIRECTORY);
    if (!o) {
      ++r.skipped_dirs;  // denied, vanished, no permission
      continue;
    }
    DIR *d = ::fdopendir(o.fd);
    if (!d) {
      ::close(o.fd);
      ++r.skipped_dirs;
      continue;
    }
    ++r.scanned_dirs;
    std::vector<item> items;
    while (dirent *de = ::readdir(d)) {
      std::string_view n = de->d_name;
      if (n == "." || n == "..") continue;
      items.push_back({std::string(n), de->d_type});
    }
    std::sort(items.begin(), items.end(), [](const item &x, const item &y) { return x.name < y.name; });
    const int dfd = ::dirfd(d);
    for (size_t i = 0; i < items.size(); ++i) {
      if (must_stop()) break;
      item &it = items[i];
      struct stat st {};
      bool have_stat = false;
      if (it.type == DT_UNKNOWN) {  // some file systems do not fill d_type
        if (::fstatat(dfd, it.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        have_stat = true;
        it.type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
      }
      if (it.type == DT_DIR) {
        if (depth < a.max_depth && !is_pruned(it.name)) queue.emplace_back(join(dir, it.name), depth + 1);
        continue;
      }
      if (it.type != DT_REG) continue;  // symlinks are not followed, devices and FIFOs not read
      ++r.scanned_files;
      const std::string path = join(dir, it.name);
      uint64_t line = 0;
      bool match = false;
      switch (a.kind) {
        case search_kind::name:
          match = name_matches(a.query, it.name, fold);
          break;
        case search_kind::image:
          match = is_image_name(it.name) && (a.query == "*" || name_matches(a.query, it.name, fold));
          break;
        case search_kind::content: {
          if (!have_stat && ::fstatat(dfd, it.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
          have_stat = true;
          if (static_cast<uint64_t>(st.st_size) > a.max_file_bytes || st.st_size == 0) {
            if (st.st_size != 0) ++r.skipped_files;
            continue;
          }
          // Opened through the host: the file's own path is checked (deny lists included).
          opened f = h.open(path, RA_OPEN_READ);
          if (!f) {
            ++r.skipped_files;
            continue;
          }
          fd_guard fg(f.fd);
          bool binary = false;
          line = find_in_fd(fg.get(), a.query, binary, scratch);
          if (binary) ++r.skipped_files;
          match = line > 0;
          break;
        }
      }
      if (!match) continue;
      // A name in a denied place is not reported, even though it was not opened.
      if (a.kind != search_kind::content && !h.may_read(path)) continue;
      if (!have_stat && ::fstatat(dfd, it.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      search_hit hit;
      hit.path = path;
      hit.size = static_cast<uint64_t>(st.st_size);
      hit.mtime = st.st_mtim.tv_sec;
      hit.is_image = is_image_name(it.name);
      hit.line = line;
      r.hits.push_back(std::move(hit));
      if (r.hits.size() >= a.max_hits) {
        r.truncated = i + 1 < items.size() || !queue.empty();
        ::closedir(d);
        return;
      }
    }
    ::closedir(d);
  }
}

outcome file_search(fs_host &h, const settings &, std::string_view args_json) {
  search_args a;
  std::string error;
  if (!parse_search_args(args_json, a, error)) return outcome::fail(RA_INVALID_ARGUMENT, error);
  search_result r;
  if (!resolve_roots(h, a, r, error)) return outcome::fail(RA_PERMISSION_DENIED, error);
  run_search(h, a, r);
  if (r.cancelled) return outcome::fail(RA_CANCELLED, "file_search was cancelled");

  using writer = rapidjson::Writer<rapidjson::StringBuffer>;
  rapidjson::StringBuffer sb;
  writer w(sb);
  auto str = [&](std::string_view v) {
    std::string s = lossy_utf8(v);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("hits");
  w.StartArray();
  for (const search_hit &hit : r.hits) {
    w.StartObject();
    w.Key("path");
    str(hit.path);
    w.Key("size");
    w.Uint64(hit.size);
    w.Key("mtime");
    str(iso8601_utc(hit.mtime));
    w.Key("is_image");
    w.Bool(hit.is_image);
    if (hit.line) {
      w.Key("line");
      w.Uint64(hit.line);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("truncated");
  w.Bool(r.truncated);
  w.Key("timed_out");
  w.Bool(r.timed_out);
  w.Key("scanned_files");
  w.Uint64(r.scanned_files);
  w.Key("scanned_dirs");
  w.Uint64(r.scanned_dirs);
  w.Key("skipped_dirs");
  w.Uint64(r.skipped_dirs);
  w.Key("skipped_files");
  w.Uint64(r.skipped_files);
  w.Key("roots");
  w.StartArray();
  for (const std::string &root : r.roots) str(root);
  w.EndArray();
  if (!r.skipped_roots.empty()) {
    w.Key("skipped_roots");
    w.StartArray();
    for (const auto &[p, why] : r.skipped_roots) {
      w.StartObject();
      w.Key("path");
      str(p);
      w.Key("reason");
      str(why);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return {RA_OK, sb.GetString(), {}};
}

}  // namespace ra_files
