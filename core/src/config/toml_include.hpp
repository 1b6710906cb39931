// config/toml_include.hpp — include toml++ through here, never <toml++/toml.h> directly.
//
// toml++ 3.3 asserts things about its input that the input does not guarantee, then handles the
// case correctly past the assert: fuzz_config found "[!]" (parse_key) and "d = 1979-05-27Tx"
// (parse_time); a typo in a config file must not abort the daemon. TOML_ASSERT is toml++'s
// documented hook; we turn it off. It matters only where toml++ is compiled into our objects
// (header-only: fuzz and fully static builds); the Debian shared library is built with NDEBUG.
// Caveat: header-only + NDEBUG + clang turns those asserts into __builtin_assume, which no macro
// undoes — build release code against the shared library or with g++ (where it is a no-op).
// Every file that includes toml++ must see the same definition (one definition rule), hence
// this one header.
// Thread safety: n/a (includes only).
#pragma once

#ifndef TOML_ASSERT
#define TOML_ASSERT(expr) static_assert(true)
#endif
#include <toml++/toml.h>
