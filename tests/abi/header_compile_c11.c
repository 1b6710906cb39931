/* The SDK's C headers compile as strict C11 with every warning an error. */
#include <remote_agents/remote_agents.h>

int main(void) {
  ra_tool_desc_t d = {0};
  d.struct_size = sizeof d;
  ra_host_t h = {0};
  h.struct_size = sizeof h;
  return (RA_HAS_FIELD(&d, ra_tool_desc_t, command_args) && !RA_HAS(&h, ra_host_t, backup) &&
          ra_status_name(RA_PERMISSION_DENIED)[0] == 'p')
             ? 0
             : 1;
}
