#include "frames.hpp"

#include <spdlog/spdlog.h>

namespace ra::relay {

shared_frame make_frame(const wire::frame &f, const wire::limits &lim) {
  auto bytes = std::make_shared<std::vector<uint8_t>>();
  bytes->reserve(wire::encoded_size(f));
  if (auto s = wire::encode_to(f, *bytes, lim); !s) {
    spdlog::error("relay bug: cannot encode a {} frame: {}", wire::type_name(wire::type_of(f)), s.message());
    return nullptr;
  }
  return bytes;
}

}  // namespace ra::relay
