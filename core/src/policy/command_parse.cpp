#include "policy/command_parse.hpp"

#include <cstdint>

namespace ra::policy {
namespace {

// Substitutions nest; a limit keeps hostile input from exhausting the stack.
constexpr int max_depth = 16;
// How far we look for the "))" that makes "((" arithmetic, per attempt and in total. Bounded so that
// many "((" cannot make parsing quadratic; an undecided expression is refused rather than guessed.
constexpr size_t max_arithmetic = 16 * 1024;
constexpr size_t arithmetic_budget = 1024 * 1024;

bool is_blank(char c) { return c == ' ' || c == '\t'; }  // as in bash: \r, \v, \f are word chars
bool is_meta(char c) {
  return is_blank(c) || c == '\n' || c == '|' || c == '&' || c == ';' || c == '(' || c == ')' || c == '<' || c == '>';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    cp = cp > 0x10FFFF ? 0xFFFD : cp;
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Accumulates one word and works out its flags as the pieces arrive.
struct word_builder {
  word w;
  bool started = false;      // even "" makes a word
  bool ident_prefix = true;  // text so far is an unquoted NAME (for assignment detection)
  bool eq_seen = false;
  bool open_bracket = false;     // an unquoted '[' waiting for its ']'
  bool leading_brace = false;    // starts with an unquoted '{'
  bool leading_bracket = false;  // starts with an unquoted '['

  void not_ident() {
    if (!eq_seen) ident_prefix = false;
  }
  void add_plain(char c, char next) {
    started = true;
    if (!eq_seen) {
      if (c == '=' || (c == '+' && next == '=')) {
        eq_seen = true;
        w.assignment = ident_prefix && !w.text.empty();
      } else if (!is_ident_char(c) || (w.text.empty() && is_digit(c))) {
        ident_prefix = false;
      }
    }
    // A lone '[' (the test command) or "{}" is literal: only [..] and {a,b} / {1..3} expand.
    if (c == '*' || c == '?' || (c == ']' && open_bracket)) w.glob = true;
    if (c == '[') open_bracket = true;
    if (w.text.empty()) {
      leading_brace = c == '{';
      leading_bracket = c == '[';
      if (c == '*' || c == '?') w.leading_special = true;
    }
    w.text += c;
  }
  word take() {
    if (leading_bracket && w.glob) w.leading_special = true;
    if (leading_brace && (w.text.find(',') != std::string::npos || w.text.find("..") != std::string::npos)) {
      w.leading_special = true;
    }
    return std::move(w);
  }
  void add_quoted(std::string_view s) {
    started = true;
    w.quoted = true;
    not_ident();
    w.text += s;
  }
  void add_expansion(std::string_view raw) {
    started = true;
    not_ident();
    if (w.text.empty()) w.leading_special = true;
    w.expands = true;
    w.text += raw;
  }
};

struct heredoc_spec {
  std::string delimiter;
  bool strip_tabs = false;  // <<-
  bool expands = true;      // unquoted delimiter: $ and ` are live in the body
};

class parser {
 public:
  parser(std::string_view text, parsed_command &out, size_t &budget) : s_(text), out_(out), budget_(budget) {}

  // Parses until the end of input or, when closer is ')', the ')' that closes a $( or <(.
  bool parse_list(char closer, int depth) {
    if (depth > max_depth) return fail("command nests too deeply");
    segment seg;
    seg.depth = depth;
    int parens = 0;
    for (;;) {
      if (!out_.error.empty()) return false;
      while (i_ < s_.size() && is_blank(s_[i_])) ++i_;
      if (i_ >= s_.size()) {
        if (closer != 0) return fail("unterminated command or process substitution");
        finish(seg, separator::end);
        return true;
      }
      char c = s_[i_];
      char n = peek(1);
      if (c == '\n') {
        ++i_;
        finish(seg, separator::newline);
        if (!read_heredocs(depth)) return false;
      } else if (c == ';') {
        ++i_;
        if (peek(0) == ';') ++i_;
        if (peek(0) == '&') ++i_;  // case terminators ;& ;;&
        finish(seg, separator::sequence);
      } else if (c == '|') {
        i_ += (n == '|' || n == '&') ? 2 : 1;
        finish(seg, n == '|' ? separator::or_if : n == '&' ? separator::pipe_stderr : separator::pipe);
      } else if (c == '&' && n == '&') {
        i_ += 2;
        finish(seg, separator::and_if);
      } else if (c == '&' && n != '>') {
        ++i_;
        out_.background = true;
        finish(seg, separator::background);
      } else if (c == '#') {
        // A comment, as in any non-interactive shell. Not seeing one would be safe for the checks,
        // but a "<<EOF" inside it would make us take the following lines for heredoc data.
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == '(' && n == '(' && seg.words.empty() && seg.redirections.empty() && read_arithmetic(seg, depth)) {
        // ((…)): an arithmetic command, kept as one word whose value is computed at run time
      } else if (c == '(') {
        ++i_;
        ++parens;
        out_.subshell = true;
        finish(seg, separator::open_paren);
      } else if (c == ')') {
        ++i_;
        if (parens == 0 && closer == ')') {
          finish(seg, separator::end);
          return true;
        }
        // An unmatched ')' (a case pattern) is only a separator to us; the shell decides the rest.
        if (parens > 0) --parens;
        out_.subshell = true;
        finish(seg, separator::close_paren);
      } else if (c == '<' || c == '>' || c == '&') {
        if (!parse_redirection(seg, "", depth)) return false;
      } else {
        word_builder b;
        if (!read_word(b, depth)) return false;
        if (i_ < s_.size() && (s_[i_] == '<' || s_[i_] == '>') && is_fd_word(b)) {
          if (!parse_redirection(seg, b.w.text, depth)) return false;
        } else if (b.started) {
          seg.words.push_back(b.take());
        }
      }
    }
  }

  // An unquoted heredoc body or an arithmetic expression: only \ $ and ` are special (quotes
  // are literal); substitutions found there are parsed as commands.
  bool scan_substitutions(int depth) {
    while (i_ < s_.size()) {
      char c = s_[i_];
      word_builder scratch;
      if (c == '\\') {
        i_ += 2;
      } else if (c == '$') {
        if (!read_dollar(scratch, depth, true)) return false;
      } else if (c == '`') {
        if (!read_backtick(scratch, depth)) return false;
      } else {
        ++i_;
      }
    }
    return true;
  }

 private:
  char peek(size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }

  bool fail(std::string why) {
    if (out_.error.empty()) out_.error = std::move(why);
    return false;
  }

  void finish(segment &seg, separator sep) {
    int depth = seg.depth;
    seg.after = sep;
    out_.segments.push_back(std::move(seg));
    seg = segment{};
    seg.depth = depth;
  }

  static bool is_fd_word(const word_builder &b) {
    const std::string &t = b.w.text;
    if (t.empty() || b.w.quoted || b.w.expands) return false;
    bool digits = true;
    for (char c : t) digits = digits && is_digit(c);
    if (digits) return true;
    if (t.size() < 3 || t.front() != '{' || t.back() != '}' || !is_ident_start(t[1])) return false;
    for (size_t k = 2; k + 1 < t.size(); ++k) {
      if (!is_ident_char(t[k])) return false;
    }
    return true;
  }

  // Reads one word: everything up to an unquoted blank or operator character.
  bool read_word(word_builder &b, int depth) {
    while (i_ < s_.size() && !is_meta(s_[i_])) {
      char c = s_[i_];
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) {
          b.add_plain('\\', '\0');  // a trailing backslash is literal
          ++i_;
        } else if (s_[i_ + 1] == '\n') {
          i_ += 2;  // line continuation: not even a word break
        } else {
          b.add_quoted(s_.substr(i_ + 1, 1));
          i_ += 2;
        }
      } else if (c == '\'') {
        size_t end = s_.find('\'', i_ + 1);
        if (end == std::string_view::npos) return fail("unterminated single quote");
        b.add_quoted(s_.substr(i_ + 1, end - i_ - 1));
        i_ = end + 1;
      } else if (c == '"') {
        ++i_;
        if (!read_double_quoted(b, depth)) return false;
      } else if (c == '$') {
        if (!read_dollar(b, depth, false)) return false;
      } else if (c == '`') {
        if (!read_backtick(b, depth)) return false;
      } else {
        b.add_plain(c, peek(1));
        ++i_;
      }
    }
    return true;
  }

