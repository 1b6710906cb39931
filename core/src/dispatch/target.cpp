#include "dispatch/target.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ra::dispatch {
namespace {

using node = target::node;
using kind = target::node::kind;

// ---- characters ---------------------------------------------------------------------------------

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Characters that end an unquoted word.
bool is_word_char(unsigned char c) { return !is_space(c) && c != '(' && c != ')' && c != ',' && c != '"'; }

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// Bytes that are not part of well-formed UTF-8 decode to this base + the byte: above U+10FFFF, so
// they never equal a (valid) pattern character, yet each still counts as one character for "?".
constexpr char32_t bad_byte_base = 0x110000;

// Decodes the code point at s[i] and advances i past it (one byte for an ill-formed sequence).
char32_t next_code_point(std::string_view s, size_t &i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  size_t extra = 0;
  char32_t cp = 0;
  char32_t smallest = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    extra = 1, cp = c & 0x1F, smallest = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    extra = 2, cp = c & 0x0F, smallest = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    extra = 3, cp = c & 0x07, smallest = 0x10000;
  } else {
    ++i;
    return bad_byte_base + c;
  }
  if (s.size() - i <= extra) {
    ++i;
    return bad_byte_base + c;
  }
  for (size_t k = 1; k <= extra; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return bad_byte_base + c;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values above U+10FFFF are ill-formed too.
  if (cp < smallest || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return bad_byte_base + c;
  }
  i += extra + 1;
  return cp;
}

// ---- keywords and qualifiers --------------------------------------------------------------------

bool is_keyword(std::string_view w) {
  return iequals(w, "and") || iequals(w, "or") || iequals(w, "not") || iequals(w, "all");
}

std::optional<kind> qualifier_kind(std::string_view q) {
  if (iequals(q, "tag")) return kind::tag;
  if (iequals(q, "name")) return kind::name;
  if (iequals(q, "id")) return kind::id;
  if (iequals(q, "os") || iequals(q, "platform")) return kind::os;
  return std::nullopt;
}

const char *qualifier_name(kind k) {
  switch (k) {
    case kind::tag:
      return "tag";
    case kind::name:
      return "name";
    case kind::id:
      return "id";
    default:
      return "os";
  }
}

bool is_leaf(kind k) { return k == kind::tag || k == kind::name || k == kind::id || k == kind::os; }

// A word "q:rest" whose q is a qualifier; the position of its colon.
std::optional<size_t> qualifier_colon(std::string_view word) {
  const size_t colon = word.find(':');
  if (colon == std::string_view::npos || !qualifier_kind(word.substr(0, colon))) return std::nullopt;
  return colon;
}

// ---- name globs ---------------------------------------------------------------------------------

// Reads the class starting at pat[p] == '['. On success p ends after the closing ']' and `hit`
// says whether `c` is in the class; nullopt for a malformed class (the parser's error message).
std::optional<std::string> read_class(std::string_view pat, size_t &p, char32_t c, bool &hit) {
  size_t i = p + 1;
  bool negate = false;
  if (i < pat.size() && (pat[i] == '!' || pat[i] == '^')) negate = true, ++i;
  bool in = false;
  bool first = true;
  for (;;) {
    if (i >= pat.size()) return std::string("unterminated '[' in name pattern");
    if (pat[i] == ']' && !first) break;
    first = false;
    const size_t lo_at = i;
    const char32_t lo = next_code_point(pat, i);
    char32_t hi = lo;
    if (i + 1 < pat.size() && pat[i] == '-' && pat[i + 1] != ']') {
      ++i;
      hi = next_code_point(pat, i);
      if (hi < lo) {
        return "reversed range '" + std::string(pat.substr(lo_at, i - lo_at)) + "' in name pattern";
      }
    }
    if (c >= lo && c <= hi) in = true;
  }
  p = i + 1;
  hit = in != negate;
  return std::nullopt;
}

// Why `pat` is not a valid glob, or nullopt.
std::optional<std::string> glob_error(std::string_view pat) {
  for (size_t p = 0; p < pat.size();) {
    if (pat[p] == '[') {
      bool hit = false;
      if (auto err = read_class(pat, p, 0, hit)) return err;
    } else {
      next_code_point(pat, p);
    }
  }
  return std::nullopt;
}

// Glob match over code points. Every element but '*' consumes exactly one character, so
// remembering only the last '*' and retrying from one character further is enough (no deep
// backtracking): O(|pattern| * |name|) at worst.
bool glob_match(std::string_view pat, std::string_view name) {
  size_t p = 0;
  size_t n = 0;
  size_t star_p = std::string_view::npos;
  size_t star_n = 0;
  while (n < name.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star_p = ++p;
      star_n = n;
      continue;
    }
    if (p < pat.size()) {
      size_t n2 = n;
      const char32_t c = next_code_point(name, n2);
      size_t p2 = p;
      bool hit = false;
      if (pat[p] == '?') {
        ++p2;
        hit = true;
      } else if (pat[p] == '[') {
        if (read_class(pat, p2, c, hit)) return false;  // validated by parse(); defensive
      } else {
        hit = next_code_point(pat, p2) == c;
      }
      if (hit) {
        p = p2;
        n = n2;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    next_code_point(name, star_n);
    n = star_n;
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

// ---- matching -----------------------------------------------------------------------------------

bool has_identity(const host_facts &h, std::string_view w) { return w == h.agent_id || w == h.peer_id || w == h.name; }

bool has_tag(const host_facts &h, std::string_view t) {
  return std::find(h.tags.begin(), h.tags.end(), t) != h.tags.end();
}

// `names_host(w)`: does the bare word w name a host in the fleet being targeted?
template <class NamesHost>
bool eval(const node &n, const host_facts &h, const NamesHost &names_host) {
  switch (n.k) {
    case kind::all:
      return true;
    case kind::bare:
      return names_host(n.values[0]) ? has_identity(h, n.values[0]) : has_tag(h, n.values[0]);
    case kind::tag:
      return std::any_of(n.values.begin(), n.values.end(), [&](const std::string &v) { return has_tag(h, v); });
    case kind::name:
      return !h.name.empty() &&
             std::any_of(n.values.begin(), n.values.end(), [&](const std::string &v) { return glob_match(v, h.name); });
    case kind::id:
      return std::any_of(n.values.begin(), n.values.end(),
                         [&](const std::string &v) { return v == h.agent_id || v == h.peer_id; });
    case kind::os:
      // Values are never empty, so a host with no family / os never matches by accident.
      return std::any_of(n.values.begin(), n.values.end(),
                         [&](const std::string &v) { return iequals(v, h.os_family) || iequals(v, h.os); });
    case kind::op_and:
      return std::all_of(n.children.begin(), n.children.end(), [&](const node &c) { return eval(c, h, names_host); });
    case kind::op_or:
      return std::any_of(n.children.begin(), n.children.end(), [&](const node &c) { return eval(c, h, names_host); });
    case kind::op_not:
      return !eval(n.children[0], h, names_host);
  }
  return false;
}

// ---- canonical form -----------------------------------------------------------------------------

void append_unique(std::vector<std::string> &to, std::vector<std::string> &&from) {
  for (auto &v : from) {
    if (std::find(to.begin(), to.end(), v) == to.end()) to.push_back(std::move(v));
  }
}

// Flattens nested and/or, merges the leaves of one qualifier inside an or (they are one "any of"
// list) and puts them first, drops duplicate values. Keeps the meaning; makes to_string() stable.
node normalize(node n) {
  if (is_leaf(n.k)) {
    std::vector<std::string> values;
    append_unique(values, std::move(n.values));
    n.values = std::move(values);
    return n;
  }
  if (n.k == kind::op_not) {
    n.children[0] = normalize(std::move(n.children[0]));
    return n;
  }
  if (n.k != kind::op_and && n.k != kind::op_or) return n;
  std::vector<node> flat;
  for (auto &c : n.children) {
    node m = normalize(std::move(c));
    if (m.k == n.k) {
      for (auto &g : m.children) flat.push_back(std::move(g));
    } else {
      flat.push_back(std::move(m));
    }
  }
  if (n.k == kind::op_or) {
    std::vector<node> leaves;
    std::vector<node> others;
    for (auto &c : flat) {
      if (!is_leaf(c.k)) {
        others.push_back(std::move(c));
        continue;
      }
      auto same = std::find_if(leaves.begin(), leaves.end(), [&](const node &l) { return l.k == c.k; });
      if (same == leaves.end()) {
        leaves.push_back(std::move(c));
      } else {
        append_unique(same->values, std::move(c.values));
      }
    }
    flat = std::move(leaves);
    for (auto &o : others) flat.push_back(std::move(o));
  }
  if (flat.size() == 1) return std::move(flat[0]);
  n.children = std::move(flat);
  return n;
}

enum class position { attached, free };  // right after "q:", or where a qualifier could start

std::string quote_value(std::string_view v, position pos) {
  bool needs = v.empty();
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (is_space(u) || c == '(' || c == ')' || c == ',' || c == '"') needs = true;
  }
  if (pos == position::free && (is_keyword(v) || qualifier_colon(v))) needs = true;
  if (!needs) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// Leaves of one or (distinct qualifiers, after normalize()) as one comma list. The first element
// goes without "tag:" when the list has several values: a lone bare word would mean an identity.
void print_list(const std::vector<const node *> &leaves, std::string &out) {
  size_t total = 0;
  for (const node *l : leaves) total += l->values.size();
  bool first = true;
  for (size_t i = 0; i < leaves.size(); ++i) {
    const node &l = *leaves[i];
    for (size_t j = 0; j < l.values.size(); ++j) {
      if (!first) out += ',';
      first = false;
      if (j == 0 && !(i == 0 && l.k == kind::tag && total >= 2)) {
        out += qualifier_name(l.k);
        out += ':';
        out += quote_value(l.values[j], position::attached);
      } else {
        out += quote_value(l.values[j], position::free);
      }
    }
  }
}

// An or prints as a bare comma list (no parentheses needed under and/not) when all its children
// are leaves.
bool needs_parens(const node &n) {
  if (n.k == kind::op_and) return true;
  if (n.k != kind::op_or) return false;
  return std::any_of(n.children.begin(), n.children.end(), [](const node &c) { return !is_leaf(c.k); });
}

void print(const node &n, std::string &out) {
  switch (n.k) {
    case kind::all:
      out += "all";
      return;
    case kind::bare:
      out += quote_value(n.values[0], position::free);
      return;
    case kind::tag:
    case kind::name:
    case kind::id:
    case kind::os:
      print_list({&n}, out);
      return;
    case kind::op_or: {
      std::vector<const node *> leaves;
      bool first = true;
      for (const node &c : n.children) {
        if (is_leaf(c.k)) leaves.push_back(&c);
      }
      if (!leaves.empty()) {
        print_list(leaves, out);
        first = false;
      }
      for (const node &c : n.children) {
        if (is_leaf(c.k)) continue;
        if (!first) out += " or ";
        first = false;
        print(c, out);  // and binds tighter than or: never needs parentheses here
      }
      return;
    }
    case kind::op_and:
      for (size_t i = 0; i < n.children.size(); ++i) {
        if (i > 0) out += " and ";
        const node &c = n.children[i];
        const bool parens = c.k == kind::op_or && needs_parens(c);
        if (parens) out += '(';
        print(c, out);
        if (parens) out += ')';
      }
      return;
    case kind::op_not: {
      out += "not ";
      const node &c = n.children[0];
      const bool parens = needs_parens(c);
      if (parens) out += '(';
      print(c, out);
      if (parens) out += ')';
      return;
    }
  }
}

// The same text without the spaces next to parentheses (outside quoted values): never merges two
// words, so it parses identically, and it is never longer than any input that produced the tree.
std::string drop_spaces_at_parens(const std::string &s) {
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      out += c;
      if (c == '\\' && i + 1 < s.size()) {
        out += s[++i];
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (c == '"') quoted = true;
    if (c == ' ' && ((!out.empty() && (out.back() == '(' || out.back() == ')')) ||
                     (i + 1 < s.size() && (s[i + 1] == '(' || s[i + 1] == ')')))) {
      continue;
    }
    out += c;
  }
  return out;
}

// ---- parser -------------------------------------------------------------------------------------

struct token {
  enum class type { word, quoted, lparen, rparen, comma, end };
  type t = type::end;
  std::string text;   // word: as written; quoted: the value with escapes resolved
  size_t offset = 0;  // in the input, bytes
  size_t length = 0;  // in the input, bytes
};

class parser {
 public:
  explicit parser(std::string_view in) : in_(in) {}

  result<node> run() {
    if (in_.size() > target::max_bytes) {
      return invalid_argument("target: expression is longer than " + std::to_string(target::max_bytes) + " bytes");
    }
    if (status s = tokenize(); !s) return s;
    if (peek().t == token::type::end) return invalid_argument("target: empty expression");
    result<node> e = parse_or();
    if (!e) return e;
    const token &t = peek();
    if (t.t == token::type::rparen) return error("unmatched ')'", t.offset);
    if (t.t != token::type::end) return error("expected 'and', 'or' or the end", t.offset, found(t));
    return normalize(std::move(e).value());
  }

 private:
  // Column (1-based, in characters) of a byte offset; the input is known to be valid UTF-8.
  size_t column(size_t offset) const {
    size_t col = 1;
    for (size_t i = 0; i < offset && i < in_.size(); ++i) {
      if ((static_cast<unsigned char>(in_[i]) & 0xC0) != 0x80) ++col;
    }
    return col;
  }

  status error(std::string_view what, size_t offset, std::string_view tail = {}) const {
    return invalid_argument("target: " + std::string(what) + " at column " + std::to_string(column(offset)) +
                            std::string(tail));
  }

  // The token as written, shortened for messages.
  std::string shown(const token &t) const {
    if (t.t == token::type::end) return "the end";
    std::string_view s = in_.substr(t.offset, t.length);
    constexpr size_t keep = 32;
    if (s.size() <= keep) return "'" + std::string(s) + "'";
    size_t cut = keep;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole characters
    return "'" + std::string(s.substr(0, cut)) + "...'";
  }

  std::string found(const token &t) const { return t.t == token::type::end ? "" : ", found " + shown(t); }

  status tokenize() {
    // Whole-input checks first, so later messages can count columns in characters.
    for (size_t i = 0; i < in_.size();) {
      const size_t at = i;
      const char32_t cp = next_code_point(in_, i);
      if (cp >= bad_byte_base) return error("invalid UTF-8", at);
      if ((cp < 0x20 && !is_space(static_cast<unsigned char>(cp))) || cp == 0x7F) {
        return error("control character", at);
      }
    }
    size_t i = 0;
    while (i < in_.size()) {
      const char c = in_[i];
      if (is_space(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      token t;
      t.offset = i;
      if (c == '(' || c == ')' || c == ',') {
        t.t = c == '(' ? token::type::lparen : c == ')' ? token::type::rparen : token::type::comma;
        t.text = std::string(1, c);
        ++i;
      } else if (c == '"') {
        t.t = token::type::quoted;
        ++i;
        for (;;) {
          if (i >= in_.size()) return error("unterminated quoted value", t.offset);
          const char q = in_[i];
          if (q == '"') {
            ++i;
            break;
          }
          if (q == '\\') {
            if (i + 1 < in_.size() && (in_[i + 1] == '"' || in_[i + 1] == '\\')) {
              t.text += in_[i + 1];
              i += 2;
              continue;
            }
            return error("invalid escape in a quoted value (only \\\" and \\\\ are allowed)", i);
          }
          if (is_space(static_cast<unsigned char>(q)) && q != ' ') return error("control character", i);
          t.text += q;
          ++i;
        }
      } else {
        t.t = token::type::word;
        while (i < in_.size() && is_word_char(static_cast<unsigned char>(in_[i]))) ++i;
        t.text = std::string(in_.substr(t.offset, i - t.offset));
      }
      t.length = i - t.offset;
      toks_.push_back(std::move(t));
    }
    token end;
    end.offset = in_.size();
    toks_.push_back(std::move(end));
    return status::ok();
  }

  const token &peek() const { return toks_[pos_]; }
  const token &next() { return toks_[pos_++]; }  // the end token is never passed

  bool at_keyword(std::string_view k) const { return peek().t == token::type::word && iequals(peek().text, k); }

  // "expected an expression" at the current token, naming what came before it.
  status expected_expression() const {
    const token &t = peek();
    std::string what = "expected an expression";
    if (pos_ > 0) {
      what += " after " + shown(toks_[pos_ - 1]);
    }
    return error(what, t.offset, found(t));
  }

  status enter(const token &t) {
    if (++depth_ > target::max_nesting) {
      return error("nesting deeper than " + std::to_string(target::max_nesting), t.offset);
    }
    return status::ok();
  }

  status count_term(const token &t) {
    if (++terms_ > target::max_terms)
      return error("more than " + std::to_string(target::max_terms) + " terms", t.offset);
    return status::ok();
  }

  result<node> parse_or() {
    result<node> first = parse_and();
    if (!first) return first;
    if (!at_keyword("or")) return first;
    node n;
    n.k = kind::op_or;
    n.children.push_back(std::move(first).value());
    while (at_keyword("or")) {
      next();
      result<node> more = parse_and();
      if (!more) return more;
      n.children.push_back(std::move(more).value());
    }
    return n;
  }

  result<node> parse_and() {
    result<node> first = parse_unary();
    if (!first) return first;
    if (!at_keyword("and")) return first;
    node n;
    n.k = kind::op_and;
    n.children.push_back(std::move(first).value());
    while (at_keyword("and")) {
      next();
      result<node> more = parse_unary();
      if (!more) return more;
      n.children.push_back(std::move(more).value());
    }
    return n;
  }

  result<node> parse_unary() {
    if (!at_keyword("not")) return parse_primary();
    const token &t = next();
    if (status s = enter(t); !s) return s;
    result<node> inner = parse_unary();
    if (!inner) return inner;
    --depth_;
    node n;
    n.k = kind::op_not;
    n.children.push_back(std::move(inner).value());
    return n;
  }

  result<node> parse_primary() {
    const token &t = peek();
    switch (t.t) {
      case token::type::lparen: {
        next();
        if (status s = enter(t); !s) return s;
        result<node> inner = parse_or();
        if (!inner) return inner;
        const token &close = peek();
        if (close.t == token::type::end) {
          return error("expected ')'", close.offset, " to close '(' at column " + std::to_string(column(t.offset)));
        }
        if (close.t != token::type::rparen) return error("expected 'and', 'or' or ')'", close.offset, found(close));
        next();
        --depth_;
        return inner;
      }
      case token::type::word:
        if (iequals(t.text, "all")) {
          if (status s = count_term(t); !s) return s;
          next();
          return node{};
        }
        if (is_keyword(t.text)) return expected_expression();
        return parse_list();
      case token::type::quoted:
        return parse_list();
      default:
        return expected_expression();
    }
  }

  // One element of a list: its qualifier (when written) and its value.
  struct element {
    std::optional<kind> q;
    std::string value;
    size_t offset = 0;  // of the value in the input
  };

  result<element> parse_element() {
    const token &t = next();
    element e;
    size_t value_offset = t.offset;
    if (t.t == token::type::quoted) {
      e.value = t.text;
    } else if (auto colon = qualifier_colon(t.text)) {
      e.q = qualifier_kind(std::string_view(t.text).substr(0, *colon));
      e.value = t.text.substr(*colon + 1);
      value_offset += *colon + 1;
      if (e.value.empty()) {  // "os: linux": the value is the next token
        const token &v = peek();
        const bool usable = v.t == token::type::quoted || (v.t == token::type::word && !is_keyword(v.text));
        if (!usable) return error("expected a value after " + shown(t), v.offset, found(v));
        e.value = next().text;
        value_offset = v.offset;
      }
    } else {  // callers never pass a keyword here
      e.value = t.text;
    }
    if (e.value.empty()) return error("empty value", value_offset);
    if (status s = count_term(t); !s) return s;
    e.offset = value_offset;
    return e;
  }

  status expected_value() const {
    const token &t = peek();
    const token &prev = toks_[pos_ - 1];
    return error("expected a value after " + shown(prev), t.offset, found(t));
  }

  result<node> parse_list() {
    std::vector<element> elements;
    for (;;) {
      // A list element that is an unquoted name glob may be followed by ',' — fine, [...] classes
      // with commas need quotes.
      result<element> e = parse_element();
      if (!e) return e.error();
      elements.push_back(std::move(e).value());
      if (peek().t != token::type::comma) break;
      next();
      const token &v = peek();
      if (v.t != token::type::word && v.t != token::type::quoted) return expected_value();
      if (v.t == token::type::word && is_keyword(v.text)) return expected_value();
    }
    if (elements.size() == 1 && !elements[0].q) {
      node n;
      n.k = kind::bare;
      n.values.push_back(std::move(elements[0].value));
      return n;
    }
    node n;
    n.k = kind::op_or;
    kind current = kind::tag;  // a list's unqualified elements are tags, as in the reference
    for (auto &e : elements) {
      if (e.q) current = *e.q;
      if (current == kind::name) {
        if (auto why = glob_error(e.value)) return error(*why, e.offset);
      }
      node leaf;
      leaf.k = current;
      leaf.values.push_back(std::move(e.value));
      n.children.push_back(std::move(leaf));
    }
    if (n.children.size() == 1) return std::move(n.children[0]);
    return n;
  }

  std::string_view in_;
  std::vector<token> toks_;
  size_t pos_ = 0;
  size_t depth_ = 0;
  size_t terms_ = 0;
};

}  // namespace

result<target> target::parse(std::string_view text) {
  result<node> r = parser(text).run();
  if (!r) return r.error();
  target t;
  t.root_ = std::move(r).value();
  return t;
}

bool target::matches(const host_facts &host) const {
  if (!host.accepts_commands) return false;
  return eval(root_, host, [&](std::string_view w) { return has_identity(host, w); });
}

bool target::is_single_host() const {
  return root_.k == kind::bare || (root_.k == kind::id && root_.values.size() == 1);
}

std::string target::to_string() const {
  std::string out;
  print(root_, out);
  if (out.size() > max_bytes) out = drop_spaces_at_parens(out);
  return out;
}

std::vector<size_t> select(const target &t, std::span<const host_facts> hosts) {
  std::unordered_set<std::string_view> identities;
  for (const host_facts &h : hosts) {
    if (!h.accepts_commands) continue;
    for (const std::string *s : {&h.agent_id, &h.peer_id, &h.name}) {
      if (!s->empty()) identities.insert(*s);
    }
  }
  auto names_host = [&](std::string_view w) { return identities.count(w) > 0; };

  // Key: 'a' + agent id, or 'p' + peer id when the agent id is empty (the prefix keeps the two
  // namespaces apart). Entries with neither are never collapsed.
  std::unordered_map<std::string, size_t> best;
  std::vector<size_t> chosen;
  for (size_t i = 0; i < hosts.size(); ++i) {
    const host_facts &h = hosts[i];
    if (!h.accepts_commands || !eval(t.root_, h, names_host)) continue;
    if (h.agent_id.empty() && h.peer_id.empty()) {
      chosen.push_back(i);
      continue;
    }
    std::string key = h.agent_id.empty() ? "p" + h.peer_id : "a" + h.agent_id;
    auto [it, inserted] = best.try_emplace(std::move(key), i);
    if (!inserted && h.peer_id < hosts[it->second].peer_id) it->second = i;
  }
  for (const auto &kv : best) chosen.push_back(kv.second);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace ra::dispatch
