#include "plugin_host/call_tracker.hpp"

#include "sandbox/spawn.hpp"

namespace ra::plugin_host {

std::shared_ptr<call_context> call_tracker::create(std::shared_ptr<const tool_entry> tool, std::string args,
                                                   std::string caller, policy::mode mode, int64_t deadline_ms,
                                                   const std::function<void(call_context &)> &prepare) {
  auto ctx = std::make_shared<call_context>();
  ctx->tool_name = tool->name;
  ctx->tool = std::move(tool);
  ctx->args = std::move(args);
  ctx->caller = std::move(caller);
  ctx->mode = mode;
  ctx->tracker = this;
  ra_call_t &c = ctx->c;
  c.struct_size = sizeof c;
  c.id = next_id_++;
  c.tool = ctx->tool_name.c_str();
  c.args_json = ctx->args.c_str();
  c.args_len = ctx->args.size();
  c.caller = ctx->caller.c_str();
  c.mode = static_cast<uint32_t>(mode);
  c.deadline_ms = deadline_ms;
  if (prepare) prepare(*ctx);
  c.reply_to = ctx->reply_to.c_str();
  std::lock_guard lock(mu_);
  calls_.emplace(&ctx->c, ctx);
  return ctx;
}

std::shared_ptr<call_context> call_tracker::find(const ra_call_t *c) const {
  std::lock_guard lock(mu_);
  auto it = calls_.find(c);
  return it == calls_.end() ? nullptr : it->second;
}

bool finish(const std::shared_ptr<call_context> &ctx, call_result r) {
  return ctx->tracker->complete(&ctx->c, std::move(r));
}

namespace {
void kill_processes(call_context &ctx) {
  std::vector<std::shared_ptr<sandbox::process>> procs;
  {
    std::lock_guard lock(ctx.mu);
    procs.swap(ctx.processes);
  }
  for (auto &p : procs) sandbox::process_supervisor::cancel(p);
}
}  // namespace

bool call_tracker::complete(const ra_call_t *c, call_result r) {
  auto ctx = find(c);
  if (!ctx) return false;
  {
    std::lock_guard life(ctx->lifecycle_mu);
    if (ctx->completed.exchange(true)) return false;
  }
  kill_processes(*ctx);
  try {
    if (ctx->on_complete) ctx->on_complete(std::move(r));
  } catch (...) {
    // The consumer's problem; the call is complete either way.
  }
  // Only now does the call stop counting as in flight: shutdown waits for on_complete to return.
  std::lock_guard lock(mu_);
  calls_.erase(c);
  if (calls_.empty()) idle_.notify_all();
  return true;
}

void call_tracker::cancel(const ra_call_t *c) {
  auto ctx = find(c);
  if (!ctx || ctx->cancelled.exchange(true)) return;
  kill_processes(*ctx);
  const tool_entry *t = ctx->tool.get();
  std::lock_guard life(ctx->lifecycle_mu);
  if (t && t->instance && t->instance->cancel && !ctx->completed.load()) t->instance->cancel(t->instance, &ctx->c);
}

void call_tracker::cancel_all() {
  std::vector<const ra_call_t *> all;
  {
    std::lock_guard lock(mu_);
    for (auto &[k, _] : calls_) all.push_back(k);
  }
  for (auto *c : all) cancel(c);
}

size_t call_tracker::active() const {
  std::lock_guard lock(mu_);
  return calls_.size();
}

bool call_tracker::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, timeout, [&] { return calls_.empty(); });
}

}  // namespace ra::plugin_host
