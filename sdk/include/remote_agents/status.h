/* remote_agents/status.h — status codes shared by host and plugins.
 * Numbering follows gRPC/Abseil canonical codes so they map onto well-known meanings.
 * Thread safety: ra_status_name is pure and callable from any thread. */
#ifndef REMOTE_AGENTS_STATUS_H
#define REMOTE_AGENTS_STATUS_H

#include "macros.h"

RA_BEGIN_DECLS

typedef enum ra_status {
  RA_OK = 0,
  RA_CANCELLED = 1,
  RA_UNKNOWN = 2,
  RA_INVALID_ARGUMENT = 3,
  RA_DEADLINE_EXCEEDED = 4,
  RA_NOT_FOUND = 5,
  RA_ALREADY_EXISTS = 6,
  RA_PERMISSION_DENIED = 7,
  RA_RESOURCE_EXHAUSTED = 8,
  RA_FAILED_PRECONDITION = 9,
  RA_ABORTED = 10,
  RA_OUT_OF_RANGE = 11,
  RA_UNIMPLEMENTED = 12,
  RA_INTERNAL = 13,
  RA_UNAVAILABLE = 14,
  RA_DATA_LOSS = 15,
  RA_STATUS_FORCE_32BIT = 0x7fffffff
} ra_status;

/* Stable lower-case name of a status ("ok", "permission_denied", ...); "unknown" for other values. */
static inline const char *ra_status_name(ra_status s) {
  switch (s) {
    case RA_OK:
      return "ok";
    case RA_CANCELLED:
      return "cancelled";
    case RA_INVALID_ARGUMENT:
      return "invalid_argument";
    case RA_DEADLINE_EXCEEDED:
      return "deadline_exceeded";
    case RA_NOT_FOUND:
      return "not_found";
    case RA_ALREADY_EXISTS:
      return "already_exists";
    case RA_PERMISSION_DENIED:
      return "permission_denied";
    case RA_RESOURCE_EXHAUSTED:
      return "resource_exhausted";
    case RA_FAILED_PRECONDITION:
      return "failed_precondition";
    case RA_ABORTED:
      return "aborted";
    case RA_OUT_OF_RANGE:
      return "out_of_range";
    case RA_UNIMPLEMENTED:
      return "unimplemented";
    case RA_INTERNAL:
      return "internal";
    case RA_UNAVAILABLE:
      return "unavailable";
    case RA_DATA_LOSS:
      return "data_loss";
    default:
      return "unknown";
  }
}

RA_END_DECLS

#endif /* REMOTE_AGENTS_STATUS_H */
