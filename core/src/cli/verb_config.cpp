// verb_config.cpp — `init`, `config`, `config check`.
#include <cstdio>
#include <filesystem>

#include "cli/cli.hpp"
#include "util/atomic_file.hpp"

namespace ra::cli {

int verb_init(const parsed_args &args) {
  std::filesystem::path path = args.value("config").value_or(config::default_config_path().string());
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !args.has("force")) {
    std::fprintf(stderr, "remote-agents: %s already exists (use --force to overwrite it)\n", path.c_str());
    return exit_usage;
  }
  std::filesystem::create_directories(path.parent_path(), ec);
  // 0600: the file will hold the room token once the operator fills it in.
  if (auto st = write_file_atomic(path, config::init_template(), 0600); !st) {
    std::fprintf(stderr, "remote-agents: %s\n", st.message().c_str());
    return exit_failed;
  }
  std::printf("Config initialized at %s\n", path.c_str());
  return exit_ok;
}

int verb_config(const parsed_args &args) {
  bool check = !args.positional.empty() && args.positional[0] == "check";
  if (!args.positional.empty() && !check) {
    std::fprintf(stderr, "remote-agents: unknown config subcommand '%s' (want: config, config check)\n",
                 args.positional[0].c_str());
    return exit_usage;
  }
  std::optional<std::filesystem::path> path;
  if (check && args.positional.size() > 1)
    path = args.positional[1];
  else if (auto c = args.value("config"))
    path = *c;

  auto loaded = config::load(path);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().message().c_str());
    return exit_usage;
  }
  for (auto &w : loaded->warnings) std::fprintf(stderr, "warning: %s\n", w.to_string().c_str());
  if (check) {
    std::string where = loaded->cfg.source.empty() ? "(no config file; defaults)" : loaded->cfg.source.string();
    std::printf("%s: OK (%zu warning%s)\n", where.c_str(), loaded->warnings.size(),
                loaded->warnings.size() == 1 ? "" : "s");
    return exit_ok;
  }
  std::fputs(config::render_masked(loaded->cfg).c_str(), stdout);
  return exit_ok;
}

}  // namespace ra::cli
