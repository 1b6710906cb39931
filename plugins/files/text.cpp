#include "text.hpp"

#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <vector>

namespace ra_files {
namespace {

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string lower_ext(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return {};
  std::string ext(name.substr(dot + 1));
  for (char &c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

struct mime_row {
  const char *ext;
  const char *mime;
};

// The common types (mime_guess's answers for them); the first block is the images.
constexpr mime_row mime_table[] = {
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"jpe", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"bmp", "image/bmp"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"ico", "image/x-icon"},
    {"svg", "image/svg+xml"},
    {"heic", "image/heic"},
    {"heif", "image/heif"},
    {"avif", "image/avif"},
    {"txt", "text/plain"},
    {"log", "text/plain"},
    {"md", "text/markdown"},
    {"csv", "text/csv"},
    {"tsv", "text/tab-separated-values"},
    {"html", "text/html"},
    {"htm", "text/html"},
    {"css", "text/css"},
    {"js", "text/javascript"},
    {"mjs", "text/javascript"},
    {"ts", "text/x-typescript"},
    {"json", "application/json"},
    {"xml", "text/xml"},
    {"yaml", "text/x-yaml"},
    {"yml", "text/x-yaml"},
    {"toml", "text/x-toml"},
    {"ini", "text/plain"},
    {"sh", "application/x-sh"},
    {"py", "text/x-python"},
    {"c", "text/x-c"},
    {"h", "text/x-c"},
    {"cpp", "text/x-c++"},
    {"cc", "text/x-c++"},
    {"hpp", "text/x-c++"},
    {"rs", "text/x-rust"},
    {"go", "text/x-go"},
    {"java", "text/x-java"},
    {"rb", "text/x-ruby"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"tgz", "application/gzip"},
    {"tar", "application/x-tar"},
    {"xz", "application/x-xz"},
    {"bz2", "application/x-bzip2"},
    {"zst", "application/zstd"},
    {"7z", "application/x-7z-compressed"},
    {"mp3", "audio/mpeg"},
    {"wav", "audio/wav"},
    {"ogg", "audio/ogg"},
    {"flac", "audio/flac"},
    {"mp4", "video/mp4"},
    {"mov", "video/quicktime"},
    {"mkv", "video/x-matroska"},
    {"webm", "video/webm"},
    {"avi", "video/x-msvideo"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"wasm", "application/wasm"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
};

}  // namespace

std::string base64_encode(std::string_view bytes) {
  static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? t[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0, symbols = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    int v = b64_value(c);
    if (v < 0 || pad > 0) return std::nullopt;  // a bad symbol, or data after padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (symbols % 4 == 1 || pad > 2 || (pad > 0 && (symbols + pad) % 4 != 0)) return std::nullopt;
  return out;
}

std::string normalize_path(std::string_view path, std::string_view cwd) {
  std::vector<std::string_view> parts;
  auto push = [&](std::string_view p) {
    while (!p.empty()) {
      size_t slash = p.find('/');
      std::string_view c = p.substr(0, slash);
      p = slash == std::string_view::npos ? std::string_view() : p.substr(slash + 1);
      if (c.empty() || c == ".") continue;
      if (c == "..") {
        if (!parts.empty()) parts.pop_back();
      } else {
        parts.push_back(c);
      }
    }
  };
  if (!path.starts_with('/')) push(cwd);
  push(path);
  std::string out;
  for (std::string_view p : parts) (out += '/') += p;
  return out.empty() ? "/" : out;
}

std::string parent_of(const std::string &p) {
  size_t slash = p.rfind('/');
  return slash == 0 || slash == std::string::npos ? std::string("/") : p.substr(0, slash);
}

std::string base_of(const std::string &p) { return p == "/" ? std::string() : p.substr(p.rfind('/') + 1); }

std::string join(const std::string &dir, std::string_view name) {
  std::string out = dir;
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

std::string_view last_component(std::string_view raw) {
  size_t slash = raw.rfind('/');
  return slash == std::string_view::npos ? raw : raw.substr(slash + 1);
}

std::string current_dir() {
  char buf[4096];
  return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string("/");
}

bool has_glob(std::string_view p) { return p.find_first_of("*?[") != std::string_view::npos; }

bool contains_ascii_nocase(std::string_view h, std::string_view n) {
  if (n.empty()) return true;
  if (n.size() > h.size()) return false;
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  for (size_t i = 0; i + n.size() <= h.size(); ++i) {
    size_t k = 0;
    while (k < n.size() && lower(h[i + k]) == lower(n[k])) ++k;
    if (k == n.size()) return true;
  }
  return false;
}

bool name_matches(std::string_view pattern, std::string_view name, bool fold_case) {
  if (has_glob(pattern)) {
    std::string p(pattern), n(name);
    return ::fnmatch(p.c_str(), n.c_str(), fold_case ? FNM_CASEFOLD : 0) == 0;
  }
  return fold_case ? contains_ascii_nocase(name, pattern) : name.find(pattern) != std::string_view::npos;
}

std::optional<std::string> mime_from_name(std::string_view name) {
  std::string ext = lower_ext(name);
  if (ext.empty()) return std::nullopt;
  for (const mime_row &r : mime_table)
    if (ext == r.ext) return std::string(r.mime);
  return std::nullopt;
}

bool is_image_name(std::string_view name) {
  auto m = mime_from_name(name);
  return m && m->starts_with("image/");
}

std::optional<std::string> image_mime_from_magic(std::string_view h) {
  auto starts = [&](std::string_view magic, size_t at = 0) {
    return h.size() >= at + magic.size() && h.substr(at, magic.size()) == magic;
  };
  if (starts("\x89PNG\r\n\x1a\n")) return "image/png";
  if (starts("\xFF\xD8\xFF")) return "image/jpeg";
  if (starts("GIF87a") || starts("GIF89a")) return "image/gif";
  if (starts("RIFF") && starts("WEBP", 8)) return "image/webp";
  if (starts("BM") && h.size() >= 14) return "image/bmp";
  if (starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4))) return "image/tiff";
  if (starts(std::string_view("\0\0\1\0", 4)) && h.size() >= 6) return "image/x-icon";
  if (starts("ftypavif", 4) || starts("ftypavis", 4)) return "image/avif";
  if (starts("ftypheic", 4) || starts("ftypheix", 4) || starts("ftypmif1", 4)) return "image/heic";
  return std::nullopt;
}

std::string iso8601_utc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (!::gmtime_r(&t, &tm)) return "1970-01-01T00:00:00Z";
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string mode_string(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

const char *type_name(mode_t mode) {
  if (S_ISREG(mode)) return "file";
  if (S_ISDIR(mode)) return "dir";
  if (S_ISLNK(mode)) return "symlink";
  return "other";
}

}  // namespace ra_files
