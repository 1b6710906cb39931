// plugins/common/json_put.hpp — one JSON member whose value is text from outside (a file name,
// command output, a chat message): written as a string with every ill-formed UTF-8 byte replaced
// by U+FFFD, so the document stays valid JSON whatever the bytes were. Shared by the built-in
// plugins that emit such text (exec, files, git, sessions).
// Thread safety: pure functions.
#pragma once

#include <rapidjson/rapidjson.h>

#include <string>
#include <string_view>

#include "utf8.hpp"

namespace ra::plugin_text {

template <class Writer>
void put_text(Writer &w, const char *key, std::string_view text) {
  w.Key(key);
  std::string safe = lossy_utf8(text);
  w.String(safe.data(), static_cast<rapidjson::SizeType>(safe.size()));
}

}  // namespace ra::plugin_text
