// SPDX-License-Identifier: MIT
// The control protocol of the service: one request per connection on a Unix socket,
// one line of text each way.
//
//   request   status | set strength <0..100> | mic on|off | speaker on|off | ping
//   response  a JSON object on one line: {"ok":true,...} or {"ok":false,"error":"..."}
//
// Requests are at most kMaxRequestBytes (a longer one is refused before it is parsed),
// printable ASCII, words separated by single spaces or tabs, ended by "\n" (optional).
// Parsing is a pure function, so it is tested (and fuzzed) without a socket.
#ifndef HUSH_SERVICE_CONTROL_PROTOCOL_H
#define HUSH_SERVICE_CONTROL_PROTOCOL_H

#include <cstddef>
#include <string>
#include <string_view>

namespace hush::service {

inline constexpr size_t kMaxRequestBytes = 256;

struct Request {
  enum class Kind { kPing, kStatus, kSetStrength, kMicrophone, kSpeaker };
  Kind kind = Kind::kPing;
  int strength = 0;  // kSetStrength
  bool on = false;   // kMicrophone, kSpeaker
};

// false with *error (a sentence for the user) when the request is not one of the above.
bool ParseRequest(std::string_view text, Request* request, std::string* error);

// JSON helpers for the responses.
std::string JsonString(std::string_view s);  // a quoted, escaped JSON string
std::string ErrorResponse(std::string_view message);  // {"ok":false,"error":"..."}

// The socket: $XDG_RUNTIME_DIR/hush/control. Empty when XDG_RUNTIME_DIR is unset or not
// absolute (then there is no per-user place for it, and the caller says so).
std::string DefaultSocketPath();

}  // namespace hush::service

#endif  // HUSH_SERVICE_CONTROL_PROTOCOL_H