  // After the opening quote: up to and including the closing one.
  bool read_double_quoted(word_builder &b, int depth) {
    b.add_quoted("");
    for (;;) {
      if (i_ >= s_.size()) return fail("unterminated double quote");
      char c = s_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c == '\\' && i_ + 1 < s_.size() && std::string_view("$`\"\\\n").find(s_[i_ + 1]) != std::string_view::npos) {
        if (s_[i_ + 1] != '\n') b.add_quoted(s_.substr(i_ + 1, 1));
        i_ += 2;
      } else if (c == '$') {
        if (!read_dollar(b, depth, true)) return false;
      } else if (c == '`') {
        if (!read_backtick(b, depth)) return false;
      } else {
        b.add_quoted(s_.substr(i_, 1));
        ++i_;
      }
    }
  }

  // At a '$': $(…), $((…)), ${…}, $NAME, $1, $'…', $"…" or a literal '$'.
  bool read_dollar(word_builder &b, int depth, bool in_dquote) {
    char n = peek(1);
    if (n == '(' && peek(2) == '(') {  // $((…)): arithmetic, unless it is really $( (…) … )
      size_t start = i_++;
      segment scratch;
      if (read_arithmetic(scratch, depth)) {
        out_.substitution = true;
        b.add_expansion(s_.substr(start, i_ - start));
        return true;
      }
      if (!out_.error.empty()) return false;
      i_ = start;
    }
    if (n == '(') {
      size_t start = i_;
      i_ += 2;
      out_.substitution = true;
      if (!parse_list(')', depth + 1)) return false;
      b.add_expansion(s_.substr(start, i_ - start));
      return true;
    }
    if (n == '{') return read_braced(b, depth);
    if (!in_dquote && n == '\'') return read_ansi_c(b);
    if (!in_dquote && n == '"') {
      i_ += 2;
      return read_double_quoted(b, depth);
    }
    if (is_ident_start(n)) {
      size_t j = i_ + 1;
      while (j < s_.size() && is_ident_char(s_[j])) ++j;
      b.add_expansion(s_.substr(i_, j - i_));
      i_ = j;
      return true;
    }
    if (is_digit(n) || (n != '\0' && std::string_view("@*#?$!-").find(n) != std::string_view::npos)) {
      b.add_expansion(s_.substr(i_, 2));
      i_ += 2;
      return true;
    }
    if (in_dquote) {
      b.add_quoted("$");
    } else {
      b.add_plain('$', n);
    }
    ++i_;
    return true;
  }

