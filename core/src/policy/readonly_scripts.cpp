// Scanners for the two script languages plan mode lets through: sed scripts and awk programs.
// They do not execute or fully parse; they find the constructs that write files or run commands
// and refuse anything they cannot read. When in doubt they see more code, never less.
#include <string>

#include "policy/readonly_rules.hpp"

namespace ra::policy {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

class sed_scanner {
 public:
  explicit sed_scanner(std::string_view s) : s_(s) {}

  std::optional<std::string> run() {
    for (;;) {
      while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == ';')) ++i_;
      if (i_ >= s_.size()) return std::nullopt;
      if (s_[i_] == '#') {
        to_end_of_line();
        continue;
      }
      if (!address()) return unreadable();
      blanks();
      if (peek() == ',') {
        ++i_;
        blanks();
        if (peek() == '+' || peek() == '~') {
          ++i_;
          while (is_digit(peek())) ++i_;
        } else if (!address()) {
          return unreadable();
        }
      }
      blanks();
      while (peek() == '!') {
        ++i_;
        blanks();
      }
      if (i_ >= s_.size()) return unreadable();
      char cmd = s_[i_++];
      switch (cmd) {
        case '{':
        case '}':
        case '=':
        case 'd':
        case 'D':
        case 'g':
        case 'G':
        case 'h':
        case 'H':
        case 'n':
        case 'N':
        case 'p':
        case 'P':
        case 'x':
        case 'z':
        case 'F':
          break;
        case 'l':
        case 'q':
        case 'Q':
        case 'L':
          blanks();
          while (is_digit(peek())) ++i_;
          break;
        case 'b':
        case 't':
        case 'T':
        case ':':
        case 'v':
          // Labels end at ; or newline in GNU sed; stopping earlier (blank, }, #) only shows us
          // more commands.
          blanks();
          while (i_ < s_.size() && std::string_view(";\n \t}#").find(s_[i_]) == std::string_view::npos) ++i_;
          break;
        case 'a':
        case 'i':
        case 'c':
          // Text up to the end of the line; a backslash continues it onto the next line.
          while (i_ < s_.size() && s_[i_] != '\n') i_ += s_[i_] == '\\' ? 2 : 1;
          break;
        case 'r':
        case 'R':
          to_end_of_line();  // a file name to read
          break;
        case 'w':
        case 'W':
          return std::string("the sed 'w' command writes a file");
        case 'e':
          return std::string("the sed 'e' command runs a shell command");
        case 's': {
          if (i_ >= s_.size() || s_[i_] == '\\' || s_[i_] == '\n') return unreadable();
          char delim = s_[i_++];
          if (!delimited(delim, true) || !delimited(delim, false)) return unreadable();
          while (i_ < s_.size()) {
            char f = s_[i_];
            if (f == 'e') return std::string("the sed s///e flag runs the result as a command");
            if (f == 'w') return std::string("the sed s///w flag writes a file");
            if (f != 'g' && f != 'p' && f != 'i' && f != 'I' && f != 'm' && f != 'M' && !is_digit(f)) break;
            ++i_;
          }
          break;
        }
        case 'y': {
          if (i_ >= s_.size() || s_[i_] == '\\' || s_[i_] == '\n') return unreadable();
          char delim = s_[i_++];
          if (!delimited(delim, false) || !delimited(delim, false)) return unreadable();
          break;
        }
        default:
          return "the sed command '" + std::string(1, cmd) + "' is not known to this check";
      }
    }
  }

 private:
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  char peek_at(size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  void blanks() {
    while (peek() == ' ' || peek() == '\t') ++i_;
  }
  void to_end_of_line() {
    while (i_ < s_.size() && s_[i_] != '\n') ++i_;
  }
  static std::optional<std::string> unreadable() { return std::string("the sed script could not be read"); }

  // Past the closing delimiter of a regex or replacement. GNU sed ends a regex at the first
  // unescaped delimiter; BSD sed (macOS) skips bracket expressions, so in "s/[/]/r/w out" the two
  // disagree on where the regex ends. A delimiter inside brackets is therefore refused.
  bool delimited(char delim, bool regex) {
    bool bracket = false;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (bracket) {
        if (c == delim || (c == '\\' && peek_at(1) == ']')) return false;
        if (c == ']') bracket = false;
        ++i_;
        continue;
      }
      if (c == '\\') {
        i_ += 2;
        continue;
      }
      ++i_;
      if (c == delim) return true;
      if (regex && c == '[') {
        bracket = true;
        if (peek() == '^') ++i_;
        if (peek() == ']') ++i_;  // a leading ']' is literal
        if (peek() == '[' && std::string_view(":=.").find(peek_at(1)) != std::string_view::npos) {
          size_t close = s_.find(std::string{peek_at(1), ']'}, i_ + 2);  // [:class:] [=x=] [.x.]
          if (close == std::string_view::npos || s_.substr(i_, close - i_).find(delim) != std::string_view::npos)
            return false;
          i_ = close + 2;
        }
      }
    }
    return false;
  }

  // An optional address: N, N~M, $, /re/I, \cREc.
  bool address() {
    char c = peek();
    if (is_digit(c)) {
      while (is_digit(peek()) || peek() == '~') ++i_;
      return true;
    }
    if (c == '$') {
      ++i_;
      return true;
    }
    char delim = 0;
    if (c == '/') {
      delim = '/';
      ++i_;
    } else if (c == '\\') {
      if (i_ + 1 >= s_.size()) return false;
      delim = s_[i_ + 1];
      i_ += 2;
    } else {
      return true;
    }
    if (!delimited(delim, true)) return false;
    while (peek() == 'I' || peek() == 'M') ++i_;
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

class awk_scanner {
 public:
  explicit awk_scanner(std::string_view p) : p_(p) {}

  std::optional<std::string> run() {
    while (i_ < p_.size()) {
      char c = p_[i_];
      char n = i_ + 1 < p_.size() ? p_[i_ + 1] : '\0';
      if (c == '"') {
        if (!skip_string()) return std::string("the awk program has an unterminated string");
        regex_ok_ = false;
      } else if (c == '#') {
        while (i_ < p_.size() && p_[i_] != '\n') ++i_;
      } else if (c == '\\') {
        i_ += 2;  // line continuation or a stray escape
      } else if (c == '/' && regex_ok_) {
        if (!skip_regex()) {
          return std::string("an awk regex with '/' inside brackets ends differently in gawk and other awks");
        }
        regex_ok_ = false;
      } else if (is_ident_start(c)) {
        size_t start = i_;
        while (i_ < p_.size() && is_ident_char(p_[i_])) ++i_;
        std::string_view id = p_.substr(start, i_ - start);
        if (id == "system") return std::string("awk system() runs a shell command");
        if (id == "print" || id == "printf") {
          in_print_ = true;
          print_depth_ = depth_;
        }
        regex_ok_ = false;  // after a name '/' is division; misreading a regex only shows more code
      } else if (c == '@') {
        // @load, @include, and @f() — an indirect call, which can reach system().
        return std::string("gawk @load/@include and indirect @calls are not allowed");
      } else if ((c == '+' || c == '-') && n == c) {
        i_ += 2;  // x++ / 2: after a postfix ++ or -- a '/' divides
        regex_ok_ = false;
      } else if (is_digit(c) || (c == '.' && is_digit(n))) {
        while (i_ < p_.size() && (is_ident_char(p_[i_]) || p_[i_] == '.')) ++i_;
        regex_ok_ = false;
      } else if (c == '|') {
        if (n != '|') return std::string("awk pipes ('|', '| getline', '|&') run shell commands");
        i_ += 2;
        regex_ok_ = true;
      } else if (c == '>') {
        if (in_print_ && depth_ <= print_depth_) return std::string("awk print/printf redirection ('>') writes a file");
        ++i_;
        regex_ok_ = true;
      } else if (c == '(' || c == '[') {
        ++depth_;
        ++i_;
        regex_ok_ = true;
      } else if (c == ')' || c == ']') {
        --depth_;
        ++i_;
        regex_ok_ = false;
      } else if (c == ';' || c == '\n' || c == '{' || c == '}') {
        if (depth_ <= print_depth_) in_print_ = false;
        ++i_;
        regex_ok_ = true;
      } else {
        if (c != ' ' && c != '\t' && c != '\r') regex_ok_ = true;  // an operator
        ++i_;
      }
    }
    return std::nullopt;
  }

 private:
  // At the opening '/': past the closing one. gawk and mawk skip [...] (so "/[/]/" is one regex), the
  // one-true-awk does not; a '/' inside brackets is refused rather than guessed.
  bool skip_regex() {
    ++i_;
    bool bracket = false;
    while (i_ < p_.size() && p_[i_] != '\n') {
      char c = p_[i_];
      if (bracket) {
        if (c == '/') return false;
        if (c == ']') bracket = false;
        i_ += c == '\\' ? 2 : 1;
      } else if (c == '\\') {
        i_ += 2;
      } else if (c == '/') {
        ++i_;
        return true;
      } else if (c == '[') {
        bracket = true;
        ++i_;
        if (i_ < p_.size() && p_[i_] == '^') ++i_;
        if (i_ < p_.size() && p_[i_] == ']') ++i_;
      } else {
        ++i_;
      }
    }
    return true;  // unterminated: awk refuses it; what follows is scanned as code anyway
  }

  bool skip_string() {
    ++i_;
    while (i_ < p_.size()) {
      char c = p_[i_];
      if (c == '\\') {
        i_ += 2;
      } else if (c == '"') {
        ++i_;
        return true;
      } else {
        ++i_;
      }
    }
    return false;
  }

  std::string_view p_;
  size_t i_ = 0;
  int depth_ = 0;
  bool regex_ok_ = true;  // a '/' here starts a regex (no operand before it)
  bool in_print_ = false;
  int print_depth_ = 0;
};

}  // namespace

std::optional<std::string> sed_script_refusal(std::string_view script) { return sed_scanner(script).run(); }

std::optional<std::string> awk_program_refusal(std::string_view program) { return awk_scanner(program).run(); }

}  // namespace ra::policy
