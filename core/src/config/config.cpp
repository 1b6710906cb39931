// config/config.cpp — TOML file → typed config (with file:line:col errors and unknown-key
// warnings), defaults, and the environment/flag layers on top.
//
// toml++ reports syntax errors by throwing; the throw is caught in parse_text and nothing else
// here throws on bad input, so callers only ever see a status.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "config/config.hpp"
#include "config/did_you_mean.hpp"
#include "config/toml_guard.hpp"
#include "config/toml_include.hpp"
#include "util/atomic_file.hpp"

namespace ra::config {
namespace {

// A config file is a few kilobytes; anything near this is a mistake (or an attack on the parser).
constexpr size_t max_config_bytes = 4u << 20;
// [plugins.<id>.config] nesting handed to a plugin as JSON. Dotted table headers can nest without
// toml++'s own limit, and the conversion recurses; real plugin configs are 2–3 levels deep.
constexpr int max_json_depth = 64;

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

// A value quoted for a message: control characters escaped, long text cut, so that a fuzzer's or
// a binary file's bytes cannot garble the terminal or blow up a log line.
std::string printable(std::string_view s) {
  size_t cut = std::min<size_t>(s.size(), 64);
  while (cut > 0 && cut < s.size() && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80)
    --cut;  // never split a UTF-8 sequence
  std::string out;
  for (size_t i = 0; i < cut; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut < s.size()) out += "...";
  return out;
}

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char &c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower_ascii(s.substr(0, prefix.size())) == prefix;
}

struct pending_plugin_config {
  size_t index;              // into config::plugins
  const toml::table *table;  // [plugins.<id>.config], or null
};

struct parse_context {
  std::string file;
  std::vector<diagnostic> warnings;
  std::vector<pending_plugin_config> plugin_configs;

  std::string where(const toml::source_region &r) const {
    return file + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column) + ": ";
  }
  status error_at(const toml::source_region &r, const std::string &what) const {
    return invalid_argument(where(r) + what);
  }
  void warn_at(const toml::source_region &r, std::string what) {
    warnings.push_back({file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column), std::move(what)});
  }
};

using entry = std::pair<const toml::key *, const toml::node *>;

