// tests/fuzz/fuzz_envelope.cpp — libFuzzer target for the end-to-end envelope (core/src/crypto/):
// parse_envelope and opener::open on arbitrary bytes, with a fixed room key and replay window.
//
// Input: either one frame, or — when the first byte is 0xF0 — a sequence of records
// [u16 big-endian length][frame] fed to one opener, so replay-window state carries across frames.
// Besides crashes and sanitizer reports it checks invariants:
//  * a parsed header re-encodes to exactly its bytes (one encoding per header) and the parts add up;
//  * anything opened was addressed to us or broadcast, not sent under our id, and has the size the
//    frame implies; opening the same bytes again is refused as a duplicate;
//  * within one input no (sender, session, sequence) is ever accepted twice.
// Genuine frames only come from the seeds (corpus/envelope/): random bytes do not authenticate.
//
// Build and run (not wired into meson yet; leave out the *_test.cpp files):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Icore/src -Isdk/include \
//     $(pkg-config --cflags botan-2) tests/fuzz/fuzz_envelope.cpp \
//     $(ls core/src/crypto/*.cpp | grep -v _test.cpp) $(pkg-config --libs botan-2) -o fuzz_envelope
//   ./fuzz_envelope tests/fuzz/corpus/envelope
// Regenerate the seeds (same sources, no -fsanitize=fuzzer):
//   clang++ -std=c++20 -O1 -DRA_FUZZ_ENVELOPE_WRITE_SEEDS -Icore/src -Isdk/include ... -o gen_seeds
//   ./gen_seeds tests/fuzz/corpus/envelope
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "crypto/envelope.hpp"
#include "crypto/opener.hpp"
#include "crypto/room_crypto.hpp"
#include "crypto/sealer.hpp"

namespace {

using namespace ra::crypto;

constexpr const char *k_self = "peer-b";

void check(bool ok) {
  if (!ok) __builtin_trap();
}

const room_crypto &fuzz_room() {
  // Cheap Argon2 cost: derived once per process; the fuzzer explores the envelope, not Argon2.
  static const room_crypto room =
      room_crypto::derive("fuzz token", "fuzz-room", argon2_params::cheap_for_tests()).value();
  return room;
}

void check_parse(std::span<const uint8_t> frame) {
  auto v = parse_envelope(frame);
  if (!v.is_ok()) {
    check(!v.error().message().empty());
    return;
  }
  check(v->header_bytes.size() + v->sealed.size() == frame.size());
  check(v->sealed.size() >= 16);
  std::vector<uint8_t> again;
  check(encode_header(v->header, again).is_ok());
  check(again.size() == v->header_bytes.size() && std::equal(again.begin(), again.end(), v->header_bytes.begin()));
}

using session_id = std::tuple<std::string, session_salt, uint64_t>;

void check_open(opener &o, std::span<const uint8_t> frame, std::set<session_id> &accepted) {
  auto m = o.open(frame);
  if (!m.is_ok()) return;
  auto v = parse_envelope(frame);
  check(v.is_ok());
  check(m->recipient.empty() || m->recipient == k_self);
  check(m->sender != k_self);
  check(m->plaintext.size() + 16 == v->sealed.size());
  check(accepted.insert({m->sender, m->salt, m->sequence}).second);
  auto again = o.open(frame);
  check(!again.is_ok() && again.error().code() == RA_ALREADY_EXISTS);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  std::set<session_id> accepted;
  auto o = opener::create(fuzz_room(), k_self, {.max_frame = 64 * 1024, .max_sessions = 8}).value();

  if (size > 0 && data[0] == 0xF0) {
    size_t off = 1;
    while (off + 2 <= size) {
      const size_t len = static_cast<size_t>(data[off]) << 8 | data[off + 1];
      off += 2;
      if (len > size - off) break;
      const auto frame = input.subspan(off, len);
      off += len;
      check_parse(frame);
      check_open(o, frame, accepted);
    }
    return 0;
  }
  check_parse(input);
  check_open(o, input, accepted);
  return 0;
}

#ifdef RA_FUZZ_ENVELOPE_WRITE_SEEDS
#include <cstdio>
#include <fstream>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  auto a = sealer::create(fuzz_room(), "peer-a").value();
  auto c = sealer::create(fuzz_room(), "peer-c").value();
  auto seal = [](sealer &s, frame_kind k, const char *to, std::string body) {
    return s.seal(k, to, std::span(reinterpret_cast<const uint8_t *>(body.data()), body.size())).value();
  };
  auto write = [&](const std::string &name, const std::vector<uint8_t> &bytes) {
    std::ofstream(dir + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  };
  const auto request = seal(a, frame_kind::request, "peer-b", R"({"tool":"exec","args":{"command":"uptime"}})");
  const auto info = seal(a, frame_kind::info, "", R"({"name":"web-1","tags":["web"]})");
  const auto other = seal(a, frame_kind::reply, "peer-c", "not for peer-b");
  const auto partial = seal(c, frame_kind::partial, "peer-b", std::string(2000, 'o'));
  const auto control = seal(c, frame_kind::control, "peer-b", "");
  write("request_a_to_b", request);
  write("info_broadcast", info);
  write("reply_for_someone_else", other);
  write("partial_2k", partial);
  write("control_empty", control);
  // Records for one opener: a broadcast, a request and its duplicate, then another sender.
  std::vector<uint8_t> multi = {0xF0};
  for (const auto *f : {&info, &request, &request, &partial, &control}) {
    multi.push_back(static_cast<uint8_t>(f->size() >> 8));
    multi.push_back(static_cast<uint8_t>(f->size()));
    multi.insert(multi.end(), f->begin(), f->end());
  }
  write("multi_with_duplicate", multi);
  return 0;
}
#endif
