// policy/command_parse.hpp — a small shell-word tokenizer for policy decisions (not a shell).
// It splits a command line into words and segments the way a POSIX shell (bash, dash) would:
// quotes, backslashes, $'…' are removed; | ; & && || |& ( ) and newlines end segments;
// redirections are reported separately; command and process substitutions ($(…), `…`, <(…),
// >(…)) are flagged AND parsed, so their commands appear as segments too.
// When it cannot know what the shell will do it errs towards seeing MORE code, never less:
// `#` does not start a comment here, and heredoc bodies are reported as extra (data) segments.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ra::policy {

struct word {
  std::string text;              // quotes and backslashes removed; $NAME, ${…}, $(…) kept as written
  bool quoted = false;           // some part was quoted or backslash-escaped
  bool expands = false;          // has a $-expansion or substitution: its value is known only at run time
  bool glob = false;             // has an unquoted * ? [ (pathname expansion)
  bool leading_special = false;  // begins with an expansion or an unquoted * ? [ {: the shell may turn
                                 // it into a word that starts with '-', i.e. into an option
  bool assignment = false;       // NAME=value or NAME+=value with an unquoted NAME
};

enum class separator {
  end,          // end of input or of a substitution
  pipe,         // |
  pipe_stderr,  // |&
  sequence,     // ; ;; ;& ;;&
  newline,
  background,   // a lone &
  and_if,       // &&
  or_if,        // ||
  open_paren,   // ( — subshell or function definition
  close_paren,  // )
};

struct redirection {
  std::string fd;  // what was written before the operator: "", "2", "{name}"
  std::string op;  // > >> >| &> &>> >& < << <<- <<< <& <>
  word target;     // file, fd number, "-" or heredoc delimiter
  // Opens `target` as a file for writing (>&N and N>&- only duplicate or close descriptors).
  bool writes() const;
  // Duplicates or closes a descriptor (2>&1, >&2, <&0, >&-): no file is opened.
  bool duplicates_fd() const;
};

struct segment {
  std::vector<word> words;
  std::vector<redirection> redirections;
  separator after = separator::end;  // what ended this segment
  int depth = 0;                     // substitution nesting: 0 = top level
  bool data = false;                 // a line of a heredoc body: code only if a shell reads it
};

struct parsed_command {
  std::vector<segment> segments;  // in source order within a level; a substitution's segments come
                                  // before the segment that contains it
  bool substitution = false;      // $( ) ` ` <( ) >( ) or an expanding heredoc containing them
  bool subshell = false;          // ( ) grouping or a function definition
  bool background = false;        // a lone &
  std::string error;              // non-empty: the shell would reject it (unterminated quote …)
  bool ok() const { return error.empty(); }
};

// Never throws; errors are reported in parsed_command::error.
parsed_command parse_command(std::string_view text);

// The part after the last '/' ("/usr/bin/ls" → "ls").
std::string_view basename_of(std::string_view path);

}  // namespace ra::policy