// toml++ tables are sorted maps; walking them in file order makes the first error reported the
// first one in the file, warnings come out top to bottom, and plugins keep the order the user
// wrote them in (which is their load order).
std::vector<entry> in_file_order(const toml::table &t) {
  std::vector<entry> out;
  for (auto &&[k, v] : t) out.emplace_back(&k, &v);
  std::stable_sort(out.begin(), out.end(), [](const entry &a, const entry &b) {
    const auto &pa = a.first->source().begin;
    const auto &pb = b.first->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  return out;
}

// ---- typed readers -----------------------------------------------------------------------------

status wrong_type(const parse_context &cx, const toml::node &n, const std::string &name, std::string_view expected) {
  return cx.error_at(n.source(),
                     name + ": expected " + std::string(expected) + ", got " + std::string(type_name(n.type())));
}

status read_string(const parse_context &cx, const toml::node &n, const std::string &name, std::string &out) {
  const auto *s = n.as_string();
  if (s == nullptr) return wrong_type(cx, n, name, "a string");
  out = s->get();
  return {};
}

status read_bool(const parse_context &cx, const toml::node &n, const std::string &name, bool &out) {
  const auto *b = n.as_boolean();
  if (b == nullptr) return wrong_type(cx, n, name, "a boolean (true or false)");
  out = b->get();
  return {};
}

status read_u64(const parse_context &cx, const toml::node &n, const std::string &name, uint64_t &out,
                uint64_t min = 0) {
  const auto *i = n.as_integer();
  if (i == nullptr) return wrong_type(cx, n, name, "a non-negative integer");
  int64_t v = i->get();
  if (v < 0) return cx.error_at(n.source(), name + ": must not be negative (got " + std::to_string(v) + ")");
  if (static_cast<uint64_t>(v) < min)
    return cx.error_at(n.source(),
                       name + ": must be at least " + std::to_string(min) + " (got " + std::to_string(v) + ")");
  out = static_cast<uint64_t>(v);
  return {};
}

status read_string_list(const parse_context &cx, const toml::node &n, const std::string &name,
                        std::vector<std::string> &out) {
  const auto *a = n.as_array();
  if (a == nullptr) return wrong_type(cx, n, name, "an array of strings");
  std::vector<std::string> items;
  items.reserve(a->size());
  for (size_t i = 0; i < a->size(); ++i) {
    const toml::node &item = *a->get(i);
    const auto *s = item.as_string();
    if (s == nullptr) return wrong_type(cx, item, name + "[" + std::to_string(i) + "]", "a string");
    items.push_back(s->get());
  }
  out = std::move(items);  // a list replaces its default entirely (reference behaviour)
  return {};
}

// "invalid value 'x'" with a did-you-mean when one is close, else the full list of choices.
status bad_choice(const parse_context &cx, const toml::node &n, const std::string &name, std::string_view value,
                  std::span<const std::string_view> choices) {
  std::string msg = name + ": invalid value '" + printable(value) + "' (";
  if (auto s = did_you_mean(value, choices)) {
    msg += "did you mean '" + std::string(*s) + "'?";
  } else {
    msg += "expected one of: ";
    for (size_t i = 0; i < choices.size(); ++i) msg += (i ? ", " : "") + std::string(choices[i]);
  }
  return cx.error_at(n.source(), msg + ")");
}

// ---- key tables --------------------------------------------------------------------------------

using setter = status (*)(parse_context &, const toml::node &, const std::string &, config &);
struct key_spec {
  std::string_view key;
  setter set;
};

constexpr std::string_view mode_names[] = {"plan", "edit", "bypass", "disabled"};
constexpr std::string_view load_names[] = {"required", "optional", "disabled"};
constexpr std::string_view log_levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
constexpr std::string_view plugin_keys[] = {"load", "path", "config"};

const key_spec security_specs[] = {
    {"mode",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       std::string text;
       if (status s = read_string(cx, n, name, text); !s) return s;
       auto m = policy::parse_mode(text);
       if (!m) return bad_choice(cx, n, name, text, mode_names);
       c.security.mode = *m;
       return status{};
     }},
    {"backup_enabled",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_bool(cx, n, name, c.security.backup_enabled);
     }},
    {"backup_dir",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_string(cx, n, name, c.security.backup_dir);
     }},
    {"max_backup_versions",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_u64(cx, n, name, c.security.max_backup_versions);
     }},
    {"allowed_paths",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_string_list(cx, n, name, c.security.allowed_paths);
     }},
    {"denied_paths",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_string_list(cx, n, name, c.security.denied_paths);
     }},
    {"allowed_commands",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_string_list(cx, n, name, c.security.allowed_commands);
     }},
    {"denied_commands",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_string_list(cx, n, name, c.security.denied_commands);
     }},
    {"readonly_commands",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_string_list(cx, n, name, c.security.readonly_commands);
     }},
    {"max_file_size",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_u64(cx, n, name, c.security.max_file_size);
     }},
    {"max_transfer_size",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_u64(cx, n, name, c.security.max_transfer_size);
     }},
    {"transfer_chunk_size",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       // 0 would make a transfer loop forever on empty slices.
       return read_u64(cx, n, name, c.security.transfer_chunk_size, 1);
     }},
    {"search_roots",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_string_list(cx, n, name, c.security.search_roots);
     }},
    {"search_max_results",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_u64(cx, n, name, c.security.search_max_results);
     }},
    {"search_timeout_secs",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_u64(cx, n, name, c.security.search_timeout_secs);
     }},
    {"command_timeout",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_u64(cx, n, name, c.security.command_timeout);
     }},
    {"encryption_key",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       std::string key;
       if (status s = read_string(cx, n, name, key); !s) return s;
       c.security.encryption_key = std::move(key);
       return status{};
     }},
    {"allow_remote_mode_raise",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       return read_bool(cx, n, name, c.security.allow_remote_mode_raise);
     }},
};

