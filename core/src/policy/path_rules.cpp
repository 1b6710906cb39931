// Path policy: lexical normalisation and the deny-then-allow lists (REFERENCE-SPEC §5.4).
// Lexical only — symlinks are not resolved here; files are opened beneath allowed roots with
// openat2(RESOLVE_BENEATH) elsewhere, which is the real boundary.
#include <vector>

#include "policy/policy.hpp"

namespace ra::policy {
namespace {

void push_components(std::vector<std::string_view> &parts, std::string_view path) {
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view c = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();  // never above the root
    } else {
      parts.push_back(c);
    }
  }
}

}  // namespace

std::string normalize_path(std::string_view path, std::string_view cwd) {
  std::vector<std::string_view> parts;
  // A relative cwd is itself taken from "/"; a relative path from cwd.
  if (!path.starts_with('/')) push_components(parts, cwd);
  push_components(parts, path);
  std::string out;
  for (std::string_view p : parts) (out += '/') += p;
  return out.empty() ? "/" : out;
}

bool path_is_under(std::string_view normalized_path, std::string_view normalized_prefix) {
  if (normalized_prefix == "/") return normalized_path.starts_with('/');
  return normalized_path.starts_with(normalized_prefix) &&
         (normalized_path.size() == normalized_prefix.size() || normalized_path[normalized_prefix.size()] == '/');
}

decision check_path(std::string_view path, access a, mode m, const rules &r, std::string_view cwd) {
  if (m == mode::disabled) return decision::deny("host is disabled");
  if (m != mode::plan && m != mode::edit && m != mode::bypass) return decision::deny("unknown mode");
  if (path.empty()) return decision::deny("empty path");
  // The kernel stops at a NUL: "/etc/shadow\0x" would open /etc/shadow yet not match "/etc/shadow".
  if (path.find('\0') != std::string_view::npos || cwd.find('\0') != std::string_view::npos) {
    return decision::deny("path contains a NUL byte");
  }
  const std::string p = normalize_path(path, cwd);
  // List entries are taken from "/", not from the caller's cwd: a rule means the same on every call.
  for (const std::string &d : r.denied_paths) {
    if (!d.empty() && path_is_under(p, normalize_path(d, "/"))) return decision::deny("path denied by policy: " + p);
  }
  if (!r.allowed_paths.empty()) {
    bool allowed = false;
    for (const std::string &e : r.allowed_paths) {
      allowed = allowed || (!e.empty() && path_is_under(p, normalize_path(e, "/")));
    }
    if (!allowed) return decision::deny("path not in allowed list: " + p);
  }
  if (a == access::write && m == mode::plan)
    return decision::deny("plan mode is read-only: writing " + p + " is refused");
  return decision::allow();
}

}  // namespace ra::policy
