#include "sandbox/spawn.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "sandbox/test_support.hpp"

namespace ra::sandbox {
namespace {

using namespace std::chrono_literals;
using testing::process_gone;
using testing::run;
using testing::shell;
using testing::temp_dir;

TEST(spawn, reports_exit_code) {
  process_supervisor sup;
  auto o = run(sup, shell("exit 3"));
  ASSERT_TRUE(o.started) << o.error.to_string();
  EXPECT_EQ(o.result.exit_code, 3);
  EXPECT_EQ(o.result.term_signal, 0);
  EXPECT_FALSE(o.result.timed_out);
  EXPECT_FALSE(o.result.cancelled);
}

TEST(spawn, reports_terminating_signal) {
  process_supervisor sup;
  auto o = run(sup, shell("kill -TERM $$"));
  ASSERT_TRUE(o.started);
  EXPECT_EQ(o.result.exit_code, -1);
  EXPECT_EQ(o.result.term_signal, SIGTERM);
}

TEST(spawn, keeps_streams_apart_and_in_order) {
  process_supervisor sup;
  auto o = run(sup, shell("for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done"));
  ASSERT_TRUE(o.started);
  EXPECT_EQ(o.out, "out1\nout2\nout3\nout4\nout5\n");
  EXPECT_EQ(o.err, "err1\nerr2\nerr3\nerr4\nerr5\n");
  EXPECT_EQ(o.result.stdout_bytes, o.out.size());
  EXPECT_EQ(o.result.stderr_bytes, o.err.size());
}

TEST(spawn, output_is_byte_exact) {
  struct test_case {
    const char *command;
    std::string expected;
  };
  const test_case cases[] = {
      {"printf 'line\\nno final newline'", "line\nno final newline"},
      {"printf '\\377\\376\\000x\\300'", std::string("\xff\xfe\0x\xc0", 5)},
      {"printf 'a\\r\\nb\\r\\n'", "a\r\nb\r\n"},
      {"true", ""},
  };
  process_supervisor sup;
  for (const test_case &c : cases) {
    SCOPED_TRACE(c.command);
    auto o = run(sup, shell(c.command));
    ASSERT_TRUE(o.started);
    EXPECT_EQ(o.out, c.expected);
    EXPECT_EQ(o.result.exit_code, 0);
  }
}

TEST(spawn, truncates_at_max_output_and_lets_the_child_finish) {
  process_supervisor sup;
  auto req = shell("head -c 1000000 /dev/zero; echo done >&2");
  req.max_output = 1000;
  auto o = run(sup, std::move(req));
  ASSERT_TRUE(o.started);
  EXPECT_EQ(o.out, std::string(1000, '\0'));
  EXPECT_TRUE(o.result.stdout_truncated);
  EXPECT_EQ(o.result.stdout_bytes, 1000000u);
  EXPECT_EQ(o.err, "done\n");  // the child was never blocked on a full pipe
  EXPECT_FALSE(o.result.stderr_truncated);
  EXPECT_EQ(o.result.exit_code, 0);
}

TEST(spawn, exact_fit_is_not_truncated_and_zero_cap_delivers_nothing) {
  process_supervisor sup;
  auto exact = shell("printf 12345");
  exact.max_output = 5;
  auto o = run(sup, std::move(exact));
  EXPECT_EQ(o.out, "12345");
  EXPECT_FALSE(o.result.stdout_truncated);

  auto none = shell("printf 12345");
  none.max_output = 0;
  o = run(sup, std::move(none));
  EXPECT_EQ(o.out, "");
  EXPECT_TRUE(o.result.stdout_truncated);
  EXPECT_EQ(o.result.stdout_bytes, 5u);
}

TEST(spawn, large_stdin_through_cat_does_not_deadlock) {
  process_supervisor sup;
  spawn_request req;
  req.argv = {"cat"};
  req.has_stdin = true;
  req.stdin_data.assign(10u << 20, 'x');
  req.max_output = 4096;
  auto o = run(sup, std::move(req));
  ASSERT_TRUE(o.started);
  EXPECT_EQ(o.result.exit_code, 0);
  EXPECT_EQ(o.result.stdout_bytes, 10u << 20);
  EXPECT_EQ(o.out, std::string(4096, 'x'));
  EXPECT_TRUE(o.result.stdout_truncated);
}

TEST(spawn, stdin_is_delivered_exactly) {
  process_supervisor sup;
  spawn_request req;
  req.argv = {"wc", "-c"};
  req.has_stdin = true;
  req.stdin_data.assign(3u << 20, 'y');
  auto o = run(sup, std::move(req));
  EXPECT_EQ(o.out, std::to_string(3u << 20) + "\n");
}

TEST(spawn, child_that_ignores_stdin_still_finishes) {
  process_supervisor sup;
  auto req = shell("exit 0");
  req.has_stdin = true;
  req.stdin_data.assign(10u << 20, 'z');
  auto o = run(sup, std::move(req));
  ASSERT_TRUE(o.started);
  EXPECT_EQ(o.result.exit_code, 0);
}

TEST(spawn, without_stdin_the_child_reads_eof) {
  process_supervisor sup;
  spawn_request req;
  req.argv = {"cat"};
  auto o = run(sup, std::move(req));
  EXPECT_EQ(o.result.exit_code, 0);
  EXPECT_EQ(o.out, "");
}

TEST(spawn, timeout_kills_the_whole_group) {
  temp_dir dir;
  std::string fifo = dir / "held";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Opened before the child: the grandchild's write end then opens without blocking, and
  // POLLHUP on our end later proves every holder of it is gone.
  int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);

