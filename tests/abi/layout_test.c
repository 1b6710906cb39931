/* ABI v1.0 layout on LP64 (x86_64, aarch64): these offsets are a promise. A failing assert here
 * means a struct was reordered or a field retyped — an ABI break (rules R10–R12 of abi.md). */
#include <remote_agents/remote_agents.h>

#include <assert.h>
#include <stddef.h>

#if defined(__LP64__)
static_assert(offsetof(ra_plugin_entry_t, abi_major) == 0, "entry: abi_major must come first");
static_assert(offsetof(ra_plugin_entry_t, abi_minor) == 4, "entry.abi_minor");
static_assert(offsetof(ra_plugin_entry_t, struct_size) == 8, "entry.struct_size");
static_assert(offsetof(ra_plugin_entry_t, info) == 16, "entry.info");
static_assert(offsetof(ra_plugin_entry_t, create) == 24, "entry.create");
static_assert(sizeof(ra_plugin_entry_t) == 32, "entry size");

static_assert(offsetof(ra_plugin_info_t, id) == 8, "info.id");
static_assert(offsetof(ra_plugin_info_t, license) == 56, "info.license");
static_assert(sizeof(ra_plugin_info_t) == 64, "info size");

static_assert(offsetof(ra_tool_desc_t, name) == 8, "desc.name");
static_assert(offsetof(ra_tool_desc_t, input_schema) == 32, "desc.input_schema");
static_assert(offsetof(ra_tool_desc_t, output_schema) == 40, "desc.output_schema");
static_assert(offsetof(ra_tool_desc_t, hints) == 48, "desc.hints");
static_assert(offsetof(ra_tool_desc_t, permission) == 52, "desc.permission");
static_assert(offsetof(ra_tool_desc_t, read_path_args) == 56, "desc.read_path_args");
static_assert(offsetof(ra_tool_desc_t, write_path_args) == 64, "desc.write_path_args");
static_assert(offsetof(ra_tool_desc_t, command_args) == 72, "desc.command_args");
static_assert(sizeof(ra_tool_desc_t) == 80, "desc size");

static_assert(offsetof(ra_call_t, id) == 8, "call.id");
static_assert(offsetof(ra_call_t, tool) == 16, "call.tool");
static_assert(offsetof(ra_call_t, args_json) == 24, "call.args_json");
static_assert(offsetof(ra_call_t, args_len) == 32, "call.args_len");
static_assert(offsetof(ra_call_t, caller) == 40, "call.caller");
static_assert(offsetof(ra_call_t, mode) == 48, "call.mode");
static_assert(offsetof(ra_call_t, deadline_ms) == 56, "call.deadline_ms");
static_assert(offsetof(ra_call_t, plugin_ref) == 64, "call.plugin_ref");
static_assert(offsetof(ra_call_t, reply_to) == 72, "call.reply_to (1.2, appended)");
static_assert(sizeof(ra_call_t) == 80, "call size");
static_assert(RA_PERM_EXEC_SANDBOXED == 5, "permission exec_sandboxed (1.2)");

static_assert(offsetof(ra_instance_t, plugin_data) == 8, "instance.plugin_data");
static_assert(offsetof(ra_instance_t, start) == 16, "instance.start");
static_assert(offsetof(ra_instance_t, invoke) == 56, "instance.invoke");
static_assert(offsetof(ra_instance_t, cancel) == 64, "instance.cancel");
static_assert(offsetof(ra_instance_t, get_extension) == 72, "instance.get_extension");

static_assert(offsetof(ra_host_t, abi_major) == 4, "host.abi_major");
static_assert(offsetof(ra_host_t, host_data) == 16, "host.host_data");
static_assert(offsetof(ra_host_t, log) == 32, "host.log");
static_assert(offsetof(ra_host_t, authorize) == 40, "host.authorize");
static_assert(offsetof(ra_host_t, complete) == 72, "host.complete");
static_assert(offsetof(ra_host_t, spawn) == 80, "host.spawn");
static_assert(offsetof(ra_host_t, post_work) == 88, "host.post_work");
static_assert(offsetof(ra_host_t, data_dir) == 96, "host.data_dir");
static_assert(offsetof(ra_host_t, tools_changed) == 104, "host.tools_changed");
static_assert(offsetof(ra_host_t, backup) == 112, "host.backup");
static_assert(offsetof(ra_host_t, dispatch) == 120, "host.dispatch (1.0: reserved_dispatch)");
/* 1.2 gave the two remaining reserved slots their types, same offsets. */
static_assert(offsetof(ra_host_t, send_event) == 128, "host.send_event (1.0: reserved_send)");
static_assert(offsetof(ra_host_t, subscribe) == 136, "host.subscribe (1.0: reserved_subscribe)");
static_assert(RA_EVENT_MAX_BYTES == 65536, "event size limit");
/* 1.1 appended after the 1.0 table (1.0 size was 144). */
static_assert(offsetof(ra_host_t, dispatch_cancel) == 144, "host.dispatch_cancel");
static_assert(offsetof(ra_host_t, describe) == 152, "host.describe");
static_assert(offsetof(ra_host_t, watch) == 160, "host.watch");
static_assert(offsetof(ra_host_t, open_file) == 168, "host.open_file");
static_assert(sizeof(ra_host_t) == 176, "host size");
static_assert(RA_OPEN_READ == 0 && RA_OPEN_DIRECTORY == 1 && RA_OPEN_WRITE == 2 && RA_OPEN_PARENT_FOR_WRITE == 3 &&
                  RA_OPEN_STAT == 4 && RA_OPEN_CREATE == 0x100 && RA_OPEN_TRUNCATE == 0x200,
              "open_file constants");
static_assert(offsetof(ra_dispatch_request_t, tool) == 8, "dispatch_request.tool");
static_assert(offsetof(ra_dispatch_request_t, target) == 32, "dispatch_request.target");
static_assert(offsetof(ra_dispatch_request_t, deadline_ms) == 48, "dispatch_request.deadline_ms");
static_assert(offsetof(ra_dispatch_sink_t, on_done) == 24, "dispatch_sink.on_done");
static_assert(offsetof(ra_frontend_ext_t, serve) == 8, "frontend.serve");
static_assert(offsetof(ra_frontend_ext_t, interrupt) == 16, "frontend.interrupt");

static_assert(offsetof(ra_spawn_spec_t, argv) == 8, "spawn_spec.argv");
static_assert(offsetof(ra_spawn_spec_t, max_output) == 56, "spawn_spec.max_output");
static_assert(offsetof(ra_spawn_result_t, exit_code) == 16, "spawn_result.exit_code");
#endif

int main(void) { return 0; }
