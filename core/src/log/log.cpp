#include "log/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <string>

namespace ra::log {

bool valid_level(std::string_view level) {
  return level == "trace" || level == "debug" || level == "info" || level == "warn" || level == "error" ||
         level == "off";
}

void init(std::string_view level) {
  auto logger = spdlog::stderr_logger_mt("remote-agents");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(valid_level(level) ? spdlog::level::from_str(std::string(level)) : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace ra::log
