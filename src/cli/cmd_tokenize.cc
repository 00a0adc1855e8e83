// `scenescape tokenize --vocab DIR TEXT`: prints CLIP token ids, warns when the
// prompt does not fit the text encoder's context (the tail is silently dropped
// by the models otherwise).
#include <cstdio>

#include "cli/command.h"
#include "scenescape/core/logging.h"
#include "scenescape/text/tokenizer.h"

namespace scenescape {
namespace {

class TokenizeCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub = app.add_subcommand("tokenize", "Print the CLIP token ids of a prompt");
    sub->add_option("--vocab", vocab_dir_, "Folder with vocab.json and merges.txt (a model folder)")->required();
    sub->add_option("text", text_, "The prompt")->required();
    sub->add_option("--context", context_, "Context length of the text encoder (default 77)")
        ->check(CLI::Range(3, 4096));
    sub->add_flag("--model-input", model_input_, "Print the padded model input (start, ids, end, padding)");
    return sub;
  }

  int Run(const Invocation&) override;

 private:
  std::string vocab_dir_;
  std::string text_;
  int context_ = kClipContextLength;
  bool model_input_ = false;
};

int TokenizeCommand::Run(const Invocation&) {
  const std::filesystem::path dir = vocab_dir_;
  const ClipTokenizer tokenizer = ClipTokenizer::FromFiles(dir / "vocab.json", dir / "merges.txt");
  const ClipTokenizer::Tokens tokens = tokenizer.EncodeForModel(text_, context_);
  std::vector<int64_t> ids;
  if (model_input_) {
    ids = tokens.ids;
  } else {
    for (int id : tokenizer.Encode(text_)) ids.push_back(id);
  }
  std::string line;
  for (size_t i = 0; i < ids.size(); ++i) line += (i ? " " : "") + std::to_string(ids[i]);
  std::printf("%s\n", line.c_str());
  if (tokens.truncated)
    SCN_LOG_WARN(
        "the prompt needs {} tokens with start and end, the text encoder sees {}: everything after "
        "\"{}\" is ignored",
        tokens.untruncated_length,
        context_,
        tokenizer.Decode(std::vector<int64_t>(tokens.ids.end() - 3, tokens.ids.end() - 1)));
  return 0;
}

}  // namespace

std::unique_ptr<Command> MakeTokenizeCommand() { return std::make_unique<TokenizeCommand>(); }

}  // namespace scenescape
