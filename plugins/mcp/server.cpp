#include "server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <set>

namespace ra::mcp {
namespace {

constexpr const char *k_latest = "2025-11-25";
constexpr const char *k_supported[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
constexpr const char *k_levels[] = {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
constexpr int64_t k_progress_gap_ms = 200;  // partial output becomes at most 5 progress messages a second
constexpr int64_t k_max_wait_ms = 50000;    // op_wait: below the usual 60 s client timeout

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int level_index(std::string_view level) {
  for (int i = 0; i < 8; ++i)
    if (level == k_levels[i]) return i;
  return -1;
}

std::string compact(const rapidjson::Value &v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return {b.GetString(), b.GetSize()};
}

std::string str(const rapidjson::Value &o, const char *key) {
  if (!o.IsObject()) return {};
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                     : std::string();
}

// A short progress message from a partial: the last non-empty line of its text.
std::string partial_message(std::string_view host, std::string_view json, bool fleet) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  std::string text;
  for (const char *k : {"data", "text", "line", "message"})
    if (text.empty()) text = str(d, k);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  size_t nl = text.rfind('\n');
  if (nl != std::string::npos) text = text.substr(nl + 1);
  if (text.size() > 200) text = text.substr(0, 200) + "…";
  return fleet && !host.empty() ? std::string(host) + ": " + text : text;
}

std::string seconds(int64_t ms) { return std::to_string((ms + 500) / 1000) + " s"; }

}  // namespace

struct server::call {
  uint64_t seq = 0;
  std::string id;  // JSON-RPC id text of the tools/call
  std::string tool;
  std::string underlying;
  bool fleet = false;
  std::string target;
  std::string progress_token;  // JSON text; "" = the client asked for no progress
  int64_t started_ms = 0;
  int64_t last_progress_ms = 0;
  uint64_t progress_count = 0;
  std::string pending_progress;
  uint64_t host_handle = 0;
  bool handle_known = false;
  bool cancel_wanted = false;        // cancelled before dispatch returned its handle
  bool cancelled_by_client = false;  // notifications/cancelled: no response, a report instead
  bool answered = false;             // a response (result or op handle) went out
  std::string op;                    // "op-N" once answered with a handle
  bool done = false;
  std::string doc;  // the dispatch result document
  int64_t done_ms = 0;
};

struct server::waiter {
  std::string id;  // op_wait's JSON-RPC id
  std::string op;
  int64_t deadline_ms = 0;
};

server::server(host_api &host, server_settings settings) : host_(host), settings_(std::move(settings)) {
  life_->self = this;
}

server::~server() {
  {
    std::lock_guard lock(life_->mu);
    life_->self = nullptr;
  }
  interrupt();
  if (ticker_.joinable()) ticker_.join();
  for (int fd : wake_)
    if (fd >= 0) ::close(fd);
}

bool server::modern() const { return protocol_ >= std::string("2025-06-18"); }

void server::interrupt() {
  stop_ = true;
  if (wake_[1] >= 0) {
    char b = 1;
    (void)!::write(wake_[1], &b, 1);
  }
  cv_.notify_all();
}

// ---- output ------------------------------------------------------------------------------------

void server::send(const std::string &line) {
  std::lock_guard lock(out_mu_);
  if (output_broken_) return;
  std::string buf = line + "\n";
  size_t off = 0;
  while (off < buf.size()) {
    ssize_t n = ::write(out_fd_, buf.data() + off, buf.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // The client is gone (EPIPE): nothing more can be said; stop reading too.
      output_broken_ = true;
      host_.log(RA_LOG_WARN, "stdout closed by the client; stopping");
      interrupt();
      return;
    }
    off += static_cast<size_t>(n);
  }
}

void server::respond(const std::string &id, const std::string &result_json) { send(make_result(id, result_json)); }

void server::respond_error(const std::string &id, int code, const std::string &message) {
  send(make_error(id, code, message));
}

void server::log_to_client(const char *level, const std::string &text) {
  host_.log(level_index(level) >= 3 ? RA_LOG_WARN : RA_LOG_INFO, text);
  int threshold;
  {
    std::lock_guard lock(mu_);
    if (!initialized_) return;
    threshold = log_threshold_;
  }
  if (level_index(level) < threshold) return;
  send(make_notification("notifications/message", std::string("{\"level\":\"") + level +
                                                      "\",\"logger\":\"remote-agents\",\"data\":" + quote(text) + "}"));
}

// An event for this process (a task this session dispatched has finished, …) becomes an info-level
// notifications/message: {"event": topic, "from": {host}, "data": {…}, "text": "…"}. Clients show
// it in their log; an agent can act on it instead of polling task_wait.
void server::forward_event(std::string_view from_json, std::string_view topic, std::string_view json) {
  std::string text = event_text(from_json, topic, json);
  host_.log(RA_LOG_INFO, text);
  {
    std::lock_guard lock(mu_);
    if (!initialized_ || level_index("info") < log_threshold_) return;
  }
  send(make_notification("notifications/message",
                         "{\"level\":\"info\",\"logger\":\"remote-agents/events\",\"data\":{"
                         "\"event\":" +
                             quote(topic) + ",\"from\":" + std::string(from_json) + ",\"data\":" + std::string(json) +
                             ",\"text\":" + quote(text) + "}}"));
}

// ---- catalogue -------------------------------------------------------------------------------

std::shared_ptr<const catalog> server::current_catalog() {
  std::lock_guard lock(mu_);
  return catalog_;
}

void server::refresh_catalog(bool notify) {
  auto fresh = std::make_shared<const catalog>(build_catalog(host_.describe(), settings_.tools_profile));
  std::shared_ptr<const catalog> old;
  bool ready;
  {
    std::lock_guard lock(mu_);
    old = catalog_;
    catalog_ = fresh;
    catalog_dirty_ = false;
    ready = initialized_;
  }
  if (!notify || !old || !ready) return;
  // Hosts that came and went, for the client's log.
  std::set<std::string> before, after;
  for (auto &h : old->hosts)
    if (!h.self) before.insert(h.name.empty() ? h.agent_id : h.name);
  for (auto &h : fresh->hosts)
    if (!h.self) after.insert(h.name.empty() ? h.agent_id : h.name);
  for (auto &n : after)
    if (!before.count(n)) log_to_client("info", "host " + n + " joined the room");
  for (auto &n : before)
    if (!after.count(n)) log_to_client("info", "host " + n + " left the room");
  // A host coming or going changes where the tools run (agent_id, fleet targets) even when the
  // names stay the same, so clients are told then too; the debounce keeps a burst to one message.
  if (before != after || old->fingerprint() != fresh->fingerprint())
    send(make_notification("notifications/tools/list_changed", ""));
}

// ---- input -------------------------------------------------------------------------------------

int server::serve(int in_fd, int out_fd) {
  out_fd_ = out_fd;
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    host_.log(RA_LOG_ERROR, "cannot create the wake-up pipe");
    return 1;
  }
  if (stop_) return 0;
  refresh_catalog(false);
  host_.watch([this](std::string_view) {
    std::lock_guard lock(mu_);
    if (!catalog_dirty_) dirty_since_ms_ = now_ms();
    catalog_dirty_ = true;
  });
  host_.subscribe_events([this](std::string_view from, std::string_view topic, std::string_view json) {
    forward_event(from, topic, json);
  });
  ticker_ = std::thread([this] { ticker_loop(); });

