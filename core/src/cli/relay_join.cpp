#include "cli/relay_join.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "build_config.h"
#include "crypto/room_crypto.hpp"
#include "util/json.hpp"

namespace ra::cli {
namespace {

std::chrono::milliseconds env_ms(const char *name, std::chrono::milliseconds fallback) {
  const char *v = std::getenv(name);
  if (!v || !*v) return fallback;
  char *end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  return (end && !*end && n > 0) ? std::chrono::milliseconds(n) : fallback;
}

}  // namespace

bool wants_relay(const config::config &cfg) { return !cfg.token.empty() && !cfg.room.empty(); }

peer::info_msg cli_info(const config::config &cfg, const std::string &agent_id) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  w.Key("id"), w.String(agent_id.c_str());
  w.Key("name"), w.String(cfg.name.c_str());
  w.Key("os"), w.String("linux");
  w.Key("tags"), w.StartArray(), w.EndArray();
  w.Key("accepts_commands"), w.Bool(false);
  w.Key("version"), w.String(RA_VERSION);
  w.Key("role"), w.String("cli");
  w.EndObject();
  peer::info_msg m;
  m.info_json.assign(b.GetString(), b.GetSize());
  return m;
}

result<std::unique_ptr<peer::node>> join_room(const config::config &cfg, const std::string &agent_id,
                                              join_options opts) {
  if (!wants_relay(cfg))
    return status(RA_INVALID_ARGUMENT,
                  "no room to join: give --room and --token (or REMOTE_AGENTS_ROOM/REMOTE_AGENTS_TOKEN, or room and "
                  "token in the config file)");
  auto room = crypto::room_crypto::derive(cfg.token, cfg.room);
  if (!room) return room.error();
  peer::node_options o;
  o.relay_url = cfg.relay_url;
  o.access_token = cfg.relay_token;
  o.display_name = cfg.name;
  o.execute = std::move(opts.execute);
  o.on_roster_changed = std::move(opts.on_roster_changed);
  o.on_event = std::move(opts.on_event);
  o.self_info = opts.self_info ? std::move(opts.self_info) : [cfg, agent_id] { return cli_info(cfg, agent_id); };
  // Operational knobs for tests and impatient operators; the defaults suit a real fleet.
  o.backoff_min = env_ms("REMOTE_AGENTS_RECONNECT_MIN_MS", o.backoff_min);
  o.backoff_max = env_ms("REMOTE_AGENTS_RECONNECT_MAX_MS", o.backoff_max);
  o.ping_interval = env_ms("REMOTE_AGENTS_PING_MS", o.ping_interval);
  spdlog::info("joining room (routing id {}…) at {}", room->relay_routing_id().substr(0, 12), cfg.relay_url);
  return peer::node::start(*room, std::move(o));
}

}  // namespace ra::cli