  // At "((": an arithmetic expression up to the matching "))", kept as one word of `seg`. Like bash,
  // if the parentheses do not close with "))" it is not arithmetic but nested subshells: then
  // nothing is consumed and false is returned. Inside, only substitutions are code (so a << there
  // starts no heredoc). Finding the end is a plain linear scan, so nesting cannot make retries
  // exponential.
  bool read_arithmetic(segment &seg, int depth) {
    const size_t start = i_;
    size_t j = start + 2;
    int parens = 2;
    while (j < s_.size() && parens > 0) {
      if (j - start > max_arithmetic || budget_ == 0) {
        return fail("arithmetic expression or nested parentheses too long to inspect");
      }
      --budget_;
      char c = s_[j];
      if (c == '\\') {
        j += 2;
        continue;
      }
      if (c == '\'' || c == '"' || c == '`') {  // skip the quoted part
        size_t k = j + 1;
        while (k < s_.size() && s_[k] != c) k += (c != '\'' && s_[k] == '\\') ? 2 : 1;
        j = k + 1;
        continue;
      }
      if (c == '(') ++parens;
      if (c == ')') --parens;
      ++j;
    }
    if (parens != 0 || j > s_.size() || s_[j - 2] != ')') return false;  // not "…))"
    if (depth + 1 > max_depth) return fail("command nests too deeply");
    parser sub(s_.substr(start + 2, j - start - 4), out_, budget_);
    if (!sub.scan_substitutions(depth + 1)) return false;
    word w;
    w.text = std::string(s_.substr(start, j - start));
    w.expands = true;
    w.leading_special = true;
    seg.words.push_back(std::move(w));
    i_ = j;
    return true;
  }

