// remote-agents — argv → the CLI; nothing else lives here.
#include "cli/cli.hpp"

int main(int argc, char **argv) { return ra::cli::main(argc, argv); }
