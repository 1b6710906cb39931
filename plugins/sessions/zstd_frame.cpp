#include "zstd_frame.hpp"

#ifdef RA_SESSIONS_ZSTD
#include <zstd.h>

#include <memory>
#endif

namespace ra_sessions {

bool is_zstd(std::string_view d) {
  return d.size() >= 4 && static_cast<unsigned char>(d[0]) == 0x28 && static_cast<unsigned char>(d[1]) == 0xB5 &&
         static_cast<unsigned char>(d[2]) == 0x2F && static_cast<unsigned char>(d[3]) == 0xFD;
}

#ifdef RA_SESSIONS_ZSTD

bool zstd_supported() { return true; }

namespace {

std::string cap_message(uint64_t cap) {
  return "the zstd thread decompresses to more than " + std::to_string(cap >> 20) + " MiB";
}

// A size the frame header declares is only a hint (it can lie): it fails early when over the cap
// and saves reallocations, while the streaming loop below enforces the cap on what is produced.
bool declared_size_ok(std::string_view frame, uint64_t cap, std::string &out, std::string &error) {
  unsigned long long n = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (n == ZSTD_CONTENTSIZE_ERROR) {
    error = "corrupt zstd frame (bad frame header)";
    return false;
  }
  if (n == ZSTD_CONTENTSIZE_UNKNOWN) return true;
  if (n > cap) {
    error = cap_message(cap);
    return false;
  }
  out.reserve(static_cast<size_t>(n));
  return true;
}

}  // namespace

std::optional<std::string> zstd_decompress(std::string_view frame, uint64_t cap, std::string &error) {
  std::string out;
  if (!declared_size_ok(frame, cap, out, error)) return std::nullopt;
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx *)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) {
    error = "zstd: out of memory";
    return std::nullopt;
  }
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  char chunk[64 * 1024];
  size_t hint = 0;  // 0 once a frame is complete; otherwise more input is expected
  for (;;) {
    ZSTD_outBuffer o{chunk, sizeof chunk, 0};
    hint = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(hint)) {
      error = std::string("corrupt zstd frame: ") + ZSTD_getErrorName(hint);
      return std::nullopt;
    }
    if (out.size() + o.pos > cap) {
      error = cap_message(cap);
      return std::nullopt;
    }
    out.append(chunk, o.pos);
    // A full output chunk may leave decoded bytes inside the context: ask again even without input.
    if (in.pos == in.size && o.pos < o.size) break;
  }
  if (hint != 0) {
    error = "truncated zstd frame";
    return std::nullopt;
  }
  return out;
}

#else

bool zstd_supported() { return false; }

std::optional<std::string> zstd_decompress(std::string_view, uint64_t, std::string &error) {
  error = "zstd threads not readable: built without libzstd";
  return std::nullopt;
}

#endif

}  // namespace ra_sessions
