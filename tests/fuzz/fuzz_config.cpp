// tests/fuzz/fuzz_config.cpp — libFuzzer target for the config parser (ra::config::parse_text).
// Properties checked beyond "does not crash": a file that parses renders to TOML that parses again
// with no warnings, and rendering is then stable (render → parse → render gives the same text).
// Build: clang++ -fsanitize=fuzzer,address,undefined (see scripts/fuzz); seeds in corpus/config/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  auto parsed = ra::config::parse_text(text, "fuzz.toml");
  if (!parsed) {
    // Errors must carry the "file:line:col: " prefix callers print.
    if (!parsed.error().message().starts_with("fuzz.toml:")) std::abort();
    return 0;
  }
  for (const auto &w : parsed->warnings) (void)w.to_string();

  const std::string rendered = ra::config::render_masked(parsed->cfg);
  auto again = ra::config::parse_text(rendered, "rendered.toml");
  if (!again || !again->warnings.empty()) std::abort();
  if (ra::config::render_masked(again->cfg) != rendered) std::abort();
  return 0;
}
