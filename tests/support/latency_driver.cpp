// latency_driver — a benchmark controller for `scripts/bench fleet` (scripts/lib/bench_fleet.py):
// joins a room send-only like burst_driver, then times exec calls on one host through the real peer
// node and crypto, without a process start or a key derivation per call.
//
//   latency_driver <relay url> <room> <token> <target host name> <sequential> <burst> <bursts> [command]
//
// Prints, one JSON object per line:
//   {"derive_ms":…,"join_ms":…}       Argon2id room-key derivation, then node start until joined
//                                      with the target's info in the roster
//   {"seq_us":[…]}                     <sequential> calls one after the other (after 5 warm-up
//                                      calls), each from call() to its result
//   {"burst":N,"elapsed_us":…,"ok":n}  once per burst: N calls issued at once, until the last result
// and a final "done ok=<n> other=<n>". Exit 0 when every call came back ok. Default command: true.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "crypto/room_crypto.hpp"
#include "driver_node.hpp"
#include "peer/node.hpp"
#include "util/json.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

long long us_since(clock_type::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t0).count();
}

// Issues `count` calls at once and waits for all of them; returns how many came back ok.
int run_batch(ra::peer::node &node, const std::string &peer_id, const std::string &args_json, int count) {
  std::mutex mu;
  std::condition_variable cv;
  int finished = 0, ok = 0;
  for (int i = 0; i < count; ++i) {
    ra::peer::remote_call c;
    c.tool = "exec";
    c.args_json = args_json;
    c.timeout_ms = 60000;
    node.call(peer_id, std::move(c), [&](ra::dispatch::outcome out) {
      std::lock_guard lock(mu);
      ++finished;
      if (out.kind == ra::dispatch::outcome_kind::ok)
        ++ok;
      else
        std::fprintf(stderr, "call: %s %s\n", ra::dispatch::outcome_name(out.kind).data(), out.message.c_str());
      cv.notify_all();
    });
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return finished == count; });
  return ok;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 8 && argc != 9) {
    std::fprintf(stderr,
                 "usage: latency_driver <relay> <room> <token> <host> <sequential> <burst> <bursts> [command]\n");
    return 2;
  }
  std::string relay = argv[1], room_name = argv[2], token = argv[3], host = argv[4];
  int sequential = std::stoi(argv[5]), burst = std::stoi(argv[6]), bursts = std::stoi(argv[7]);
  std::string args_json = "{\"command\":" + ra::json::quote(argc == 9 ? argv[8] : "true") + "}";

  auto t0 = clock_type::now();
  auto room = ra::crypto::room_crypto::derive(token, room_name);
  if (!room) return std::fprintf(stderr, "%s\n", room.error().message().c_str()), 1;
  long long derive_us = us_since(t0);

  t0 = clock_type::now();
  auto node = ra::test::start_driver_node(*room, relay, "latency-driver");
  if (!node) return 1;
  std::string peer_id = ra::test::find_host(*node, host);
  if (peer_id.empty()) return std::fprintf(stderr, "host %s not in the room\n", host.c_str()), 1;
  long long join_us = us_since(t0);
  std::printf("{\"derive_ms\":%.3f,\"join_ms\":%.3f}\n", derive_us / 1000.0, join_us / 1000.0);
  std::fflush(stdout);

  int ok = 0, total = 0;
  for (int i = 0; i < 5; ++i) ok += run_batch(*node, peer_id, args_json, 1), ++total;  // warm-up

  std::vector<long long> seq;
  seq.reserve(sequential);
  for (int i = 0; i < sequential; ++i) {
    auto c0 = clock_type::now();
    ok += run_batch(*node, peer_id, args_json, 1), ++total;
    seq.push_back(us_since(c0));
  }
  std::string line = "{\"seq_us\":[";
  for (size_t i = 0; i < seq.size(); ++i) line += (i ? "," : "") + std::to_string(seq[i]);
  std::printf("%s]}\n", line.c_str());
  std::fflush(stdout);

  for (int b = 0; b < bursts; ++b) {
    auto b0 = clock_type::now();
    int got = run_batch(*node, peer_id, args_json, burst);
    long long elapsed = us_since(b0);
    ok += got, total += burst;
    std::printf("{\"burst\":%d,\"elapsed_us\":%lld,\"ok\":%d}\n", burst, elapsed, got);
    std::fflush(stdout);
  }
  std::printf("done ok=%d other=%d\n", ok, total - ok);
  std::fflush(stdout);
  node->stop();
  return ok == total ? 0 : 1;
}
