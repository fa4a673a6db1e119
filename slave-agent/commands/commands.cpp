// make_command: StartCommand -> the command of its family.
#include <vector>

#include "slave-agent/commands/command.hpp"
#include "slave-agent/commands/command_support.hpp"

namespace eventbot::slave {

std::unique_ptr<Command> make_command(const wire::StartCommand& start,
                                      const CommandContext& context, CommandOutput& output,
                                      std::string& error) {
  CommandContext ctx = context;
  if (ctx.builder_dir.empty()) {
    error = "no builder directory for builder '" + start.builder() + "'";
    return nullptr;
  }
  ctx.builder_dir = std::filesystem::absolute(ctx.builder_dir).lexically_normal();
  if (ctx.chunk_bytes == 0) ctx.chunk_bytes = wire_defaults::kChunkBytes;
  switch (start.args_case()) {
    case wire::StartCommand::kShell:
      return commands::make_shell(start.shell(), ctx, output, error);
    case wire::StartCommand::kMkdir:
    case wire::StartCommand::kRmdir:
    case wire::StartCommand::kCpdir:
    case wire::StartCommand::kStat:
    case wire::StartCommand::kGlob:
    case wire::StartCommand::kListdir:
    case wire::StartCommand::kRmfile:
      return commands::make_file_command(start, ctx, output, error);
    case wire::StartCommand::kUploadFile:
    case wire::StartCommand::kUploadDirectory:
    case wire::StartCommand::kDownloadFile:
      return commands::make_transfer_command(start, ctx, output, error);
    case wire::StartCommand::kGit:
      return commands::make_git_checkout(start.git(), ctx, output, error);
    case wire::StartCommand::ARGS_NOT_SET:
      break;
  }
  error = "unknown command (no arguments set) for command id '" + start.command_id() + "'";
  return nullptr;
}

std::vector<std::string> command_names() {
  return {"shell",         "mkdir",   "rmdir",  "cpdir",       "stat",
          "glob",          "listdir", "rmfile", "upload_file", "upload_directory",
          "download_file", "git"};
}

}  // namespace eventbot::slave