  line_splitter lines(settings_.max_message_bytes);
  std::string buf(64 * 1024, '\0');
  while (!stop_) {
    pollfd fds[2] = {{in_fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int r = ::poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (fds[1].revents & POLLIN)) break;
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t n = ::read(in_fd, buf.data(), buf.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;  // EOF: the client closed stdin — end the session
    lines.feed(
        std::string_view(buf.data(), static_cast<size_t>(n)), [this](std::string_view line) { handle_line(line); },
        [this] {
          respond_error("null", code::invalid_request,
                        "message larger than " + std::to_string(settings_.max_message_bytes) + " bytes; discarded");
        });
  }

  // The session is over: stop watching, cancel what runs (their process groups are killed), give
  // the completions a moment so the cancellations are reported, then stop the ticker.
  host_.watch({});
  host_.subscribe_events({});
  std::vector<uint64_t> handles;
  {
    std::lock_guard lock(mu_);
    for (auto &[seq, c] : calls_)
      if (c->handle_known) handles.push_back(c->host_handle);
  }
  for (auto h : handles) host_.cancel(h);
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(1500), [&] { return calls_.empty(); });
  }
  stop_ = true;
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  return 0;
}

void server::handle_line(std::string_view line) {
  parsed_line p = parse_line(line);
  for (auto &e : p.errors) respond_error(e.id_json, e.code, e.message);
  // A batch (JSON-RPC 2.0; MCP 2025-03-26 only) is served element by element: each answer is its
  // own line, which every client we know of reads (docs/decisions.md).
  for (auto &m : p.messages) handle_message(m);
}

void server::handle_message(const message &m) {
  if (m.kind == msg_kind::response) return;  // we send no requests, so there is nothing to match
  rapidjson::Document params;
  if (m.params_json.empty())
    params.SetObject();
  else
    params.Parse(m.params_json.c_str(), m.params_json.size());
  if (m.kind == msg_kind::notification) return handle_notification(m, params);
  if (!params.IsObject()) return respond_error(m.id_json, code::invalid_params, "params must be an object");
  handle_request(m, params);
}

void server::handle_request(const message &m, const rapidjson::Value &params) {
  const std::string &method = m.method;
  if (method == "initialize") return respond(m.id_json, initialize(params));
  if (method == "ping") return respond(m.id_json, "{}");
  if (method == "tools/list") {
    auto cat = current_catalog();
    return respond(m.id_json, cat->list_json(modern()));
  }
  if (method == "tools/call") return tools_call(m.id_json, params);
  if (method == "logging/setLevel") {
    int i = level_index(str(params, "level"));
    if (i < 0)
      return respond_error(m.id_json, code::invalid_params,
                           "level must be one of debug, info, notice, warning, error, critical, alert, emergency");
    {
      std::lock_guard lock(mu_);
      log_threshold_ = i;
    }
    return respond(m.id_json, "{}");
  }
  respond_error(m.id_json, code::method_not_found, "Method not found: " + method);
}

void server::handle_notification(const message &m, const rapidjson::Value &params) {
  if (m.method == "notifications/initialized") {
    std::lock_guard lock(mu_);
    initialized_ = true;
    return;
  }
  if (m.method != "notifications/cancelled" || !params.IsObject() || !params.HasMember("requestId")) return;
  std::string id = compact(params["requestId"]);
  std::string reason = str(params, "reason");
  std::shared_ptr<call> c;
  {
    std::lock_guard lock(mu_);
    // An op_wait that is cancelled just stops waiting.
    waiters_.erase(std::remove_if(waiters_.begin(), waiters_.end(), [&](auto &w) { return w->id == id; }),
                   waiters_.end());
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return;  // already answered, or never ours: nothing to do (spec)
    c = it->second;
    by_id_.erase(it);
    c->cancelled_by_client = true;
    c->answered = true;  // no response for a cancelled request
    if (!c->handle_known) {
      c->cancel_wanted = true;
      return;
    }
  }
  host_.log(RA_LOG_INFO, "request " + id + " cancelled by the client" + (reason.empty() ? "" : ": " + reason));
  host_.cancel(c->host_handle);
}

std::string server::initialize(const rapidjson::Value &params) {
  std::string wanted = str(params, "protocolVersion");
  std::string chosen = k_latest;
  for (const char *v : k_supported)
    if (wanted == v) chosen = v;
  {
    std::lock_guard lock(mu_);
    protocol_ = chosen;
    initialized_ = true;  // lenient: some clients send requests before notifications/initialized
  }
  auto cat = current_catalog();
  std::string name = cat->self_name.empty() ? "this host" : cat->self_name;
  std::string mode, os;
  for (auto &h : cat->hosts)
    if (h.self) mode = h.mode, os = h.os;
  size_t others = cat->hosts.size() > 0 ? cat->hosts.size() - 1 : 0;
  std::string instructions = "This is remote-agents '" + name + "' (" + (os.empty() ? "unknown OS" : os) + ", mode " +
                             (mode.empty() ? "unknown" : mode) + ").";
  if (cat->relay_configured)
    instructions += " It is in a room with " + std::to_string(others) +
                    " other host(s). Tools run on this host unless you pass agent_id (a host name or agent id "
                    "from list_agents). fleet_* tools run on every host a target selects (all, web-1,db-1, "
                    "os:linux, tag:web and not name:db-*) and group identical results.";
  else
    instructions += " All tools run on this host (no relay room is configured).";
  instructions +=
      " Every host enforces its own safety mode: plan = read-only, edit = writes with backups, bypass, "
      "disabled. A call still running after " +
      seconds(settings_.handle_after_ms) + " returns a handle: use op_wait and op_result.";
  if (settings_.handle_after_ms <= 0) instructions.resize(instructions.rfind(" A call still running"));

  std::string title = "Remote Agents: " + name;
  std::string out = "{\"protocolVersion\":" + quote(chosen) +
                    ",\"capabilities\":{\"tools\":{\"listChanged\":true},\"logging\":{}},\"serverInfo\":{\"name\":"
                    "\"remote-agents\",\"version\":" +
                    quote(settings_.version);
  if (chosen >= std::string("2025-06-18")) out += ",\"title\":" + quote(title);
  out += "},\"instructions\":" + quote(instructions) + "}";
  return out;
}

// ---- tools/call --------------------------------------------------------------------------------

void server::tools_call(const std::string &id, const rapidjson::Value &params) {
  std::string name = str(params, "name");
  if (name.empty()) return respond_error(id, code::invalid_params, "tools/call needs params.name (a tool name)");
  auto cat = current_catalog();
  const mcp_tool *t = cat->find(name);
  if (!t) return respond_error(id, code::invalid_params, "Unknown tool: " + name);
  static const rapidjson::Value empty_object(rapidjson::kObjectType);
  const rapidjson::Value *args = &empty_object;
  if (params.HasMember("arguments") && !params["arguments"].IsNull()) args = &params["arguments"];
  if (!args->IsObject())
    return respond(
        id, result_json(error_result("Invalid arguments for tool '" + name + "': arguments must be a JSON object"),
                        modern()));

  if (t->kind == tool_kind::op_wait || t->kind == tool_kind::op_result || t->kind == tool_kind::op_cancel)
    return op_tool(id, *t, *args);
  if (t->kind == tool_kind::list_agents) {
    tool_result r;
    r.structured_json = agents_json(*cat);
    rapidjson::Document d;
    d.Parse(r.structured_json.c_str());
    std::string text;
    for (auto &h : cat->hosts) {
      text += (text.empty() ? "" : "\n") + (h.name.empty() ? h.agent_id : h.name) + "  id " + h.agent_id + "  " +
              (h.mode.empty() ? "?" : h.mode) + "  " + (h.os.empty() ? "?" : h.os);
      if (!h.tags.empty()) {
        text += "  tags ";
        for (size_t i = 0; i < h.tags.size(); ++i) text += (i ? "," : "") + h.tags[i];
      }
      if (h.self) text += "  (this host)";
      if (!h.accepts_commands) text += "  (runs no commands)";
    }
    text += "\n" + std::to_string(cat->hosts.size()) + " host(s)";
    if (cat->relay_configured && !cat->relay_joined) text += "; not connected to the relay right now";
    r.text = text;
    return respond(id, result_json(r, modern()));
  }

  routed_call rc = route_call(*t, *args);
  if (!rc.error.empty())
    return respond(id, result_json(error_result("Invalid arguments for tool '" + name + "': " + rc.error), modern()));

  auto c = std::make_shared<call>();
  c->id = id;
  c->tool = name;
  c->underlying = rc.tool;
  c->fleet = rc.fleet;
  c->target = rc.target;
  c->started_ms = c->last_progress_ms = now_ms();
  if (params.HasMember("_meta") && params["_meta"].IsObject() && params["_meta"].HasMember("progressToken")) {
    auto &tok = params["_meta"]["progressToken"];
    if (tok.IsString() || tok.IsInt64() || tok.IsUint64()) c->progress_token = compact(tok);
  }
  {
    std::lock_guard lock(mu_);
    c->seq = next_call_++;
    calls_[c->seq] = c;
    by_id_[id] = c;
  }
  dispatch_request req;
  req.tool = rc.tool;
  req.args_json = rc.args_json;
  req.target = rc.target;
  req.fleet = rc.fleet;
  req.timeout_ms = rc.timeout_ms;
  dispatch_callbacks cb;
  std::weak_ptr<call> weak = c;
  cb.on_partial = [life = life_, weak](std::string_view host, std::string_view json) {
    std::lock_guard alive(life->mu);
    if (life->self) life->self->on_partial(weak.lock(), host, json);
  };
  cb.on_done = [life = life_, c](std::string_view doc) {
    std::lock_guard alive(life->mu);
    if (life->self) life->self->finish_call(c, std::string(doc));
  };

  dispatch_start st = host_.dispatch(req, std::move(cb));

  if (st.status != RA_OK) {
    {
      std::lock_guard lock(mu_);
      calls_.erase(c->seq);
      by_id_.erase(id);
      if (c->cancelled_by_client) return;
    }
    std::string text =
        st.status == RA_INVALID_ARGUMENT && rc.fleet ? "Invalid target: " + st.error : "Execution failed: " + st.error;
    return respond(id, result_json(error_result(text), modern()));
  }
  bool cancel_now;
  {
    std::lock_guard lock(mu_);
    c->host_handle = st.handle;
    c->handle_known = true;
    cancel_now = c->cancel_wanted && !c->done;
  }
  if (cancel_now) host_.cancel(st.handle);
}

void server::on_partial(const std::shared_ptr<call> &c, std::string_view host, std::string_view json) {
  if (!c || c->progress_token.empty()) return;
  std::string msg = partial_message(host, json, c->fleet);
  if (msg.empty()) return;
  std::string line;
  {
    std::lock_guard lock(mu_);
    if (c->answered || c->done) return;
    int64_t now = now_ms();
    if (c->progress_count > 0 && now - c->last_progress_ms < k_progress_gap_ms) {
      c->pending_progress = msg;  // the ticker sends it
      return;
    }
    c->last_progress_ms = now;
    c->pending_progress.clear();
    line = make_notification("notifications/progress", "{\"progressToken\":" + c->progress_token +
                                                           ",\"progress\":" + std::to_string(++c->progress_count) +
                                                           ",\"message\":" + quote(msg) + "}");
  }
  send(line);
}

static tool_result render_call(const std::string &underlying, bool fleet, const std::string &doc) {
  return fleet ? render_fleet(underlying, doc) : render_single(underlying, doc);
}

void server::finish_call(const std::shared_ptr<call> &c, std::string doc) {
  std::string answer_id;
  bool report_cancel;
  std::vector<std::string> op_waiters;
  {
    std::lock_guard lock(mu_);
    c->done = true;
    c->doc = std::move(doc);
    c->done_ms = now_ms();
    calls_.erase(c->seq);
    if (!c->answered) {
      c->answered = true;
      answer_id = c->id;
      by_id_.erase(c->id);
    }
    report_cancel = c->cancelled_by_client;
    if (!c->op.empty())
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if ((*it)->op == c->op) {
          op_waiters.push_back((*it)->id);
          it = waiters_.erase(it);
        } else {
          ++it;
        }
      }
  }
  cv_.notify_all();
  if (!answer_id.empty() || !op_waiters.empty()) {
    std::string result = result_json(render_call(c->underlying, c->fleet, c->doc), modern());
    if (!answer_id.empty()) respond(answer_id, result);
    for (auto &w : op_waiters) respond(w, result);
  }
  if (!report_cancel) return;
  // What the cancellation stopped, host by host.
  rapidjson::Document d;
  d.Parse(c->doc.c_str(), c->doc.size());
  std::string stopped, finished;
  auto note = [&](const rapidjson::Value &h) {
    std::string name = h.HasMember("host") ? str(h["host"], "name") : "";
    if (name.empty()) name = "this host";
    std::string outcome = str(h, "outcome");
    if (outcome == "cancelled")
      stopped += (stopped.empty() ? "" : ", ") + name;
    else
      finished += (finished.empty() ? "" : ", ") + name + " (" + outcome + ")";
  };
  if (d.IsObject() && d.HasMember("hosts") && d["hosts"].IsArray())
    for (auto &h : d["hosts"].GetArray()) note(h);
  else if (d.IsObject())
    note(d);
  std::string text =
      "cancelled request " + c->id + " (" + c->tool + (c->target.empty() ? "" : " on " + c->target) +
      "): " + (stopped.empty() ? "nothing was running any more" : "stopped on " + stopped + " (process groups killed)");
  if (!finished.empty()) text += "; already finished on " + finished;
  log_to_client("notice", text);
}