const key_spec autonomous_specs[] = {
    {"enabled",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       bool on = false;
       if (status s = read_bool(cx, n, name, on); !s) return s;
       c.autonomous.enabled = on;
       return status{};
     }},
    {"runner", [](parse_context &cx, const toml::node &n, const std::string &name,
                  config &c) { return read_string_list(cx, n, name, c.autonomous.runner); }},
    {"workdir",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       std::string dir;
       if (status s = read_string(cx, n, name, dir); !s) return s;
       c.autonomous.workdir = std::move(dir);
       return status{};
     }},
    {"timeout", [](parse_context &cx, const toml::node &n, const std::string &name,
                   config &c) { return read_u64(cx, n, name, c.autonomous.timeout); }},
};

std::vector<std::string_view> names_of(std::span<const key_spec> specs) {
  std::vector<std::string_view> out;
  for (const auto &s : specs) out.push_back(s.key);
  return out;
}

std::span<const key_spec> top_specs();

// Warns about a key no table entry claims. Beyond the same-table typo check, it catches the
// classic TOML mistake of a key in the wrong table: `mode = "edit"` at the top level, or `room`
// written below a [security] header (which makes it security.room).
void unknown_key(parse_context &cx, const toml::key &k, std::string_view table,
                 std::span<const std::string_view> candidates) {
  std::string msg = "unknown key '" + printable(k.str()) + "'";
  if (!table.empty()) msg += " in [" + std::string(table) + "]";
  if (auto s = did_you_mean(k.str(), candidates)) {
    msg += " (did you mean '" + std::string(*s) + "'?)";
  } else if (auto top = names_of(top_specs()); !table.empty() && std::ranges::find(top, k.str()) != top.end()) {
    msg += " (top-level keys must come before the first [table] header)";
  } else {
    for (std::string_view other : {"security", "autonomous"}) {
      if (other == table) continue;
      auto keys = known_keys(other);
      if (std::ranges::find(keys, std::string_view(k.str())) != keys.end()) {
        msg += " (did you mean '" + std::string(other) + "." + std::string(k.str()) + "'?)";
        break;
      }
    }
  }
  cx.warn_at(k.source(), std::move(msg));
}

status walk(parse_context &cx, const toml::table &t, std::string_view table, std::span<const key_spec> specs,
            config &c) {
  auto candidates = names_of(specs);
  for (auto [k, v] : in_file_order(t)) {
    std::string_view key = k->str();  // named: clang 14 cannot capture structured bindings
    auto it = std::ranges::find_if(specs, [key](const key_spec &s) { return s.key == key; });
    if (it == specs.end()) {
      unknown_key(cx, *k, table, candidates);
      continue;
    }
    std::string name = table.empty() ? std::string(k->str()) : std::string(table) + "." + std::string(k->str());
    if (status s = it->set(cx, *v, name, c); !s) return s;
  }
  return {};
}

status walk_table(parse_context &cx, const toml::node &n, const std::string &name, std::span<const key_spec> specs,
                  config &c) {
  const auto *t = n.as_table();
  if (t == nullptr) return wrong_type(cx, n, name, "a table");
  return walk(cx, *t, name, specs, c);
}

status read_plugin(parse_context &cx, const toml::key &k, const toml::node &n, config &c) {
  std::string id(k.str());
  if (!is_valid_plugin_id(id))
    return cx.error_at(k.source(),
                       "invalid plugin id '" + printable(id) + "' (ids match [a-z0-9][a-z0-9._-]{0,63}, without '..')");
  std::string name = "plugins." + id;
  const auto *t = n.as_table();
  if (t == nullptr) return wrong_type(cx, n, name, "a table");
  plugin_entry e;
  e.id = id;
  const toml::table *config_table = nullptr;
  for (auto [pk, pv] : in_file_order(*t)) {
    std::string key_name = name + "." + std::string(pk->str());
    if (pk->str() == "load") {
      std::string text;
      if (status s = read_string(cx, *pv, key_name, text); !s) return s;
      auto load = parse_plugin_load(text);
      if (!load) return bad_choice(cx, *pv, key_name, text, load_names);
      e.load = *load;
    } else if (pk->str() == "path") {
      if (status s = read_string(cx, *pv, key_name, e.path); !s) return s;
    } else if (pk->str() == "config") {
      config_table = pv->as_table();
      if (config_table == nullptr) return wrong_type(cx, *pv, key_name, "a table");
    } else {
      unknown_key(cx, *pk, name, plugin_keys);
    }
  }
  // A table for a default plugin replaces its implicit entry in place (indices stay valid).
  for (size_t i = 0; i < c.plugins.size(); ++i) {
    if (c.plugins[i].id == e.id && c.plugins[i].implicit) {
      c.plugins[i] = std::move(e);
      cx.plugin_configs.push_back({i, config_table});
      return {};
    }
  }
  c.plugins.push_back(std::move(e));
  cx.plugin_configs.push_back({c.plugins.size() - 1, config_table});
  return {};
}

