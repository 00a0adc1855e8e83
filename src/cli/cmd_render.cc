// `scenescape render RUN_DIR`: a finished scene along another camera path.
#include "cli/command.h"
#include "cli/common_flags.h"
#include "scenescape/app/render.h"

namespace scenescape {
namespace {

class RenderCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub = app.add_subcommand(
        "render", "Re-render a finished run's mesh along another camera path (frames/, video.mp4, cameras.json)");
    sub->add_option("run", request_.run_dir, "Run folder")->required();
    sub->add_option("-t,--trajectory",
                    request_.trajectory,
                    "rotations | translations | round | forward | keyframe file | transforms.json | COLMAP folder "
                    "(default: the run's own path)");
    sub->add_option("--frames", request_.frames, "Number of frames (default: the run's)")->check(ConfigRange("frames"));
    sub->add_option("--supersample", request_.supersample, "Render at this factor and downsample (default 2)")
        ->check(ConfigRange("render.supersample"));
    sub->add_option("-o,--out", request_.out_dir, "Output folder (default: RUN/render_<trajectory>)");
    return sub;
  }

  int Run(const Invocation&) override {
    RunRender(request_);
    return 0;
  }

 private:
  RenderRequest request_;
};

}  // namespace

std::unique_ptr<Command> MakeRenderCommand() { return std::make_unique<RenderCommand>(); }

}  // namespace scenescape
