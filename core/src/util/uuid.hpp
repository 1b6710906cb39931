// util/uuid.hpp — random identifiers: UUIDv4 text and 128-bit hex ids.
// Thread safety: thread-safe (thread-local generator seeded from the OS).
#pragma once

#include <string>

namespace ra {

std::string uuid_v4();  // "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower-case
bool looks_like_uuid(const std::string &s);

}  // namespace ra
