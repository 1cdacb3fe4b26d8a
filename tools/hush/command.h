// SPDX-License-Identifier: MIT
// How a sub-command of `hush` plugs in: a Register function adds its options to the
// CLI11 app and returns the action to run if the user chose it. main.cc lists them.
#ifndef HUSH_TOOLS_HUSH_COMMAND_H
#define HUSH_TOOLS_HUSH_COMMAND_H

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace hush::cli {

// Exit codes shared by every sub-command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the work failed (bad input, I/O error)
inline constexpr int kExitUsage = 2;    // the command line was wrong

struct Command {
  CLI::App* app = nullptr;    // the sub-command, owned by the parent app
  std::function<int()> run;   // called after parsing when app was chosen
};

Command RegisterDenoiseCommand(CLI::App& parent);
Command RegisterSimCommand(CLI::App& parent);
// run, status, set, mic, speaker, enable, disable (service_commands.cc).
std::vector<Command> RegisterServiceCommands(CLI::App& parent);

}  // namespace hush::cli

#endif  // HUSH_TOOLS_HUSH_COMMAND_H
