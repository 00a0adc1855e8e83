// `scenescape render RUN_DIR`: a finished scene along another camera path.
#include "cli/commands.h"
#include "scenescape/app/preview.h"

namespace scenescape {
namespace {
RenderRequest render_args;
std::string render_out;
}  // namespace

void RegisterRender(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "render", "Re-render a finished run's mesh along another camera path (frames/, video.mp4, cameras.json)");
  sub->add_option("run", render_args.run_dir, "Run folder")->required();
  sub->add_option("-t,--trajectory", render_args.trajectory,
                  "rotations | translations | round | forward | keyframe file | transforms.json | COLMAP folder "
                  "(default: the run's own path)");
  sub->add_option("--frames", render_args.frames, "Number of frames (default: the run's)");
  sub->add_option("--supersample", render_args.supersample, "Render at this factor and downsample (default 2)")
      ->check(CLI::Range(1, 4));
  sub->add_option("-o,--out", render_out, "Output folder (default: RUN/render_<trajectory>)");
}

int RunRenderCommand() {
  render_args.out_dir = render_out;
  RunRender(render_args);
  return 0;
}

}  // namespace scenescape
