// server.hpp — one MCP session over a pair of file descriptors (stdio): JSON-RPC 2.0, one message
// per line. Protocol 2025-11-25, negotiating down to 2025-06-18, 2025-03-26 and 2024-11-05.
//
// Threads: serve() reads on the caller's thread and never blocks on a tool — every tools/call is
// dispatched and answered from the host's completion callback; a ticker thread sends progress
// heartbeats, turns calls that outlive `handle_after_ms` into op handles, answers op_wait when its
// op finishes or its wait ends, and sends tools/list_changed when the catalogue changed. Writes to
// out_fd are serialised, one whole line at a time.
//
// Cancellation (notifications/cancelled) cancels the dispatch: every host still running the call
// kills its process groups. Per the MCP spec no response follows; a notifications/message at
// level "notice" reports what was stopped on which host.
// Thread safety: serve() once per object; interrupt() from any thread.
#pragma once

#include <rapidjson/document.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "catalog.hpp"
#include "host_api.hpp"
#include "jsonrpc.hpp"
#include "render.hpp"

namespace ra::mcp {

struct server_settings {
  profile tools_profile = profile::standard;
  int64_t heartbeat_ms = 10000;     // progress at least this often while a call runs (spec: ≤ 15 s)
  int64_t handle_after_ms = 50000;  // a call still running then is answered with an op handle; 0 = never
  int64_t list_debounce_ms = 200;   // catalogue changes within this window make one list_changed
  size_t max_message_bytes = 64u << 20;
  size_t max_kept_ops = 256;  // finished op results kept for op_result
  std::string version = "0";
};

class server {
 public:
  server(host_api &host, server_settings settings);
  ~server();
  // Serves until the input ends (EOF) or interrupt(); running calls are then cancelled. Returns 0.
  int serve(int in_fd, int out_fd);
  void interrupt();

 private:
  struct call;  // one tools/call in flight or one op
  struct waiter;

  void handle_line(std::string_view line);
  void handle_message(const message &m);
  void handle_request(const message &m, const rapidjson::Value &params);
  void handle_notification(const message &m, const rapidjson::Value &params);
  std::string initialize(const rapidjson::Value &params);
  void tools_call(const std::string &id, const rapidjson::Value &params);
  void op_tool(const std::string &id, const mcp_tool &t, const rapidjson::Value &args);
  void finish_call(const std::shared_ptr<call> &c, std::string doc);
  void on_partial(const std::shared_ptr<call> &c, std::string_view host, std::string_view json);
  void answer_call(const std::shared_ptr<call> &c, const std::string &id);
  void ticker_loop();
  void tick(int64_t now);
  void refresh_catalog(bool notify);
  std::shared_ptr<const catalog> current_catalog();

  void send(const std::string &line);
  void respond(const std::string &id, const std::string &result_json);
  void respond_error(const std::string &id, int code, const std::string &message);
  void log_to_client(const char *level, const std::string &text);
  void forward_event(std::string_view from_json, std::string_view topic, std::string_view json);
  bool modern() const;  // protocol ≥ 2025-06-18: structuredContent, outputSchema, titles

  // Callbacks of calls still running when the session ends (and the server is destroyed) find
  // `self` null and do nothing; the destructor waits for a callback that is inside.
  struct lifeline {
    std::mutex mu;
    server *self = nullptr;
  };
  std::shared_ptr<lifeline> life_ = std::make_shared<lifeline>();

  host_api &host_;
  server_settings settings_;
  int out_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::atomic<bool> output_broken_{false};
  std::mutex out_mu_;

  std::mutex mu_;  // everything below
  std::condition_variable cv_;
  std::string protocol_ = "2025-11-25";
  bool initialized_ = false;
  int log_threshold_ = 1;  // index into the MCP level list; "info" until the client says otherwise
  std::shared_ptr<const catalog> catalog_;
  std::string listed_fingerprint_;
  bool catalog_dirty_ = false;
  int64_t dirty_since_ms_ = 0;
  uint64_t next_call_ = 1;
  std::map<uint64_t, std::shared_ptr<call>> calls_;     // running, by local sequence
  std::map<std::string, std::shared_ptr<call>> by_id_;  // unanswered, by JSON-RPC id
  std::map<std::string, std::shared_ptr<call>> ops_;    // calls turned into op handles
  std::vector<std::shared_ptr<waiter>> waiters_;        // op_wait requests
  std::thread ticker_;
};

}  // namespace ra::mcp
