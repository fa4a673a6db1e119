#pragma once
// File transfers between slave and master (Buildbot's buildbot.steps.transfer). Slave paths
// are relative to workdir ("build"), master paths to the master's base directory (a
// leading ~ is expanded by the shell). All path parameters are interpolated.
//
//   file_upload       slavesrc, masterdest (required), maxsize (none), mode (octal; none:
//                     the umask), keepstamp (false), url (shown as the step's URL, named
//                     after masterdest's file name)
//   file_download     mastersrc, slavedest (required), maxsize, mode
//   directory_upload  slavesrc, masterdest (required), maxsize, compress (null | "gz";
//                     "bz2" is refused)
//   string_download   s (required), slavedest (required), mode
//
// Each is a remote command (upload_file, upload_directory, download_file) plus the
// master's end (MasterTransfer). The shell reports the slave's CommandResult; a failure
// of its own end (cannot write masterdest) is a FAILED CommandResult with the reason.
#include "actors/builds/steps/params.hpp"
#include "actors/builds/steps/step_plan.hpp"

namespace eventbot::builds {

void prepare_file_upload(StepParams& params, const StepContext& context, PreparedStep& step);
void prepare_file_download(StepParams& params, const StepContext& context, PreparedStep& step);
void prepare_directory_upload(StepParams& params, const StepContext& context, PreparedStep& step);
void prepare_string_download(StepParams& params, const StepContext& context, PreparedStep& step);

}  // namespace eventbot::builds
