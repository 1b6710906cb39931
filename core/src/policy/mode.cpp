#include "policy/mode.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace ra::policy {

std::optional<mode> parse_mode(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "plan") return mode::plan;
  if (lower == "edit") return mode::edit;
  if (lower == "bypass") return mode::bypass;
  if (lower == "disabled") return mode::disabled;
  return std::nullopt;
}

std::string_view mode_name(mode m) {
  switch (m) {
    case mode::plan:
      return "plan";
    case mode::edit:
      return "edit";
    case mode::bypass:
      return "bypass";
    case mode::disabled:
      return "disabled";
  }
  return "plan";
}

int mode_power(mode m) {
  switch (m) {
    case mode::disabled:
      return 0;
    case mode::plan:
      return 1;
    case mode::edit:
      return 2;
    case mode::bypass:
      return 3;
  }
  return 0;
}

}  // namespace ra::policy
