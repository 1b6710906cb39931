#include <string>

#include "wire/codec.hpp"
#include "wire/rules.hpp"

namespace ra::wire {

namespace {

// Appends big-endian integers and length-prefixed fields. Lengths were checked by the rules first,
// so the narrowing casts below cannot lose bits.
class writer {
 public:
  explicit writer(std::vector<uint8_t> &out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void text(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void short_text(std::string_view s) {  // u8 length, then the bytes
    u8(static_cast<uint8_t>(s.size()));
    text(s);
  }
  void id_list(const std::vector<std::string_view> &ids) {
    u16(static_cast<uint16_t>(ids.size()));
    for (auto id : ids) short_text(id);
  }

 private:
  void put(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> &out_;
};

size_t short_size(std::string_view s) { return 1 + s.size(); }
size_t list_size(const std::vector<std::string_view> &ids) {
  size_t n = 2;
  for (auto id : ids) n += short_size(id);
  return n;
}

// Body sizes, payload included. Every body layout is in relay/PROTOCOL.md.
size_t body_size(const hello &h) {
  return 2 + k_routing_id_size + k_resume_secret_size + short_size(h.peer_id) + 1 + h.access_token.size();
}
size_t body_size(const welcome &w) { return short_size(w.peer_id) + 4 + 2 + 4 + 4 + 4 + list_size(w.peers); }
size_t body_size(const join_refused &r) { return 2 + short_size(r.text); }
size_t body_size(const peer_joined &p) { return short_size(p.peer_id); }
size_t body_size(const peer_left &p) { return short_size(p.peer_id) + 1; }
size_t body_size(const send &s) { return list_size(s.to) + s.payload.size(); }
size_t body_size(const deliver &d) { return short_size(d.from) + d.payload.size(); }
size_t body_size(const ping &) { return 8; }
size_t body_size(const pong &) { return 8; }
size_t body_size(const error &e) { return 2 + short_size(e.peer_id) + short_size(e.text); }
size_t body_size(const bye &b) { return 2 + short_size(b.text); }

// Write everything but a trailing payload.
void write_head(const hello &h, writer &w) {
  w.u8(h.min_version);
  w.u8(h.max_version);
  w.bytes(h.room);
  w.bytes(h.resume);
  w.short_text(h.peer_id);
  w.u8(static_cast<uint8_t>(h.access_token.size()));
  w.bytes(h.access_token);
}
void write_head(const welcome &m, writer &w) {
  w.short_text(m.peer_id);
  w.u32(m.max_frame);
  w.u16(m.max_peers);
  w.u32(m.rate_per_s);
  w.u32(m.rate_burst);
  w.u32(m.idle_timeout_s);
  w.id_list(m.peers);
}
void write_head(const join_refused &r, writer &w) {
  w.u16(static_cast<uint16_t>(r.reason));
  w.short_text(r.text);
}
void write_head(const peer_joined &p, writer &w) { w.short_text(p.peer_id); }
void write_head(const peer_left &p, writer &w) {
  w.short_text(p.peer_id);
  w.u8(static_cast<uint8_t>(p.reason));
}
void write_head(const send &s, writer &w) { w.id_list(s.to); }
void write_head(const deliver &d, writer &w) { w.short_text(d.from); }
void write_head(const ping &p, writer &w) { w.u64(p.nonce); }
void write_head(const pong &p, writer &w) { w.u64(p.nonce); }
void write_head(const error &e, writer &w) {
  w.u16(static_cast<uint16_t>(e.code));
  w.short_text(e.peer_id);
  w.short_text(e.text);
}
void write_head(const bye &b, writer &w) {
  w.u16(b.close_code);
  w.short_text(b.text);
}

template <class T>
std::span<const uint8_t> trailing_payload(const T &body) {
  if constexpr (std::is_same_v<T, send> || std::is_same_v<T, deliver>) {
    return body.payload;
  } else {
    return {};
  }
}

size_t body_size_of(const frame &f) {
  return std::visit([](const auto &body) { return body_size(body); }, f);
}

// Checks, then writes the frame, without its trailing payload unless `with_payload`. Nothing is
// reserved or written before the checks pass, so a bogus span size cannot cause a huge allocation.
status encode_impl(const frame &f, std::vector<uint8_t> &out, const limits &lim, bool with_payload) {
  if (auto s = detail::check_fields(f, lim); !s) return s;
  const size_t body = body_size_of(f);
  if (k_header_size + body > lim.max_frame) {
    return status(RA_RESOURCE_EXHAUSTED, std::string(type_name(type_of(f))) + " frame of " +
                                             std::to_string(k_header_size + body) + " bytes exceeds the " +
                                             std::to_string(lim.max_frame) + "-byte limit");
  }
  const auto payload = std::visit([](const auto &b) { return trailing_payload(b); }, f);
  out.reserve(out.size() + k_header_size + body - (with_payload ? 0 : payload.size()));
  writer w(out);
  w.bytes(k_magic);
  w.u8(k_version);
  w.u8(static_cast<uint8_t>(type_of(f)));
  w.u32(static_cast<uint32_t>(body));  // <= max_frame <= 64 MiB
  std::visit([&](const auto &b) { write_head(b, w); }, f);
  if (with_payload) w.bytes(payload);
  return status::ok();
}

}  // namespace

size_t encoded_size(const frame &f) { return k_header_size + body_size_of(f); }

status encode_head(const frame &f, std::vector<uint8_t> &out, const limits &lim) {
  return encode_impl(f, out, lim, false);
}

status encode_to(const frame &f, std::vector<uint8_t> &out, const limits &lim) {
  return encode_impl(f, out, lim, true);
}

result<std::vector<uint8_t>> encode(const frame &f, const limits &lim) {
  std::vector<uint8_t> out;
  if (auto s = encode_to(f, out, lim); !s) return s;
  return out;
}

}  // namespace ra::wire
