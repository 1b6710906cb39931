// hello — the smallest useful plugin: one read-only tool that greets. Built in tree by the test
// suite and out of tree against the installed SDK (pkg-config remote-agents-sdk).
#include <remote_agents/plugin.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace {

constexpr const char *input_schema = R"({
  "type": "object",
  "properties": {
    "name": {"type": "string", "description": "Who to greet", "maxLength": 200}
  },
  "additionalProperties": false
})";

constexpr const char *output_schema = R"({
  "type": "object",
  "properties": {"greeting": {"type": "string"}, "plugin_version": {"type": "string"}},
  "required": ["greeting"]
})";

class hello_plugin : public ra::plugin {
 public:
  hello_plugin(const ra_host_t *host, std::string_view config_json) : ra::plugin(host) {
    rapidjson::Document cfg;
    cfg.Parse(config_json.data(), config_json.size());
    if (cfg.IsObject() && cfg.HasMember("greeting") && cfg["greeting"].IsString())
      greeting_ = cfg["greeting"].GetString();
  }

  std::vector<ra::tool> define_tools() override {
    ra::tool t;
    t.name = "hello";
    t.title = "Say hello";
    t.description = "Returns a greeting for `name` (default \"world\"). Example plugin of the SDK.";
    t.input_schema = input_schema;
    t.output_schema = output_schema;
    t.hints = RA_HINT_READ_ONLY | RA_HINT_IDEMPOTENT;
    t.permission = RA_PERM_READ;
    t.handler = [this](ra::call_ptr c) { greet(std::move(c)); };
    return {t};
  }

 private:
  void greet(ra::call_ptr c) {
    rapidjson::Document args;
    args.Parse(c->args_json().data(), c->args_json().size());
    std::string name = "world";
    if (args.IsObject() && args.HasMember("name") && args["name"].IsString()) name = args["name"].GetString();

    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartObject();
    w.Key("greeting");
    w.String((greeting_ + ", " + name + "!").c_str());
    w.Key("plugin_version");
    w.String("1.0.0");
    w.EndObject();
    c->ok({out.GetString(), out.GetSize()});
  }

  std::string greeting_ = "hello";
};

}  // namespace

RA_PLUGIN(hello, hello_plugin, "hello", "Hello example", "1.0.0", "Greets; the SDK's example plugin")
