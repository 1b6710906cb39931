// tests/fuzz/fuzz_check.hpp — the two helpers the store fuzzers share: a property check that turns
// a violated invariant into a crash libFuzzer records, and "is this text a JSON object".
// Thread safety: libFuzzer calls targets from one thread.
#pragma once

#include <rapidjson/document.h>

#include <cstdlib>
#include <string>

namespace fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

inline bool json_object(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.data(), s.size());
  return !d.HasParseError() && d.IsObject();
}

}  // namespace fuzz