const key_spec top_level_specs[] = {
    {"id",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       std::string id;
       if (status s = read_string(cx, n, name, id); !s) return s;
       // Reference rule: only a non-blank id is explicit; a blank one means "use agent-id".
       if (id.find_first_not_of(" \t\r\n") != std::string::npos) c.id = std::move(id);
       return status{};
     }},
    {"name",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       std::string v;
       if (status s = read_string(cx, n, name, v); !s) return s;
       if (!v.empty()) c.name = std::move(v);  // "" keeps the hostname: a peer needs a name
       return status{};
     }},
    {"room", [](parse_context &cx, const toml::node &n, const std::string &name,
                config &c) { return read_string(cx, n, name, c.room); }},
    {"token", [](parse_context &cx, const toml::node &n, const std::string &name,
                 config &c) { return read_string(cx, n, name, c.token); }},
    {"relay_token", [](parse_context &cx, const toml::node &n, const std::string &name,
                       config &c) { return read_string(cx, n, name, c.relay_token); }},
    {"relay_url",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       std::string url;
       if (status s = read_string(cx, n, name, url); !s) return s;
       // Caught here, with a line number, instead of as a connect failure on every retry.
       if (!starts_with_ignoring_case(url, "ws://") && !starts_with_ignoring_case(url, "wss://"))
         return cx.error_at(n.source(), name + ": expected a ws:// or wss:// URL, got '" + printable(url) + "'");
       c.relay_url = std::move(url);
       return status{};
     }},
    {"tags", [](parse_context &cx, const toml::node &n, const std::string &name,
                config &c) { return read_string_list(cx, n, name, c.tags); }},
    {"accepts_commands", [](parse_context &cx, const toml::node &n, const std::string &name,
                            config &c) { return read_bool(cx, n, name, c.accepts_commands); }},
    {"log_level",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       std::string text;
       if (status s = read_string(cx, n, name, text); !s) return s;
       auto level = normalize_log_level(text);
       if (!level) return bad_choice(cx, n, name, text, log_levels);
       c.log_level = std::move(*level);
       return status{};
     }},
    {"plugin_path", [](parse_context &cx, const toml::node &n, const std::string &name,
                       config &c) { return read_string_list(cx, n, name, c.plugin_path); }},
    {"security", [](parse_context &cx, const toml::node &n, const std::string &name,
                    config &c) { return walk_table(cx, n, name, security_specs, c); }},
    {"autonomous", [](parse_context &cx, const toml::node &n, const std::string &name,
                      config &c) { return walk_table(cx, n, name, autonomous_specs, c); }},
    {"plugins",
     [](parse_context &cx, const toml::node &n, const std::string &name, config &c) {
       const auto *t = n.as_table();
       if (t == nullptr) return wrong_type(cx, n, name, "a table of [plugins.<id>] tables");
       for (auto [k, v] : in_file_order(*t))
         if (status s = read_plugin(cx, *k, *v, c); !s) return s;
       return status{};
     }},
};

std::span<const key_spec> top_specs() { return top_level_specs; }

// ---- [plugins.<id>.config] → JSON --------------------------------------------------------------

