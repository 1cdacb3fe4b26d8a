// SPDX-License-Identifier: MIT
// `hush`: the command-line tool. Each sub-command lives in its own file and registers
// itself here.
#include <hush/hush.h>

#include <cstdio>
#include <exception>
#include <vector>

#include "command.h"

int main(int argc, char** argv) {
  CLI::App app{"Hush: real-time noise suppression for voice"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("hush ") + hush_version_string());

  std::vector<hush::cli::Command> commands;
  commands.push_back(hush::cli::RegisterDenoiseCommand(app));
  commands.push_back(hush::cli::RegisterSimCommand(app));
  for (auto& command : hush::cli::RegisterServiceCommands(app)) commands.push_back(std::move(command));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? hush::cli::kExitOk : hush::cli::kExitUsage;
  }
  try {
    for (const auto& command : commands) {
      if (command.app->parsed()) return command.run();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hush: error: %s\n", e.what());
    return hush::cli::kExitFailure;
  }
  return hush::cli::kExitUsage;
}
