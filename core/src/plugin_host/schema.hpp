// plugin_host/schema.hpp — tool input schemas: checked when a plugin loads (malformed → refused)
// and used to validate every call's arguments before the plugin sees them.
// Supported: JSON Schema draft-04 as implemented by RapidJSON (type, properties, required,
// additionalProperties, enum, items, minimum/maximum, minLength/maxLength, pattern, …).
// Thread safety: a compiled_schema is immutable after compile() and may be shared by threads.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.hpp"

namespace ra::plugin_host {

class compiled_schema {
 public:
  // Checks the schema's shape (an object schema: {"type":"object", "properties": {...}}) and
  // compiles it. Errors say what is wrong with the schema.
  static result<std::shared_ptr<const compiled_schema>> compile(std::string_view schema_json);

  // RA_INVALID_ARGUMENT with "<where>: <problem>" (e.g. "/timeout_ms: must be integer").
  status validate(const rapidjson::Value &args) const;

  const rapidjson::Document &document() const { return doc_; }
  std::vector<std::string> property_names() const;

  ~compiled_schema();

 private:
  compiled_schema() = default;
  rapidjson::Document doc_;
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ra::plugin_host
