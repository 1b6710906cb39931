#include "config/toml_guard.hpp"

#include <vector>

namespace ra::config {
namespace {

bool is_ascii(char c) { return static_cast<unsigned char>(c) < 0x80; }

// Where toml++ stops reading a malformed number, date or boolean (its is_value_terminator).
bool ends_bare_value(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ']' || c == '}' || c == '#';
}

enum class state { normal, comment, basic, literal, ml_basic, ml_literal };

// A byte cursor that keeps toml++'s line and column (1-based; columns count code points).
class cursor {
 public:
  explicit cursor(std::string_view text) : text_(text) {}
  bool done() const { return i_ >= text_.size(); }
  char at(size_t ahead = 0) const { return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0'; }
  bool has(size_t ahead) const { return i_ + ahead < text_.size(); }
  bool starts_with(std::string_view s) const { return text_.substr(i_).starts_with(s); }
  void advance(size_t n = 1) {
    for (; n > 0 && i_ < text_.size(); --n, ++i_) {
      unsigned char c = static_cast<unsigned char>(text_[i_]);
      if (c == '\n') {
        ++line_;
        column_ = 1;
      } else if ((c & 0xc0) != 0x80) {  // UTF-8 continuation bytes belong to the previous column
        ++column_;
      }
    }
  }
  void restart_column() { column_ = 1; }
  size_t line() const { return line_; }
  size_t column() const { return column_; }

 private:
  std::string_view text_;
  size_t i_ = 0;
  size_t line_ = 1;
  size_t column_ = 1;
};

status error_at(const std::string &file, size_t line, size_t column, const std::string &what) {
  return invalid_argument(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what);
}

// A run of 3 to 5 closing quotes ends a multi-line string (up to two belong to the content).
void skip_closing_run(cursor &c, char quote) {
  size_t n = 0;
  while (n < 5 && c.has(n) && c.at(n) == quote) ++n;
  c.advance(n);
}

}  // namespace

status check_toml_hazards(std::string_view text, const std::string &file_name) {
  cursor c(text);
  if (c.starts_with("\xEF\xBB\xBF")) {  // toml++ skips a byte-order mark, columns start after it
    c.advance(3);
    c.restart_column();
  }
  // Outside strings this follows TOML's structure just far enough to know where a string can
  // open. The subtle case: a value that starts with anything but a quote or bracket (a number,
  // date, boolean) is, when malformed, read by toml++ up to the next value terminator — quotes
  // included (`d = 1979-05-27T0'''é`). Such a "bare" value never opens a string.
  std::vector<char> nesting;  // '[' array or '{' inline table, innermost last
  bool expect_value = false;  // after '=', or after '[' / ',' inside an array
  bool bare = false;          // inside a value that did not start with a quote or bracket
  char prev = ' ';            // the last character outside strings; blanks as ' '
  state st = state::normal;
  while (!c.done()) {
    char ch = c.at();
    switch (st) {
      case state::normal: {
        if (!is_ascii(ch))
          return error_at(file_name, c.line(), c.column(),
                          "unexpected non-ASCII character (TOML allows them only in strings and "
                          "comments)");
        const bool blank = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
        if (bare && ends_bare_value(ch)) bare = false;
        if (bare || blank) {
          // nothing opens here
        } else if (ch == '#') {
          st = state::comment;
        } else if (ch == '"' || ch == '\'') {
          // A string opens where a value is expected, or where a (quoted) key can start.
          bool key_start = std::string_view(" [{,.").find(prev) != std::string_view::npos;
          if (expect_value || key_start) {
            bool multi = c.starts_with(ch == '"' ? std::string_view(R"(""")") : "'''");
            st = ch == '"' ? (multi ? state::ml_basic : state::basic) : (multi ? state::ml_literal : state::literal);
            if (multi) c.advance(2);
          }
          expect_value = false;
        } else if (ch == '=') {
          expect_value = true;
        } else if (ch == '[') {
          if (expect_value) nesting.push_back('[');  // else a table header's bracket
        } else if (ch == '{') {
          if (expect_value) nesting.push_back('{');
          expect_value = false;  // a key comes first
        } else if (ch == ']' || ch == '}') {
          if (!nesting.empty() && nesting.back() == (ch == ']' ? '[' : '{')) nesting.pop_back();
          expect_value = false;
        } else if (ch == ',') {
          expect_value = !nesting.empty() && nesting.back() == '[';
        } else if (expect_value) {
          bare = true;
          expect_value = false;
        }
        prev = blank ? ' ' : ch;
        c.advance();
        continue;
      }

      case state::comment:
        if (ch == '\n') {
          st = state::normal;
          prev = ' ';
        }
        c.advance();
        continue;

      case state::basic:
        if (ch == '\\') {
          c.advance(2);  // an escape never ends the string; toml++ validates it
          continue;
        }
        if (ch == '"' || ch == '\n') {  // a newline here is an error toml++ reports
          st = state::normal;
          prev = ch;
        }
        c.advance();
        continue;

      case state::literal:
        if (ch == '\'' || ch == '\n') {
          st = state::normal;
          prev = ch;
        }
        c.advance();
        continue;

      case state::ml_basic:
        if (ch == '\\') {
          size_t k = 1;
          while (c.at(k) == ' ' || c.at(k) == '\t') ++k;
          bool line_ending = c.at(k) == '\n' || (c.at(k) == '\r' && c.at(k + 1) == '\n');
          if (!line_ending) {
            if (c.has(k) && !is_ascii(c.at(k)))
              return error_at(file_name, c.line(), c.column() + k,
                              "invalid escape: a backslash must be followed by an ASCII escape "
                              "character");
            c.advance(k == 1 ? 2 : 1);
            continue;
          }
          // Line-ending backslash: it swallows all whitespace and newlines up to the next
          // character, which toml++ 3.3 then misclassifies if it is non-ASCII.
          c.advance(k);
          while (!c.done() && (c.at() == ' ' || c.at() == '\t' || c.at() == '\r' || c.at() == '\n')) c.advance();
          if (!c.done() && !is_ascii(c.at()))
            return error_at(file_name, c.line(), c.column(),
                            "a non-ASCII character right after a line-ending backslash is not "
                            "supported (toml++ 3.3); write it on the backslash's line or as \\uXXXX");
          continue;
        }
        if (c.starts_with(R"(""")")) {
          skip_closing_run(c, '"');
          st = state::normal;
          prev = '"';
          continue;
        }
        c.advance();
        continue;

      case state::ml_literal:
        if (c.starts_with("'''")) {
          skip_closing_run(c, '\'');
          st = state::normal;
          prev = '\'';
          continue;
        }
        c.advance();
        continue;
    }
  }
  return status::ok();
}

}  // namespace ra::config
