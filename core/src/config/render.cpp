// config/render.cpp — the config back to TOML (`remote-agents config`) with secrets masked, and
// the commented template `remote-agents init` writes.
//
// Written by hand rather than through toml++'s formatter: its tables are sorted maps, and the
// output should read in the same order as the template (identity, security, autonomous, plugins).
#include <rapidjson/document.h>

#include <charconv>
#include <string>

#include "config/config.hpp"

namespace ra::config {
namespace {

constexpr std::string_view mask = "***";

// Length of the well-formed UTF-8 sequence at s[i], or 0. Strings reach here from the
// environment and flags too, not only from TOML that was validated on parse, and the output
// must parse again.
size_t utf8_sequence(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  if (n == 2 && c < 0xc2) return 0;                                // overlong
  if (n == 3 && c == 0xe0 && byte(i + 1) < 0xa0) return 0;         // overlong
  if (n == 3 && c == 0xed && byte(i + 1) >= 0xa0) return 0;        // surrogate
  if (n == 4 && (c > 0xf4 || (c == 0xf0 && byte(i + 1) < 0x90) ||  // overlong
                 (c == 0xf4 && byte(i + 1) >= 0x90)))              // > U+10FFFF
    return 0;
  return n;
}

std::string quote(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\b':
        out += "\\b";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\f':
        out += "\\f";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
      ++i;
      continue;
    }
    size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out + "\"";
}

// Bare keys where TOML allows them (A-Za-z0-9_-), quoted otherwise; a plugin id such as
// "acme.tool" must be quoted or it would read as two nested tables.
std::string key(std::string_view k) {
  bool bare = !k.empty();
  for (char c : k)
    bare = bare && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  return bare ? std::string(k) : quote(k);
}

std::string list(const std::vector<std::string> &items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + quote(items[i]);
  return out + "]";
}

std::string boolean(bool b) { return b ? "true" : "false"; }

std::string secret(std::string_view s) { return s.empty() ? quote("") : quote(mask); }

// A plugin's config is its own business, but `config` output gets pasted into chats and bug
// reports: mask string values whose key names a credential.
bool is_secret_key(std::string_view k) {
  std::string lower(k);
  for (char &c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  for (std::string_view word :
       {"token", "secret", "password", "passwd", "passphrase", "credential", "apikey", "api_key", "private_key"})
    if (lower.find(word) != std::string::npos) return true;
  return lower == "key" || lower.ends_with("_key");
}

std::string json_number(const rapidjson::Value &v) {
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  // Beyond int64 (TOML's integer range) or fractional: a TOML float, which needs '.' or 'e'.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.GetDouble());
  std::string s(buf, ec == std::errc() ? end : buf);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

// A JSON value as an inline TOML value; nullopt for null, which TOML cannot express.
std::optional<std::string> inline_value(const rapidjson::Value &v, bool secret_key) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return std::nullopt;
    case rapidjson::kFalseType:
      return "false";
    case rapidjson::kTrueType:
      return "true";
    case rapidjson::kNumberType:
      return json_number(v);
    case rapidjson::kStringType: {
      std::string_view s(v.GetString(), v.GetStringLength());
      return secret_key ? secret(s) : quote(s);
    }
    case rapidjson::kArrayType: {
      std::string out = "[";
      bool first = true;
      for (const auto &item : v.GetArray()) {
        auto text = inline_value(item, secret_key);
        if (!text) continue;
        out += (first ? "" : ", ") + *text;
        first = false;
      }
      return out + "]";
    }
    case rapidjson::kObjectType: {
      std::string out = "{";
      bool first = true;
      for (const auto &m : v.GetObject()) {
        std::string_view name(m.name.GetString(), m.name.GetStringLength());
        auto text = inline_value(m.value, is_secret_key(name));
        if (!text) continue;
        out += (first ? " " : ", ") + key(name) + " = " + *text;
        first = false;
      }
      return out + (first ? "}" : " }");
    }
  }
  return std::nullopt;
}

void render_plugin(std::string &out, const plugin_entry &p) {
  std::string header = "plugins." + key(p.id);
  out += "\n[" + header + "]\n";
  out += "load = " + quote(plugin_load_name(p.load)) + "\n";
  if (!p.path.empty()) out += "path = " + quote(p.path) + "\n";
  rapidjson::Document doc;
  // Full precision: the default parse may be off by an ulp, and `config` output must round-trip.
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(p.config_json.data(), p.config_json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    if (!p.config_json.empty()) out += "# config: not a JSON object\n";
    return;
  }
  if (doc.MemberCount() == 0) return;
  out += "\n[" + header + ".config]\n";
  const rapidjson::Value &object = doc;
  for (const auto &m : object.GetObject()) {
    std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (auto text = inline_value(m.value, is_secret_key(name)))
      out += key(name) + " = " + *text + "\n";
    else
      out += "# " + key(name) + " = null (not expressible in TOML)\n";
  }
}

constexpr std::string_view template_text =
#include "config/init_template.inc"
    ;

}  // namespace