void server::op_tool(const std::string &id, const mcp_tool &t, const rapidjson::Value &args) {
  auto fail = [&](const std::string &why) {
    respond(id, result_json(error_result("Invalid arguments for tool '" + t.name + "': " + why), modern()));
  };
  if (!args.HasMember("handle") || !args["handle"].IsString()) return fail("handle (a string, op-N) is required");
  std::string handle = args["handle"].GetString();
  int64_t wait_ms = 30000;
  if (args.HasMember("wait_ms")) {
    if (!args["wait_ms"].IsInt64() || args["wait_ms"].GetInt64() < 0) return fail("wait_ms must be a number >= 0");
    wait_ms = std::min<int64_t>(args["wait_ms"].GetInt64(), k_max_wait_ms);
  }
  std::shared_ptr<call> c;
  {
    std::lock_guard lock(mu_);
    auto it = ops_.find(handle);
    if (it != ops_.end()) c = it->second;
  }
  if (!c)
    return respond(id, result_json(error_result("unknown handle '" + handle +
                                                "': handles live as long as this MCP session, and only the last " +
                                                std::to_string(settings_.max_kept_ops) + " finished ones are kept"),
                                   modern()));
  auto running_result = [&](const std::string &note) {
    int64_t elapsed = now_ms() - c->started_ms;
    tool_result r;
    r.text = handle + " (" + c->tool + ") is still running after " + seconds(elapsed) + "." + note;
    r.structured_json = "{\"handle\":" + quote(handle) + ",\"state\":\"running\",\"tool\":" + quote(c->tool) +
                        ",\"elapsed_ms\":" + std::to_string(elapsed) + "}";
    return result_json(r, modern());
  };
  bool done;
  uint64_t host_handle;
  {
    std::lock_guard lock(mu_);
    done = c->done;
    host_handle = c->host_handle;
    if (!done && t.kind == tool_kind::op_wait && wait_ms > 0) {
      auto w = std::make_shared<waiter>();
      w->id = id;
      w->op = handle;
      w->deadline_ms = now_ms() + wait_ms;
      waiters_.push_back(w);
      return;  // answered by finish_call or the ticker
    }
  }
  if (done) {
    if (t.kind == tool_kind::op_cancel) {
      tool_result r;
      r.text = handle + " had already finished; op_result has its result.";
      r.structured_json = "{\"handle\":" + quote(handle) + ",\"state\":\"done\"}";
      return respond(id, result_json(r, modern()));
    }
    return respond(id, result_json(render_call(c->underlying, c->fleet, c->doc), modern()));
  }
  if (t.kind == tool_kind::op_cancel) {
    host_.cancel(host_handle);
    tool_result r;
    r.text = "Cancel sent for " + handle +
             ": every host still running it kills the call's processes. op_result shows "
             "what was stopped.";
    r.structured_json = "{\"handle\":" + quote(handle) + ",\"state\":\"cancelling\"}";
    return respond(id, result_json(r, modern()));
  }
  respond(id, running_result(" Call op_wait to wait for it."));
}

