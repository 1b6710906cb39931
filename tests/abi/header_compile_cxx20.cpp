// The SDK's headers, C and the C++ wrapper, compile as strict C++20 with every warning an error.
#include <remote_agents/plugin.hpp>
#include <remote_agents/remote_agents.h>

int main() {
  ra::name_list names{"a", "b"};
  return names.get()[2] == nullptr && ra_status_name(RA_OK) == std::string_view("ok") ? 0 : 1;
}
