// burst_driver — a test controller for the exactly-once test (tests/integration/exactly_once_test.py):
// joins a room send-only, puts N exec calls in flight on one host at once, and waits for every
// result however long the relay is away. It is the real peer node and crypto, driven without the
// CLI so that one process (one Argon2 derivation) can hold 100 calls.
//
//   burst_driver <relay url> <room> <token> <target host name> <count> <command template>
//
// {i} in the template becomes the call's number (0..count-1). Prints "ready" once the target is
// in the roster, "sent <count>" once every call is issued, then one JSON line per result and a
// final "done ok=<n> other=<n>". Exit 0 when every call came back ok.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>

#include "crypto/room_crypto.hpp"
#include "driver_node.hpp"
#include "peer/node.hpp"
#include "util/json.hpp"

int main(int argc, char **argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: burst_driver <relay> <room> <token> <host> <count> <template>\n");
    return 2;
  }
  std::string relay = argv[1], room_name = argv[2], token = argv[3], host = argv[4], tmpl = argv[6];
  int count = std::stoi(argv[5]);
  auto room = ra::crypto::room_crypto::derive(token, room_name);
  if (!room) return std::fprintf(stderr, "%s\n", room.error().message().c_str()), 1;
  auto node = ra::test::start_driver_node(*room, relay, "burst-driver");
  if (!node) return 1;
  std::string peer_id = ra::test::find_host(*node, host);
  if (peer_id.empty()) return std::fprintf(stderr, "host %s not in the room\n", host.c_str()), 1;
  std::printf("ready\n");
  std::fflush(stdout);

  std::mutex mu;
  std::condition_variable cv;
  int finished = 0, ok = 0;
  for (int i = 0; i < count; ++i) {
    std::string cmd = tmpl;
    for (size_t pos; (pos = cmd.find("{i}")) != std::string::npos;) cmd.replace(pos, 3, std::to_string(i));
    ra::peer::remote_call c;
    c.tool = "exec";
    c.args_json = "{\"command\":" + ra::json::quote(cmd) + "}";
    c.timeout_ms = 300000;  // a bound, not a pace: a loaded CI machine may need minutes for 100 shells
    node->call(peer_id, std::move(c), [&, i](ra::dispatch::outcome out) {
      std::lock_guard lock(mu);
      std::printf("{\"i\":%d,\"outcome\":\"%s\",\"message\":%s}\n", i, ra::dispatch::outcome_name(out.kind).data(),
                  ra::json::quote(out.message).c_str());
      std::fflush(stdout);
      ++finished;
      if (out.kind == ra::dispatch::outcome_kind::ok) ++ok;
      cv.notify_all();
    });
  }
  std::printf("sent %d\n", count);
  std::fflush(stdout);
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return finished == count; });
  }
  std::printf("done ok=%d other=%d\n", ok, count - ok);
  std::fflush(stdout);
  node->stop();
  return ok == count ? 0 : 1;
}
