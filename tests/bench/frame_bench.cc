// frame_bench: whole frames on the torch back end, timed stage by stage, into one JSON file.
//
//   frame_bench --models DIR [--device cuda] [--frames 3] [-c CONFIG] [--set key=value]...
//               [--amp-compare] --out FILE.json
//
// It runs what `scenescape --prompt ... --models DIR` runs for the first frames (frame 0 from the prompt,
// then the default `rotations` path) without writing a run folder, and without the OpenCV speck filler
// (the specks are inpainted with the holes), so that it builds where OpenCV is absent: the GPU machine of
// scripts/gpu/measure.sh, which is its main user (docs/benchmarks.md).
//
// The JSON holds, per frame, the generator's stage times (render, inpaint, score = CLIP, finalize, depth,
// mesh = merge, total), the inpainter's sub-stages (VAE encode, text encoder, the UNet sampling loop, the
// candidates' decode, the decoder fine-tuning, the final decode), the depth fine-tuning time and the
// caching allocator's peak memory on CUDA. With --amp-compare the depth network of the last frame is
// fine-tuned twice more on that frame's own inputs, in float32 and with mixed precision, and both loss
// curves are written side by side (finetune.mixed_precision; the decoder always trains in float32).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/version.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "scenescape/backends/torch/torch_backend.h"
#include "scenescape/config/config.h"
#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "scenescape/finetune/depth_finetuner.h"
#include "scenescape/models/depth_model.h"
#include "scenescape/models/manifest.h"
#include "scenescape/pipeline/scene_generator.h"

namespace scenescape {
namespace {

using nlohmann::json;

// Forwards to the back end's depth stage and keeps the inputs of the last call that had mesh depth
// (a frame >= 1), for the mixed-precision comparison on the same frame.
class RecordingDepth : public DepthEstimator {
 public:
  explicit RecordingDepth(std::shared_ptr<DepthEstimator> inner) : inner_(std::move(inner)) {}
  std::string Name() const override { return inner_->Name(); }
  at::Tensor Estimate(const at::Tensor& image, const at::Tensor& mesh_depth, const FrameContext& ctx) override {
    if (mesh_depth.defined()) {
      image_ = image.clone();
      mesh_depth_ = mesh_depth.clone();
      frame_ = ctx.frame_index;
    }
    return inner_->Estimate(image, mesh_depth, ctx);
  }
  std::map<std::string, double> Diagnostics() const override { return inner_->Diagnostics(); }

  at::Tensor image_, mesh_depth_;  // [H,W,3], [H,W] CPU
  int frame_ = -1;