std::string render_masked(const config &c) {
  std::string out;
  if (c.id)
    out += "id = " + quote(*c.id) + "\n";
  else
    out += "# id: unset, the persisted agent-id is used\n";
  out += "name = " + quote(c.name) + "\n";
  out += "room = " + quote(c.room) + "\n";
  out += "token = " + secret(c.token) + "\n";
  out += "relay_url = " + quote(c.relay_url) + "\n";
  out += "relay_token = " + secret(c.relay_token) + "\n";
  out += "tags = " + list(c.tags) + "\n";
  out += "accepts_commands = " + boolean(c.accepts_commands) + "\n";
  out += "log_level = " + quote(c.log_level) + "\n";
  out += "plugin_path = " + list(c.plugin_path) + "\n";

  const security_config &s = c.security;
  out += "\n[security]\n";
  out += "mode = " + quote(policy::mode_name(s.mode)) + "\n";
  out += "backup_enabled = " + boolean(s.backup_enabled) + "\n";
  out += "backup_dir = " + quote(s.backup_dir) + "\n";
  out += "max_backup_versions = " + std::to_string(s.max_backup_versions) + "\n";
  out += "allowed_paths = " + list(s.allowed_paths) + "\n";
  out += "denied_paths = " + list(s.denied_paths) + "\n";
  out += "allowed_commands = " + list(s.allowed_commands) + "\n";
  out += "denied_commands = " + list(s.denied_commands) + "\n";
  out += "readonly_commands = " + list(s.readonly_commands) + "\n";
  out += "max_file_size = " + std::to_string(s.max_file_size) + "\n";
  out += "max_transfer_size = " + std::to_string(s.max_transfer_size) + "\n";
  out += "transfer_chunk_size = " + std::to_string(s.transfer_chunk_size) + "\n";
  out += "search_roots = " + list(s.search_roots) + "\n";
  out += "search_max_results = " + std::to_string(s.search_max_results) + "\n";
  out += "search_timeout_secs = " + std::to_string(s.search_timeout_secs) + "\n";
  out += "command_timeout = " + std::to_string(s.command_timeout) + "\n";
  // Present-but-empty is still a setting, so it is masked too: "***" says "set", nothing more.
  if (s.encryption_key) out += "encryption_key = " + quote(mask) + "\n";
  out += "allow_remote_mode_raise = " + boolean(s.allow_remote_mode_raise) + "\n";

  const autonomous_config &a = c.autonomous;
  out += "\n[autonomous]\n";
  if (a.enabled)
    out += "enabled = " + boolean(*a.enabled) + "\n";
  else
    out += "# enabled: unset, on if the runner is found on PATH\n";
  out += "runner = " + list(a.runner) + "\n";
  if (a.workdir)
    out += "workdir = " + quote(*a.workdir) + "\n";
  else
    out += "# workdir: unset, the home directory\n";
  out += "timeout = " + std::to_string(a.timeout) + "\n";

  for (const auto &p : c.plugins)
    if (!p.implicit) render_plugin(out, p);  // the default set is not the user's config
  return out;
}

std::string init_template() { return std::string(template_text); }

}  // namespace ra::config
