#include <string>

#include "wire/codec.hpp"
#include "wire/rules.hpp"

namespace ra::wire {

namespace {

// A bounds-checked reader: every read returns false instead of going past the end, and nothing is
// read through a length before that length has been compared with what is left.
class cursor {
 public:
  explicit cursor(std::span<const uint8_t> data) : data_(data) {}
  size_t left() const { return data_.size() - off_; }
  bool u8(uint8_t &v) {
    if (left() < 1) return false;
    v = data_[off_++];
    return true;
  }
  bool u16(uint16_t &v) { return be(v, 2); }
  bool u32(uint32_t &v) { return be(v, 4); }
  bool u64(uint64_t &v) { return be(v, 8); }
  bool take(size_t n, std::span<const uint8_t> &v) {
    if (left() < n) return false;
    v = data_.subspan(off_, n);
    off_ += n;
    return true;
  }
  template <size_t N>
  bool fixed(std::array<uint8_t, N> &v) {
    std::span<const uint8_t> b;
    if (!take(N, b)) return false;
    std::copy(b.begin(), b.end(), v.begin());
    return true;
  }
  // u8 length, then that many bytes, which must not exceed `max`.
  bool short_text(std::string_view &v, size_t max) {
    uint8_t n = 0;
    std::span<const uint8_t> b;
    if (!u8(n) || n > max || !take(n, b)) return false;
    v = {reinterpret_cast<const char *>(b.data()), b.size()};
    return true;
  }
  std::span<const uint8_t> rest() {
    auto r = data_.subspan(off_);
    off_ = data_.size();
    return r;
  }