  // ${…}: may nest and may hold quotes and substitutions (${x:-$(cmd)}).
  bool read_braced(word_builder &b, int depth) {
    if (depth > max_depth) return fail("command nests too deeply");  // ${x:-"${y:-"…
    size_t start = i_;
    i_ += 2;
    int braces = 1;
    while (braces > 0) {
      if (i_ >= s_.size()) return fail("unterminated ${");
      char c = s_[i_];
      word_builder scratch;
      if (c == '\\') {
        i_ += 2;
      } else if (c == '}') {
        --braces;
        ++i_;
      } else if (c == '\'') {
        size_t end = s_.find('\'', i_ + 1);
        if (end == std::string_view::npos) return fail("unterminated single quote");
        i_ = end + 1;
      } else if (c == '"') {
        ++i_;
        if (!read_double_quoted(scratch, depth + 1)) return false;
      } else if (c == '`') {
        if (!read_backtick(scratch, depth)) return false;
      } else if (c == '$' && peek(1) == '{') {
        ++braces;
        i_ += 2;
      } else if (c == '$' && peek(1) == '(') {
        if (!read_dollar(scratch, depth, true)) return false;
      } else {
        ++i_;
      }
    }
    b.add_expansion(s_.substr(start, i_ - start));
    return true;
  }

  // $'…' (bash ANSI-C quoting): decoded, so $'\x72m' is seen as "rm". Where it ends is found first
  // by bash's own rule (a backslash pairs with any next character), then the content is decoded.
  bool read_ansi_c(word_builder &b) {
    size_t j = i_ + 2;
    while (j < s_.size() && s_[j] != '\'') j += s_[j] == '\\' ? 2 : 1;
    if (j >= s_.size()) return fail("unterminated $'");
    std::string_view in = s_.substr(i_ + 2, j - i_ - 2);
    i_ = j + 1;
    std::string out;
    size_t k = 0;
    while (k < in.size()) {
      char c = in[k++];
      if (c != '\\' || k >= in.size()) {
        out += c;
        continue;
      }
      char e = in[k++];
      int64_t value = -1;
      switch (e) {
        case 'a':
          value = 7;
          break;
        case 'b':
          value = 8;
          break;
        case 'e':
        case 'E':
          value = 27;
          break;
        case 'f':
          value = 12;
          break;
        case 'n':
          value = 10;
          break;
        case 'r':
          value = 13;
          break;
        case 't':
          value = 9;
          break;
        case 'v':
          value = 11;
          break;
        case '\\':
        case '\'':
        case '"':
        case '?':
          value = e;
          break;
        case 'c':
          if (k < in.size()) {
            if (in[k] == '\\' && k + 1 < in.size() && in[k + 1] == '\\') ++k;  // \c\\ is control-backslash
            value = in[k++] & 0x1f;
          } else {
            out += "\\c";
          }
          break;
        case 'x':
        case 'u':
        case 'U': {
          size_t max = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          int64_t v = 0;
          size_t digits = 0;
          while (digits < max && k < in.size() && hex_value(in[k]) >= 0) {
            v = v * 16 + hex_value(in[k++]);
            ++digits;
          }
          if (digits == 0) {
            (out += '\\') += e;
          } else if (e == 'x') {
            value = v;
          } else if (v == 0) {
            value = 0;
          } else {
            append_utf8(out, static_cast<uint32_t>(v));
          }
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            int64_t v = e - '0';
            for (int d = 0; d < 2 && k < in.size() && in[k] >= '0' && in[k] <= '7'; ++d) v = v * 8 + (in[k++] - '0');
            value = v & 0xff;
          } else {
            (out += '\\') += e;
          }
      }
      if (value == 0) break;  // bash drops everything after a NUL
      if (value > 0) out += static_cast<char>(value);
    }
    b.add_quoted(out);
    return true;
  }

  // `…`: the old substitution; its text is unescaped once and parsed as a command of its own.
  bool read_backtick(word_builder &b, int depth) {
    size_t start = i_;
    std::string inner;
    ++i_;
    for (;;) {
      if (i_ >= s_.size()) return fail("unterminated backquote");
      char c = s_[i_];
      if (c == '`') {
        ++i_;
        break;
      }
      if (c == '\\' && i_ + 1 < s_.size() && (s_[i_ + 1] == '`' || s_[i_ + 1] == '\\' || s_[i_ + 1] == '$')) {
        inner += s_[i_ + 1];
        i_ += 2;
        continue;
      }
      inner += c;
      ++i_;
    }
    out_.substitution = true;
    if (depth + 1 > max_depth) return fail("command nests too deeply");
    parser sub(inner, out_, budget_);
    if (!sub.parse_list(0, depth + 1)) return false;
    b.add_expansion(s_.substr(start, i_ - start));
    return true;
  }

