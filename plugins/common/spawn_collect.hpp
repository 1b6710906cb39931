// plugins/common/spawn_collect.hpp — host->spawn for a call whose child's output is wanted whole
// (git, an AI CLI resumed by sessions): both streams are collected, then handed over with the
// spawn result once the process group is gone.
// Thread safety: `done` runs on the host's watcher thread; the collection is locked.
#pragma once

#include <remote_agents/plugin.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace ra::plugin_text {

// done(call, stdout, stderr, result) when the child ran; when it could not be started after
// spawn accepted it, the call fails with the host's reason (else `start_failure`). The returned
// status is spawn's: not RA_OK means nothing was started, nothing will be called, and `error`
// says why. Nothing is called either when the call is already gone.
template <class Done>
ra_status spawn_collect(const ra::call_ptr &c, const ra_spawn_spec_t &spec, std::string start_failure, Done done,
                        std::string &error) {
  struct collected {
    std::mutex mu;
    std::string out, err;
  };
  auto col = std::make_shared<collected>();
  std::weak_ptr<ra::call> weak = c;
  auto on_output = [col](int stream, std::string_view data) {
    std::lock_guard lock(col->mu);
    (stream == RA_SPAWN_STDERR ? col->err : col->out).append(data);
  };
  auto on_exit = [col, weak, start_failure = std::move(start_failure),
                  done = std::move(done)](const ra_spawn_result_t &r) mutable {
    auto call = weak.lock();
    if (!call) return;
    if (r.status != RA_OK) {
      call->fail(r.status, r.error ? r.error : start_failure);
      return;
    }
    std::string out, err;
    {
      std::lock_guard lock(col->mu);
      out = std::move(col->out);
      err = std::move(col->err);
    }
    done(call, std::move(out), std::move(err), r);
  };
  error.clear();
  return c->spawn(spec, on_output, on_exit, &error);
}

}  // namespace ra::plugin_text
