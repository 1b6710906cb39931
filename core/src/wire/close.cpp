#include "wire/close.hpp"

namespace ra::wire {

std::string clip_reason(std::string_view text) {
  std::string out(text.substr(0, k_max_text));
  for (char &c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

close_reason close_for(const status &decode_error) {
  close_code code = close_code::invalid_payload;
  switch (decode_error.code()) {
    case RA_RESOURCE_EXHAUSTED:
      code = close_code::too_big;
      break;
    case RA_UNIMPLEMENTED:
      code = close_code::protocol_error;
      break;
    case RA_OK:  // not an error: callers should not close, but give them something well-formed
      code = close_code::normal;
      break;
    default:
      code = close_code::invalid_payload;
      break;
  }
  return {static_cast<uint16_t>(code), clip_reason(decode_error.message())};
}

close_code close_code_for(refusal r) {
  switch (r) {
    case refusal::unsupported_version:
      return close_code::protocol_error;
    case refusal::unauthorized:
    case refusal::room_mismatch:
    case refusal::peer_id_in_use:
      return close_code::policy_violation;
    case refusal::room_full:
    case refusal::too_many_rooms:
    case refusal::busy:
      return close_code::try_again_later;
    case refusal::shutting_down:
      return close_code::going_away;
  }
  return close_code::policy_violation;  // a refusal this build does not know
}

close_reason close_for(const join_refused &r) {
  std::string reason = r.text.empty() ? std::string(refusal_name(r.reason)) : clip_reason(r.text);
  return {static_cast<uint16_t>(close_code_for(r.reason)), std::move(reason)};
}

retry retry_after(uint16_t code) {
  switch (code) {
    case static_cast<uint16_t>(close_code::replaced):
      return retry::none;
    case static_cast<uint16_t>(close_code::protocol_error):
    case static_cast<uint16_t>(close_code::unsupported_data):
    case static_cast<uint16_t>(close_code::invalid_payload):
    case static_cast<uint16_t>(close_code::policy_violation):
    case static_cast<uint16_t>(close_code::too_big):
      return retry::slow;
    default:  // 1000, 1001, 1006 (never sent: the connection dropped), 1011–1014, anything unknown
      return retry::backoff;
  }
}

}  // namespace ra::wire