  process_supervisor sup;
  auto req = shell("sleep 100 3>" + fifo + " & echo $!; wait", policy::mode::bypass);
  req.timeout_ms = 1000;
  auto o = run(sup, std::move(req));
  ASSERT_TRUE(o.started);
  EXPECT_TRUE(o.result.timed_out);
  EXPECT_EQ(o.result.exit_code, -1);
  EXPECT_EQ(o.result.term_signal, SIGKILL);
  EXPECT_GE(o.result.duration_ms, 1000);
  EXPECT_LT(o.result.duration_ms, 10000);

  pid_t grandchild = std::stoi(o.out);
  EXPECT_TRUE(process_gone(grandchild, 5s));
  pollfd p{reader, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 5000), 1);
  EXPECT_TRUE(p.revents & POLLHUP);
  ::close(reader);
}

TEST(spawn, cancel_kills_the_group_and_reports_it) {
  // Declared before the supervisor, so they outlive its watchers even when an assertion fails.
  std::promise<void> ready;
  auto ready_seen = std::make_shared<bool>(false);
  std::promise<spawn_result> done;
  process_supervisor sup;
  auto req = shell("sleep 100 & echo ready; wait");
  req.on_output = [&, ready_seen](int, std::string_view) {
    if (!*ready_seen) {
      *ready_seen = true;
      ready.set_value();
    }
  };
  req.on_exit = [&](const spawn_result &r) { done.set_value(r); };
  auto p = sup.spawn(std::move(req));
  ASSERT_TRUE(p.is_ok());
  ASSERT_EQ(ready.get_future().wait_for(30s), std::future_status::ready);
  process_supervisor::cancel(*p);
  process_supervisor::cancel(*p);  // idempotent
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  spawn_result r = f.get();
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.term_signal, SIGKILL);
  process_supervisor::cancel(*p);  // after the end: harmless
}

TEST(spawn, backgrounded_grandchild_holding_output_does_not_hang_the_call) {
  process_supervisor sup;
  auto o = run(sup, shell("sleep 100 & echo $!"));
  ASSERT_TRUE(o.started);
  EXPECT_EQ(o.result.exit_code, 0);  // the leader's own status
  EXPECT_FALSE(o.result.timed_out);
  EXPECT_LT(o.result.duration_ms, 10000);
  EXPECT_TRUE(process_gone(std::stoi(o.out), 5s));
}

TEST(spawn, backgrounded_grandchild_without_output_is_killed_too) {
  process_supervisor sup;
  auto o = run(sup, shell("sleep 100 >/dev/null 2>&1 </dev/null & echo $!"));
  ASSERT_TRUE(o.started);
  EXPECT_EQ(o.result.exit_code, 0);
  EXPECT_TRUE(process_gone(std::stoi(o.out), 5s));
}

