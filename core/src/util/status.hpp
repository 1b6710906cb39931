// util/status.hpp — the core's one error type: a status code (the SDK's ra_status numbering) plus a
// human-readable message, and result<T> = a value or a status. No exceptions cross module or Asio
// handler boundaries; code that calls throwing libraries converts at the edge.
// Thread safety: value types; no shared state.
#pragma once

#include <remote_agents/status.h>

#include <string>
#include <utility>
#include <variant>

namespace ra {

class status {
 public:
  status() = default;
  status(ra_status code, std::string message) : code_(code), message_(std::move(message)) {}
  static status ok() { return {}; }

  bool is_ok() const { return code_ == RA_OK; }
  explicit operator bool() const { return is_ok(); }
  ra_status code() const { return code_; }
  const std::string &message() const { return message_; }
  std::string to_string() const { return is_ok() ? "ok" : std::string(ra_status_name(code_)) + ": " + message_; }

 private:
  ra_status code_ = RA_OK;
  std::string message_;
};

inline status invalid_argument(std::string m) { return {RA_INVALID_ARGUMENT, std::move(m)}; }
inline status not_found(std::string m) { return {RA_NOT_FOUND, std::move(m)}; }
inline status permission_denied(std::string m) { return {RA_PERMISSION_DENIED, std::move(m)}; }
inline status failed_precondition(std::string m) { return {RA_FAILED_PRECONDITION, std::move(m)}; }
inline status internal_error(std::string m) { return {RA_INTERNAL, std::move(m)}; }
inline status unavailable(std::string m) { return {RA_UNAVAILABLE, std::move(m)}; }

template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  result(status s) : v_(std::move(s)) {}     // NOLINT: implicit by design

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }
  T &value() & { return std::get<T>(v_); }
  const T &value() const & { return std::get<T>(v_); }
  T &&value() && { return std::get<T>(std::move(v_)); }
  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }
  const status &error() const { return std::get<status>(v_); }

 private:
  std::variant<T, status> v_;
};

}  // namespace ra
