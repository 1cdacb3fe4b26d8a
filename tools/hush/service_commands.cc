// SPDX-License-Identifier: MIT
// The service's commands:
//   hush run                     the service itself (PipeWire client; Linux)
//   hush status [--json]         what it is doing
//   hush set strength 0..100     the attenuation limit in dB, live and saved
//   hush mic on|off              suppression on "Hush microphone" (off = passed through)
//   hush speaker on|off          suppression on "Hush speaker"
//   hush enable | disable        install and start / stop and remove the systemd user unit
// Everything but run and enable/disable talks to the running service over its control
// socket ($XDG_RUNTIME_DIR/hush/control).
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "command.h"
#include "service/config.h"
#include "service/control_protocol.h"
#include "service/control_socket.h"
#include "service/json.h"
#if HUSH_HAVE_PIPEWIRE
#include "backends/pipewire/pipewire_service.h"
#endif

extern char** environ;

namespace hush::cli {
namespace {

using service::JsonValue;

struct ClientOptions {
  std::string socket;
};

void AddSocketOption(CLI::App* app, ClientOptions* options) {
  app->add_option("--socket", options->socket, "Control socket (default $XDG_RUNTIME_DIR/hush/control)");
}

std::string SocketPath(const ClientOptions& options) {
  return options.socket.empty() ? service::DefaultSocketPath() : options.socket;
}

// Sends a request; prints the error and returns false when it fails or is refused.
bool Ask(const ClientOptions& options, const std::string& request, JsonValue* response, std::string* raw = nullptr) {
  const std::string path = SocketPath(options);
  if (path.empty()) {
    std::fprintf(stderr, "hush: error: XDG_RUNTIME_DIR is not set, so there is no control socket to reach\n");
    return false;
  }
  std::string line, error;
  if (!service::SendControlRequest(path, request, &line, &error)) {
    std::fprintf(stderr, "hush: error: %s\n", error.c_str());
    return false;
  }
  if (!service::ParseJson(line, response, &error) || response->type != JsonValue::Type::kObject) {
    std::fprintf(stderr, "hush: error: the service sent an unreadable answer (%s)\n", error.c_str());
    return false;
  }
  if (!response->Bool("ok")) {
    std::fprintf(stderr, "hush: error: %s\n", response->String("error", "the service refused the request").c_str());
    return false;
  }
  if (raw != nullptr) *raw = line;
  return true;
}

void PrintPath(const char* title, const JsonValue* p) {
  if (p == nullptr) return;
  std::printf("%s (%s): %s%s\n", title, p->String("node").c_str(), p->String("state").c_str(),
              p->Bool("enabled") ? "" : " (suppression off)");
  std::printf("  device %s, %.0f Hz, %.0f channel(s), quantum %.0f frames\n", p->String("device").c_str(),
              p->Number("rate_hz"), p->Number("channels"), p->Number("quantum_frames"));
  std::printf("  latency %.2f ms (%.0f frames), CPU %.1f us per 10 ms hop (load %.1f %%), voice %.2f\n",
              p->Number("latency_ms"), p->Number("latency_frames"), p->Number("cpu_us_per_hop"),
              p->Number("load_percent"), p->Number("voice_probability"));
  std::printf("  drift %+.1f ppm, xruns %.0f, degradations %.0f\n", p->Number("drift_ppm"), p->Number("xruns"),
              p->Number("degradations"));
  const std::string error = p->String("error");
  if (!error.empty()) std::printf("  last error: %s\n", error.c_str());
}

// ---- systemd user unit ----------------------------------------------------------------

std::string SelfPath() {
  std::vector<char> buffer(4096);
  const ssize_t n = readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
  return n > 0 ? std::string(buffer.data(), static_cast<size_t>(n)) : std::string("hush");
}

std::string UnitDir() { return service::ConfigHomeDir() + "/systemd/user"; }

std::string UnitText() {
  return "# Installed by `hush enable`; `hush disable` removes it.\n"
         "[Unit]\n"
         "Description=Hush noise suppression (\"Hush microphone\" and \"Hush speaker\")\n"
         "After=pipewire.service wireplumber.service\n"
         "Wants=pipewire.service\n"
         "\n"
         "[Service]\n"
         "Type=simple\n"
         "ExecStart=" + SelfPath() + " run\n"
         // Restarts after a crash; a clean stop (hush disable, logout) stays stopped.
         "Restart=on-failure\n"
         "RestartSec=2\n"
         "\n"
         "[Install]\n"
         "WantedBy=default.target\n";
}

// Runs systemctl --user ARGS...; returns its exit status, -1 if it could not start.
int Systemctl(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"systemctl", "--user"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "systemctl", nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int Enable(bool dry_run) {
  const std::string dir = UnitDir(), unit = dir + "/hush.service";
  if (dry_run) {
    std::printf("%s:\n%s", unit.c_str(), UnitText().c_str());
    return kExitOk;
  }
  for (size_t pos = dir.find('/', 1);; pos = dir.find('/', pos + 1)) {  // mkdir -p
    const std::string part = dir.substr(0, pos);
    if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      std::fprintf(stderr, "hush: error: %s: %s\n", part.c_str(), std::strerror(errno));
      return kExitFailure;
    }
    if (pos == std::string::npos) break;
  }
  const std::string tmp = unit + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << UnitText();
    if (!out.flush()) {
      std::fprintf(stderr, "hush: error: cannot write %s\n", tmp.c_str());
      std::remove(tmp.c_str());
      return kExitFailure;
    }
  }
  if (std::rename(tmp.c_str(), unit.c_str()) != 0) {
    std::fprintf(stderr, "hush: error: cannot install %s: %s\n", unit.c_str(), std::strerror(errno));
    std::remove(tmp.c_str());
    return kExitFailure;
  }
  const int reload = Systemctl({"daemon-reload"});
  const int start = reload == 0 ? Systemctl({"enable", "--now", "hush.service"}) : reload;
  if (start != 0) {
    // All or nothing: a unit that could not be started is not left behind.
    std::remove(unit.c_str());
    if (reload == 0) Systemctl({"daemon-reload"});
    std::fprintf(stderr,
                 "hush: error: systemd could not %s the user unit (%s); nothing was installed.\n"
                 "  Is there a systemd user session (systemctl --user status)? Without one, run `hush run`.\n",
                 reload != 0 ? "load" : "start",
                 start < 0 ? "systemctl not found" : ("systemctl exited with " + std::to_string(start)).c_str());
    return kExitFailure;
  }
  std::printf("hush: enabled and started (%s); \"Hush microphone\" and \"Hush speaker\" are available.\n",
              unit.c_str());
  return kExitOk;
}

int Disable() {
  const std::string unit = UnitDir() + "/hush.service";
  if (access(unit.c_str(), F_OK) != 0) {
    std::printf("hush: not enabled (no %s)\n", unit.c_str());
    return kExitOk;
  }
  const int stop = Systemctl({"disable", "--now", "hush.service"});
  std::remove(unit.c_str());
  Systemctl({"daemon-reload"});
  if (stop != 0) {
    std::fprintf(stderr, "hush: warning: systemctl could not stop the unit (%s); its file is removed\n",
                 stop < 0 ? "systemctl not found" : "it may not have been running");
  }
  std::printf("hush: disabled (%s removed)\n", unit.c_str());
  return kExitOk;
}

}  // namespace

