// relay/http_api.hpp — the relay's JSON endpoints (README.md has examples):
//   GET /health            {"status":"ok","service":"remote-agents-relay","version":…,"rooms":n,"peers":n}
//   GET /api/rooms         every room, sorted by routing id, with its peer count and byte counters
//   GET /api/room/<hex>    one room and its peers; 404 when there is no such room
// With --token, /api/* needs "Authorization: Bearer <token>" (compared in constant time), else 401.
// /health stays open for load balancers. Other paths are 404 and other methods 405, in JSON.
// A pure function of the request and the registry, so it is tested without a socket.
// Thread safety: reads the registry; call it on the relay's io_context thread.
#pragma once

#include <string>
#include <string_view>

#include "room_registry.hpp"

namespace ra::relay {

inline constexpr std::string_view k_service = "remote-agents-relay";

struct api_request {
  std::string_view method;  // "GET", …
  std::string_view target;  // path, maybe with a query string (ignored)
  std::string_view authorization;
};

struct api_response {
  unsigned status = 200;
  std::string body;                  // JSON
  bool allow_get_only = false;       // 405: send "Allow: GET"
  bool ask_for_credentials = false;  // 401: send "WWW-Authenticate: Bearer"
};

api_response handle_api(const api_request &req, const room_registry &rooms, std::string_view version);

// A JSON body {"error":"<message>"}; `message` is ASCII we wrote.
std::string json_error(std::string_view message);

}  // namespace ra::relay
