// schemas.cpp — input and output JSON Schemas of the files tools (draft-04 subset the core
// validates: every call's arguments are checked against these before the plugin sees them).
#include "fs_ops.hpp"
#include "search.hpp"

namespace ra_files {

// A path: non-empty and bounded. (A NUL byte, which the kernel would stop reading at, is refused by
// the core's policy gate for every declared path argument: RapidJSON's regexes cannot name it.)
#define RA_FILES_PATH(desc) "{\"type\": \"string\", \"minLength\": 1, \"maxLength\": 4096, \"description\": " desc "}"

const char *const read_file_input_schema = R"json({
  "type": "object",
  "properties": {
    "path": )json" RA_FILES_PATH("\"File to read (absolute, or relative to the daemon's working directory)\"") R"json(,
    "offset": {"type": "integer", "minimum": 0, "description": "First byte to read (default 0)"},
    "length": {"type": "integer", "minimum": 0,
               "description": "Bytes to read from offset (default: to the end; at most max_read_bytes)"},
    "encoding": {"type": "string", "enum": ["text", "base64"],
                 "description": "text (default): UTF-8 text, or base64 when the bytes are not valid UTF-8; base64: always base64"}
  },
  "required": ["path"],
  "additionalProperties": false
})json";

const char *const read_file_output_schema = R"json({
  "type": "object",
  "properties": {
    "path": {"type": "string"}, "content": {"type": "string"}, "content_base64": {"type": "string"},
    "size": {"type": "integer"}, "offset": {"type": "integer"}, "length": {"type": "integer"},
    "eof": {"type": "boolean"}, "encoding": {"type": "string", "enum": ["text", "base64"]}, "note": {"type": "string"}
  },
  "required": ["path", "size", "offset", "length", "eof", "encoding"]
})json";

const char *const read_chunk_input_schema = R"json({
  "type": "object",
  "properties": {
    "path": )json" RA_FILES_PATH("\"File to read\"") R"json(,
    "offset": {"type": "integer", "minimum": 0, "description": "First byte of the chunk"},
    "length": {"type": "integer", "minimum": 1, "maximum": 4194304, "description": "Chunk size in bytes (at most 4 MiB)"}
  },
  "required": ["path", "offset", "length"],
  "additionalProperties": false
})json";

const char *const read_chunk_output_schema = R"json({
  "type": "object",
  "properties": {
    "path": {"type": "string"}, "content_base64": {"type": "string"}, "size": {"type": "integer"},
    "offset": {"type": "integer"}, "length": {"type": "integer"}, "eof": {"type": "boolean"},
    "encoding": {"type": "string"}
  },
  "required": ["path", "content_base64", "size", "offset", "length", "eof"]
})json";

const char *const write_file_input_schema = R"json({
  "type": "object",
  "properties": {
    "path": )json" RA_FILES_PATH("\"File to write (created or replaced atomically)\"") R"json(,
    "content": {"type": "string", "description": "The new contents (text, or base64 with encoding: base64)"},
    "encoding": {"type": "string", "enum": ["text", "base64"], "description": "How content is given (default text)"},
    "create_backup": {"type": "boolean", "description": "Back up an existing file first (edit mode; default true)"},
    "create_parents": {"type": "boolean", "description": "Create missing parent directories (default false)"}
  },
  "required": ["path", "content"],
  "additionalProperties": false
})json";

const char *const write_file_output_schema = R"json({
  "type": "object",
  "properties": {
    "path": {"type": "string"}, "bytes_written": {"type": "integer"},
    "backup": {"type": ["string", "null"]}, "created": {"type": "boolean"},
    "created_dirs": {"type": "array", "items": {"type": "string"}}, "via_symlink": {"type": "string"}
  },
  "required": ["path", "bytes_written", "backup", "created"]
})json";

