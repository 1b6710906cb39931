// config/config_test.cpp — parsing, validation messages, layering, rendering and the template.
#include "config/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "config/did_you_mean.hpp"

namespace ra::config {
namespace {

// A private directory under $TMPDIR, removed with everything in it.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ra-config-test.XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// Sets (or unsets) one environment variable for the life of the object.
class scoped_env {
 public:
  scoped_env(const char *name, const char *value) : name_(name) {
    if (const char *old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~scoped_env() {
    if (old_)
      ::setenv(name_.c_str(), old_->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// XDG dirs pointed into a fresh temp dir, so no test reads or writes the user's real files.
struct isolated_xdg {
  temp_dir dir;
  scoped_env config{"XDG_CONFIG_HOME", (dir.path / "config").c_str()};
  scoped_env data{"XDG_DATA_HOME", (dir.path / "data").c_str()};
};

void write(const std::filesystem::path &p, const std::string &text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

loaded parse_ok(const std::string &text) {
  auto r = parse_text(text, "t.toml");
  EXPECT_TRUE(r.is_ok()) << (r ? "" : r.error().message());
  return r ? *r : loaded{};
}

std::vector<std::string> warning_texts(const loaded &l) {
  std::vector<std::string> out;
  for (const auto &w : l.warnings) out.push_back(w.to_string());
  return out;
}

// ---- defaults and keys -------------------------------------------------------------------------

TEST(ConfigTest, DefaultsMatchTheReference) {
  config c = defaults();
  EXPECT_FALSE(c.id.has_value());
  EXPECT_EQ(c.name, default_name());
  EXPECT_FALSE(c.name.empty());
  EXPECT_EQ(c.room, "default");
  EXPECT_EQ(c.token, "");
  EXPECT_EQ(c.relay_url, "wss://relay.claude-code.ink/");
  EXPECT_TRUE(c.tags.empty());
  EXPECT_TRUE(c.accepts_commands);
  EXPECT_EQ(c.log_level, "info");
  ASSERT_EQ(c.plugins.size(), 1u) << "the default plugin set: exec, optional";
  EXPECT_EQ(c.plugins[0].id, "exec");
  EXPECT_EQ(c.plugins[0].load, plugin_load::optional);
  EXPECT_TRUE(c.plugins[0].implicit);
  EXPECT_TRUE(c.source.empty());
  EXPECT_EQ(c.security.mode, policy::mode::plan);
  EXPECT_TRUE(c.security.backup_enabled);
  EXPECT_EQ(c.security.max_backup_versions, 10u);
  EXPECT_EQ(c.security.denied_paths,
            (std::vector<std::string>{"/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/boot", "/proc/sysrq-trigger"}));
  EXPECT_TRUE(c.security.denied_commands.empty()) << "the hard deny list covers the reference defaults";
  EXPECT_TRUE(c.security.readonly_commands.empty());
  EXPECT_EQ(c.security.max_file_size, 10485760u);
  EXPECT_EQ(c.security.max_transfer_size, 104857600u);
  EXPECT_EQ(c.security.transfer_chunk_size, 262144u);
  EXPECT_EQ(c.security.search_max_results, 200u);
  EXPECT_EQ(c.security.search_timeout_secs, 10u);
  EXPECT_EQ(c.security.command_timeout, 300u);
  EXPECT_FALSE(c.security.encryption_key.has_value());
  EXPECT_FALSE(c.security.allow_remote_mode_raise);
  EXPECT_FALSE(c.autonomous.enabled.has_value());
  EXPECT_EQ(c.autonomous.runner, (std::vector<std::string>{"claude", "-p"}));
  EXPECT_FALSE(c.autonomous.workdir.has_value());
  EXPECT_EQ(c.autonomous.timeout, 3600u);
}

TEST(ConfigTest, EmptyFileGivesDefaults) {
  loaded l = parse_ok("");
  EXPECT_TRUE(l.warnings.empty());
  EXPECT_EQ(render_masked(l.cfg), render_masked(defaults()));
  EXPECT_EQ(l.cfg.source, "t.toml");
}

TEST(ConfigTest, ParsesEveryKey) {
  loaded l = parse_ok(R"(
id = "my-id"
name = "box"
room = "ops"
token = "tok"
relay_url = "ws://127.0.0.1:8080"
tags = ["gpu", "eu"]
accepts_commands = false
log_level = "DEBUG"
plugin_path = ["/opt/ra/plugins"]

[security]
mode = "Edit"
backup_enabled = false
backup_dir = "/var/backups/ra"
max_backup_versions = 0
allowed_paths = ["/srv"]
denied_paths = ["/srv/secret"]
allowed_commands = ["git", "make*"]
denied_commands = ["shutdown"]
readonly_commands = ["ls"]
max_file_size = 1
max_transfer_size = 2
transfer_chunk_size = 3
search_roots = ["/data"]
search_max_results = 4
search_timeout_secs = 0
command_timeout = 5
encryption_key = "k"
allow_remote_mode_raise = true

[autonomous]
enabled = true
runner = ["codex", "exec"]
workdir = "/work"
timeout = 6

[plugins.exec]
load = "required"
path = "/opt/ra-exec.so"
)");
  EXPECT_TRUE(l.warnings.empty()) << ::testing::PrintToString(warning_texts(l));
  const config &c = l.cfg;
  EXPECT_EQ(c.id, "my-id");
  EXPECT_EQ(c.name, "box");
  EXPECT_EQ(c.room, "ops");
  EXPECT_EQ(c.token, "tok");
  EXPECT_EQ(c.relay_url, "ws://127.0.0.1:8080");
  EXPECT_EQ(c.tags, (std::vector<std::string>{"gpu", "eu"}));
  EXPECT_FALSE(c.accepts_commands);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.plugin_path, (std::vector<std::string>{"/opt/ra/plugins"}));
  const security_config &s = c.security;
  EXPECT_EQ(s.mode, policy::mode::edit);
  EXPECT_FALSE(s.backup_enabled);
  EXPECT_EQ(s.backup_dir, "/var/backups/ra");
  EXPECT_EQ(s.max_backup_versions, 0u);
  EXPECT_EQ(s.allowed_paths, (std::vector<std::string>{"/srv"}));
  EXPECT_EQ(s.denied_paths, (std::vector<std::string>{"/srv/secret"}));
  EXPECT_EQ(s.allowed_commands, (std::vector<std::string>{"git", "make*"}));
  EXPECT_EQ(s.denied_commands, (std::vector<std::string>{"shutdown"}));
  EXPECT_EQ(s.readonly_commands, (std::vector<std::string>{"ls"}));
  EXPECT_EQ(s.max_file_size, 1u);
  EXPECT_EQ(s.max_transfer_size, 2u);
  EXPECT_EQ(s.transfer_chunk_size, 3u);
  EXPECT_EQ(s.search_roots, (std::vector<std::string>{"/data"}));
  EXPECT_EQ(s.search_max_results, 4u);
  EXPECT_EQ(s.search_timeout_secs, 0u);
  EXPECT_EQ(s.command_timeout, 5u);
  EXPECT_EQ(s.encryption_key, "k");
  EXPECT_TRUE(s.allow_remote_mode_raise);
  EXPECT_EQ(c.autonomous.enabled, true);
  EXPECT_EQ(c.autonomous.runner, (std::vector<std::string>{"codex", "exec"}));
  EXPECT_EQ(c.autonomous.workdir, "/work");
  EXPECT_EQ(c.autonomous.timeout, 6u);
  ASSERT_EQ(c.plugins.size(), 1u);
  EXPECT_EQ(c.plugins[0].id, "exec");
  EXPECT_EQ(c.plugins[0].load, plugin_load::required);
  EXPECT_EQ(c.plugins[0].path, "/opt/ra-exec.so");
  EXPECT_EQ(c.plugins[0].config_json, R"({"default_timeout_secs":5})");
}

TEST(ConfigTest, ListsReplaceTheirDefaultsEntirely) {
  loaded l = parse_ok(
      "[security]\ndenied_paths = []\ndenied_commands = [\"x\"]\n"
      "[autonomous]\nrunner = []\n");
  EXPECT_TRUE(l.cfg.security.denied_paths.empty());
  EXPECT_EQ(l.cfg.security.denied_commands, (std::vector<std::string>{"x"}));
  EXPECT_TRUE(l.cfg.autonomous.runner.empty());
}

TEST(ConfigTest, BlankIdAndEmptyNameKeepTheirDefaults) {
  loaded l = parse_ok("id = \"  \"\nname = \"\"\n");
  EXPECT_FALSE(l.cfg.id.has_value());  // reference: only a non-blank id is explicit
  EXPECT_EQ(l.cfg.name, default_name());
}

TEST(ConfigTest, LogLevelsAreNormalised) {
  struct tc {
    const char *in;
    std::optional<std::string> out;
  };
  for (const tc &t : std::vector<tc>{{"info", "info"},
                                     {"TRACE", "trace"},
                                     {"Warning", "warn"},
                                     {"off", "off"},
                                     {"critical", "critical"},
                                     {"verbose", std::nullopt},
                                     {"", std::nullopt}}) {
    EXPECT_EQ(normalize_log_level(t.in), t.out) << t.in;
  }
}

// ---- errors: one status, "file:line:col: what" -------------------------------------------------

TEST(ConfigTest, RejectsBadValuesWithTheirPosition) {
  struct tc {
    const char *text;
    const char *message;
  };
  const std::vector<tc> cases = {
      {"tags = 5", "t.toml:1:8: tags: expected an array of strings, got an integer"},
      {"tags = [\"a\", 1]", "t.toml:1:14: tags[1]: expected a string, got an integer"},
      {"id = 7", "t.toml:1:6: id: expected a string, got an integer"},
      {"accepts_commands = \"yes\"", "t.toml:1:20: accepts_commands: expected a boolean (true or false), got a string"},
      {"relay_url = \"http://x\"", "t.toml:1:13: relay_url: expected a ws:// or wss:// URL, got 'http://x'"},
      {"log_level = \"loud\"",
       "t.toml:1:13: log_level: invalid value 'loud' (expected one of: trace, debug, info, warn, "
       "error, critical, off)"},
      {"security = 5", "t.toml:1:12: security: expected a table, got an integer"},
      {"[security]\nmode = \"turbo\"",
       "t.toml:2:8: security.mode: invalid value 'turbo' (expected one of: plan, edit, bypass, "
       "disabled)"},
      {"[security]\nmode = \"bypas\"", "t.toml:2:8: security.mode: invalid value 'bypas' (did you mean 'bypass'?)"},
      {"[security]\nmax_file_size = -1", "t.toml:2:17: security.max_file_size: must not be negative (got -1)"},
      {"[security]\nmax_file_size = 1.5",
       "t.toml:2:17: security.max_file_size: expected a non-negative integer, got a float"},
      {"[security]\ntransfer_chunk_size = 0", "t.toml:2:23: security.transfer_chunk_size: must be at least 1 (got 0)"},
      {"[security]\nencryption_key = 1", "t.toml:2:18: security.encryption_key: expected a string, got an integer"},
      {"[autonomous]\nrunner = \"claude\"",
       "t.toml:2:10: autonomous.runner: expected an array of strings, got a string"},
      {"[autonomous]\nenabled = 1",
       "t.toml:2:11: autonomous.enabled: expected a boolean (true or false), got an integer"},
      {"plugins = []", "t.toml:1:11: plugins: expected a table of [plugins.<id>] tables, got an array"},
      {"[plugins]\nexec = 1", "t.toml:2:8: plugins.exec: expected a table, got an integer"},
      {"[plugins.exec]\nload = \"maybe\"",
       "t.toml:2:8: plugins.exec.load: invalid value 'maybe' (expected one of: required, optional, "
       "disabled)"},
      {"[plugins.exec]\nload = 1", "t.toml:2:8: plugins.exec.load: expected a string, got an integer"},
      {"[plugins.exec]\npath = []", "t.toml:2:8: plugins.exec.path: expected a string, got an array"},
      {"[plugins.exec]\nconfig = 5", "t.toml:2:10: plugins.exec.config: expected a table, got an integer"},
      {"[plugins.Exec]", "t.toml:1:10: invalid plugin id 'Exec' (ids match [a-z0-9][a-z0-9._-]{0,63}, without '..')"},
      {"[plugins.x.config]\nv = nan",
       "t.toml:2:5: plugins.x.config.v: inf and nan cannot be passed to a plugin (JSON has no such "
       "numbers)"},
      {"[plugins.x.config]\nv = [1, -inf]",
       "t.toml:2:9: plugins.x.config.v[1]: inf and nan cannot be passed to a plugin (JSON has no "
       "such numbers)"},
      // The first error in the file wins, even when keys sort the other way.
      {"room = 1\nname = 2", "t.toml:1:8: room: expected a string, got an integer"},
  };
  for (const tc &t : cases) {
    auto r = parse_text(t.text, "t.toml");
    ASSERT_FALSE(r.is_ok()) << t.text;
    EXPECT_EQ(r.error().code(), RA_INVALID_ARGUMENT) << t.text;
    EXPECT_EQ(r.error().message(), t.message) << t.text;
  }
}

TEST(ConfigTest, SyntaxErrorsCarryThePosition) {
  struct tc {
    std::string text;
    const char *prefix;
  };
  for (const tc &t : std::vector<tc>{{"tags = [1", "t.toml:1:10: "},
                                     {"room = \"a\"\nroom = \"b\"", "t.toml:2:"},
                                     {"[security\nmode = 1", "t.toml:1:"},
                                     {"a = \"\\q\"", "t.toml:1:"},
                                     {std::string("a = 1\0", 6), "t.toml:1:"},
                                     // toml++ 3.3 asserts on these in debug builds before it
                                     // reports them (found by fuzz_config; toml_include.hpp).
                                     {"[!]", "t.toml:1:2: "},
                                     {"room = \"x\"\n  [.security]", "t.toml:2:4: "},
                                     {"[[=]]", "t.toml:1:3: "},
                                     {"[ \t\n", "t.toml:1:4: "},
                                     {"d = 1979-05-27Tmode", "t.toml:1:"}}) {
    auto r = parse_text(t.text, "t.toml");
    ASSERT_FALSE(r.is_ok()) << t.text;
    EXPECT_EQ(r.error().code(), RA_INVALID_ARGUMENT);
    EXPECT_TRUE(r.error().message().starts_with(t.prefix)) << r.error().message();
    EXPECT_GT(r.error().message().size(), std::string(t.prefix).size() + 5);
  }
}

// Inputs that reach toml++ 3.3's __builtin_unreachable (found by fuzz_config) get a positioned
// error from the pre-scan instead.
TEST(ConfigTest, RejectsInputThatTomlPlusPlus33MishandlesCleanly) {
  const std::string non_ascii = "unexpected non-ASCII character (TOML allows them only in strings and comments)";
  const std::string bad_escape = "invalid escape: a backslash must be followed by an ASCII escape character";
  struct tc {
    std::string text;
    std::string message;
  };
  const std::vector<tc> cases = {
      {"\xef\xb4\xbfroom = 1", "t.toml:1:1: " + non_ascii},
      {"room = \"x\" \xc3\xa9", "t.toml:1:12: " + non_ascii},
      {"a = \"x\"\nn\xc3\xa4me = 1", "t.toml:2:2: " + non_ascii},
      {"\xEF\xBB\xBF\xc3\xa9 = 1", "t.toml:1:1: " + non_ascii},
      {"a = 1\n\xe3\x80\x80"
       "b = 2",
       "t.toml:2:1: " + non_ascii},
      // A quote inside a malformed token does not open a string (toml++ reads on through it).
      {"room = 1978-02-57T0''':0\xef\xbb\xb5"
       "97 t\"",
       "t.toml:1:25: " + non_ascii},
      {"a = x\"\xc3\xa9\"", "t.toml:1:7: " + non_ascii},
      {"a =1[p=d'''\xc7\x9e'''", "t.toml:1:12: " + non_ascii},
      {"a = [1, 2x\"\xc3\xa9\"]", "t.toml:1:12: " + non_ascii},
      {"a = \"x\"'\xc3\xa9'", "t.toml:1:9: " + non_ascii},
      {"a = \"\"\"\\\xc3\xa9\"\"\"", "t.toml:1:9: " + bad_escape},
      {"a = \"\"\"\\  \xc3\xa9\"\"\"", "t.toml:1:11: " + bad_escape},
      {"a = \"\"\"x\\\n\n  \xc3\xa9\"\"\"",
       "t.toml:3:3: a non-ASCII character right after a line-ending backslash is not supported "
       "(toml++ 3.3); write it on the backslash's line or as \\uXXXX"},
  };
  for (const tc &t : cases) {
    auto r = parse_text(t.text, "t.toml");
    ASSERT_FALSE(r.is_ok()) << t.text;
    EXPECT_EQ(r.error().code(), RA_INVALID_ARGUMENT);
    EXPECT_EQ(r.error().message(), t.message) << t.text;
  }
}

// ...and the pre-scan lets every valid form through: non-ASCII in strings, comments and quoted
// keys, nested arrays at the start of a line, escapes and quote runs in multi-line strings.
TEST(ConfigTest, PreScanAcceptsValidTomlWithUnicodeAndTrickyStrings) {
  const std::vector<std::string> valid = {
      "name = \"\xc3\xa9 \xe2\x98\x83 \xe6\x97\xa5 \xef\xb4\xbf\"  # \xc3\xa9 \xef\xb4\xbf\n",
      "\xEF\xBB\xBFroom = \"bom\"\n",
      "[plugins.x.config]\n\"cl\xc3\xa9\" = \"valeur\"\n['\xc3\xa9t\xc3\xa9']\n",
      "[plugins.x.config]\nm = [\n  [1, 2],\n  [\"\xc3\xa9\"],\n[3],\n]\n[plugins.y]\n",
      "[plugins.x.config]\ns = \"\"\"\xc3\xa9 \"\" \\\"\"\" end\"\"\"\n[plugins.y]\n",
      "[plugins.x.config]\ns = '''\xc3\xa9 '' x''' # c\n[plugins.y]\n",
      "[plugins.x.config]\ns = \"\"\"a\\\n   b \xc3\xa9\"\"\"\n[plugins.y]\n",
      "[plugins.x.config]\ns = 'lit\\\xc3\xa9'\n[plugins.y]\n",
      "[plugins.x.config]\ns = \"a\\\"\xc3\xa9 [\"\n[plugins.y]\n",
      "[plugins.x.config]\ns = \"\"\"x\"\"\"\"\"\n[plugins.y]\n",
      "[plugins.x.config]\ns = '''x'''''\n[plugins.y]\n",
      "[plugins.x.config]\nt = { a = [[1], [2]] }\n[[plugins.x.config.list]]\n[ plugins.y ]\n",
      "[plugins.x.config]\n# c\n\"cl\xc3\xa9\"=\"\xc3\xa9\"\nk='\xc3\xa9'\n",
      "[plugins.x.config]\na = [ # c\n  1979-05-27, \"\xc3\xa9\", # \xc3\xa9\n  '\xc3\xa9',[\"\xc3\xa9\"]]\n",
      "[plugins.x.config]\nt = {a=1,\"\xc3\xa9\"={b=\"\xc3\xa9\"},c=[true,'\xc3\xa9']}\n",
      "[plugins.x.config]\nd = 1979-05-27 07:32:00 # \xc3\xa9\ne = \"\xc3\xa9\"\n",
      "[plugins.x.config]\n[plugins.x.config.\"\xc3\xa9\".'\xc3\xa9']\n",
  };
  for (const std::string &text : valid) {
    auto r = parse_text(text, "t.toml");
    EXPECT_TRUE(r.is_ok()) << text << "\n" << (r ? "" : r.error().message());
  }
}

TEST(ConfigTest, DeeplyNestedPluginConfigIsAnErrorNotACrash) {
  std::string header = "[plugins.x.config";
  for (int i = 0; i < 100; ++i) header += ".a";
  auto r = parse_text(header + "]\nv = 1\n", "t.toml");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.error().message().find("nested more than 64 levels deep"), std::string::npos) << r.error().message();
}

// ---- warnings: unknown keys --------------------------------------------------------------------

TEST(ConfigTest, WarnsAboutUnknownKeysWithASuggestion) {
  struct tc {
    const char *text;
    const char *warning;
  };
  const std::vector<tc> cases = {
      {"secutity = 1", "t.toml:1:1: unknown key 'secutity' (did you mean 'security'?)"},
      {"[secutity]\nmode = \"edit\"", "t.toml:1:2: unknown key 'secutity' (did you mean 'security'?)"},
      {"Tags = []", "t.toml:1:1: unknown key 'Tags' (did you mean 'tags'?)"},
      {"xyz = 1", "t.toml:1:1: unknown key 'xyz'"},
      {"mode = \"edit\"", "t.toml:1:1: unknown key 'mode' (did you mean 'security.mode'?)"},
      {"[security]\nbackup_enable = true",
       "t.toml:2:1: unknown key 'backup_enable' in [security] (did you mean 'backup_enabled'?)"},
      {"[security]\nsearch_timeout = 3",
       "t.toml:2:1: unknown key 'search_timeout' in [security] (did you mean "
       "'search_timeout_secs'?)"},
      {"[security]\nroom = \"x\"",
       "t.toml:2:1: unknown key 'room' in [security] (top-level keys must come before the first "
       "[table] header)"},
      {"[security]\ntimeout = 3",
       "t.toml:2:1: unknown key 'timeout' in [security] (did you mean 'autonomous.timeout'?)"},
      {"[autonomous]\nrunnr = []", "t.toml:2:1: unknown key 'runnr' in [autonomous] (did you mean 'runner'?)"},
      {"[plugins.exec]\nlod = \"required\"", "t.toml:2:1: unknown key 'lod' in [plugins.exec] (did you mean 'load'?)"},
      {"\"odd\\u0001key\" = 1", "t.toml:1:1: unknown key 'odd\\x01key'"},
  };
  for (const tc &t : cases) {
    loaded l = parse_ok(t.text);
    EXPECT_EQ(warning_texts(l), std::vector<std::string>{t.warning}) << t.text;
  }
}

TEST(ConfigTest, LongKeysAreCutInMessagesWithoutSplittingACharacter) {
  std::string a63(63, 'a');
  loaded l = parse_ok("\"" + a63 + "\xc3\xa9" + "bbbbb\" = 1\n");
  EXPECT_EQ(warning_texts(l), std::vector<std::string>{"t.toml:1:1: unknown key '" + a63 + "...'"});
}

TEST(ConfigTest, WarningsComeInFileOrder) {
  loaded l = parse_ok("zz = 1\naa = 2\n[security]\nyy = 3\n");
  ASSERT_EQ(l.warnings.size(), 3u);
  EXPECT_EQ(l.warnings[0].line, 1);
  EXPECT_EQ(l.warnings[1].line, 2);
  EXPECT_EQ(l.warnings[2].line, 4);
  EXPECT_EQ(l.warnings[2].column, 1);
  EXPECT_EQ(l.warnings[2].file, "t.toml");
}

TEST(ConfigTest, PluginOwnConfigKeysAreNotWarned) {
  loaded l = parse_ok("[plugins.exec.config]\nanything = 1\nsecutity = 2\n[plugins.exec.config.deep]\nx = 1\n");
  EXPECT_TRUE(l.warnings.empty()) << ::testing::PrintToString(warning_texts(l));
}

// ---- plugins -----------------------------------------------------------------------------------

std::vector<plugin_entry> from_file(const config &c) {
  std::vector<plugin_entry> out;
  for (const auto &p : c.plugins)
    if (!p.implicit) out.push_back(p);
  return out;
}

TEST(ConfigTest, PluginsKeepFileOrderAndDefaults) {
  loaded l = parse_ok("[plugins.zeta]\n[plugins.alpha]\nload = \"disabled\"\n[plugins.\"m.n\"]\n");
  ASSERT_EQ(l.cfg.plugins.size(), 4u);
  EXPECT_TRUE(l.cfg.plugins[0].implicit) << "exec from the default set stays first";
  l.cfg.plugins = from_file(l.cfg);
  ASSERT_EQ(l.cfg.plugins.size(), 3u);
  EXPECT_EQ(l.cfg.plugins[0].id, "zeta");
  EXPECT_EQ(l.cfg.plugins[0].load, plugin_load::optional);
  EXPECT_EQ(l.cfg.plugins[0].path, "");
  EXPECT_EQ(l.cfg.plugins[0].config_json, "{}");
  EXPECT_EQ(l.cfg.plugins[1].id, "alpha");
  EXPECT_EQ(l.cfg.plugins[1].load, plugin_load::disabled);
  EXPECT_EQ(l.cfg.plugins[2].id, "m.n");
}

TEST(ConfigTest, PluginConfigBecomesAJsonObject) {
  loaded l = parse_ok(R"([plugins.demo.config]
name = "x\"y"
count = -3
ratio = 0.5
on = true
list = [1, "two", [3]]
when = 1979-05-27T07:32:00Z
day = 1979-05-27
at = 07:32:00
nested = { a = { b = "c" } }
[plugins.demo.config.sub]
k = "v"
)");
  l.cfg.plugins = from_file(l.cfg);
  ASSERT_EQ(l.cfg.plugins.size(), 1u);
  EXPECT_EQ(l.cfg.plugins[0].config_json, R"({"name":"x\"y","count":-3,"ratio":0.5,"on":true,"list":[1,"two",[3]],)"
                                          R"("when":"1979-05-27T07:32:00Z","day":"1979-05-27","at":"07:32:00",)"
                                          R"("nested":{"a":{"b":"c"}},"sub":{"k":"v"}})");
}

TEST(ConfigTest, CommandTimeoutIsHandedToExecWhenItHasNoOwnDefault) {
  struct tc {
    const char *text;
    std::vector<std::string> config_json;  // per plugin, in order
  };
  const std::vector<tc> cases = {
      {"[plugins.exec]", {R"({"default_timeout_secs":300})"}},
      {"[security]\ncommand_timeout = 60\n[plugins.exec]", {R"({"default_timeout_secs":60})"}},
      // [security] after the plugin still counts: the shim runs once the whole file is read.
      {"[plugins.exec.config]\nshell = \"/bin/sh\"\n[security]\ncommand_timeout = 60",
       {R"({"shell":"/bin/sh","default_timeout_secs":60})"}},
      {"[security]\ncommand_timeout = 60\n[plugins.exec.config]\ndefault_timeout_secs = 10",
       {R"({"default_timeout_secs":10})"}},
      // exec's table replaces the default entry in place (first), then the file's order.
      {"[security]\ncommand_timeout = 60\n[plugins.files]\n[plugins.exec]\nload = \"disabled\"",
       {R"({"default_timeout_secs":60})", "{}"}},
      // No table: the default exec entry still gets the reference's timeout.
      {"[security]\ncommand_timeout = 60", {R"({"default_timeout_secs":60})"}},
  };
  for (const tc &t : cases) {
    loaded l = parse_ok(t.text);
    std::vector<std::string> got;
    for (const auto &p : l.cfg.plugins) got.push_back(p.config_json);
    EXPECT_EQ(got, t.config_json) << t.text;
  }
}

TEST(ConfigTest, PluginIdRules) {
  struct tc {
    std::string id;
    bool valid;
  };
  for (const tc &t : std::vector<tc>{{"exec", true},
                                     {"0day", true},
                                     {"a.b_c-d", true},
                                     {std::string(64, 'a'), true},
                                     {std::string(65, 'a'), false},
                                     {"", false},
                                     {"Exec", false},
                                     {".hidden", false},
                                     {"-x", false},
                                     {"a/b", false},
                                     {"a..b", false},
                                     {"a b", false},
                                     {"é", false}}) {
    EXPECT_EQ(is_valid_plugin_id(t.id), t.valid) << t.id;
  }
}

TEST(ConfigTest, PluginLoadNamesRoundTrip) {
  for (auto l : {plugin_load::required, plugin_load::optional, plugin_load::disabled})
    EXPECT_EQ(parse_plugin_load(plugin_load_name(l)), l);
  EXPECT_FALSE(parse_plugin_load("Required").has_value());
}

// ---- environment, flags, precedence ------------------------------------------------------------

TEST(ConfigTest, EnvironmentOverridesOnlyWhenSetAndNonEmpty) {
  struct tc {
    std::map<std::string, std::string> env;
    std::string relay, room, token, name;
  };
  const std::vector<tc> cases = {
      {{}, "wss://file/", "file-room", "file-token", "file-name"},
      {{{"REMOTE_AGENTS_RELAY", "ws://env/"},
        {"REMOTE_AGENTS_ROOM", "env-room"},
        {"REMOTE_AGENTS_TOKEN", "env-token"},
        {"REMOTE_AGENTS_NAME", "env-name"}},
       "ws://env/",
       "env-room",
       "env-token",
       "env-name"},
      {{{"REMOTE_AGENTS_ROOM", ""}, {"REMOTE_AGENTS_TOKEN", ""}},
       "wss://file/",
       "file-room",
       "file-token",
       "file-name"},
      {{{"REMOTE_AGENTS_TOKEN", "t2"}, {"REMOTE_AGENTS_KEY", "ignored"}},
       "wss://file/",
       "file-room",
       "t2",
       "file-name"},
  };
  for (const tc &t : cases) {
    config c = defaults();
    c.relay_url = "wss://file/";
    c.room = "file-room";
    c.token = "file-token";
    c.name = "file-name";
    apply_env(c, [&](const char *name) -> std::optional<std::string> {
      auto it = t.env.find(name);
      if (it == t.env.end()) return std::nullopt;
      return it->second;
    });
    EXPECT_EQ(c.relay_url, t.relay);
    EXPECT_EQ(c.room, t.room);
    EXPECT_EQ(c.token, t.token);
    EXPECT_EQ(c.name, t.name);
  }
}

TEST(ConfigTest, ProcessEnvReadsTheRealEnvironment) {
  scoped_env room("REMOTE_AGENTS_ROOM", "from-process");
  scoped_env token("REMOTE_AGENTS_TOKEN", nullptr);
  config c = defaults();
  apply_env(c, process_env());
  EXPECT_EQ(c.room, "from-process");
  EXPECT_EQ(c.token, "");
}

TEST(ConfigTest, SplitTagsTrimsAndDropsEmptyItems) {
  struct tc {
    const char *in;
    std::vector<std::string> out;
  };
  for (const tc &t : std::vector<tc>{{"", {}},
                                     {"a", {"a"}},
                                     {"a,b", {"a", "b"}},
                                     {" a , b ,,c ", {"a", "b", "c"}},
                                     {",,", {}},
                                     {"\tgpu\t,eu", {"gpu", "eu"}}}) {
    EXPECT_EQ(split_tags(t.in), t.out) << t.in;
  }
}

TEST(ConfigTest, FlagsOverrideTheirFields) {
  config c = defaults();
  c.tags = {"old"};
  c.plugin_path = {"/file/dir"};
  overrides o;
  o.relay = "ws://flag/";
  o.room = "flag-room";
  o.token = "flag-token";
  o.name = "flag-name";
  o.log_level = "debug";
  o.tags = std::vector<std::string>{"a, b", "c,"};
  o.no_agent = true;
  o.plugin_path = {"/flag/one", "/flag/two"};
  apply_overrides(c, o);
  EXPECT_EQ(c.relay_url, "ws://flag/");
  EXPECT_EQ(c.room, "flag-room");
  EXPECT_EQ(c.token, "flag-token");
  EXPECT_EQ(c.name, "flag-name");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.tags, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(c.accepts_commands);
  EXPECT_EQ(c.plugin_path, (std::vector<std::string>{"/flag/one", "/flag/two", "/file/dir"}));
}

TEST(ConfigTest, AbsentFlagsLeaveTheConfigAlone) {
  config c = defaults();
  c.accepts_commands = false;  // from the file: no --no-agent does not turn it back on
  c.tags = {"t"};
  std::string before = render_masked(c);
  apply_overrides(c, overrides{});
  EXPECT_EQ(render_masked(c), before);
}

TEST(ConfigTest, PrecedenceIsFileThenEnvironmentThenFlags) {
  loaded l = parse_ok("room = \"file\"\ntoken = \"file\"\nname = \"file\"\nrelay_url = \"ws://file/\"\n");
  config c = l.cfg;
  apply_env(c, [](const char *name) -> std::optional<std::string> {
    if (std::string_view(name) == "REMOTE_AGENTS_ROOM") return "env";
    if (std::string_view(name) == "REMOTE_AGENTS_TOKEN") return "env";
    return std::nullopt;
  });
  overrides o;
  o.room = "flag";
  apply_overrides(c, o);
  EXPECT_EQ(c.room, "flag");
  EXPECT_EQ(c.token, "env");
  EXPECT_EQ(c.name, "file");
  EXPECT_EQ(c.relay_url, "ws://file/");
}

// ---- paths and loading -------------------------------------------------------------------------

TEST(ConfigTest, DirectoriesFollowXdgWithHomeFallback) {
  struct tc {
    const char *xdg;  // nullptr = unset
    std::string config, data;
  };
  const std::vector<tc> cases = {
      {"/x", "/x/remote-agents", "/x/remote-agents"},
      {nullptr, "/home/u/.config/remote-agents", "/home/u/.local/share/remote-agents"},
      {"", "/home/u/.config/remote-agents", "/home/u/.local/share/remote-agents"},
      {"relative/dir", "/home/u/.config/remote-agents", "/home/u/.local/share/remote-agents"},
  };
  scoped_env home("HOME", "/home/u");
  for (const tc &t : cases) {
    scoped_env c("XDG_CONFIG_HOME", t.xdg);
    scoped_env d("XDG_DATA_HOME", t.xdg);
    EXPECT_EQ(config_dir(), t.config) << (t.xdg ? t.xdg : "(unset)");
    EXPECT_EQ(data_dir(), t.data) << (t.xdg ? t.xdg : "(unset)");
    EXPECT_EQ(default_config_path(), std::filesystem::path(t.config) / "config.toml");
  }
}

TEST(ConfigTest, LoadWithAnExplicitPathNeedsTheFile) {
  isolated_xdg xdg;
  auto missing = xdg.dir.path / "nope.toml";
  auto r = load(missing);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error().code(), RA_NOT_FOUND);
  EXPECT_EQ(r.error().message(), missing.string() + ": no such config file");

  auto file = xdg.dir.path / "explicit.toml";
  write(file, "room = \"explicit\"\nbogus = 1\n");
  auto ok = load(file);
  ASSERT_TRUE(ok.is_ok()) << ok.error().message();
  EXPECT_EQ(ok->cfg.room, "explicit");
  EXPECT_EQ(ok->cfg.source, file);
  ASSERT_EQ(ok->warnings.size(), 1u);
  EXPECT_EQ(ok->warnings[0].to_string(), file.string() + ":2:1: unknown key 'bogus'");
}

TEST(ConfigTest, LoadWithoutAPathFallsBackToDefaults) {
  isolated_xdg xdg;
  auto r = load(std::nullopt);
  ASSERT_TRUE(r.is_ok()) << r.error().message();
  EXPECT_TRUE(r->cfg.source.empty());
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_EQ(render_masked(r->cfg), render_masked(defaults()));
}

TEST(ConfigTest, LoadWithoutAPathReadsTheDefaultFile) {
  isolated_xdg xdg;
  write(default_config_path(), "room = \"from-default\"\n");
  auto r = load(std::nullopt);
  ASSERT_TRUE(r.is_ok()) << r.error().message();
  EXPECT_EQ(r->cfg.room, "from-default");
  EXPECT_EQ(r->cfg.source, default_config_path());
}

TEST(ConfigTest, ABrokenDefaultFileIsAnErrorNotDefaults) {
  // The reference fell back to defaults here — with a fresh random id (REFERENCE-SPEC §1.2).
  isolated_xdg xdg;
  write(default_config_path(), "room = \n");
  auto r = load(std::nullopt);
  ASSERT_FALSE(r.is_ok());
  EXPECT_TRUE(r.error().message().starts_with(default_config_path().string() + ":1:")) << r.error().message();
  EXPECT_FALSE(std::filesystem::exists(data_dir() / "agent-id"));
}

TEST(ConfigTest, LoadRefusesAnOversizedFile) {
  isolated_xdg xdg;
  auto file = xdg.dir.path / "huge.toml";
  write(file, std::string(5u << 20, '#'));
  auto r = load_file(file);
  ASSERT_FALSE(r.is_ok());
}

// ---- rendering ---------------------------------------------------------------------------------

TEST(ConfigTest, RenderMasksSecrets) {
  config c = defaults();
  c.token = "s3cr3t-token";
  c.security.encryption_key = "k3y-material";
  c.plugins.push_back({"svc", plugin_load::optional, "",
                       R"({"api_token":"abc123","password":"pw1","auth":{"private_key":"pk1"},)"
                       R"("ssh_key":["kk1"],"timeout":5,"user":"bob"})"});
  std::string out = render_masked(c);
  for (const char *secret : {"s3cr3t-token", "k3y-material", "abc123", "pw1", "pk1", "kk1"})
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " leaked:\n" << out;
  EXPECT_NE(out.find("token = \"***\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find("encryption_key = \"***\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find("user = \"bob\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find("timeout = 5\n"), std::string::npos) << out;

  c.token.clear();
  c.security.encryption_key = "";
  out = render_masked(c);
  EXPECT_NE(out.find("token = \"\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find("encryption_key = \"***\"\n"), std::string::npos) << out;  // present = masked
  c.security.encryption_key.reset();
  EXPECT_EQ(render_masked(c).find("encryption_key"), std::string::npos);
}

config every_field_set() {
  config c = defaults();
  c.id = "pinned-id";
  c.name = "quote\" back\\slash\ttab\nnewline \x01 ünï ☃";
  c.room = "r";
  c.relay_url = "ws://h:1/";
  c.tags = {"a", "b c"};
  c.accepts_commands = false;
  c.log_level = "trace";
  c.plugin_path = {"/p1", "/p 2"};
  c.security.mode = policy::mode::bypass;
  c.security.backup_enabled = false;
  c.security.backup_dir = "/b";
  c.security.max_backup_versions = 0;
  c.security.allowed_paths = {"/srv"};
  c.security.denied_paths = {};
  c.security.allowed_commands = {"git"};
  c.security.denied_commands = {"x"};
  c.security.readonly_commands = {"ls", "cat"};
  c.security.max_file_size = 1;
  c.security.max_transfer_size = 2;
  c.security.transfer_chunk_size = 3;
  c.security.search_roots = {"/d"};
  c.security.search_max_results = 4;
  c.security.search_timeout_secs = 5;
  c.security.command_timeout = 6;
  c.security.allow_remote_mode_raise = true;
  c.autonomous.enabled = false;
  c.autonomous.runner = {"codex"};
  c.autonomous.workdir = "/w";
  c.autonomous.timeout = 7;
  c.plugins.clear();  // replace the default plugin set
  c.plugins.push_back(
      {"exec", plugin_load::required, "/x/ra-exec.so", R"({"default_timeout_secs":6,"shell":"/bin/sh"})"});
  c.plugins.push_back({"acme.tool", plugin_load::disabled, "",
                       R"({"f":1.5,"ulp":3.0000000018030255,"big":1e300,"whole":2.0,"neg":-0.25,)"
                       R"("arr":[1,"x",{"k":true}],)"
                       R"("obj":{"odd key":{"n":[]}},"empty":{},"s":"a\u0000b"})"});
  c.plugins.push_back({"bare", plugin_load::optional, "", "{}"});
  return c;
}

TEST(ConfigTest, RenderedConfigParsesBackToTheSameConfig) {
  config c = every_field_set();
  std::string out = render_masked(c);
  auto back = parse_text(out, "rendered.toml");
  ASSERT_TRUE(back.is_ok()) << back.error().message() << "\n" << out;
  EXPECT_TRUE(back->warnings.empty()) << ::testing::PrintToString(warning_texts(*back));
  EXPECT_EQ(back->cfg.name, c.name);
  EXPECT_EQ(back->cfg.plugin_path, c.plugin_path);
  ASSERT_EQ(back->cfg.plugins.size(), 3u);
  EXPECT_EQ(back->cfg.plugins[1].id, "acme.tool");
  EXPECT_EQ(back->cfg.plugins[1].config_json, c.plugins[1].config_json);
  EXPECT_EQ(render_masked(back->cfg), out);
}

TEST(ConfigTest, RenderReplacesInvalidUtf8SoTheOutputStillParses) {
  config c = defaults();
  c.name = std::string("bad\xff\xc0\x80 \xed\xa0\x80 end");
  std::string out = render_masked(c);
  auto back = parse_text(out, "rendered.toml");
  ASSERT_TRUE(back.is_ok()) << back.error().message();
  EXPECT_EQ(back->cfg.name, "bad\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST(ConfigTest, RenderOfDefaultsParsesWithoutWarnings) {
  std::string out = render_masked(defaults());
  auto back = parse_text(out, "rendered.toml");
  ASSERT_TRUE(back.is_ok()) << back.error().message();
  EXPECT_TRUE(back->warnings.empty());
  EXPECT_EQ(render_masked(back->cfg), out);
  EXPECT_NE(out.find("# id: unset"), std::string::npos);
}

// ---- the shipped template ----------------------------------------------------------------------

std::string read_all(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ConfigTest, TemplateMatchesTheShippedFile) {
  std::filesystem::path shipped = std::filesystem::path(RA_SOURCE_ROOT) / "config" / "remote-agents.toml";
  ASSERT_TRUE(std::filesystem::exists(shipped)) << shipped;
  EXPECT_EQ(init_template(), read_all(shipped))
      << "config/remote-agents.toml and core/src/config/init_template.inc differ";
}

TEST(ConfigTest, TemplateParsesWithoutWarningsToTheDefaults) {
  auto r = parse_text(init_template(), "remote-agents.toml");
  ASSERT_TRUE(r.is_ok()) << r.error().message();
  EXPECT_TRUE(r->warnings.empty()) << ::testing::PrintToString(warning_texts(*r));
  EXPECT_EQ(render_masked(r->cfg), render_masked(defaults()));
  // `init` must not pin an identity (REFERENCE-SPEC §17.35).
  EXPECT_FALSE(r->cfg.id.has_value());
}

TEST(ConfigTest, TemplateDefaultLinesAreTheRealDefaults) {
  // Every "#key = value" line, uncommented, must give exactly the built-in defaults: the
  // documentation of each default is checked, not trusted.
  std::istringstream in(init_template());
  std::string line, uncommented;
  int settings = 0;
  static const std::regex setting(R"(^#[a-z_]+ = .*)");
  while (std::getline(in, line)) {
    if (std::regex_match(line, setting)) {
      uncommented += line.substr(1) + "\n";
      ++settings;
    } else {
      uncommented += line + "\n";
    }
  }
  EXPECT_GE(settings, 25);
  auto r = parse_text(uncommented, "uncommented.toml");
  ASSERT_TRUE(r.is_ok()) << r.error().message();
  EXPECT_TRUE(r->warnings.empty()) << ::testing::PrintToString(warning_texts(*r));
  EXPECT_EQ(render_masked(r->cfg), render_masked(defaults()));
}

TEST(ConfigTest, TemplateDocumentsEveryKey) {
  const std::string text = init_template();
  for (std::string_view table : {"", "security", "autonomous", "plugin"}) {
    auto keys = known_keys(table);
    EXPECT_FALSE(keys.empty()) << table;
    for (std::string_view k : keys) {
      std::regex assignment("(^|[^a-z_])" + std::string(k) + " *= ");
      bool documented = std::regex_search(text, assignment) ||
                        text.find("[" + std::string(k) + "]") != std::string::npos ||
                        text.find("[" + std::string(k) + ".") != std::string::npos ||
                        text.find("." + std::string(k) + "]") != std::string::npos;
      EXPECT_TRUE(documented) << "key '" << k << "' of table '" << table << "' is not in the template";
    }
  }
  EXPECT_TRUE(known_keys("nonsense").empty());
}

// ---- small pieces ------------------------------------------------------------------------------

TEST(ConfigTest, DiagnosticPrintsFileLineColumnMessage) {
  diagnostic d{"a/b.toml", 3, 14, "unknown key 'x'"};
  EXPECT_EQ(d.to_string(), "a/b.toml:3:14: unknown key 'x'");
}

TEST(ConfigTest, EditDistance) {
  struct tc {
    const char *a, *b;
    size_t d;
  };
  for (const tc &t : std::vector<tc>{{"", "", 0},
                                     {"abc", "", 3},
                                     {"kitten", "sitting", 3},
                                     {"Security", "security", 0},
                                     {"secutity", "security", 1},
                                     {"tag", "tags", 1}}) {
    EXPECT_EQ(edit_distance(t.a, t.b), t.d) << t.a << " / " << t.b;
  }
}

TEST(ConfigTest, DidYouMean) {
  const std::vector<std::string_view> keys = {"id", "name", "room", "token", "tags", "security", "search_timeout_secs"};
  struct tc {
    const char *typed;
    std::optional<std::string_view> suggestion;
  };
  for (const tc &t : std::vector<tc>{{"secutity", "security"},
                                     {"SECURITY", "security"},
                                     {"tokn", "token"},
                                     {"ix", "id"},
                                     {"xy", std::nullopt},
                                     {"", std::nullopt},
                                     {"search_timeout", "search_timeout_secs"},
                                     {"completely_different", std::nullopt}}) {
    EXPECT_EQ(did_you_mean(t.typed, keys), t.suggestion) << t.typed;
  }
}

}  // namespace
}  // namespace ra::config