 private:
  template <class T>
  bool be(T &v, int n) {
    if (left() < static_cast<size_t>(n)) return false;
    v = 0;
    for (int i = 0; i < n; ++i) v = static_cast<T>(v << 8 | data_[off_++]);
    return true;
  }
  std::span<const uint8_t> data_;
  size_t off_ = 0;
};

status malformed(const char *type, const char *what) {
  return invalid_argument(std::string("malformed ") + type + " frame: " + what);
}

// u16 count, then that many u8-length-prefixed ids. The vector is reserved only after the count
// has been checked against the limit and against the bytes left (each id takes at least 2).
bool read_id_list(cursor &c, size_t max_count, std::vector<std::string_view> &ids, status &err, const char *type) {
  uint16_t n = 0;
  if (!c.u16(n)) {
    err = malformed(type, "truncated id count");
    return false;
  }
  if (n > max_count) {
    err = malformed(type, ("more than " + std::to_string(max_count) + " ids").c_str());
    return false;
  }
  if (static_cast<size_t>(n) * 2 > c.left()) {
    err = malformed(type, "id count larger than the frame");
    return false;
  }
  ids.reserve(n);
  for (uint16_t i = 0; i < n; ++i) {
    std::string_view id;
    if (!c.short_text(id, k_max_peer_id)) {
      err = malformed(type, "truncated or over-long id in list");
      return false;
    }
    ids.push_back(id);
  }
  return true;
}

result<frame> read_body(frame_type type, cursor &c, const limits &lim) {
  const char *name = type_name(type);
  status err;
  switch (type) {
    case frame_type::hello: {
      hello h;
      uint8_t token_len = 0;
      std::span<const uint8_t> token;
      if (!c.u8(h.min_version) || !c.u8(h.max_version) || !c.fixed(h.room) || !c.fixed(h.resume) ||
          !c.short_text(h.peer_id, k_max_peer_id) || !c.u8(token_len) || !c.take(token_len, token)) {
        return malformed(name, "truncated or over-long field");
      }
      h.access_token = token;
      return frame(h);
    }
    case frame_type::welcome: {
      welcome w;
      if (!c.short_text(w.peer_id, k_max_peer_id) || !c.u32(w.max_frame) || !c.u16(w.max_peers) ||
          !c.u32(w.rate_per_s) || !c.u32(w.rate_burst) || !c.u32(w.idle_timeout_s)) {
        return malformed(name, "truncated or over-long field");
      }
      if (!read_id_list(c, lim.max_peers, w.peers, err, name)) return err;
      return frame(std::move(w));
    }
    case frame_type::join_refused: {
      join_refused r;
      uint16_t code = 0;
      if (!c.u16(code) || !c.short_text(r.text, k_max_text)) return malformed(name, "truncated or over-long field");
      r.reason = static_cast<refusal>(code);
      return frame(r);
    }
    case frame_type::peer_joined: {
      peer_joined p;
      if (!c.short_text(p.peer_id, k_max_peer_id)) return malformed(name, "truncated or over-long field");
      return frame(p);
    }
    case frame_type::peer_left: {
      peer_left p;
      uint8_t reason = 0;
      if (!c.short_text(p.peer_id, k_max_peer_id) || !c.u8(reason)) {
        return malformed(name, "truncated or over-long field");
      }
      p.reason = static_cast<leave_reason>(reason);
      return frame(p);
    }
    case frame_type::send: {
      send s;
      if (!read_id_list(c, lim.max_peers, s.to, err, name)) return err;
      s.payload = c.rest();
      return frame(std::move(s));
    }
    case frame_type::deliver: {
      deliver d;
      if (!c.short_text(d.from, k_max_peer_id)) return malformed(name, "truncated or over-long field");
      d.payload = c.rest();
      return frame(d);
    }
    case frame_type::ping: {
      ping p;
      if (!c.u64(p.nonce)) return malformed(name, "truncated nonce");
      return frame(p);
    }
    case frame_type::pong: {
      pong p;
      if (!c.u64(p.nonce)) return malformed(name, "truncated nonce");
      return frame(p);
    }
    case frame_type::error: {
      error e;
      uint16_t code = 0;
      if (!c.u16(code) || !c.short_text(e.peer_id, k_max_peer_id) || !c.short_text(e.text, k_max_text)) {
        return malformed(name, "truncated or over-long field");
      }
      e.code = static_cast<error_code>(code);
      return frame(e);
    }
    case frame_type::bye: {
      bye b;
      if (!c.u16(b.close_code) || !c.short_text(b.text, k_max_text)) {
        return malformed(name, "truncated or over-long field");
      }
      return frame(b);
    }
  }
  return internal_error("unhandled frame type");  // unreachable: the type was checked by the caller
}

}  // namespace

result<frame> decode(std::span<const uint8_t> bytes, const limits &lim) {
  if (bytes.size() > lim.max_frame) {
    return status(RA_RESOURCE_EXHAUSTED, "frame of " + std::to_string(bytes.size()) + " bytes exceeds the " +
                                             std::to_string(lim.max_frame) + "-byte limit");
  }
  // Magic first, on whatever bytes there are: a client speaking another protocol gets told so,
  // not "truncated".
  if ((bytes.size() >= 1 && bytes[0] != k_magic[0]) || (bytes.size() >= 2 && bytes[1] != k_magic[1])) {
    return status(RA_UNIMPLEMENTED, "not a remote-agents relay frame (expected magic \"RA\")");
  }
  if (bytes.size() < k_header_size) return invalid_argument("frame shorter than its 8-byte header");
  cursor c(bytes);
  std::span<const uint8_t> magic;
  uint8_t version = 0, type = 0;
  uint32_t body_len = 0;
  c.take(2, magic);
  c.u8(version);
  c.u8(type);
  c.u32(body_len);
  if (version != k_version) {
    return status(RA_UNIMPLEMENTED, "unsupported relay protocol version " + std::to_string(version) +
                                        " (this build speaks " + std::to_string(k_min_version) + ".." +
                                        std::to_string(k_version) + ")");
  }
  if (!is_known_type(type)) return status(RA_UNIMPLEMENTED, "unknown frame type " + std::to_string(type));
  if (body_len != c.left()) {
    return invalid_argument("frame body length field says " + std::to_string(body_len) + " bytes, message has " +
                            std::to_string(c.left()));
  }

  auto f = read_body(static_cast<frame_type>(type), c, lim);
  if (!f) return f;
  if (c.left() != 0) return malformed(type_name(static_cast<frame_type>(type)), "trailing bytes");
  if (auto s = detail::check_fields(*f, lim); !s) return s;
  return f;
}

}  // namespace ra::wire
