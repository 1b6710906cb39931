#include "service/systemd_escape.hpp"

#include <cstdio>

namespace ra::service {
namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

bool has_control(std::string_view s) {
  for (unsigned char c : s)
    if (is_control(c)) return true;
  return false;
}

// Messages never quote the value: it may be a secret (the token goes through env_file_line).
status check_text(std::string_view s, const char *what) {
  if (s.find('\0') != std::string_view::npos) return invalid_argument(std::string(what) + " contains a NUL byte");
  if (!is_valid_utf8(s)) return invalid_argument(std::string(what) + " is not valid UTF-8");
  return status::ok();
}

bool valid_env_name(std::string_view n) {
  if (n.empty() || (n[0] >= '0' && n[0] <= '9')) return false;
  for (char c : n)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Inside double quotes with EXTRACT_CUNESCAPE: \\ and \" are literal, control bytes become C
// escapes, and % is doubled because specifiers are resolved after unquoting.
void append_c_quoted_body(std::string &out, std::string_view s) {
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '%':
        out += "%%";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (is_control(c)) {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

result<std::string> exec_arg(std::string_view arg) {
  if (auto st = check_text(arg, "argument"); !st) return st;
  std::string out = "\"";
  for (char c : arg) {
    // $ would be expanded from the service environment when the command runs.
    if (c == '$')
      out += "$$";
    else
      append_c_quoted_body(out, std::string_view(&c, 1));
  }
  out += '"';
  return out;
}

result<std::string> exec_path(std::string_view path) {
  if (auto st = check_text(path, "executable path"); !st) return st;
  if (path.empty() || path[0] != '/') return invalid_argument("executable path is not absolute");
  for (unsigned char c : path) {
    if (is_control(c) || c == '"' || c == '\'' || c == '\\')
      return invalid_argument(
          "executable path contains a quote, backslash or control character, which systemd "
          "refuses in ExecStart=");
    if (c == '$') return invalid_argument("executable path contains '$', which systemd would expand in argv[0]");
  }
  std::string out = "\"";
  append_c_quoted_body(out, path);
  out += '"';
  return out;
}

result<std::string> environment_word(std::string_view name, std::string_view value) {
  if (!valid_env_name(name)) return invalid_argument("invalid environment variable name '" + std::string(name) + "'");
  if (auto st = check_text(value, "environment value"); !st) return st;
  std::string out = "\"";
  out += name;
  out += '=';
  append_c_quoted_body(out, value);
  out += '"';
  return out;
}

result<std::string> path_word(std::string_view path, bool optional) {
  if (auto st = check_text(path, "path"); !st) return st;
  if (path.empty() || path[0] != '/') return invalid_argument("path '" + std::string(path) + "' is not absolute");
  if (has_control(path)) return invalid_argument("path contains a control character");
  // No C escapes here: the path-list parser unquotes with plain backslash escaping only.
  std::string out = "\"";
  if (optional) out += '-';
  for (char c : path) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '%') out += '%';
    out += c;
  }
  out += '"';
  return out;
}

result<std::string> raw_path(std::string_view path) {
  if (auto st = check_text(path, "path"); !st) return st;
  if (path.empty() || path[0] != '/') return invalid_argument("path '" + std::string(path) + "' is not absolute");
  if (has_control(path)) return invalid_argument("path contains a control character");
  char last = path.back();
  if (last == ' ' || last == '\\')
    return invalid_argument("path '" + std::string(path) + "' ends in a space or backslash, which systemd would strip");
  std::string out;
  for (char c : path) {
    if (c == '%') out += '%';
    out += c;
  }
  return out;
}

result<std::string> env_file_line(std::string_view name, std::string_view value) {
  if (!valid_env_name(name)) return invalid_argument("invalid environment variable name '" + std::string(name) + "'");
  std::string what = "value of " + std::string(name);
  if (auto st = check_text(value, what.c_str()); !st) return st;
  if (has_control(value)) return invalid_argument(what + " contains a control character");
  std::string out(name);
  out += "=\"";
  for (char c : value) {
    if (c == '"' || c == '\\' || c == '`' || c == '$') out += '\\';
    out += c;
  }
  out += "\"\n";
  return out;
}

}  // namespace ra::service
