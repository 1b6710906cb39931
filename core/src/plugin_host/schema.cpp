#include "plugin_host/schema.hpp"

#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>

#include "util/json.hpp"

namespace ra::plugin_host {

struct compiled_schema::impl {
  explicit impl(const rapidjson::Document &d) : schema(d) {}
  rapidjson::SchemaDocument schema;
};

compiled_schema::~compiled_schema() = default;

namespace {

const char *json_type_name(const rapidjson::Value &v) {
  if (v.IsObject()) return "object";
  if (v.IsArray()) return "array";
  if (v.IsString()) return "string";
  if (v.IsBool()) return "boolean";
  if (v.IsNumber()) return "number";
  return "null";
}

status check_shape(const rapidjson::Value &s) {
  if (!s.IsObject()) return invalid_argument(std::string("schema is a JSON ") + json_type_name(s) + ", not an object");
  auto type = s.FindMember("type");
  if (type == s.MemberEnd() || !type->value.IsString() || std::string_view(type->value.GetString()) != "object")
    return invalid_argument("schema root must have \"type\": \"object\"");
  auto props = s.FindMember("properties");
  if (props != s.MemberEnd()) {
    if (!props->value.IsObject()) return invalid_argument("schema \"properties\" must be an object");
    for (auto it = props->value.MemberBegin(); it != props->value.MemberEnd(); ++it) {
      if (!it->value.IsObject())
        return invalid_argument(std::string("schema property '") + it->name.GetString() + "' must be an object");
      auto t = it->value.FindMember("type");
      if (t != it->value.MemberEnd() && !t->value.IsString() && !t->value.IsArray())
        return invalid_argument(std::string("schema property '") + it->name.GetString() + "' has a malformed \"type\"");
    }
  }
  auto req = s.FindMember("required");
  if (req != s.MemberEnd()) {
    if (!req->value.IsArray()) return invalid_argument("schema \"required\" must be an array of names");
    for (auto &r : req->value.GetArray())
      if (!r.IsString()) return invalid_argument("schema \"required\" must be an array of names");
  }
  return status::ok();
}

}  // namespace

result<std::shared_ptr<const compiled_schema>> compiled_schema::compile(std::string_view schema_json) {
  std::shared_ptr<compiled_schema> cs(new compiled_schema());
  if (auto st = json::parse(schema_json, cs->doc_); !st) return invalid_argument("schema: " + st.message());
  if (auto st = check_shape(cs->doc_); !st) return st;
  cs->impl_ = std::make_unique<impl>(cs->doc_);
  return std::shared_ptr<const compiled_schema>(std::move(cs));
}

std::vector<std::string> compiled_schema::property_names() const {
  std::vector<std::string> out;
  auto props = doc_.FindMember("properties");
  if (props != doc_.MemberEnd() && props->value.IsObject())
    for (auto it = props->value.MemberBegin(); it != props->value.MemberEnd(); ++it)
      out.emplace_back(it->name.GetString());
  return out;
}

status compiled_schema::validate(const rapidjson::Value &args) const {
  if (!args.IsObject())
    return invalid_argument(std::string("arguments must be a JSON object, got ") + json_type_name(args));
  // Missing required arguments first: they say most about what the caller got wrong.
  auto req = doc_.FindMember("required");
  if (req != doc_.MemberEnd() && req->value.IsArray()) {
    std::string missing;
    for (auto &r : req->value.GetArray())
      if (!args.HasMember(r.GetString())) missing += (missing.empty() ? "'" : ", '") + std::string(r.GetString()) + "'";
    if (!missing.empty()) return invalid_argument("missing required argument " + missing);
  }
  rapidjson::SchemaValidator v(impl_->schema);
  if (args.Accept(v)) return status::ok();

  rapidjson::StringBuffer where;
  v.GetInvalidDocumentPointer().StringifyUriFragment(where);
  std::string at = where.GetString();
  if (at.size() > 0 && at[0] == '#') at.erase(0, 1);
  if (at.empty()) at = "/";
  std::string keyword = v.GetInvalidSchemaKeyword();

  // Turn the failing keyword into a sentence, using the schema's own constraint value.
  rapidjson::StringBuffer sp;
  v.GetInvalidSchemaPointer().StringifyUriFragment(sp);
  std::string schema_ptr = sp.GetString();
  if (!schema_ptr.empty() && schema_ptr[0] == '#') schema_ptr.erase(0, 1);
  const rapidjson::Value *rule = rapidjson::Pointer((schema_ptr + "/" + keyword).c_str()).Get(doc_);
  std::string detail = rule ? json::to_string(*rule) : "";

  std::string msg;
  if (keyword == "required") {
    // Name the missing properties.
    std::string missing;
    if (rule && rule->IsArray()) {
      const rapidjson::Value *obj = rapidjson::Pointer(at == "/" ? "" : at.c_str()).Get(args);
      for (auto &r : rule->GetArray())
        if (obj && obj->IsObject() && !obj->HasMember(r.GetString()))
          missing += (missing.empty() ? "'" : ", '") + std::string(r.GetString()) + "'";
    }
    msg = "missing required argument " + (missing.empty() ? detail : missing);
  } else if (keyword == "type") {
    msg = at + ": must be of type " + detail;
  } else if (keyword == "additionalProperties") {
    std::vector<std::string> known = property_names();
    std::string unknown, allowed;
    // RapidJSON points either at the object or at the offending member: use the object.
    const rapidjson::Value *obj = rapidjson::Pointer(at == "/" ? "" : at.c_str()).Get(args);
    if (obj && !obj->IsObject()) {
      std::string parent = at.substr(0, at.rfind('/'));
      obj = rapidjson::Pointer(parent.c_str()).Get(args);
    }
    if (obj && obj->IsObject())
      for (auto it = obj->MemberBegin(); it != obj->MemberEnd(); ++it)
        if (std::find(known.begin(), known.end(), it->name.GetString()) == known.end())
          unknown += (unknown.empty() ? "'" : ", '") + std::string(it->name.GetString()) + "'";
    for (auto &n : known) allowed += (allowed.empty() ? "" : ", ") + n;
    msg = "unknown argument " + (unknown.empty() ? at : unknown) + " (allowed: " + allowed + ")";
  } else if (keyword == "enum") {
    msg = at + ": must be one of " + detail;
  } else {
    msg = at + ": violates \"" + keyword + "\"" + (detail.empty() ? "" : " " + detail);
  }
  return invalid_argument(msg);
}

}  // namespace ra::plugin_host