template <class T>
void write_as_text(json_writer &w, const T &value) {
  std::ostringstream os;  // toml++ prints dates and times in RFC 3339 form
  os << value;
  std::string s = os.str();
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

status to_json(const parse_context &cx, const toml::node &n, const std::string &name, json_writer &w, int depth) {
  if (depth > max_json_depth)
    return cx.error_at(n.source(), name + ": nested more than " + std::to_string(max_json_depth) + " levels deep");
  switch (n.type()) {
    case toml::node_type::string: {
      const std::string &s = n.as_string()->get();
      w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
      return {};
    }
    case toml::node_type::integer:
      w.Int64(n.as_integer()->get());
      return {};
    case toml::node_type::floating_point: {
      double d = n.as_floating_point()->get();
      if (!std::isfinite(d))
        return cx.error_at(n.source(), name +
                                           ": inf and nan cannot be passed to a plugin (JSON "
                                           "has no such numbers)");
      w.Double(d);
      return {};
    }
    case toml::node_type::boolean:
      w.Bool(n.as_boolean()->get());
      return {};
    case toml::node_type::date:
      write_as_text(w, n.as_date()->get());
      return {};
    case toml::node_type::time:
      write_as_text(w, n.as_time()->get());
      return {};
    case toml::node_type::date_time:
      write_as_text(w, n.as_date_time()->get());
      return {};
    case toml::node_type::array: {
      const auto &a = *n.as_array();
      w.StartArray();
      for (size_t i = 0; i < a.size(); ++i)
        if (status s = to_json(cx, *a.get(i), name + "[" + std::to_string(i) + "]", w, depth + 1); !s) return s;
      w.EndArray();
      return {};
    }
    case toml::node_type::table: {
      w.StartObject();
      for (auto [k, v] : in_file_order(*n.as_table())) {
        const std::string key(k->str());
        w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
        if (status s = to_json(cx, *v, name + "." + key, w, depth + 1); !s) return s;
      }
      w.EndObject();
      return {};
    }
    case toml::node_type::none:
      break;
  }
  return cx.error_at(n.source(), name + ": unsupported value");
}

// Runs after the whole file is read, because the exec compat shim needs security.command_timeout
// wherever in the file it appears.
status convert_plugin_configs(const parse_context &cx, config &c) {
  for (const auto &p : cx.plugin_configs) {
    plugin_entry &e = c.plugins[p.index];
    std::string name = "plugins." + e.id + ".config";
    rapidjson::StringBuffer buf;
    json_writer w(buf);
    w.StartObject();
    if (p.table != nullptr) {
      for (auto [k, v] : in_file_order(*p.table)) {
        const std::string key(k->str());
        w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
        if (status s = to_json(cx, *v, name + "." + key, w, 1); !s) return s;
      }
    }
    // Compat shim: the reference configured the default exec timeout as security.command_timeout.
    // The exec plugin only sees its own table, so hand the value over unless the user set the
    // plugin's own key (which then wins).
    if (e.id == "exec" && (p.table == nullptr || !p.table->contains("default_timeout_secs"))) {
      w.Key("default_timeout_secs");
      w.Uint64(c.security.command_timeout);
    }
    w.EndObject();
    e.config_json.assign(buf.GetString(), buf.GetSize());
  }
  for (auto &e : c.plugins)
    if (e.implicit && e.id == "exec")
      e.config_json = "{\"default_timeout_secs\":" + std::to_string(c.security.command_timeout) + "}";
  return {};
}

result<loaded> parse_document(const toml::table &root, const std::string &file_name) {
  parse_context cx;
  cx.file = file_name;
  loaded out;
  out.cfg = defaults();
  out.cfg.source = file_name;
  if (status s = walk(cx, root, "", top_level_specs, out.cfg); !s) return s;
  if (status s = convert_plugin_configs(cx, out.cfg); !s) return s;
  out.warnings = std::move(cx.warnings);
  return out;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::string diagnostic::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string_view plugin_load_name(plugin_load l) {
  switch (l) {
    case plugin_load::required:
      return "required";
    case plugin_load::optional:
      return "optional";
    case plugin_load::disabled:
      return "disabled";
  }
  return "optional";
}

std::optional<plugin_load> parse_plugin_load(std::string_view text) {
  if (text == "required") return plugin_load::required;
  if (text == "optional") return plugin_load::optional;
  if (text == "disabled") return plugin_load::disabled;
  return std::nullopt;
}

bool is_valid_plugin_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  auto lower_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_digit(id[0])) return false;
  for (char c : id)
    if (!lower_digit(c) && c != '.' && c != '_' && c != '-') return false;
  return id.find("..") == std::string_view::npos;
}