 private:
  std::shared_ptr<DepthEstimator> inner_;
};

json MemoryJson(const c10::Device& device) {
  const DeviceMemoryPeak peak = PeakDeviceMemory(device);
  if (!peak.known) return nullptr;
  return {{"peak_allocated_bytes", peak.allocated_bytes}, {"peak_reserved_bytes", peak.reserved_bytes}};
}

double Get(const std::map<std::string, double>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? 0.0 : it->second;
}

// One frame's record: the generator's stages as measured, and the named stages of the table
// (what the docs report) derived from them and from the stages' diagnostics.
json FrameJson(const FrameResult& r, const c10::Device& device) {
  const auto& t = r.timings_ms;
  const auto& d = r.diagnostics;
  json stages = {
      {"render_ms", Get(t, "render")},
      {"vae_encode_ms", Get(d, "vae_encode_ms")},
      {"text_encoder_ms", Get(d, "text_encoder_ms")},
      {"unet_ms", Get(d, "unet_ms")},
      {"decode_ms", Get(d, "decode_ms")},
      {"clip_ms", Get(t, "score")},
      {"decoder_finetune_ms", Get(d, "decoder_finetune_ms")},
      {"final_decode_ms", Get(d, "final_decode_ms")},
      {"depth_finetune_ms", Get(d, "depth_finetune_ms")},
      // The depth stage less its fine-tuning: the prediction and the copy back to the CPU.
      {"depth_predict_ms", Get(t, "depth") - Get(d, "depth_finetune_ms")},
      {"merge_ms", Get(t, "mesh")},
      {"total_ms", Get(t, "total")},
  };
  json losses = json::object();
  for (const auto& [k, v] : d)
    if (k.find("loss") != std::string::npos || k.find("l1") != std::string::npos || k.find("psnr") != std::string::npos)
      losses[k] = v;
  return {{"index", r.index},
          {"stages", stages},
          {"generator_timings_ms", t},
          {"figures", losses},
          {"candidates", r.candidates.size()},
          {"holes_fraction", r.holes.defined() ? r.holes.to(at::kFloat).mean().item<double>() : 0.0},
          {"mesh_faces", r.mesh_faces},
          {"memory", MemoryJson(device)}};
}

json DepthFinetuneOnce(const DepthManifest& manifest,
                       const c10::Device& device,
                       const FinetuneOptions& options,
                       const at::Tensor& image,
                       const at::Tensor& mesh_depth) {
  DepthModel model(manifest, device, at::kFloat);
  DepthFinetuner finetuner(model, options);
  const at::Tensor x = image.permute({2, 0, 1}).unsqueeze(0).contiguous().to(device, at::kFloat);
  const at::Tensor target = mesh_depth.to(device, at::kFloat);
  ResetPeakDeviceMemory(device);
  const FinetuneStats stats = finetuner.Finetune(x, target);
  SyncDevice(device);
  return {{"mixed_precision", options.mixed_precision},
          {"steps", stats.steps},
          {"ms", stats.ms},
          {"skipped", stats.skipped},
          {"losses", stats.losses},
          {"memory", MemoryJson(device)}};
}

// Fine-tunes a fresh copy of the depth network on (image, mesh_depth) with `options`: the losses, the wall
// time (the first steps include the TorchScript executor's warm-up for that mode) and the peak memory. A
// run that throws is recorded with its error instead, so that one precision failing keeps the other's.
json DepthFinetuneRun(const DepthManifest& manifest,
                      const c10::Device& device,
                      const FinetuneOptions& options,
                      const at::Tensor& image,
                      const at::Tensor& mesh_depth) {
  try {
    return DepthFinetuneOnce(manifest, device, options, image, mesh_depth);
  } catch (const c10::Error& e) {
    return {{"mixed_precision", options.mixed_precision}, {"error", e.what_without_backtrace()}};
  } catch (const std::exception& e) {
    return {{"mixed_precision", options.mixed_precision}, {"error", e.what()}};
  }
}

int Run(int argc, char** argv) {
  CLI::App app{"frame_bench: per-stage times of whole frames on the torch back end, as one JSON file"};
  std::string models, device_text = "auto", config_file, out, label;
  std::vector<std::string> sets;
  int frames = 3, threads = 0;
  bool amp_compare = false;
  app.add_option("--models", models, "model folder (models/README.md)")->required();
  app.add_option("--device", device_text, "auto | cpu | cuda | cuda:N");
  app.add_option("--frames", frames, "frames including frame 0 (from the prompt)")->check(CLI::Range(1, 1000));
  app.add_option("-c,--config", config_file, "JSON config (default: the built-in defaults = configs/default.json)");
  app.add_option("--set", sets, "override a config key, e.g. --set sampler.steps=4 (repeatable)");
  app.add_flag(
      "--amp-compare", amp_compare, "fine-tune the last frame's depth network again in float32 and in mixed precision");
  app.add_option("--threads", threads, "CPU threads (default: OMP_NUM_THREADS, else all cores)");
  app.add_option("--label", label, "free text stored in the JSON (machine, purpose)");
  app.add_option("--out", out, "the JSON file to write")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : static_cast<int>(ExitCode::kBadInput);
  }

  json doc = config_file.empty() ? json::object() : LoadConfigJson(config_file);
  for (const auto& s : sets) ApplyOverride(doc, s);
  doc["frames"] = frames;
  doc["models"] = models;
  doc["device"] = device_text;
  Config config = ConfigFromJson(doc, config_file.empty() ? "built-in defaults + flags" : config_file + " + flags");
  CheckConfig(config, "frame_bench");
  if (config.camera.fov.is_auto)
    throw InputError("camera.fov: \"auto\" needs a photo; frame_bench starts from the prompt");
  at::set_num_threads(ResolveThreads(threads));

  Timer load_timer;
  TorchBackendOptions backend_options{models, config.device, config.sampler, config.inpaint, config.finetune};
  TorchBackend backend = MakeTorchBackend(backend_options);
  const c10::Device backend_device = backend.device;
  SyncDevice(backend_device);
  const double load_ms = load_timer.ElapsedMs();
  SCN_LOG_INFO(
      "frame_bench: {} | {} threads | models loaded in {:.0f} ms", backend.description, at::get_num_threads(), load_ms);

