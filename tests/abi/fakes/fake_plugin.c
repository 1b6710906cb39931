/* fake_plugin.c — deliberately broken (and one well-behaved) plugins for the loader tests, written
 * in plain C11 against the C ABI only. Each variant is this file compiled with different FAKE_*
 * macros by tests/abi/meson.build; each proves one loader rule of sdk/docs/abi.md. */
#include <remote_agents/remote_agents.h>

/* Some variants (create always fails) leave the vtable functions unused on purpose. */
#pragma GCC diagnostic ignored "-Wunused-function"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef FAKE_ID
#define FAKE_ID "fake-ok"
#endif
#ifndef FAKE_MAJOR
#define FAKE_MAJOR RA_ABI_MAJOR
#endif
#ifndef FAKE_MINOR
#define FAKE_MINOR RA_ABI_MINOR
#endif
#ifndef FAKE_TOOL_NAME
#define FAKE_TOOL_NAME "fake_tool"
#endif
#ifndef FAKE_TOOL2_NAME
#define FAKE_TOOL2_NAME "fake_tool_two"
#endif
#if defined(FAKE_SCHEMA_MALFORMED)
#define FAKE_SCHEMA "{\"type\": \"object\", \"properties\": ["
#elif defined(FAKE_SCHEMA_NOT_OBJECT)
#define FAKE_SCHEMA "{\"type\":\"string\"}"
#else
#define FAKE_SCHEMA "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"integer\"}}}"
#endif
#ifndef FAKE_PERMISSION
#define FAKE_PERMISSION RA_PERM_READ
#endif
#if defined(FAKE_BACKUP) || defined(FAKE_OPEN_WRITE)
#undef FAKE_SCHEMA
#define FAKE_SCHEMA "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}"
static const char *const fake_write_paths[] = {"path", NULL};
#define FAKE_WRITE_PATHS fake_write_paths
#else
#define FAKE_WRITE_PATHS NULL
#endif

static const ra_plugin_info_t info = {sizeof(ra_plugin_info_t),         FAKE_ID, "Fake", "1.0.0",
                                      "A fake plugin for loader tests", NULL,    NULL,   NULL};

static const ra_tool_desc_t tools[2] = {
    {sizeof(ra_tool_desc_t), FAKE_TOOL_NAME, "Fake tool", "Returns {\"fake\":true}", FAKE_SCHEMA, NULL,
     RA_HINT_READ_ONLY, FAKE_PERMISSION, NULL, FAKE_WRITE_PATHS, NULL},
    {sizeof(ra_tool_desc_t), FAKE_TOOL2_NAME, "Second fake tool", "Returns {\"fake\":true}", FAKE_SCHEMA, NULL,
     RA_HINT_READ_ONLY, RA_PERM_READ, NULL, NULL, NULL},
};

typedef struct fake_state {
  const ra_host_t *host;
} fake_state;

static ra_status fake_start(ra_instance_t *self) {
  (void)self;
#ifdef FAKE_START_FAILS
  return RA_FAILED_PRECONDITION;
#else
  return RA_OK;
#endif
}
static void fake_stop(ra_instance_t *self) { (void)self; }
static void fake_destroy(ra_instance_t *self) {
  free(self->plugin_data);
  free(self);
}
static uint32_t fake_tool_count(const ra_instance_t *self) {
  (void)self;
#ifdef FAKE_TWO_TOOLS
  return 2;
#else
  return 1;
#endif
}
static const ra_tool_desc_t *fake_tool_get(const ra_instance_t *self, uint32_t i) {
  (void)self;
  return i < 2 ? &tools[i] : NULL;
}
#if defined(FAKE_BACKUP) || defined(FAKE_OPEN_WRITE)
/* The "path" argument of the (already normalised, compact) arguments; test paths carry no quotes. */
static int arg_path(const ra_call_t *call, char *out, size_t cap) {
  const char *key = strstr(call->args_json, "\"path\":\"");
  if (!key) return 0;
  key += 8;
  const char *end = strchr(key, '"');
  if (!end || (size_t)(end - key) >= cap) return 0;
  memcpy(out, key, (size_t)(end - key));
  out[end - key] = '\0';
  return 1;
}
#endif

