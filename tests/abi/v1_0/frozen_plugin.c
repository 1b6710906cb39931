/* A plugin built against the frozen v1.0 headers: one tool, frozen_echo, which echoes its
 * arguments back as {"echo": <args>}. Never change this file's ABI usage. */
#include "remote_agents/remote_agents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ra_plugin_info_t info = {sizeof(ra_plugin_info_t), "frozen-v1-0", "Frozen 1.0", "1.0.0",
                                      "Built against the frozen ABI 1.0 headers", NULL, NULL, NULL};
static const ra_tool_desc_t tool = {sizeof(ra_tool_desc_t), "frozen_echo", "Echo", "Echoes its arguments",
                                    "{\"type\":\"object\"}", NULL, RA_HINT_READ_ONLY, RA_PERM_READ, NULL, NULL, NULL};

static ra_status f_start(ra_instance_t *s) { (void)s; return RA_OK; }
static void f_stop(ra_instance_t *s) { (void)s; }
static void f_destroy(ra_instance_t *s) { free(s); }
static uint32_t f_count(const ra_instance_t *s) { (void)s; return 1; }
static const ra_tool_desc_t *f_get(const ra_instance_t *s, uint32_t i) { (void)s; return i == 0 ? &tool : NULL; }
static ra_status f_invoke(ra_instance_t *s, ra_call_t *call) {
  const ra_host_t *host = (const ra_host_t *)s->plugin_data;
  size_t n = call->args_len + 16;
  char *out = (char *)malloc(n);
  if (!out) return RA_RESOURCE_EXHAUSTED;
  int len = snprintf(out, n, "{\"echo\":%s}", call->args_json);
  host->complete(host, call, RA_OK, out, (size_t)len, NULL);
  free(out);
  return RA_OK;
}
static void f_cancel(ra_instance_t *s, ra_call_t *c) { (void)s; (void)c; }

static ra_instance_t *f_create(const ra_host_t *host, uint32_t minor, const char *cfg, size_t cfg_len, char *err,
                               size_t err_cap) {
  (void)minor; (void)cfg; (void)cfg_len; (void)err; (void)err_cap;
  ra_instance_t *i = (ra_instance_t *)calloc(1, sizeof *i);
  if (!i) return NULL;
  i->struct_size = sizeof *i;
  i->plugin_data = (void *)host;
  i->start = f_start;
  i->stop = f_stop;
  i->destroy = f_destroy;
  i->tool_count = f_count;
  i->tool_get = f_get;
  i->invoke = f_invoke;
  i->cancel = f_cancel;
  return i;
}

RA_EXPORT const ra_plugin_entry_t ra_plugin_entry = {1, 0, sizeof(ra_plugin_entry_t), &info, f_create};
