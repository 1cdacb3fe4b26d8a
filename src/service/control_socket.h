// SPDX-License-Identifier: MIT
// The service's end of the control socket, and the client's.
//
// Security: the socket lives in a directory of mode 0700 under $XDG_RUNTIME_DIR and is
// itself 0600; on top of that every connection's peer is checked with SO_PEERCRED and
// refused (with an error response) unless it is the service's own user. Robustness: a
// request is read with a deadline (kRequestTimeoutMs) and a size limit, so a client
// that sends nothing, or too much, costs the control thread at most that long and never
// the audio threads (which do not touch the socket).
#ifndef HUSH_SERVICE_CONTROL_SOCKET_H
#define HUSH_SERVICE_CONTROL_SOCKET_H

#include <cstdint>
#include <functional>
#include <string>

namespace hush::service {

inline constexpr int kRequestTimeoutMs = 500;

class ControlServer {
 public:
  ControlServer() = default;
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Creates the directory (0700) and the listening socket (0600). A socket left by a
  // dead service is replaced; one that a running service answers is not (false, "another
  // hush service is running"). false with the reason.
  bool Open(const std::string& path, std::string* error);
  int Fd() const { return fd_; }  // non-blocking listening socket, for the event loop
  // Accepts every pending connection and answers each: handler(request) -> response.
  // Requests from another user are answered with an error without reaching handler.
  void HandleReadable(const std::function<std::string(const std::string&)>& handler);
  uint64_t Refused() const { return refused_; }

 private:
  int fd_ = -1;
  std::string path_;
  uint64_t refused_ = 0;
};

// Sends one request and returns the response line. false with the reason (no service
// listening, timeout, ...).
bool SendControlRequest(const std::string& path, const std::string& request, std::string* response,
                        std::string* error, int timeout_ms = 3000);

}  // namespace hush::service

#endif  // HUSH_SERVICE_CONTROL_SOCKET_H