static ra_status fake_invoke(ra_instance_t *self, ra_call_t *call) {
  fake_state *st = (fake_state *)self->plugin_data;
#ifdef FAKE_BACKUP
  /* Exercises host->backup the way the files plugin will: back up, then report where. */
  char path[1024], backup[1024] = {0}, result_buf[2300];
  if (!arg_path(call, path, sizeof path)) return RA_INVALID_ARGUMENT;
  ra_status bs = st->host->backup(st->host, call, path, backup, sizeof backup);
  int n = snprintf(result_buf, sizeof result_buf, "{\"status\":\"%s\",\"backup\":\"%s\"}", ra_status_name(bs),
                   bs == RA_OK ? backup : "");
  st->host->complete(st->host, call, RA_OK, result_buf, (size_t)n, NULL);
  return RA_OK;
#endif
#ifdef FAKE_OPEN_WRITE
  /* A tool that declares class read and then asks to open a file for writing (R65): the host must
   * refuse whatever the mode, and say why. */
  char path[1024], err[512] = {0}, result_buf[2048];
  if (!arg_path(call, path, sizeof path)) return RA_INVALID_ARGUMENT;
  ra_status os = RA_OK;
  int fd = st->host->open_file(st->host, call, path, RA_OPEN_WRITE | RA_OPEN_CREATE, 0600, &os, err, sizeof err);
  if (fd >= 0) close(fd);
  int n = snprintf(result_buf, sizeof result_buf, "{\"status\":\"%s\",\"opened\":%s,\"error\":\"%s\"}",
                   ra_status_name(os), fd >= 0 ? "true" : "false", err);
  st->host->complete(st->host, call, RA_OK, result_buf, (size_t)n, NULL);
  return RA_OK;
#endif
  static const char result[] = "{\"fake\":true}";
  st->host->complete(st->host, call, RA_OK, result, sizeof result - 1, NULL);
#ifdef FAKE_DOUBLE_COMPLETE
  /* Breaks rule R42 on purpose: the host must ignore this and log it. */
  st->host->complete(st->host, call, RA_INTERNAL, "{}", 2, "second completion");
#endif
  return RA_OK;
}
static void fake_cancel(ra_instance_t *self, ra_call_t *call) {
  (void)self;
  (void)call;
}
static const void *fake_get_extension(const ra_instance_t *self, const char *id) {
  (void)self;
  (void)id;
  return NULL;
}

static ra_instance_t *fake_create(const ra_host_t *host, uint32_t minor, const char *config_json, size_t config_len,
                                  char *err_buf, size_t err_cap) {
  (void)minor;
  (void)config_json;
  (void)config_len;
#ifdef FAKE_CREATE_FAILS
  strncpy(err_buf, "this fake always fails to create", err_cap - 1);
  err_buf[err_cap - 1] = '\0';
  (void)host;
  return NULL;
#else
  (void)err_buf;
  (void)err_cap;
  ra_instance_t *inst = (ra_instance_t *)calloc(1, sizeof *inst);
  fake_state *st = (fake_state *)calloc(1, sizeof *st);
  st->host = host;
  inst->struct_size = sizeof *inst;
  inst->plugin_data = st;
  inst->start = fake_start;
  inst->stop = fake_stop;
  inst->destroy = fake_destroy;
  inst->tool_count = fake_tool_count;
  inst->tool_get = fake_tool_get;
  inst->invoke = fake_invoke;
  inst->cancel = fake_cancel;
  inst->get_extension = fake_get_extension;
  return inst;
#endif
}

#ifdef FAKE_NO_ENTRY
/* No ra_plugin_entry: the version script keeps this name local, so the loader cannot find it. */
const ra_plugin_entry_t fake_entry_with_the_wrong_name = {FAKE_MAJOR, FAKE_MINOR, sizeof(ra_plugin_entry_t), &info,
                                                          fake_create};
#else
RA_EXPORT const ra_plugin_entry_t ra_plugin_entry = {FAKE_MAJOR, FAKE_MINOR, sizeof(ra_plugin_entry_t), &info,
                                                     fake_create};
#endif
