/* remote_agents/macros.h — portability and versioning macros of the plugin ABI.
 * Thread safety: not applicable (macros only). */
#ifndef REMOTE_AGENTS_MACROS_H
#define REMOTE_AGENTS_MACROS_H

#include <stddef.h>

#if defined(_WIN32)
#define RA_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#define RA_EXPORT __attribute__((visibility("default")))
#else
#define RA_EXPORT
#endif

#ifdef __cplusplus
#define RA_EXTERN_C extern "C"
#define RA_BEGIN_DECLS extern "C" {
#define RA_END_DECLS }
#else
#define RA_EXTERN_C
#define RA_BEGIN_DECLS
#define RA_END_DECLS
#endif

/* Marks the ABI version that introduced a struct field. Documentation only: fields are only ever
 * appended, and readers check RA_HAS before touching a field newer than 1.0. */
#define RA_SINCE(major, minor)

/* True when the struct pointed to by `p` is large enough to contain `field` (OBS rule). */
#define RA_HAS_FIELD(p, type, field) \
  ((p) != NULL && (p)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* RA_HAS_FIELD and, for function slots, non-NULL. */
#define RA_HAS(p, type, field) (RA_HAS_FIELD(p, type, field) && (p)->field != NULL)

#endif /* REMOTE_AGENTS_MACROS_H */
