// `scenescape tokenize --vocab DIR TEXT`: prints CLIP token ids, warns when the
// prompt does not fit the text encoder's context (the tail is silently dropped
// by the models otherwise).
#include <cstdio>

#include "cli/commands.h"
#include "scenescape/core/logging.h"
#include "scenescape/text/tokenizer.h"

namespace scenescape {
namespace {
struct TokenizeArgs {
  std::string vocab_dir;
  std::string text;
  int context = kClipContextLength;
  bool model_input = false;
} args;
}  // namespace

void RegisterTokenize(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("tokenize", "Print the CLIP token ids of a prompt");
  sub->add_option("--vocab", args.vocab_dir, "Folder with vocab.json and merges.txt (a model folder)")->required();
  sub->add_option("text", args.text, "The prompt")->required();
  sub->add_option("--context", args.context, "Context length of the text encoder (default 77)");
  sub->add_flag("--model-input", args.model_input, "Print the padded model input (start, ids, end, padding)");
}

int RunTokenize() {
  const std::filesystem::path dir = args.vocab_dir;
  const ClipTokenizer tokenizer = ClipTokenizer::FromFiles(dir / "vocab.json", dir / "merges.txt");
  const ClipTokenizer::Tokens tokens = tokenizer.EncodeForModel(args.text, args.context);
  std::vector<int64_t> ids;
  if (args.model_input) {
    ids = tokens.ids;
  } else {
    for (int id : tokenizer.Encode(args.text)) ids.push_back(id);
  }
  std::string line;
  for (size_t i = 0; i < ids.size(); ++i) line += (i ? " " : "") + std::to_string(ids[i]);
  std::printf("%s\n", line.c_str());
  if (tokens.truncated)
    SCN_LOG_WARN("the prompt needs {} tokens with start and end, the text encoder sees {}: everything after "
                 "\"{}\" is ignored",
                 tokens.untruncated_length, args.context,
                 tokenizer.Decode(std::vector<int64_t>(tokens.ids.end() - 3, tokens.ids.end() - 1)));
  return 0;
}

}  // namespace scenescape
