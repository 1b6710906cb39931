#include "policy/mode_store.hpp"

#include <system_error>

#include "util/atomic_file.hpp"

namespace ra::policy {

mode_store::mode_store(std::filesystem::path data_dir, mode config_default)
    : file_(std::move(data_dir) / "mode"), config_default_(config_default) {}

mode mode_store::current() const {
  // Re-read on every call: another daemon process of this machine may have changed it.
  result<std::string> text = ra::read_file(file_, 64);
  if (!text) return config_default_;
  std::string_view v = *text;
  // Tolerate the newline an editor adds when someone sets the mode by hand.
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' ' || v.back() == '\t'))
    v.remove_suffix(1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  std::optional<mode> m = parse_mode(v);
  return m ? *m : config_default_;
}

status mode_store::set(mode m) {
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);
  if (ec) return internal_error("cannot create " + file_.parent_path().string() + ": " + ec.message());
  return ra::write_file_atomic(file_, mode_name(m), 0644);
}

}  // namespace ra::policy
