#include "util/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace ra::json {

namespace {

// min(depth of v, cap), for cap >= 1; recurses at most cap levels, however deep `v` is.
unsigned depth_capped(const rapidjson::Value &v, unsigned cap) {
  if (cap <= 1 || !(v.IsObject() || v.IsArray())) return 1;
  unsigned deepest = 0;
  auto visit = [&](const rapidjson::Value &child) {
    deepest = std::max(deepest, depth_capped(child, cap - 1));
    return deepest < cap - 1;
  };
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
      if (!visit(it->value)) break;
  } else {
    for (auto it = v.Begin(); it != v.End(); ++it)
      if (!visit(*it)) break;
  }
  return deepest + 1;
}

// RapidJSON 1.1 validates the raw bytes but decodes a lone low-surrogate escape (\uDC00..\uDFFF)
// into ill-formed UTF-8, which would then reach our output. Called on a tree of bounded depth.
bool strings_valid(const rapidjson::Value &v) {
  if (v.IsString()) return is_valid_utf8({v.GetString(), v.GetStringLength()});
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      if (!strings_valid(it->name) || !strings_valid(it->value)) return false;
    }
  } else if (v.IsArray()) {
    for (auto it = v.Begin(); it != v.End(); ++it) {
      if (!strings_valid(*it)) return false;
    }
  }
  return true;
}

}  // namespace

status parse(std::string_view text, rapidjson::Document &out) {
  if (text.size() > max_bytes) return invalid_argument("JSON is larger than " + std::to_string(max_bytes) + " bytes");
  // Full precision: the default mode may misround a number by a few ULP, so a raw JSON member
  // (args, result) would change each time a peer parses and re-serialises it.
  out.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag |
            rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  if (out.HasParseError()) {
    return invalid_argument("invalid JSON at offset " + std::to_string(out.GetErrorOffset()) + ": " +
                            rapidjson::GetParseError_En(out.GetParseError()));
  }
  if (depth(out) > max_depth) return invalid_argument("JSON nesting is deeper than " + std::to_string(max_depth));
  if (!strings_valid(out)) return invalid_argument("invalid JSON: a \\u escape encodes a lone surrogate");
  return status::ok();
}

unsigned depth(const rapidjson::Value &v) { return depth_capped(v, max_depth + 1); }

std::string to_string(const rapidjson::Value &v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

std::string to_pretty_string(const rapidjson::Value &v) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0 when ill-formed (RFC 3629 table).
size_t utf8_seq_len(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t left = s.size() - i;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && (b(i + 1) & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3) return 0;
    unsigned char c1 = b(i + 1);
    if (c == 0xE0 && (c1 < 0xA0 || c1 > 0xBF)) return 0;
    if (c == 0xED && (c1 < 0x80 || c1 > 0x9F)) return 0;
    if ((c1 & 0xC0) != 0x80 || (b(i + 2) & 0xC0) != 0x80) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4) return 0;
    unsigned char c1 = b(i + 1);
    if (c == 0xF0 && (c1 < 0x90 || c1 > 0xBF)) return 0;
    if (c == 0xF4 && (c1 < 0x80 || c1 > 0x8F)) return 0;
    if ((c1 & 0xC0) != 0x80 || (b(i + 2) & 0xC0) != 0x80 || (b(i + 3) & 0xC0) != 0x80) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_seq_len(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string to_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_seq_len(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string quote(std::string_view s) {
  std::string valid = to_valid_utf8(s);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(valid.data(), static_cast<rapidjson::SizeType>(valid.size()));
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace ra::json
