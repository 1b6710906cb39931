#include "http_api.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>

#include "secrets.hpp"
#include "wire/routing_id.hpp"

namespace ra::relay {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void key(json_writer &w, std::string_view k) { w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
void str(json_writer &w, std::string_view v) { w.String(v.data(), static_cast<rapidjson::SizeType>(v.size())); }

api_response json(unsigned status, const rapidjson::StringBuffer &buf) {
  return {status, std::string(buf.GetString(), buf.GetSize())};
}

api_response health(const room_registry &rooms, std::string_view version) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  key(w, "status");
  str(w, "ok");
  key(w, "service");
  str(w, k_service);
  key(w, "version");
  str(w, version);
  key(w, "rooms");
  w.Uint64(rooms.rooms().size());
  key(w, "peers");
  w.Uint64(rooms.peer_count());
  w.EndObject();
  return json(200, buf);
}

void room_counters(json_writer &w, const room &r) {
  key(w, "room");
  str(w, wire::to_hex(r.id()));
  key(w, "created_at_ms");
  w.Int64(r.created_at_ms());
  key(w, "bytes_in");
  w.Uint64(r.bytes_in());
  key(w, "bytes_out");
  w.Uint64(r.bytes_out());
}

api_response list_rooms(const room_registry &rooms) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  key(w, "rooms");
  w.StartArray();
  for (const auto &[id, r] : rooms.rooms()) {  // a std::map: sorted by routing id, hence by hex
    w.StartObject();
    room_counters(w, *r);
    key(w, "peers");
    w.Uint64(r->size());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json(200, buf);
}

api_response show_room(const room_registry &rooms, std::string_view hex) {
  auto id = wire::parse_routing_id(hex);
  if (!id) return {400, json_error("a room is 64 hex digits")};
  const room *r = rooms.find(*id);
  if (!r) return {404, json_error("no such room")};
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  room_counters(w, *r);
  key(w, "peers");
  w.StartArray();
  for (const auto &[peer, m] : r->members()) {  // sorted by peer id
    w.StartObject();
    key(w, "peer_id");
    str(w, peer);  // visible ASCII by the id rule: safe in JSON as is
    key(w, "connected_at_ms");
    w.Int64(m->connected_at_ms);
    key(w, "frames_in");
    w.Uint64(m->frames_in);
    key(w, "bytes_in");
    w.Uint64(m->bytes_in);
    key(w, "bytes_out");
    w.Uint64(m->bytes_out);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json(200, buf);
}

bool authorized(std::string_view header, std::string_view token) {
  if (token.empty()) return true;
  constexpr std::string_view scheme = "Bearer ";
  if (header.size() < scheme.size()) return false;
  // The scheme name is case-insensitive (RFC 9110 §11.1); the token is not.
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(scheme[i]))) {
      return false;
    }
  }
  auto given = header.substr(scheme.size());
  return constant_time_equal({reinterpret_cast<const uint8_t *>(given.data()), given.size()},
                             {reinterpret_cast<const uint8_t *>(token.data()), token.size()});
}

}  // namespace

std::string json_error(std::string_view message) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  key(w, "error");
  str(w, message);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

api_response handle_api(const api_request &req, const room_registry &rooms, std::string_view version) {
  std::string_view path = req.target.substr(0, req.target.find('?'));
  constexpr std::string_view room_prefix = "/api/room/";
  const bool known = path == "/health" || path == "/api/rooms" || path.starts_with(room_prefix);
  if (!known) return {404, json_error("not found")};
  if (req.method != "GET") {
    api_response r{405, json_error("only GET is allowed")};
    r.allow_get_only = true;
    return r;
  }
  if (path == "/health") return health(rooms, version);
  if (!authorized(req.authorization, rooms.cfg().token)) {
    api_response r{401, json_error("relay access token missing or wrong")};
    r.ask_for_credentials = true;
    return r;
  }
  if (path == "/api/rooms") return list_rooms(rooms);
  return show_room(rooms, path.substr(room_prefix.size()));
}

}  // namespace ra::relay
