#include "runtime/runtime.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <thread>

#include "build_config.h"
#include "policy/backup_store.hpp"
#include "runtime/builtin_tools.hpp"
#include "sandbox/landlock.hpp"
#include "sandbox/open_beneath.hpp"
#include "sandbox/child_ledger.hpp"
#include "sandbox/spawn.hpp"

namespace ra {

struct runtime::impl {
  config::config cfg;
  std::string agent_id;
  std::filesystem::path data_dir;
  policy::rules rules;
  std::unique_ptr<policy::mode_store> modes;
  std::unique_ptr<policy::backup_store> backups;
  sandbox::process_supervisor spawner;
  boost::asio::io_context main;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> main_guard;
  std::thread main_thread;
  std::unique_ptr<boost::asio::thread_pool> workers;
  std::atomic<bool> accepting_work{true};
  plugin_host::registry tools;
  plugin_host::call_tracker calls;
  plugin_host::host_env env;
  std::unique_ptr<plugin_host::loader> loader;
  std::unique_ptr<dispatch::dispatcher> dispatcher;
  std::unique_ptr<dispatch::router> router;
  bool quiesced = false;
  bool stopped = false;
  runtime::peer_hooks hooks;

  // Runs fn on the main strand and waits for it (start-up and shutdown only).
  template <class F>
  auto on_main(F fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto fut = task.get_future();
    boost::asio::post(main, [&task] { task(); });
    return fut.get();
  }
};

runtime::runtime() : impl_(std::make_unique<impl>()) {}
runtime::~runtime() { shutdown(); }

dispatch::dispatcher &runtime::dispatcher() { return *impl_->dispatcher; }
dispatch::router &runtime::router() { return *impl_->router; }
plugin_host::registry &runtime::tools() { return impl_->tools; }
const plugin_host::loader &runtime::plugins() const { return *impl_->loader; }
policy::mode_store &runtime::modes() { return *impl_->modes; }
const config::config &runtime::cfg() const { return impl_->cfg; }
const std::string &runtime::agent_id() const { return impl_->agent_id; }
void runtime::set_peer_hooks(peer_hooks hooks) { impl_->hooks = std::move(hooks); }
const runtime::peer_hooks &runtime::hooks() const { return impl_->hooks; }

result<std::unique_ptr<runtime>> runtime::start(config::config cfg, runtime_options opts) {
  std::unique_ptr<runtime> rt(new runtime());
  impl &m = *rt->impl_;
  m.data_dir = config::data_dir();
  auto id = config::effective_agent_id(cfg, m.data_dir);
  if (!id) return id.error();
  m.agent_id = *id;
  m.cfg = std::move(cfg);
  const auto &sec = m.cfg.security;

  m.rules.allowed_paths = sec.allowed_paths;
  m.rules.denied_paths = sec.denied_paths;
  m.rules.allowed_commands = sec.allowed_commands;
  m.rules.denied_commands = sec.denied_commands;
  m.rules.readonly_commands =
      sec.readonly_commands.empty() ? policy::default_readonly_commands() : sec.readonly_commands;
  m.modes = std::make_unique<policy::mode_store>(m.data_dir, sec.mode);
  std::filesystem::path backup_dir =
      sec.backup_dir.empty() ? m.data_dir / "backups" : std::filesystem::path(sec.backup_dir);
  m.backups = std::make_unique<policy::backup_store>(backup_dir, sec.max_backup_versions);

  m.rules.kernel_readonly_sandbox = sandbox::landlock_abi_version() > 0;
  // Children a killed daemon left behind die now, before this one starts its own.
  const auto ledger_dir = m.data_dir / "run" / "children";
  for (const auto &k : sandbox::child_ledger::sweep(ledger_dir))
    spdlog::warn("killed process group {} left running by an earlier daemon (pid {}) that did not stop cleanly", k.pgid,
                 k.owner);
  m.spawner.record_children_in(ledger_dir);
  if (sandbox::landlock_abi_version() == 0)
    spdlog::warn("Landlock is not available: child processes are limited by the lexical policy only");

  m.main_guard =
      std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(m.main.get_executor());
  m.main_thread = std::thread([&m] { m.main.run(); });
  unsigned n = std::max(2u, std::thread::hardware_concurrency());
  m.workers = std::make_unique<boost::asio::thread_pool>(n);

  plugin_host::host_env &env = m.env;
  env.calls = &m.calls;
  env.spawner = &m.spawner;
  env.host_version = RA_VERSION;
  env.plugin_data_root = m.data_dir / "plugins";
  env.post_work = [&m](std::function<void()> fn) {
    if (!m.accepting_work.load()) return false;
    boost::asio::post(*m.workers, std::move(fn));
    return true;
  };
  env.effective_mode = [&m](policy::mode call_mode) {
    policy::mode now = m.modes->current();
    return policy::mode_power(now) < policy::mode_power(call_mode) ? now : call_mode;
  };
  env.authorize = [&m](const plugin_host::call_context &ctx, ra_permission perm, std::string_view resource) {
    policy::mode mode = m.env.effective_mode(ctx.mode);
    auto d = policy::check_tool_class(mode, perm);
    if (!d.allowed) return d;
    char cwd[4096];
    std::string_view here = ::getcwd(cwd, sizeof cwd) ? cwd : "/";
    switch (perm) {
      case RA_PERM_EXEC:
        return policy::check_command(resource, mode, m.rules);
      case RA_PERM_EXEC_SANDBOXED:
        return policy::check_sandboxed_command(resource, mode, m.rules);
      case RA_PERM_READ:
        return policy::check_path(resource, policy::access::read, mode, m.rules, here);
      case RA_PERM_WRITE:
        return policy::check_path(resource, policy::access::write, mode, m.rules, here);
      default:
        return policy::decision::allow();
    }
  };
  env.sandbox_profile = [&m](policy::mode mode) {
    sandbox::fs_profile p;
    p.mode = mode;
    p.writable_roots = m.rules.allowed_paths;
    p.denied_paths = m.rules.denied_paths;
    return p;
  };
  env.backup = [&m](const plugin_host::call_context &ctx, std::string_view path) -> result<std::string> {
    if (ctx.mode != policy::mode::edit || !m.cfg.security.backup_enabled) return std::string();
    // The source is opened beneath the policy roots (openat2, as open_file does), not by path: a
    // symlink swapped in after the plugin's own checks cannot make us copy a file from elsewhere.
    char cwd[4096];
    const std::string here = ::getcwd(cwd, sizeof cwd) ? cwd : "/";
    const std::string abs = policy::normalize_path(path, here);
    static const std::vector<std::string> whole_tree = {"/"};
    const auto &roots = m.rules.allowed_paths.empty() ? whole_tree : m.rules.allowed_paths;
    sandbox::confined_open how;
    how.kind = sandbox::open_kind::read;
    auto src = sandbox::open_confined(roots, m.rules.denied_paths, abs, how);
    if (!src) return src.error();
    auto r = m.backups->backup(std::filesystem::path(abs), src->get());
    if (!r) return r.error();
    return r->string();
  };

  env.open_file = [&m](const plugin_host::call_context &ctx, std::string_view path, uint32_t how,
                       uint32_t mode_bits) -> result<int> {
    const uint32_t kind = how & RA_OPEN_KIND_MASK;
    const bool write = kind == RA_OPEN_WRITE || kind == RA_OPEN_PARENT_FOR_WRITE;
    const std::string raw(path);
    if (kind == RA_OPEN_PARENT_FOR_WRITE) {
      // The name to create must be a name: "dir/", "dir/." and "dir/.." would make the lexical
      // path (what the policy checks) differ from the directory entry written.
      std::string_view last = std::string_view(raw).substr(raw.rfind('/') + 1);
      if (last.empty() || last == "." || last == "..")
        return invalid_argument("cannot write " + raw + ": the last component must be a file name");
    }
    char cwd[4096];
    const std::string here = ::getcwd(cwd, sizeof cwd) ? cwd : "/";
    policy::mode mode = m.env.effective_mode(ctx.mode);
    auto d = policy::check_path(raw, write ? policy::access::write : policy::access::read, mode, m.rules, here);
    if (!d.allowed) return permission_denied(d.reason);
    sandbox::confined_open o;
    o.kind = kind == RA_OPEN_READ        ? sandbox::open_kind::read
             : kind == RA_OPEN_DIRECTORY ? sandbox::open_kind::directory
             : kind == RA_OPEN_WRITE     ? sandbox::open_kind::write
             : kind == RA_OPEN_STAT      ? sandbox::open_kind::stat
                                         : sandbox::open_kind::parent_for_write;
    o.create = (how & RA_OPEN_CREATE) != 0;
    o.truncate = (how & RA_OPEN_TRUNCATE) != 0;
    o.create_mode = mode_bits & 0777;
    static const std::vector<std::string> whole_tree = {"/"};
    const auto &roots = m.rules.allowed_paths.empty() ? whole_tree : m.rules.allowed_paths;
    auto fd = sandbox::open_confined(roots, m.rules.denied_paths, policy::normalize_path(raw, here), o);
    if (!fd) return fd.error();
    return fd->release();
  };

  dispatch::dispatcher_deps deps;
  deps.tools = &m.tools;
  deps.calls = &m.calls;
  deps.main = &m.main;
  deps.current_mode = [&m] { return m.modes->current(); };
  deps.rules = [&m]() -> const policy::rules & { return m.rules; };
  m.dispatcher = std::make_unique<dispatch::dispatcher>(std::move(deps));
  runtime *self = rt.get();
  m.router = std::make_unique<dispatch::router>(
      *m.dispatcher, dispatch::self_description{[self] { return host_info_json(*self); },
                                                [self] { return tool_descriptors_json(*self); }, m.cfg.accepts_commands,
                                                env.post_work});
  env.bridge = m.router.get();
  env.tools_changed = [&m](std::string_view) { m.router->notify("tools"); };

  if (auto st = m.tools.add_all(builtin_tools(*rt)); !st) return st;

  std::vector<std::string> dirs = opts.plugin_dirs;
  dirs.insert(dirs.end(), m.cfg.plugin_path.begin(), m.cfg.plugin_path.end());
  m.loader = std::make_unique<plugin_host::loader>(env, m.tools, plugin_host::plugin_search_path(dirs));
  for (auto &id : opts.required_plugins) {
    auto it = std::find_if(m.cfg.plugins.begin(), m.cfg.plugins.end(), [&](auto &e) { return e.id == id; });
    if (it == m.cfg.plugins.end()) {
      config::plugin_entry e;
      e.id = id;
      e.load = config::plugin_load::required;
      e.implicit = true;
      m.cfg.plugins.push_back(std::move(e));
    } else if (it->load == config::plugin_load::disabled) {
      return status(RA_FAILED_PRECONDITION, "the '" + id + "' plugin is switched off in the config ([plugins." + id +
                                                "] load = \"disabled\"), and this command needs it");
    } else {
      it->load = config::plugin_load::required;
    }
  }
  if (opts.load_plugins) {
    auto st = m.on_main([&] { return m.loader->load_all(m.cfg.plugins); });
    if (!st) return st;
  }
  return rt;
}

void runtime::interrupt() {
  impl_->dispatcher->stop_accepting();
  impl_->calls.cancel_all();
}
policy::mode runtime::current_mode() const { return impl_->modes->current(); }

void runtime::quiesce() {
  impl &m = *impl_;
  if (m.quiesced) return;
  m.quiesced = true;
  // Order matters: no new calls; cancel what runs; let plugins stop their own threads; kill and
  // reap every child (whose exit completes its call); wait until every completion callback has
  // returned. The relay link may still be up (see runtime.hpp): replies and events go out.
  if (m.dispatcher) m.dispatcher->stop_accepting();  // null when start() failed early
  if (m.router) m.router->shutdown();
  m.calls.cancel_all();
  if (m.loader && m.main_thread.joinable()) m.on_main([&] { m.loader->stop_all(); });
  m.spawner.shutdown();
  if (!m.calls.wait_idle(std::chrono::seconds(5)))
    spdlog::warn("{} call(s) did not complete within 5 s of shutdown", m.calls.active());
}

void runtime::shutdown() {
  impl &m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  quiesce();
  // Then drain the worker pool; only then destroy instances (libraries stay mapped, R45).
  m.accepting_work = false;
  if (m.workers) m.workers->join();
  if (m.loader && m.main_thread.joinable()) m.on_main([&] { m.loader->unload_all(); });
  m.main_guard.reset();
  m.main.stop();
  if (m.main_thread.joinable()) m.main_thread.join();
}

}  // namespace ra