std::vector<Command> RegisterServiceCommands(CLI::App& parent) {
  std::vector<Command> commands;
  auto client = std::make_shared<ClientOptions>();

  {
    auto* app = parent.add_subcommand("run", "Run the service: \"Hush microphone\" and \"Hush speaker\" (PipeWire)");
    auto options = std::make_shared<std::pair<std::string, bool>>();
    app->add_option("--config", options->first, "Settings file (default ~/.config/hush/config.toml)");
    app->add_flag("-v,--verbose", options->second, "Log stream state changes");
    AddSocketOption(app, client.get());
    commands.push_back({app, [options, client]() {
#if HUSH_HAVE_PIPEWIRE
                          pipewire::ServiceOptions o;
                          o.config_path = options->first.empty() ? service::DefaultConfigPath() : options->first;
                          o.socket_path = SocketPath(*client);
                          o.verbose = options->second;
                          return pipewire::RunService(o) == 0 ? kExitOk : kExitFailure;
#else
                          std::fprintf(stderr, "hush: error: this build has no PipeWire support\n");
                          return kExitFailure;
#endif
                        }});
  }
  {
    auto* app = parent.add_subcommand("status", "Show what the running service is doing");
    auto json = std::make_shared<bool>(false);
    app->add_flag("--json", *json, "Print the service's answer as JSON");
    AddSocketOption(app, client.get());
    commands.push_back({app, [json, client]() {
                          JsonValue status;
                          std::string raw;
                          if (!Ask(*client, "status", &status, &raw)) return kExitFailure;
                          if (*json) {
                            std::printf("%s\n", raw.c_str());
                            return kExitOk;
                          }
                          std::printf("Hush %s: %s, suppressor %s, strength %.0f\n", status.String("version").c_str(),
                                      status.Bool("connected") ? "connected to PipeWire" : "reconnecting to PipeWire",
                                      status.String("suppressor").c_str(), status.Number("strength"));
                          PrintPath("Hush microphone", status.Find("microphone"));
                          PrintPath("Hush speaker", status.Find("speaker"));
                          return kExitOk;
                        }});
  }
  {
    auto* app = parent.add_subcommand("set", "Change a setting of the running service (saved)");
    auto args = std::make_shared<std::vector<std::string>>();
    app->add_option("setting", *args, "strength 0..100")->required()->expected(2);
    AddSocketOption(app, client.get());
    commands.push_back({app, [args, client]() {
                          JsonValue ok;
                          return Ask(*client, "set " + (*args)[0] + " " + (*args)[1], &ok) ? kExitOk : kExitFailure;
                        }});
  }
  for (const char* name : {"mic", "speaker"}) {
    auto* app = parent.add_subcommand(name, std::string("Turn suppression on \"Hush ") +
                                                (std::string(name) == "mic" ? "microphone" : "speaker") + "\" on or off");
    auto state = std::make_shared<std::string>();
    app->add_option("state", *state, "on|off")->required()->check(CLI::IsMember({"on", "off"}));
    AddSocketOption(app, client.get());
    const std::string verb = name;
    commands.push_back({app, [state, client, verb]() {
                          JsonValue ok;
                          return Ask(*client, verb + " " + *state, &ok) ? kExitOk : kExitFailure;
                        }});
  }
  {
    auto* app = parent.add_subcommand("enable", "Install and start the systemd user unit (hush run at login)");
    auto dry = std::make_shared<bool>(false);
    app->add_flag("--dry-run", *dry, "Print the unit and where it would go; change nothing");
    commands.push_back({app, [dry]() { return Enable(*dry); }});
  }
  {
    auto* app = parent.add_subcommand("disable", "Stop and remove the systemd user unit");
    commands.push_back({app, []() { return Disable(); }});
  }
  return commands;
}

}  // namespace hush::cli
