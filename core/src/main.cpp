// remote-agents — argv → the CLI; nothing else lives here but one allocator setting.
#include <malloc.h>

#include "cli/cli.hpp"

int main(int argc, char **argv) {
  // A tool result crosses several layers (plugin, dispatcher, router, MCP rendering, the wire),
  // each a copy of up to a few MiB. glibc serves those from fresh mmaps and returns them at once,
  // so every copy page-faults its whole buffer again: a 1 MiB read_file through MCP took ~160 ms,
  // 40 ms with these (docs/decisions.md D27). Memory above 64 MiB of free heap is still returned.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  return ra::cli::main(argc, argv);
}
