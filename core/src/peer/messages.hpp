// peer/messages.hpp — the JSON bodies that travel inside end-to-end envelopes between peers. The
// envelope's kind (crypto/envelope.hpp) says which body it carries:
//
//   info     {"info":{…host info…},"tools":[…descriptors…],"reply_wanted":bool}
//   request  {"id":"<32 hex>","expires_at_ms":N,"tool":"…","args":{…},"timeout_ms":N,"caller":"…"}
//   reply    {"id":"…","outcome":"ok|failed|denied|invalid|timeout|cancelled|unreachable",
//             "status":N,"result":{…},"message":"…","duration_ms":N}
//   partial  {"id":"…","data":<json>}                 streamed output of a running request
//   control  {"type":"cancel","id":"…"}               stop a running request
//   event    {"topic":"task.finished","data":{…}}     something happened (host->send_event, R66)
//
// The relay sees none of this (it is the plaintext of AES-GCM). Every decoder checks types and
// bounds and returns a status naming the bad field; raw JSON members (args, result, data, info) are
// carried as serialized text so that they pass through without a second parse.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.hpp"

namespace ra::peer {

inline constexpr size_t k_request_id_hex = 32;  // 128 random bits

struct request_msg {
  std::string id;
  int64_t expires_at_ms = 0;  // unix ms; the executor refuses the request after this
  std::string tool;
  std::string args_json = "{}";
  int64_t timeout_ms = 0;
  std::string caller;  // display name of the controller, for the executor's log and audit
};

struct reply_msg {
  std::string id;
  std::string outcome = "ok";
  int32_t status = 0;
  std::string result_json = "{}";
  std::string message;
  int64_t duration_ms = 0;
};

struct partial_msg {
  std::string id;
  std::string data_json;
};

struct control_msg {
  std::string type;  // "cancel"
  std::string id;
};

// Topics: [a-z0-9][a-z0-9._-]{0,63}; data: a JSON object of at most k_event_max_bytes.
inline constexpr size_t k_event_max_bytes = 65536;
struct event_msg {
  std::string topic;
  std::string data_json = "{}";
};
bool valid_event_topic(std::string_view topic);

struct info_msg {
  std::string info_json = "{}";   // host_info_json(): id, name, tags, platform, mode, plugins, …
  std::string tools_json = "[]";  // tool descriptors: name, title, description, input_schema, …
  bool reply_wanted = false;      // "send me yours": set on the broadcast after each join
};

std::string encode(const request_msg &m);
std::string encode(const reply_msg &m);
std::string encode(const partial_msg &m);
std::string encode(const control_msg &m);
std::string encode(const info_msg &m);
std::string encode(const event_msg &m);

result<request_msg> decode_request(std::string_view json);
result<reply_msg> decode_reply(std::string_view json);
result<partial_msg> decode_partial(std::string_view json);
result<control_msg> decode_control(std::string_view json);
result<info_msg> decode_info(std::string_view json);
result<event_msg> decode_event(std::string_view json);

// 32 lower-case hex digits from the system CSPRNG.
std::string new_request_id();
bool valid_request_id(std::string_view id);

int64_t unix_ms();

}  // namespace ra::peer