std::vector<std::string_view> known_keys(std::string_view table) {
  if (table.empty()) return names_of(top_level_specs);
  if (table == "security") return names_of(security_specs);
  if (table == "autonomous") return names_of(autonomous_specs);
  if (table == "plugin") return {std::begin(plugin_keys), std::end(plugin_keys)};
  return {};
}

config defaults() {
  config c;
  c.name = default_name();
  for (const char *id : default_plugin_ids) {
    plugin_entry e;
    e.id = id;
    e.load = plugin_load::optional;
    e.implicit = true;
    e.config_json = id == std::string_view("exec")
                        ? "{\"default_timeout_secs\":" + std::to_string(c.security.command_timeout) + "}"
                        : "{}";
    c.plugins.push_back(std::move(e));
  }
  return c;
}

result<loaded> parse_text(std::string_view text, const std::string &file_name) {
  if (status s = check_toml_hazards(text, file_name); !s) return s;  // toml++ 3.3 UB
  try {
    toml::table root = toml::parse(text, std::string_view(file_name));
    return parse_document(root, file_name);
  } catch (const toml::parse_error &e) {
    const auto &at = e.source().begin;
    return invalid_argument(file_name + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
                            std::string(e.description()));
  } catch (const std::exception &e) {  // bad_alloc and the like: still no throw past this module
    return internal_error(file_name + ": " + e.what());
  }
}

result<loaded> load_file(const std::filesystem::path &path) {
  auto text = read_file(path, max_config_bytes);
  if (!text) {
    if (text.error().code() == RA_NOT_FOUND) return not_found(path.string() + ": no such config file");
    return text.error();
  }
  return parse_text(*text, path.string());
}

result<loaded> load(const std::optional<std::filesystem::path> &path) {
  if (path) return load_file(*path);
  // Try to read rather than test-then-read: no window between the check and the open.
  auto r = load_file(default_config_path());
  if (!r && r.error().code() == RA_NOT_FOUND) return loaded{defaults(), {}};
  return r;
}

std::optional<std::string> normalize_log_level(std::string_view text) {
  std::string level = lower_ascii(text);
  if (level == "warning") level = "warn";  // the common spelling; spdlog's is "warn"
  if (std::ranges::find(log_levels, level) == std::end(log_levels)) return std::nullopt;
  return level;
}

std::vector<std::string> split_tags(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    size_t comma = text.find(',');
    std::string item = trim(text.substr(0, comma));
    if (!item.empty()) out.push_back(std::move(item));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

env_lookup process_env() {
  return [](const char *name) -> std::optional<std::string> {
    const char *v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

void apply_env(config &cfg, const env_lookup &env) {
  auto take = [&](const char *name, std::string &field) {
    auto v = env(name);
    if (v && !v->empty()) field = std::move(*v);
  };
  take("REMOTE_AGENTS_RELAY", cfg.relay_url);
  take("REMOTE_AGENTS_ROOM", cfg.room);
  take("REMOTE_AGENTS_TOKEN", cfg.token);
  take("REMOTE_AGENTS_NAME", cfg.name);
  take("REMOTE_AGENTS_RELAY_TOKEN", cfg.relay_token);
}

void apply_overrides(config &cfg, const overrides &o) {
  if (o.relay) cfg.relay_url = *o.relay;
  if (o.room) cfg.room = *o.room;
  if (o.token) cfg.token = *o.token;
  if (o.relay_token) cfg.relay_token = *o.relay_token;
  if (o.name) cfg.name = *o.name;
  if (o.log_level) cfg.log_level = *o.log_level;
  if (o.tags) {
    std::vector<std::string> tags;
    for (const auto &item : *o.tags)
      for (auto &t : split_tags(item)) tags.push_back(std::move(t));
    cfg.tags = std::move(tags);
  }
  if (o.no_agent) cfg.accepts_commands = false;
  if (!o.plugin_path.empty())
    cfg.plugin_path.insert(cfg.plugin_path.begin(), o.plugin_path.begin(), o.plugin_path.end());
}

}  // namespace ra::config
