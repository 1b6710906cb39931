/* remote_agents/version.h — the ABI version this header set describes.
 * Thread safety: not applicable (constants only). */
#ifndef REMOTE_AGENTS_VERSION_H
#define REMOTE_AGENTS_VERSION_H

/* Bumped on a breaking change; the loader refuses a plugin whose major differs from its own. */
#define RA_ABI_MAJOR 1
/* Bumped on an additive change (new trailing fields, new host slots, new extensions). The host and
 * the plugin use min(host minor, plugin minor): the "negotiated minor". */
#define RA_ABI_MINOR 2

/* The SDK release these headers ship with (not the ABI version). */
#define RA_SDK_VERSION "0.3.0"

#endif /* REMOTE_AGENTS_VERSION_H */
