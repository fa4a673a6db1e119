#include "actors/builds/steps/transfer.hpp"

namespace eventbot::builds {
namespace {

class UploadInterpreter final : public StepInterpreter {
 public:
  UploadInterpreter(std::string url_name, std::string url)
      : url_name_(std::move(url_name)), url_(std::move(url)) {}

  StepOutcome finish(const wire::CommandResult& result, const Properties& properties) override {
    StepOutcome outcome = StepInterpreter::finish(result, properties);
    if (!result.failure_reason().empty()) outcome.text.push_back(result.failure_reason());
    if (!url_.empty() && outcome.result == events::SUCCESS) {
      events::StepUrl url;
      url.set_name(url_name_);
      url.set_url(url_);
      outcome.urls.push_back(url);
    }
    return outcome;
  }

 private:
  std::string url_name_;
  std::string url_;
};

class TransferInterpreter final : public StepInterpreter {
 public:
  StepOutcome finish(const wire::CommandResult& result, const Properties& properties) override {
    StepOutcome outcome = StepInterpreter::finish(result, properties);
    if (!result.failure_reason().empty()) outcome.text.push_back(result.failure_reason());
    return outcome;
  }
};

std::string required_path(StepParams& params, const std::string& key) {
  params.require(key);
  std::string path = params.string(key).value_or("");
  if (params.has(key) && path.empty()) params.error(key, "is empty");
  return path;
}

std::string basename(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void finish_plan(PreparedStep& step, wire::StartCommand command, MasterTransfer transfer,
                 const char* running, const char* done) {
  step.plan.kind = StepPlan::Kind::remote;
  step.plan.remote = std::move(command);
  step.plan.transfer = std::move(transfer);
  if (step.common.description.empty()) step.common.description = {running};
  if (step.common.description_done.empty()) step.common.description_done = {done};
}

}  // namespace

void prepare_file_upload(StepParams& params, const StepContext& context, PreparedStep& step) {
  wire::StartCommand command;
  command.set_builder(context.builder);
  auto& args = *command.mutable_upload_file();
  args.set_source(required_path(params, "slavesrc"));
  args.set_workdir(params.string("workdir").value_or("build"));
  args.set_max_size(static_cast<std::uint64_t>(params.integer("maxsize", 1).value_or(0)));
  args.set_keep_stamp(params.boolean("keepstamp").value_or(false));
  MasterTransfer transfer;
  transfer.direction = MasterTransfer::Direction::to_master;
  transfer.master_path = required_path(params, "masterdest");
  transfer.mode = params.mode("mode");
  transfer.max_size = args.max_size();
  transfer.keep_stamp = args.keep_stamp();
  transfer.url = params.string("url").value_or("");
  step.interpreter =
      std::make_unique<UploadInterpreter>(basename(transfer.master_path), transfer.url);
  finish_plan(step, std::move(command), std::move(transfer), "uploading", "uploaded");
}

void prepare_file_download(StepParams& params, const StepContext& context, PreparedStep& step) {
  wire::StartCommand command;
  command.set_builder(context.builder);
  auto& args = *command.mutable_download_file();
  args.set_dest(required_path(params, "slavedest"));
  args.set_workdir(params.string("workdir").value_or("build"));
  args.set_max_size(static_cast<std::uint64_t>(params.integer("maxsize", 1).value_or(0)));
  args.set_mode(params.mode("mode").value_or(0));
  MasterTransfer transfer;
  transfer.direction = MasterTransfer::Direction::from_master;
  transfer.master_path = required_path(params, "mastersrc");
  transfer.max_size = args.max_size();
  step.interpreter = std::make_unique<TransferInterpreter>();
  finish_plan(step, std::move(command), std::move(transfer), "downloading", "downloaded");
}

void prepare_directory_upload(StepParams& params, const StepContext& context, PreparedStep& step) {
  wire::StartCommand command;
  command.set_builder(context.builder);
  auto& args = *command.mutable_upload_directory();
  args.set_source(required_path(params, "slavesrc"));
  args.set_workdir(params.string("workdir").value_or("build"));
  args.set_max_size(static_cast<std::uint64_t>(params.integer("maxsize", 1).value_or(0)));
  if (const auto* compress = params.json("compress"); compress && !compress->is_null()) {
    if (compress->is_string() && compress->get<std::string>() == "gz") {
      args.set_compress_gz(true);
    } else if (compress->is_string() && compress->get<std::string>() == "bz2") {
      params.error("compress", "\"bz2\" is not supported; use \"gz\"");
    } else {
      params.error("compress", "must be null or \"gz\"");
    }
  }
  MasterTransfer transfer;
  transfer.direction = MasterTransfer::Direction::to_master;
  transfer.master_path = required_path(params, "masterdest");
  transfer.max_size = args.max_size();
  transfer.compressed = args.compress_gz();
  step.interpreter = std::make_unique<TransferInterpreter>();
  finish_plan(step, std::move(command), std::move(transfer), "uploading", "uploaded");
}

void prepare_string_download(StepParams& params, const StepContext& context, PreparedStep& step) {
  wire::StartCommand command;
  command.set_builder(context.builder);
  auto& args = *command.mutable_download_file();
  args.set_dest(required_path(params, "slavedest"));
  args.set_workdir(params.string("workdir").value_or("build"));
  args.set_mode(params.mode("mode").value_or(0));
  params.require("s");
  MasterTransfer transfer;
  transfer.direction = MasterTransfer::Direction::from_master;
  transfer.data = params.string("s").value_or("");
  args.set_size(transfer.data->size());
  step.interpreter = std::make_unique<TransferInterpreter>();
  finish_plan(step, std::move(command), std::move(transfer), "downloading", "downloaded");
}

}  // namespace eventbot::builds
