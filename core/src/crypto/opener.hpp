// crypto/opener.hpp — checks and decrypts envelopes addressed to this peer.
//
// open(frame): parse (bounds, version) → refuse a non-empty signature field (reserved) → refuse
// frames for another recipient and frames claiming our own sender id → replay check (no state
// change) → derive the sender-session key → AES-GCM open with the header as AAD → only now commit
// the sequence to the replay window. A forged, truncated or tampered frame therefore never moves a
// window and cannot block the genuine frame with the same sequence.
//
// Status codes: RA_INVALID_ARGUMENT malformed/truncated · RA_RESOURCE_EXHAUSTED over the frame limit
// · RA_UNIMPLEMENTED other envelope version, or a signature (not yet supported) · RA_FAILED_PRECONDITION
// addressed to another peer, or sent under our own id · RA_ALREADY_EXISTS duplicate/replay ·
// RA_OUT_OF_RANGE older than the replay window · RA_PERMISSION_DENIED does not authenticate (wrong
// room key, tampered or forged). Messages never include frame contents.
//
// Thread safety: thread-safe. The replay table is guarded by a mutex; decryption runs outside it and
// the verdict is re-checked before commit, so two threads opening the same frame accept it once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "crypto/envelope.hpp"
#include "crypto/replay_window.hpp"
#include "crypto/room_crypto.hpp"
#include "util/status.hpp"

namespace ra::crypto {

struct opener_options {
  size_t max_frame = k_default_max_frame;
  size_t max_sessions = replay_table::k_default_max_sessions;  // LRU bound on tracked sender sessions
  // A frame whose sender id is our own is refused by default: it is either our own frame reflected
  // back by the relay, or another process claiming to be us. Processes that must share an id
  // should use distinct sender ids instead of turning this off.
  bool accept_own_sender_id = false;
};

struct opened {
  frame_kind kind = frame_kind::request;
  uint8_t flags = 0;
  std::string sender;
  std::string recipient;  // empty = it was a room broadcast
  session_salt salt{};    // identifies the sender session (changes when the sender restarts)
  uint64_t sequence = 0;
  std::vector<uint8_t> plaintext;
};

class opener {
 public:
  // self_id: this peer's id (1..64 visible ASCII); frames for other non-empty recipients are refused.
  static result<opener> create(const room_crypto &room, std::string self_id, opener_options options = {});
  opener(opener &&) noexcept;
  opener &operator=(opener &&) noexcept;
  ~opener();

  result<opened> open(std::span<const uint8_t> frame);

  const std::string &self_id() const;
  size_t tracked_sessions() const;

 private:
  struct state;
  explicit opener(std::unique_ptr<state> s);
  std::unique_ptr<state> s_;
};

}  // namespace ra::crypto
