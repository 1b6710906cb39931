// tests/fuzz/fuzz_frame.cpp — libFuzzer target for the relay frame codec (core/src/wire/).
//
// Each input is one WebSocket message, decoded under the default limits (1 MiB, 8192 peers) and
// under tight ones (4 KiB, 4 peers), as a relay configured either way would. Besides crashes and
// sanitizer reports it checks:
//  * a frame that decodes re-encodes, under the same limits, to exactly the input bytes (each frame
//    has one encoding), and that encoding decodes to an equal frame;
//  * encode_head + the trailing payload is the same encoding, and encoded_size agrees;
//  * a refusal carries a status that maps to close 1002, 1007 or 1009 with a valid close reason.
//
// Build and run by hand (scripts/fuzz does the same once the target is in tests/fuzz/meson.build):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Icore/src -Isdk/include \
//     tests/fuzz/fuzz_frame.cpp $(ls core/src/wire/*.cpp | grep -v _test.cpp) -o fuzz_frame
//   ./fuzz_frame -max_len=65536 tests/fuzz/corpus/frame
// Seeds (corpus/frame/) are the pinned frames of core/src/wire/frame_test.cpp, one per type.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "wire/close.hpp"
#include "wire/codec.hpp"

namespace {

using namespace ra::wire;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_one(std::span<const uint8_t> input, const limits &lim) {
  auto f = decode(input, lim);
  if (!f) {
    const ra_status c = f.error().code();
    check(c == RA_INVALID_ARGUMENT || c == RA_UNIMPLEMENTED || c == RA_RESOURCE_EXHAUSTED);
    const close_reason close = close_for(f.error());
    check(close.code == 1002 || close.code == 1007 || close.code == 1009);
    check(valid_close_code(close.code) && valid_text(close.reason));
    return;
  }
  check(input.size() <= lim.max_frame);
  check(encoded_size(*f) == input.size());

  auto again = encode(*f, lim);
  check(again.is_ok());
  check(std::ranges::equal(*again, input));
  auto back = decode(*again, lim);
  check(back.is_ok() && *back == *f);

  std::vector<uint8_t> head;
  check(encode_head(*f, head, lim).is_ok());
  std::span<const uint8_t> payload;
  if (auto *s = std::get_if<send>(&*f)) payload = s->payload;
  if (auto *d = std::get_if<deliver>(&*f)) payload = d->payload;
  head.insert(head.end(), payload.begin(), payload.end());
  check(head == *again);

  // The direction tables cover every type, and the peer-facing checks the link relies on hold.
  const frame_type t = type_of(*f);
  check(peer_may_send(t) || relay_may_send(t));
  if (auto *w = std::get_if<welcome>(&*f)) check(validate(limits{w->max_frame, w->max_peers}).is_ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  check_one(input, limits{});
  check_one(input, limits{k_min_frame_limit, 4});
  return 0;
}