  // The JSON is rewritten after every frame and at the end, so a run stopped by a time limit keeps
  // what it finished ("complete": false until then).
  const json settings = {{"frames", frames},
                         {"width", config.camera.width},
                         {"height", config.camera.height},
                         {"canvas_border", config.inpaint.canvas_border},
                         {"candidates", config.inpaint.num_candidates},
                         {"sampler", ConfigToJson(config)["sampler"]},
                         {"finetune", ConfigToJson(config)["finetune"]}};
  json frames_json = json::array();
  json amp = nullptr;
  const auto write = [&](bool complete) {
    // Peak of the run so far = the largest frame peak (each frame's peak is reset at its start).
    json memory = nullptr;
    for (const auto& f : frames_json)
      if (!f["memory"].is_null()) {
        if (memory.is_null()) memory = {{"peak_allocated_bytes", 0}, {"peak_reserved_bytes", 0}};
        for (const char* k : {"peak_allocated_bytes", "peak_reserved_bytes"})
          memory[k] = std::max(memory[k].get<int64_t>(), f["memory"][k].get<int64_t>());
      }
    const json result = {{"program", "frame_bench"},
                         {"complete", complete},
                         {"label", label},
                         {"libtorch", TORCH_VERSION},
                         {"device", backend_device.str()},
                         {"threads", at::get_num_threads()},
                         {"models", models},
                         {"settings", settings},
                         {"load_ms", load_ms},
                         {"frames", frames_json},
                         {"memory", memory},
                         {"amp_compare", amp}};
    std::ofstream file(out);
    if (!(file << result.dump(1) << "\n")) throw OutputError(out + ": cannot write");
  };

  auto depth = std::make_shared<RecordingDepth>(backend.depth);
  {
    SceneGenerator generator(ToGeneratorOptions(config, LoadCameraPath(config.trajectory)),
                             Stages{depth, backend.inpainter, backend.scorer, nullptr});
    Timer run_timer;
    ResetPeakDeviceMemory(backend_device);
    FrameResult r = generator.Start(at::Tensor());
    frames_json.push_back(FrameJson(r, backend_device));
    write(false);
    SCN_LOG_INFO("frame 0: {:.0f} ms", r.timings_ms.at("total"));
    while (!generator.Done()) {
      ResetPeakDeviceMemory(backend_device);
      r = generator.Next();
      frames_json.push_back(FrameJson(r, backend_device));
      write(false);
      SCN_LOG_INFO("frame {}: {:.0f} ms", r.index, r.timings_ms.at("total"));
    }
    SCN_LOG_INFO("{} frames in {:.0f} ms", frames, run_timer.ElapsedMs());
  }

  if (amp_compare) {
    SCN_CHECK(depth->frame_ >= 1) << "--amp-compare needs a frame >= 1 (--frames 2 or more)";
    const ModelManifest manifest = LoadManifest(models);
    const at::Tensor image = depth->image_, mesh_depth = depth->mesh_depth_;
    const int amp_frame = depth->frame_;
    backend = TorchBackend{};  // frees the models' device memory before the two extra networks
    depth.reset();
    FinetuneOptions fp32 = config.finetune, mixed = config.finetune;
    fp32.mixed_precision = false;
    mixed.mixed_precision = true;
    SCN_LOG_INFO(
        "mixed precision against float32: frame {}'s depth fine-tuning, {} steps each", amp_frame, fp32.depth_steps);
    json a = DepthFinetuneRun(manifest.RequireDepth(), backend_device, fp32, image, mesh_depth);
    json b = DepthFinetuneRun(manifest.RequireDepth(), backend_device, mixed, image, mesh_depth);
    const auto last = [](const json& run) {
      return run.contains("losses") && !run["losses"].empty() ? run["losses"].back().get<double>() : 0.0;
    };
    const double last32 = last(a), last_mixed = last(b);
    amp = {{"frame", amp_frame},
           {"what", "depth network fine-tuning on that frame's image and mesh depth, from the pristine weights"},
           {"mixed_dtype", backend_device.is_cuda() ? "float16 with dynamic loss scaling" : "bfloat16"},
           {"float32", a},
           {"mixed", b},
           {"final_loss_relative_difference",
            last32 != 0.0 && last_mixed != 0.0 ? json((last_mixed - last32) / last32) : json(nullptr)}};
  }
  write(true);
  SCN_LOG_INFO("wrote {}", out);
  return 0;
}

}  // namespace
}  // namespace scenescape

int main(int argc, char** argv) {
  using namespace scenescape;
  try {
    return Run(argc, argv);
  } catch (const Error& e) {
    SCN_LOG_ERROR("{}", e.what());
    return static_cast<int>(e.code());
  } catch (const c10::Error& e) {
    SCN_LOG_ERROR("{}", e.what_without_backtrace());
    return static_cast<int>(ExitCode::kRuntime);
  } catch (const std::exception& e) {
    SCN_LOG_ERROR("{}", e.what());
    return static_cast<int>(ExitCode::kRuntime);
  }
}