// ---- ticker ------------------------------------------------------------------------------------

void server::ticker_loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(100));
    if (stop_) break;
    lock.unlock();
    tick(now_ms());
    lock.lock();
  }
}

void server::tick(int64_t now) {
  std::vector<std::string> lines;
  std::vector<std::pair<std::string, std::shared_ptr<call>>> handed_out;
  std::vector<std::pair<std::string, std::shared_ptr<call>>> waits_over;
  bool refresh = false;
  {
    std::lock_guard lock(mu_);
    for (auto &[seq, c] : calls_) {
      if (c->answered || c->done) continue;
      if (settings_.handle_after_ms > 0 && now - c->started_ms >= settings_.handle_after_ms) {
        // Longer than the client will wait: answer with a handle; the call goes on.
        c->op = "op-" + std::to_string(c->seq);
        c->answered = true;
        by_id_.erase(c->id);
        ops_[c->op] = c;
        handed_out.emplace_back(c->id, c);
        continue;
      }
      if (c->progress_token.empty()) continue;
      std::string msg;
      if (!c->pending_progress.empty() && now - c->last_progress_ms >= k_progress_gap_ms)
        msg.swap(c->pending_progress);
      else if (now - c->last_progress_ms >= settings_.heartbeat_ms)
        msg = "still running (" + seconds(now - c->started_ms) + (c->fleet ? ", target " + c->target : "") + ")";
      if (msg.empty()) continue;
      c->last_progress_ms = now;
      lines.push_back(make_notification("notifications/progress",
                                        "{\"progressToken\":" + c->progress_token + ",\"progress\":" +
                                            std::to_string(++c->progress_count) + ",\"message\":" + quote(msg) + "}"));
    }
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (now >= (*it)->deadline_ms) {
        waits_over.emplace_back((*it)->id, ops_.count((*it)->op) ? ops_[(*it)->op] : nullptr);
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    // Keep the newest finished ops only.
    while (ops_.size() > settings_.max_kept_ops) {
      auto oldest = ops_.end();
      for (auto it = ops_.begin(); it != ops_.end(); ++it)
        if (it->second->done && (oldest == ops_.end() || it->second->done_ms < oldest->second->done_ms)) oldest = it;
      if (oldest == ops_.end()) break;
      ops_.erase(oldest);
    }
    refresh = catalog_dirty_ && now - dirty_since_ms_ >= settings_.list_debounce_ms;
  }
  for (auto &l : lines) send(l);
  for (auto &[id, c] : handed_out) {
    tool_result r;
    r.text = "Still running after " + seconds(now - c->started_ms) +
             ", so this returns a handle instead of waiting: " + c->op + ". Call op_wait with {\"handle\":\"" + c->op +
             "\"} to wait for it (up to 50 s per call), " + "op_result to fetch it, op_cancel to stop it.";
    r.structured_json = "{\"handle\":" + quote(c->op) + ",\"state\":\"running\",\"tool\":" + quote(c->tool) +
                        ",\"elapsed_ms\":" + std::to_string(now - c->started_ms) + "}";
    respond(id, result_json(r, modern()));
  }
  for (auto &[id, c] : waits_over) {
    if (!c) continue;
    tool_result r;
    r.text = c->op + " (" + c->tool + ") is still running after " + seconds(now - c->started_ms) +
             ". Call op_wait again to keep waiting, or op_cancel to stop it.";
    r.structured_json = "{\"handle\":" + quote(c->op) + ",\"state\":\"running\",\"tool\":" + quote(c->tool) +
                        ",\"elapsed_ms\":" + std::to_string(now - c->started_ms) + "}";
    respond(id, result_json(r, modern()));
  }
  if (refresh) refresh_catalog(true);
}

}  // namespace ra::mcp