  // At '<', '>' or "&>": a redirection, or a <(…) / >(…) process substitution (which is a word).
  bool parse_redirection(segment &seg, std::string fd, int depth) {
    if ((s_[i_] == '<' || s_[i_] == '>') && peek(1) == '(') {
      if (!fd.empty()) seg.words.push_back(word{fd});
      size_t start = i_;
      i_ += 2;
      out_.substitution = true;
      if (!parse_list(')', depth + 1)) return false;
      word w;
      w.text = std::string(s_.substr(start, i_ - start));
      w.expands = true;
      w.leading_special = true;
      seg.words.push_back(std::move(w));
      return true;
    }
    static constexpr std::string_view ops[] = {"&>>", "&>", "<<<", "<<-", "<<", "<&", "<>", "<", ">>", ">|", ">&", ">"};
    std::string op;
    for (std::string_view o : ops) {
      if (s_.substr(i_).starts_with(o)) {
        op = o;
        break;
      }
    }
    i_ += op.size();
    while (i_ < s_.size() && is_blank(s_[i_])) ++i_;
    if (i_ >= s_.size() || is_meta(s_[i_])) return fail("redirection '" + op + "' has no target");
    word_builder target;
    if (!read_word(target, depth)) return false;
    if (op == "<<" || op == "<<-") {
      pending_.push_back({target.w.text, op == "<<-", !target.w.quoted});
    }
    seg.redirections.push_back({std::move(fd), std::move(op), target.take()});
    return true;
  }

  // Called after a newline: the bodies of the heredocs opened on the line just ended.
  bool read_heredocs(int depth) {
    std::vector<heredoc_spec> specs;
    specs.swap(pending_);
    for (const heredoc_spec &h : specs) {
      std::string body;
      while (i_ < s_.size()) {  // bash accepts a body that runs to the end of input
        size_t eol = s_.find('\n', i_);
        size_t end = eol == std::string_view::npos ? s_.size() : eol;
        std::string_view line = s_.substr(i_, end - i_);
        i_ = eol == std::string_view::npos ? s_.size() : eol + 1;
        if (h.strip_tabs) {
          while (!line.empty() && line.front() == '\t') line.remove_prefix(1);
        }
        if (line == h.delimiter) break;
        body.append(line);
        body += '\n';
      }
      if (h.expands) {
        if (depth + 1 > max_depth) return fail("command nests too deeply");
        parser sub(body, out_, budget_);
        if (!sub.scan_substitutions(depth + 1)) return false;
      }
      add_data_lines(body, depth);
    }
    return true;
  }

  // Each body line is also parsed, best effort, as a command marked `data`: it runs only if a shell
  // reads the heredoc (`bash <<EOF`), which the hard deny list wants to see. Errors are ignored.
  void add_data_lines(std::string_view body, int depth) {
    size_t pos = 0;
    while (pos < body.size()) {
      size_t eol = body.find('\n', pos);
      if (eol == std::string_view::npos) eol = body.size();
      parsed_command line;
      parser sub(body.substr(pos, eol - pos), line, budget_);
      sub.parse_list(0, depth);
      for (segment &seg : line.segments) {
        seg.data = true;
        out_.segments.push_back(std::move(seg));
      }
      pos = eol + 1;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  parsed_command &out_;
  size_t &budget_;  // shared by the nested parsers of one command
  std::vector<heredoc_spec> pending_;
};

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

}  // namespace

bool redirection::duplicates_fd() const {
  if ((op != ">&" && op != "<&") || target.expands) return false;
  std::string_view t = target.text;
  if (t == "-") return true;
  if (t.ends_with('-')) t.remove_suffix(1);  // 2>&1- moves the descriptor
  return all_digits(t);
}

bool redirection::writes() const {
  if (op == ">" || op == ">>" || op == ">|" || op == "&>" || op == "&>>" || op == "<>") return true;
  return op == ">&" && !duplicates_fd();  // ">&file" means "&>file"
}

parsed_command parse_command(std::string_view text) {
  parsed_command out;
  // The shell receives a C string: whatever follows a NUL would be invisible to it but not to us.
  if (text.find('\0') != std::string_view::npos) {
    out.error = "command contains a NUL byte";
    return out;
  }
  size_t budget = arithmetic_budget;
  parser p(text, out, budget);
  p.parse_list(0, 0);
  return out;
}

std::string_view basename_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace ra::policy
