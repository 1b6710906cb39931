#include "dispatch/dispatcher.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>

#include "dispatch/policy_gate.hpp"
#include "util/json.hpp"

namespace ra::dispatch {

std::string_view outcome_name(outcome_kind k) {
  switch (k) {
    case outcome_kind::ok:
      return "ok";
    case outcome_kind::failed:
      return "failed";
    case outcome_kind::denied:
      return "denied";
    case outcome_kind::invalid:
      return "invalid";
    case outcome_kind::timeout:
      return "timeout";
    case outcome_kind::cancelled:
      return "cancelled";
    case outcome_kind::unreachable:
      return "unreachable";
  }
  return "failed";
}

dispatcher::dispatcher(dispatcher_deps deps) : deps_(std::move(deps)) {}

namespace {

int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string current_dir() {
  char buf[4096];
  return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string("/");
}

outcome_kind kind_of(ra_status s) {
  switch (s) {
    case RA_OK:
      return outcome_kind::ok;
    case RA_PERMISSION_DENIED:
      return outcome_kind::denied;
    case RA_INVALID_ARGUMENT:
      return outcome_kind::invalid;
    case RA_DEADLINE_EXCEEDED:
      return outcome_kind::timeout;
    case RA_CANCELLED:
      return outcome_kind::cancelled;
    case RA_UNAVAILABLE:
      return outcome_kind::unreachable;
    default:
      return outcome_kind::failed;
  }
}

// Shared by the completion path and the timeout timer: whoever comes first delivers.
struct pending {
  std::function<void(outcome)> done;
  std::atomic<bool> delivered{false};
  std::atomic<bool> timed_out{false};
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::unique_ptr<boost::asio::steady_timer> timer;
  std::mutex timer_mu;

  void deliver(outcome o) {
    if (delivered.exchange(true)) return;
    o.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    {
      std::lock_guard lock(timer_mu);
      if (timer) timer->cancel();
    }
    try {
      done(std::move(o));
    } catch (...) {
      // The consumer's exception must not unwind into the plugin or the io_context.
    }
  }
};

}  // namespace

std::function<void()> dispatcher::call(request req, std::function<void(outcome)> done) {
  auto p = std::make_shared<pending>();
  p->done = std::move(done);
  auto reject = [&](outcome_kind k, ra_status s, std::string msg) -> std::function<void()> {
    outcome o;
    o.kind = k;
    o.status = s;
    o.message = std::move(msg);
    p->deliver(std::move(o));
    return [] {};
  };

  if (!accepting_.load()) return reject(outcome_kind::cancelled, RA_UNAVAILABLE, "this host is shutting down");
  auto tool = deps_.tools->find(req.tool);
  if (!tool) return reject(outcome_kind::invalid, RA_NOT_FOUND, "unknown tool '" + req.tool + "'");

  rapidjson::Document args;
  if (auto st = json::parse(req.args_json, args); !st)
    return reject(outcome_kind::invalid, RA_INVALID_ARGUMENT, "arguments for '" + req.tool + "': " + st.message());
  if (auto st = tool->schema->validate(args); !st)
    return reject(outcome_kind::invalid, RA_INVALID_ARGUMENT,
                  "invalid arguments for '" + req.tool + "': " + st.message());

  policy::mode mode = deps_.current_mode();
  auto d = check_call(*tool, args, mode, deps_.rules(), current_dir());
  if (!d.allowed) return reject(outcome_kind::denied, RA_PERMISSION_DENIED, d.reason);

  // A deadline far in the future is no deadline (and must not overflow).
  constexpr int64_t max_timeout_ms = int64_t(30) * 24 * 3600 * 1000;
  if (req.timeout_ms > max_timeout_ms) req.timeout_ms = max_timeout_ms;
  int64_t deadline = req.timeout_ms > 0 ? monotonic_ms() + req.timeout_ms : 0;
  auto ctx =
      deps_.calls->create(tool, json::to_string(args), req.caller, mode, deadline, [&](plugin_host::call_context &c) {
        c.on_emit = req.on_partial;
        c.on_progress = req.on_progress;
        c.reply_to = req.reply_to;
        c.on_complete = [p](plugin_host::call_result r) {
          outcome o;
          o.status = r.status;
          o.kind = p->timed_out.load() ? outcome_kind::timeout : kind_of(r.status);
          o.result_json = std::move(r.result_json);
          o.message = std::move(r.message);
          if (o.kind == outcome_kind::timeout && o.message.empty()) o.message = "call timed out";
          p->deliver(std::move(o));
        };
      });

  if (req.timeout_ms > 0) {
    std::lock_guard lock(p->timer_mu);
    p->timer = std::make_unique<boost::asio::steady_timer>(*deps_.main, std::chrono::milliseconds(req.timeout_ms));
    auto calls = deps_.calls;
    auto main = deps_.main;
    int64_t grace = deps_.cancel_grace_ms;
    ra_call_t *raw = &ctx->c;
    std::weak_ptr<plugin_host::call_context> weak = ctx;
    p->timer->async_wait([p, calls, main, grace, raw, weak, timeout = req.timeout_ms](boost::system::error_code ec) {
      if (ec || p->delivered.load()) return;
      p->timed_out = true;
      if (auto alive = weak.lock()) calls->cancel(raw);
      // A plugin that does not complete after cancel still must not hold the caller forever.
      auto grace_timer = std::make_shared<boost::asio::steady_timer>(*main, std::chrono::milliseconds(grace));
      grace_timer->async_wait([p, grace_timer, timeout](boost::system::error_code) {
        outcome o;
        o.kind = outcome_kind::timeout;
        o.status = RA_DEADLINE_EXCEEDED;
        o.message = "call timed out after " + std::to_string(timeout) + " ms (the plugin did not stop in time)";
        p->deliver(std::move(o));
      });
    });
  }

  boost::asio::post(*deps_.main, [ctx, calls = deps_.calls] {
    const auto &t = *ctx->tool;
    if (ctx->cancelled.load()) {
      calls->complete(&ctx->c, {RA_CANCELLED, "{}", "call was cancelled before it started"});
      return;
    }
    // Nothing may escape into the io_context: an exception here would end the main strand.
    ra_status s = RA_INTERNAL;
    try {
      if (t.native) {
        t.native(ctx);
        return;
      }
      s = t.instance->invoke(t.instance, &ctx->c);
    } catch (...) {
      s = RA_INTERNAL;
    }
    if (s != RA_OK) calls->complete(&ctx->c, {s, "{}", std::string("plugin refused the call: ") + ra_status_name(s)});
  });

  std::weak_ptr<plugin_host::call_context> weak = ctx;
  ra_call_t *raw = &ctx->c;
  return [weak, raw, calls = deps_.calls, main = deps_.main] {
    // On the main strand, like the timeout's cancel: the tracker then sees one ordering of cancel
    // and invoke. The weak pointer makes a cancel after completion a no-op.
    boost::asio::post(*main, [weak, raw, calls] {
      if (auto alive = weak.lock()) calls->cancel(raw);
    });
  };
}

outcome dispatcher::call_sync(request req) {
  std::promise<outcome> promise;
  auto fut = promise.get_future();
  call(std::move(req), [&promise](outcome o) { promise.set_value(std::move(o)); });
  return fut.get();
}

}  // namespace ra::dispatch
