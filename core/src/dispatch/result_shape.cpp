#include "dispatch/result_shape.hpp"

namespace ra::dispatch {

bool is_exec_shaped(const rapidjson::Value &r) {
  return r.IsObject() && r.HasMember("exit_code") && r.HasMember("stdout") && r.HasMember("stderr");
}

std::string exec_output(const rapidjson::Value &r) {
  std::string out = r["stdout"].IsString() ? r["stdout"].GetString() : "";
  std::string err = r["stderr"].IsString() ? r["stderr"].GetString() : "";
  if (!err.empty()) {
    if (!out.empty() && out.back() != '\n') out += "\n";
    out += "--- stderr ---\n" + err;
  }
  return out;
}

bool result_flag(const rapidjson::Value &r, const char *key, bool value) {
  if (!r.IsObject()) return false;
  auto it = r.FindMember(key);
  return it != r.MemberEnd() && it->value.IsBool() && it->value.GetBool() == value;
}

}  // namespace ra::dispatch
