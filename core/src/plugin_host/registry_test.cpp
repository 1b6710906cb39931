#include "plugin_host/registry.hpp"

#include <gtest/gtest.h>

namespace ra::plugin_host {
namespace {

const char *schema =
    R"({"type":"object","properties":{"path":{"type":"string"},"cmd":{"type":"string"},"roots":{"type":"array","items":{"type":"string"}}}})";

ra_tool_desc_t desc(const char *name, uint32_t perm = RA_PERM_READ) {
  ra_tool_desc_t d{};
  d.struct_size = sizeof d;
  d.name = name;
  d.title = "T";
  d.description = "does things";
  d.input_schema = schema;
  d.permission = perm;
  return d;
}

TEST(RegistryTest, ValidToolNames) {
  for (const char *ok : {"exec", "read_file", "a", "x9_y"}) EXPECT_TRUE(valid_tool_name(ok)) << ok;
  for (const char *bad : {"", "Exec", "9x", "a-b", "a.b", "a b", "ü"}) EXPECT_FALSE(valid_tool_name(bad)) << bad;
  EXPECT_FALSE(valid_tool_name(std::string(65, 'a')));
}

TEST(RegistryTest, DescribeChecksDescriptors) {
  auto d = desc("t");
  EXPECT_TRUE(describe(&d, "p", false).is_ok());
  EXPECT_FALSE(describe(nullptr, "p", false).is_ok());

  auto small = desc("t");
  small.struct_size = 16;
  EXPECT_NE(describe(&small, "p", false).error().message().find("struct_size"), std::string::npos);

  auto nodesc = desc("t");
  nodesc.description = "";
  EXPECT_NE(describe(&nodesc, "p", false).error().message().find("no description"), std::string::npos);

  auto admin = desc("t", RA_PERM_ADMIN);
  EXPECT_FALSE(describe(&admin, "p", false).is_ok());
  EXPECT_TRUE(describe(&admin, "core", true).is_ok());

  auto bogus_perm = desc("t", 42);
  EXPECT_FALSE(describe(&bogus_perm, "p", false).is_ok());
}

TEST(RegistryTest, ArgumentRolesMustNameSchemaProperties) {
  const char *paths[] = {"path", "roots[]", nullptr};
  const char *missing[] = {"nope", nullptr};
  const char *cmds[] = {"cmd", nullptr};
  auto d = desc("t", RA_PERM_EXEC);
  d.read_path_args = paths;
  d.command_args = cmds;
  auto t = describe(&d, "p", false);
  ASSERT_TRUE(t.is_ok()) << t.error().message();
  EXPECT_EQ(t->read_path_args, (std::vector<std::string>{"path", "roots[]"}));
  d.write_path_args = missing;
  EXPECT_NE(describe(&d, "p", false).error().message().find("'nope' which is not a property"), std::string::npos);

  auto exec_without_commands = desc("t", RA_PERM_EXEC);
  EXPECT_NE(describe(&exec_without_commands, "p", false).error().message().find("must name its command"),
            std::string::npos);
}

TEST(RegistryTest, RefusesDuplicatesAllOrNothing) {
  registry r;
  auto a = desc("alpha");
  ASSERT_TRUE(r.add(*describe(&a, "one", false)).is_ok());
  auto b = desc("beta");
  std::vector<tool_entry> batch;
  batch.push_back(*describe(&b, "two", false));
  batch.push_back(*describe(&a, "two", false));
  auto st = r.add_all(std::move(batch));
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("duplicate tool name 'alpha' (already provided by 'one')"), std::string::npos);
  EXPECT_EQ(r.find("beta"), nullptr) << "a refused batch adds nothing";
  EXPECT_EQ(r.provider_of("alpha"), "one");
  r.remove_provider("one");
  EXPECT_EQ(r.find("alpha"), nullptr);
}

}  // namespace
}  // namespace ra::plugin_host
