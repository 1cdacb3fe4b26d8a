// SPDX-License-Identifier: MIT
#include "service/control_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "service/control_protocol.h"

namespace hush::service {
namespace {

int64_t NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool FillAddress(const std::string& path, sockaddr_un* address, std::string* error) {
  std::memset(address, 0, sizeof(*address));
  address->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address->sun_path)) {
    *error = "control socket path '" + path + "' is empty or too long";
    return false;
  }
  std::memcpy(address->sun_path, path.c_str(), path.size() + 1);
  return true;
}

// Reads until "\n", EOF, limit + 1 bytes or the deadline. Returns false on timeout/error.
bool ReadLine(int fd, size_t limit, int timeout_ms, std::string* out) {
  const int64_t deadline = NowMs() + timeout_ms;
  char buffer[512];
  while (out->size() <= limit) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    const ssize_t got = read(fd, buffer, sizeof(buffer));
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got < 0) return false;
    if (got == 0) return true;
    out->append(buffer, static_cast<size_t>(got));
    if (out->find('\n') != std::string::npos) return true;
  }
  return true;  // over the limit: the caller refuses it
}

bool WriteAll(int fd, const std::string& data, int timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    const int64_t left = deadline - NowMs();
    if (left <= 0) return false;
    pollfd p{fd, POLLOUT, 0};
    poll(&p, 1, static_cast<int>(left));
  }
  return true;
}

}  // namespace

ControlServer::~ControlServer() {
  if (fd_ >= 0) {
    close(fd_);
    unlink(path_.c_str());
  }
}

bool ControlServer::Open(const std::string& path, std::string* error) {
  sockaddr_un address;
  if (!FillAddress(path, &address, error)) return false;
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    const std::string dir = path.substr(0, slash);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      *error = dir + ": " + std::strerror(errno);
      return false;
    }
    struct stat st {};
    if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
      *error = dir + " is not a directory of this user";
      return false;
    }
    if ((st.st_mode & 077) != 0 && chmod(dir.c_str(), 0700) != 0) {
      *error = dir + ": cannot make it private: " + std::strerror(errno);
      return false;
    }
  }
  // A live service answers a ping; a stale socket file (a crashed service) is replaced.
  std::string response, ignored;
  if (SendControlRequest(path, "ping", &response, &ignored, 500)) {
    *error = "another hush service is running (it answers on " + path + ")";
    return false;
  }
  unlink(path.c_str());
  fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  // The umask makes the socket 0600 from the moment it exists (no window before chmod).
  const mode_t old_mask = umask(0177);
  const int bound = bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  umask(old_mask);
  if (bound != 0 || chmod(path.c_str(), 0600) != 0 || listen(fd_, 16) != 0) {
    *error = path + ": " + std::strerror(errno);
    close(fd_);
    fd_ = -1;
    return false;
  }
  path_ = path;
  return true;
}

void ControlServer::HandleReadable(const std::function<std::string(const std::string&)>& handler) {
  for (;;) {
    const int client = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0) return;  // EAGAIN: nothing more pending (or a transient error)
    std::string response;
    ucred peer{};
    socklen_t length = sizeof(peer);
    if (getsockopt(client, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || peer.uid != getuid()) {
      ++refused_;
      response = ErrorResponse("permission denied: the hush service belongs to another user");
    } else {
      std::string request;
      if (!ReadLine(client, kMaxRequestBytes, kRequestTimeoutMs, &request)) {
        response = ErrorResponse("no complete request within " + std::to_string(kRequestTimeoutMs) + " ms");
      } else if (request.size() > kMaxRequestBytes) {
        response = ErrorResponse("request too long (at most " + std::to_string(kMaxRequestBytes) + " bytes)");
      } else {
        const size_t newline = request.find('\n');
        if (newline != std::string::npos && newline + 1 < request.size()) {
          response = ErrorResponse("one request per connection");
        } else {
          response = handler(request);
        }
      }
    }
    WriteAll(client, response + "\n", kRequestTimeoutMs);
    close(client);
  }
}

bool SendControlRequest(const std::string& path, const std::string& request, std::string* response,
                        std::string* error, int timeout_ms) {
  sockaddr_un address;
  if (!FillAddress(path, &address, error)) return false;
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    *error = "the hush service is not running (" + path + ": " + std::strerror(errno) + ")";
    close(fd);
    return false;
  }
  std::string reply;
  const bool ok = WriteAll(fd, request + "\n", timeout_ms) && ReadLine(fd, 1 << 20, timeout_ms, &reply);
  close(fd);
  if (!ok || reply.empty()) {
    *error = "the hush service did not answer within " + std::to_string(timeout_ms) + " ms";
    return false;
  }
  if (reply.back() == '\n') reply.pop_back();
  *response = reply;
  return true;
}

}  // namespace hush::service