TEST(spawn, output_written_by_a_quick_grandchild_is_kept) {
  process_supervisor sup;
  auto o = run(sup, shell("(echo from-grandchild) & wait; echo leader"));
  EXPECT_EQ(o.out, "from-grandchild\nleader\n");
}

TEST(spawn, runs_in_cwd) {
  temp_dir dir;
  process_supervisor sup;
  auto req = shell("pwd -P");
  req.cwd = dir.path();
  auto o = run(sup, std::move(req));
  EXPECT_EQ(o.out, dir.path() + "\n");
}

TEST(spawn, missing_cwd_is_reported) {
  process_supervisor sup;
  auto req = shell("true");
  req.cwd = "/nonexistent/ra-dir";
  auto o = run(sup, std::move(req));
  ASSERT_FALSE(o.started);
  EXPECT_EQ(o.error.code(), RA_NOT_FOUND);
  EXPECT_EQ(o.error.message(), "cannot chdir to /nonexistent/ra-dir: No such file or directory");
}

TEST(spawn, extra_env_adds_and_replaces) {
  process_supervisor sup;
  auto req = shell("printf '%s|%s|%s' \"$RA_TEST_NEW\" \"$HOME\" \"${PATH:+set}\"");
  req.extra_env = {"RA_TEST_NEW=1", "HOME=/first", "HOME=/custom"};
  auto o = run(sup, std::move(req));
  EXPECT_EQ(o.out, "1|/custom|set");
}

TEST(spawn, extra_env_path_is_used_for_lookup) {
  process_supervisor sup;
  spawn_request req;
  req.argv = {"sh", "-c", "true"};
  req.extra_env = {"PATH=/nonexistent"};
  auto o = run(sup, std::move(req));
  ASSERT_FALSE(o.started);
  EXPECT_EQ(o.error.message(), "cannot start sh: No such file or directory");
}

TEST(spawn, rejects_bad_requests) {
  process_supervisor sup;
  spawn_request empty;
  auto o = run(sup, std::move(empty));
  ASSERT_FALSE(o.started);
  EXPECT_EQ(o.error.code(), RA_INVALID_ARGUMENT);

  auto bad_env = shell("true");
  bad_env.extra_env = {"NO_EQUALS_SIGN"};
  o = run(sup, std::move(bad_env));
  ASSERT_FALSE(o.started);
  EXPECT_EQ(o.error.code(), RA_INVALID_ARGUMENT);
}

TEST(spawn, unstartable_commands_are_reported) {
  temp_dir dir;
  testing::write_text(dir / "not-executable", "#!/bin/sh\n");
  ::chmod((dir / "not-executable").c_str(), 0644);
  struct test_case {
    std::string argv0;
    ra_status code;
    std::string message;
  };
  const test_case cases[] = {
      {"ra-no-such-command", RA_NOT_FOUND, "cannot start ra-no-such-command: No such file or directory"},
      {"/nonexistent/prog", RA_NOT_FOUND, "cannot start /nonexistent/prog: No such file or directory"},
      {dir / "not-executable", RA_PERMISSION_DENIED,
       "cannot start " + (dir / "not-executable") + ": Permission denied"},
  };
  process_supervisor sup;
  for (const test_case &c : cases) {
    SCOPED_TRACE(c.argv0);
    spawn_request req;
    req.argv = {c.argv0};
    auto o = run(sup, std::move(req));
    ASSERT_FALSE(o.started);
    EXPECT_EQ(o.error.code(), c.code);
    EXPECT_EQ(o.error.message(), c.message);
  }
  EXPECT_EQ(sup.running(), 0u);
}

