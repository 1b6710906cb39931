#include "wire/routing_id.hpp"

#include <algorithm>

#include "util/hex.hpp"

namespace ra::wire {

std::string to_hex(const routing_id &id) { return ra::to_hex(id); }

std::optional<routing_id> parse_routing_id(std::string_view text) {
  routing_id id{};
  if (text.size() != 2 * id.size()) return std::nullopt;
  auto bytes = ra::from_hex(text);
  if (!bytes) return std::nullopt;
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

}  // namespace ra::wire