const char *const list_dir_input_schema = R"json({
  "type": "object",
  "properties": {
    "path": )json" RA_FILES_PATH("\"Directory to list\"") R"json(,
    "pattern": {"type": "string", "maxLength": 1024,
                "description": "Only names matching this glob (fnmatch: * ? [..]); without glob characters a substring"},
    "sort": {"type": "string", "enum": ["name", "size", "mtime"],
             "description": "name (default, ascending), size (largest first) or mtime (newest first)"},
    "reverse": {"type": "boolean", "description": "Reverse the order (default false)"},
    "dirs_first": {"type": "boolean", "description": "Directories before everything else (default true)"},
    "limit": {"type": "integer", "minimum": 1, "maximum": 100000, "description": "Most entries returned (default 1000)"}
  },
  "required": ["path"],
  "additionalProperties": false
})json";

const char *const list_dir_output_schema = R"json({
  "type": "object",
  "properties": {
    "path": {"type": "string"},
    "entries": {"type": "array", "items": {"type": "object", "properties": {
      "name": {"type": "string"}, "type": {"type": "string", "enum": ["file", "dir", "symlink", "other"]},
      "size": {"type": "integer"}, "mtime": {"type": "string"}, "mode": {"type": "string"}, "target": {"type": "string"}},
      "required": ["name", "type", "size", "mtime", "mode"]}},
    "total": {"type": "integer"}, "truncated": {"type": "boolean"}
  },
  "required": ["path", "entries", "total", "truncated"]
})json";

const char *const file_stat_input_schema = R"json({
  "type": "object",
  "properties": {
    "path": )json" RA_FILES_PATH("\"File or directory (symlinks are followed)\"") R"json(
  },
  "required": ["path"],
  "additionalProperties": false
})json";

const char *const file_stat_output_schema = R"json({
  "type": "object",
  "properties": {
    "path": {"type": "string"}, "type": {"type": "string", "enum": ["file", "dir", "other"]},
    "size": {"type": "integer"}, "mode": {"type": "string"}, "mtime": {"type": "string"}, "mtime_ms": {"type": "integer"},
    "is_image": {"type": "boolean"}, "mime": {"type": "string"}, "is_symlink": {"type": "boolean"},
    "target": {"type": "string"}
  },
  "required": ["path", "type", "size", "mode", "mtime", "is_image", "mime"]
})json";

const char *const file_search_input_schema = R"json({
  "type": "object",
  "properties": {
    "query": {"type": "string", "minLength": 1, "maxLength": 1024,
              "description": "name: glob (* ? [..]) or, without glob characters, a case-insensitive substring of the file name; content: a literal substring of the contents; image: like name, among image files (\"*\" = all images)"},
    "kind": {"type": "string", "enum": ["name", "content", "image"], "description": "What to match (default name)"},
    "roots": {"type": "array", "maxItems": 64, "items": )json" RA_FILES_PATH("\"A directory to search\"") R"json(,
              "description": "Directories to search (default: $HOME, or those of ~/Pictures, ~/Documents, ~/Downloads, ~/Desktop the policy allows)"},
    "max_hits": {"type": "integer", "minimum": 1, "maximum": 10000, "description": "Stop after this many hits (default 200)"},
    "max_depth": {"type": "integer", "minimum": 0, "maximum": 64, "description": "Directory levels below each root (default 12)"},
    "max_file_bytes": {"type": "integer", "minimum": 1, "maximum": 1073741824,
                       "description": "content: skip files larger than this (default 2 MiB)"},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000,
                   "description": "Stop after this long and return what was found (default 10000)"}
  },
  "required": ["query"],
  "additionalProperties": false
})json";

const char *const file_search_output_schema = R"json({
  "type": "object",
  "properties": {
    "hits": {"type": "array", "items": {"type": "object", "properties": {
      "path": {"type": "string"}, "size": {"type": "integer"}, "mtime": {"type": "string"},
      "is_image": {"type": "boolean"}, "line": {"type": "integer"}},
      "required": ["path", "size", "mtime", "is_image"]}},
    "truncated": {"type": "boolean"}, "timed_out": {"type": "boolean"}, "scanned_files": {"type": "integer"},
    "scanned_dirs": {"type": "integer"}, "skipped_dirs": {"type": "integer"}, "skipped_files": {"type": "integer"},
    "roots": {"type": "array", "items": {"type": "string"}},
    "skipped_roots": {"type": "array", "items": {"type": "object"}}
  },
  "required": ["hits", "truncated", "timed_out", "scanned_files"]
})json";

#undef RA_FILES_PATH

}  // namespace ra_files