TEST(spawn, child_gets_default_signals_and_an_empty_mask) {
  // The daemon's own signal setup must not leak into the child.
  struct sigaction ignore {
  }, saved_pipe{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &saved_pipe);
  sigset_t usr1, saved_mask;
  ::sigemptyset(&usr1);
  ::sigaddset(&usr1, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &usr1, &saved_mask);

  process_supervisor sup;
  spawn_request req;
  req.argv = {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"};
  auto o = run(sup, std::move(req));

  ::pthread_sigmask(SIG_SETMASK, &saved_mask, nullptr);
  ::sigaction(SIGPIPE, &saved_pipe, nullptr);
  EXPECT_EQ(o.out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(spawn, daemon_descriptors_do_not_leak) {
  int leaky = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaky, 0);
  process_supervisor sup;
  spawn_request req;
  req.argv = {"ls", "/proc/self/fd"};
  auto o = run(sup, std::move(req));
  ::close(leaky);
  EXPECT_EQ(o.out, "0\n1\n2\n3\n");  // 3 is ls's own directory handle
}

TEST(spawn, child_leads_its_own_process_group) {
  process_supervisor sup;
  auto o = run(sup, shell("echo $$; cut -d' ' -f5 /proc/self/stat"));
  auto nl = o.out.find('\n');
  ASSERT_NE(nl, std::string::npos);
  EXPECT_EQ(o.out.substr(0, nl + 1), o.out.substr(nl + 1));
  EXPECT_NE(o.out.substr(0, nl), std::to_string(::getpgrp()));
}

TEST(spawn, no_new_privs_in_every_mode) {
  process_supervisor sup;
  for (auto [mode, expected] :
       {std::pair{policy::mode::plan, "1"}, {policy::mode::edit, "1"}, {policy::mode::bypass, "1"}}) {
    SCOPED_TRACE(std::string(policy::mode_name(mode)));
    spawn_request req;
    req.argv = {"grep", "^NoNewPrivs", "/proc/self/status"};
    req.profile.mode = mode;
    auto o = run(sup, std::move(req));
    EXPECT_EQ(o.out, std::string("NoNewPrivs:\t") + expected + "\n");
    EXPECT_EQ(o.result.sandboxed, mode != policy::mode::bypass && landlock_abi_version() > 0);
  }
}

TEST(spawn, fifty_children_at_once) {
  constexpr int k_children = 50;
  std::vector<std::promise<spawn_result>> done(k_children);
  std::vector<std::string> out(k_children);
  process_supervisor sup;
  for (int i = 0; i < k_children; ++i) {
    spawn_request req;
    req.argv = {"/bin/sh", "-c", "echo $1", "sh", std::to_string(i)};
    req.on_output = [&out, i](int, std::string_view d) { out[i].append(d); };
    req.on_exit = [&done, i](const spawn_result &r) { done[i].set_value(r); };
    ASSERT_TRUE(sup.spawn(std::move(req)).is_ok());
  }
  for (int i = 0; i < k_children; ++i) {
    auto f = done[i].get_future();
    ASSERT_EQ(f.wait_for(60s), std::future_status::ready);
    EXPECT_EQ(f.get().exit_code, 0);
    EXPECT_EQ(out[i], std::to_string(i) + "\n");
  }
  sup.shutdown();
  EXPECT_EQ(sup.running(), 0u);
}

TEST(spawn, shutdown_kills_everything_and_refuses_new_work) {
  std::vector<std::promise<spawn_result>> done(3);
  process_supervisor sup;
  for (auto &d : done) {
    auto req = shell("sleep 100");
    req.on_exit = [&d](const spawn_result &r) { d.set_value(r); };
    ASSERT_TRUE(sup.spawn(std::move(req)).is_ok());
  }
  EXPECT_EQ(sup.running(), 3u);
  sup.shutdown();  // returns only after every on_exit ran
  EXPECT_EQ(sup.running(), 0u);
  for (auto &d : done) {
    auto f = d.get_future();
    ASSERT_EQ(f.wait_for(0s), std::future_status::ready);
    EXPECT_TRUE(f.get().cancelled);
  }
  auto again = sup.spawn(shell("true"));
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.error().code(), RA_UNAVAILABLE);
}

TEST(spawn, destructor_kills_running_children) {
  std::promise<spawn_result> done;
  {
    process_supervisor sup;
    auto req = shell("sleep 100");
    req.on_exit = [&](const spawn_result &r) { done.set_value(r); };
    ASSERT_TRUE(sup.spawn(std::move(req)).is_ok());
  }
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(0s), std::future_status::ready);
  EXPECT_TRUE(f.get().cancelled);
}

TEST(spawn, duration_is_measured) {
  process_supervisor sup;
  auto o = run(sup, shell("sleep 0.3"));
  EXPECT_GE(o.result.duration_ms, 300);
  EXPECT_LT(o.result.duration_ms, 10000);
}

}  // namespace
}  // namespace ra::sandbox
