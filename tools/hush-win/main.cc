// SPDX-License-Identifier: MIT
// hush.exe: Hush on Windows (see docs/windows/engine.md).
//
//   hush.exe run [--driverless] [--input ID] [--output ID] [--speakers ID] [--strength DB]
//                [--seconds S] [--latency-ms MS] [--buffer-ms MS] [--suppressor KIND] [--status S]
//   hush.exe devices
//   hush.exe --version | --help
//
// Exit codes: 0 ok, 1 failure, 2 usage, 3 the Hush driver is not installed, 4 the driver
// refused us (win_engine.h).
#include <hush/hush.h>

#include <windows.h>
#include <shellapi.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "backends/wasapi/wasapi_common.h"
#include "backends/wasapi/win_engine.h"

namespace {

std::atomic<bool> g_stop{false};

// Ctrl-C, Ctrl-Break, closing the console, logoff/shutdown: ask the engine to stop and
// tell Windows it is handled; RunEngine returns within one 20 ms poll.
BOOL WINAPI OnConsoleControl(DWORD type) {
  switch (type) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
      g_stop.store(true);
      return TRUE;
    default:
      return FALSE;
  }
}

void PrintUsage(FILE* to) {
  std::fprintf(to,
               "Hush: real-time noise suppression for voice (Windows)\n"
               "usage:\n"
               "  hush.exe run [options]   denoise the microphone until Ctrl-C\n"
               "  hush.exe devices         list audio endpoints (ids, names, mix formats)\n"
               "  hush.exe --version\n"
               "run options:\n"
               "  --driverless          no driver: the denoised mic goes to --output (e.g. a virtual cable)\n"
               "  --input ID            real microphone: endpoint id or part of its name (default: the default\n"
               "                        capture device, followed when it changes)\n"
               "  --output ID           driverless: where the denoised mic goes (default: the default output)\n"
               "  --speakers ID         driver mode: real speakers for the Hush speaker path (default: default)\n"
               "  --strength DB         attenuation limit 0..100 dB (default 30; 0 = bypass)\n"
               "  --seconds S           stop after S seconds (default: run until Ctrl-C)\n"
               "  --latency-ms MS       target fill of each clock bridge, 5..500 (default 30)\n"
               "  --buffer-ms MS        requested WASAPI buffer, 3..200 (default 20)\n"
               "  --suppressor KIND     default | statistical | neural\n"
               "  --status S            print a status line every S seconds\n"
               "exit codes: 0 ok, 1 failure, 2 usage, 3 driver not installed, 4 driver refused access\n");
}

bool ParseNumber(const std::string& text, double low, double high, double* out) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end == text.c_str() || *end != '\0' || !(v >= low && v <= high)) return false;
  *out = v;
  return true;
}

std::vector<std::string> Arguments() {
  // The UTF-16 command line, so device names with any characters survive.
  std::vector<std::string> args;
  int count = 0;
  wchar_t** argv = CommandLineToArgvW(GetCommandLineW(), &count);
  if (argv == nullptr) return args;
  for (int i = 1; i < count; ++i) args.push_back(hush::wasapi::ToUtf8(argv[i]));
  LocalFree(argv);
  return args;
}

int Usage(const std::string& why) {
  std::fprintf(stderr, "hush.exe: %s (see hush.exe --help)\n", why.c_str());
  return hush::wasapi::kExitUsage;
}

}  // namespace

int main() {
  const std::vector<std::string> args = Arguments();
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    PrintUsage(args.empty() ? stderr : stdout);
    return args.empty() ? hush::wasapi::kExitUsage : hush::wasapi::kExitOk;
  }
  if (args[0] == "--version") {
    std::printf("hush.exe %s\n", hush_version_string());
    return hush::wasapi::kExitOk;
  }
  if (args[0] == "devices") {
    if (args.size() > 1) return Usage("devices takes no options");
    return hush::wasapi::ListDevices();
  }
  if (args[0] != "run") return Usage("unknown command \"" + args[0] + "\"");

  hush::wasapi::EngineConfig config;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string v;
    double number = 0;
    if (a == "--driverless") {
      config.driverless = true;
    } else if (a == "--input" || a == "--output" || a == "--speakers") {
      if (!value(&v)) return Usage(a + " needs a device id or name");
      (a == "--input" ? config.input : a == "--output" ? config.output : config.speakers) = v;
    } else if (a == "--strength") {
      if (!value(&v) || !ParseNumber(v, 0, 100, &number)) return Usage("--strength needs 0..100 (dB)");
      config.strength_db = static_cast<float>(number);
    } else if (a == "--seconds") {
      if (!value(&v) || !ParseNumber(v, 0.01, 1e7, &number)) return Usage("--seconds needs a positive number");
      config.seconds = number;
    } else if (a == "--latency-ms") {
      if (!value(&v) || !ParseNumber(v, 5, 500, &number)) return Usage("--latency-ms needs 5..500");
      config.target_latency_ms = number;
    } else if (a == "--buffer-ms") {
      if (!value(&v) || !ParseNumber(v, 3, 200, &number)) return Usage("--buffer-ms needs 3..200");
      config.buffer_ms = number;
    } else if (a == "--status") {
      if (!value(&v) || !ParseNumber(v, 0.1, 3600, &number)) return Usage("--status needs 0.1..3600 (s)");
      config.status_every_s = number;
    } else if (a == "--suppressor") {
      if (!value(&v)) return Usage("--suppressor needs default, statistical or neural");
      if (v == "default") {
        config.suppressor_kind = HUSH_SUPPRESSOR_DEFAULT;
      } else if (v == "statistical") {
        config.suppressor_kind = HUSH_SUPPRESSOR_STATISTICAL;
      } else if (v == "neural") {
        config.suppressor_kind = HUSH_SUPPRESSOR_NEURAL;
      } else {
        return Usage("--suppressor needs default, statistical or neural");
      }
    } else {
      return Usage("unknown option \"" + a + "\"");
    }
  }
  if (!config.driverless && !config.output.empty()) return Usage("--output is for --driverless (the driver is the output)");
  if (config.driverless && !config.speakers.empty()) return Usage("--speakers needs the driver (no speaker path driverless)");
  SetConsoleCtrlHandler(OnConsoleControl, TRUE);
  return hush::wasapi::RunEngine(config, g_stop);
}
