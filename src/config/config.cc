#include "scenescape/config/config.h"

#include <set>
#include <sstream>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/json_reader.h"

namespace scenescape {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string Brief(const json& j) { return JsonReader::Brief(j); }

// Config errors are InputErrors "<source>: <key.path>: <problem>".
JsonReader ConfigReader(const json& doc, const std::string& source) {
  return JsonReader(doc, "", [source](const std::string& key, const std::string& problem) {
    throw InputError(source + ": " + key + ": " + problem);
  });
}

void ReadTrajectory(JsonReader r, TrajectoryOptions& t) {
  r.Read("type", t.type);
  r.Read("rotation_step_rad", t.rotation_step_rad);
  r.Read("rotation_steps", t.rotation_steps);
  r.Read("no_rotation_steps", t.no_rotation_steps);
  r.Read("translation_step", t.translation_step);
  r.Read("scale_with_depth", t.scale_with_depth);
  r.Read("reference_median_depth", t.reference_median_depth);
  r.Read("change_translation_every", t.change_translation_every);
  r.Read("full_circle_frames", t.full_circle_frames);
  r.Read("round_radius_factor", t.round_radius_factor);
  r.Read("forward_step", t.forward_step);
  r.Read("file", t.file);
  r.Read("first_direction", t.first_direction);
  r.Finish();
}

json TrajectoryJson(const TrajectoryOptions& t) {
  return {{"type", t.type},
          {"rotation_step_rad", t.rotation_step_rad},
          {"rotation_steps", t.rotation_steps},
          {"no_rotation_steps", t.no_rotation_steps},
          {"translation_step", t.translation_step},
          {"scale_with_depth", t.scale_with_depth},
          {"reference_median_depth", t.reference_median_depth},
          {"change_translation_every", t.change_translation_every},
          {"full_circle_frames", t.full_circle_frames},
          {"round_radius_factor", t.round_radius_factor},
          {"forward_step", t.forward_step},
          {"file", t.file},
          {"first_direction", t.first_direction}};
}

json LoadChain(const fs::path& file, std::vector<fs::path>& chain) {
  const fs::path canonical = fs::weakly_canonical(file);
  for (const auto& p : chain)
    if (p == canonical) throw InputError(file.string() + ": \"parent\" chain has a cycle");
  chain.push_back(canonical);
  if (!fs::exists(file)) throw InputError(file.string() + ": config file not found");
  json doc;
  try {
    doc = json::parse(ReadFile(file));
  } catch (const json::parse_error& e) {
    throw InputError(file.string() + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!doc.is_object()) throw InputError(file.string() + ": expected a JSON object at the top level");
  if (doc.contains("parent")) {
    if (!doc["parent"].is_string()) throw InputError(file.string() + ": parent: expected a file name");
    const fs::path parent = file.parent_path() / doc["parent"].get<std::string>();
    json base = LoadChain(parent, chain);
    doc.erase("parent");
    base.merge_patch(doc);
    return base;
  }
  return doc;
}

}  // namespace

json LoadConfigJson(const fs::path& file) {
  std::vector<fs::path> chain;
  json doc = LoadChain(file, chain);
  // Relative trajectory files resolve against the config that names them.
  if (doc.contains("trajectory") && doc["trajectory"].is_object() &&
      doc["trajectory"].contains("file") && doc["trajectory"]["file"].is_string()) {
    const fs::path p = doc["trajectory"]["file"].get<std::string>();
    if (!p.empty() && p.is_relative() && !fs::exists(p))
      doc["trajectory"]["file"] = (file.parent_path() / p).string();
  }
  return doc;
}

void ApplyOverride(json& doc, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--set " + assignment + ": expected key.path=value");
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  json value;
  try {
    value = json::parse(text);
  } catch (const json::parse_error&) {
    value = text;  // bare words are strings: --set trajectory.type=round
  }
  json* node = &doc;
  std::stringstream ss(key);
  std::string part;
  std::vector<std::string> parts;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    json& next = (*node)[parts[i]];
    if (next.is_null()) next = json::object();
    if (!next.is_object()) throw InputError("--set " + key + ": " + parts[i] + " is not an object");
    node = &next;
  }
  (*node)[parts.back()] = value;
}

Config ConfigFromJson(const json& doc, const std::string& source) {
  Config c;
  JsonReader r = ConfigReader(doc, source);
  r.Read("prompt", c.prompt);
  r.Read("negative_prompt", c.negative_prompt);
  r.Read("frames", c.frames);
  r.Read("seed", c.seed);
  r.Read("backend", c.backend);
  r.Read("models", c.models);
  r.Read("device", c.device);
  r.Read("threads", c.threads);
  r.Read("init_image", c.init_image);
  {
    JsonReader o = r.Child("oracle");
    o.Read("depth_noise", c.oracle_depth_noise);
    o.Finish();
  }
  r.Find("parent");  // already resolved by LoadConfigJson
  {
    JsonReader cam = r.Child("camera");
    cam.Read("width", c.width);
    cam.Read("height", c.height);
    cam.Read("focal_length", c.focal_length);
    if (const json* fov = cam.Find("fov")) {
      if (fov->is_string() && fov->get<std::string>() == "auto") {
        c.fov_auto = true;
      } else if (fov->is_number()) {
        c.fov_deg = fov->get<double>();
      } else if (!fov->is_null()) {
        cam.Fail("camera.fov", "expected degrees, \"auto\" or null, got " + Brief(*fov));
      }
    }
    cam.Finish();
  }
  ReadTrajectory(r.Child("trajectory"), c.trajectory);
  {
    JsonReader m = r.Child("mesh");
    m.Read("sobel_beta", c.mesh.sobel_beta);
    m.Read("sobel_threshold", c.mesh.sobel_threshold);
    m.Read("discontinuity_dilation", c.mesh.discontinuity_dilation);
    m.Read("normal_filter_threshold", c.mesh.normal_filter_threshold);
    m.Read("connect_to_existing", c.mesh.connect_to_existing);
    m.Read("keep", c.mesh_keep);
    m.Finish();
  }
  {
    JsonReader rd = r.Child("render");
    rd.Read("supersample", c.render.supersample);
    rd.Read("fix_floating_artifacts", c.render.fix_floating_artifacts);
    rd.Read("frustum_margin_px", c.render.frustum_margin_px);
    rd.Read("mask_opening_kernel", c.render.mask_opening_kernel);
    rd.Finish();
  }
  {
    JsonReader in = r.Child("inpaint");
    in.Read("num_candidates", c.num_candidates);
    in.Read("canvas_border", c.canvas_border);
    in.Finish();
  }
  {
    JsonReader sm = r.Child("sampler");
    sm.Read("name", c.sampler);
    sm.Read("steps", c.steps);
    sm.Read("guidance_scale", c.guidance_scale);
    sm.Finish();
  }
  {
    JsonReader f = r.Child("finetune");
    f.Read("depth_steps", c.finetune.depth_steps);
    f.Read("depth_lr", c.finetune.depth_lr);
    f.Read("decoder_steps", c.finetune.decoder_steps);
    f.Read("decoder_lr", c.finetune.decoder_lr);
    f.Read("preservation_weight", c.finetune.preservation_weight);
    f.Read("mixed_precision", c.finetune.mixed_precision);
    f.Finish();
  }
  {
    JsonReader o = r.Child("output");
    o.Read("fps", c.output.fps);
    o.Read("reverse_video", c.output.reverse_video);
    o.Read("keep_candidates", c.output.keep_candidates);
    o.Read("write_obj", c.output.write_obj);
    o.Read("write_glb", c.output.write_glb);
    if (const json* s = o.Find("depth_png_scale")) {
      if (s->is_string() && s->get<std::string>() == "auto") {
        c.output.depth_png_scale = 0.0;
      } else if (s->is_number()) {
        c.output.depth_png_scale = s->get<double>();
      } else {
        o.Fail("output.depth_png_scale", "expected a number or \"auto\", got " + Brief(*s));
      }
    }
    o.Finish();
  }
  r.Finish();
  CheckConfig(c, source);
  return c;
}

json ConfigToJson(const Config& c) {
  json fov = c.fov_auto ? json("auto") : (c.fov_deg ? json(*c.fov_deg) : json(nullptr));
  return {
      {"prompt", c.prompt},
      {"negative_prompt", c.negative_prompt},
      {"frames", c.frames},
      {"seed", c.seed},
      {"backend", c.backend},
      {"models", c.models},
      {"device", c.device},
      {"threads", c.threads},
      {"init_image", c.init_image},
      {"oracle", {{"depth_noise", c.oracle_depth_noise}}},
      {"camera", {{"width", c.width}, {"height", c.height}, {"focal_length", c.focal_length}, {"fov", fov}}},
      {"trajectory", TrajectoryJson(c.trajectory)},
      {"mesh",
       {{"sobel_beta", c.mesh.sobel_beta},
        {"sobel_threshold", c.mesh.sobel_threshold},
        {"discontinuity_dilation", c.mesh.discontinuity_dilation},
        {"normal_filter_threshold", c.mesh.normal_filter_threshold},
        {"connect_to_existing", c.mesh.connect_to_existing},
        {"keep", c.mesh_keep}}},
      {"render",
       {{"supersample", c.render.supersample},
        {"fix_floating_artifacts", c.render.fix_floating_artifacts},
        {"frustum_margin_px", c.render.frustum_margin_px},
        {"mask_opening_kernel", c.render.mask_opening_kernel}}},
      {"inpaint", {{"num_candidates", c.num_candidates}, {"canvas_border", c.canvas_border}}},
      {"sampler", {{"name", c.sampler}, {"steps", c.steps}, {"guidance_scale", c.guidance_scale}}},
      {"finetune",
       {{"depth_steps", c.finetune.depth_steps},
        {"depth_lr", c.finetune.depth_lr},
        {"decoder_steps", c.finetune.decoder_steps},
        {"decoder_lr", c.finetune.decoder_lr},
        {"preservation_weight", c.finetune.preservation_weight},
        {"mixed_precision", c.finetune.mixed_precision}}},
      {"output",
       {{"fps", c.output.fps},
        {"reverse_video", c.output.reverse_video},
        {"keep_candidates", c.output.keep_candidates},
        {"write_obj", c.output.write_obj},
        {"write_glb", c.output.write_glb},
        {"depth_png_scale", c.output.depth_png_scale > 0 ? json(c.output.depth_png_scale) : json("auto")}}},
  };
}

void ApplyTrajectoryArgument(TrajectoryOptions& trajectory, const std::string& value, const std::string& what) {
  for (const char* name : {"rotations", "translations", "round", "forward"}) {
    if (value == name) {
      trajectory.type = value;
      return;
    }
  }
  if (!fs::exists(value))
    throw InputError(what + " " + value +
                     ": not a built-in motion (rotations, translations, round, forward) and no such keyframe file, "
                     "transforms.json or COLMAP folder");
  trajectory.type = "file";
  trajectory.file = value;
}

void CheckConfig(const Config& c, const std::string& source) {
  const auto fail = [&](const std::string& key, const std::string& expected, const auto& got) {
    std::ostringstream ss;
    ss << source << ": " << key << ": expected " << expected << ", got " << got;
    throw InputError(ss.str());
  };
  if (c.frames < 1) fail("frames", "an integer >= 1", c.frames);
  if (c.backend != "auto" && c.backend != "classical" && c.backend != "torch" && c.backend != "oracle")
    fail("backend", "auto, classical, torch or oracle", "\"" + c.backend + "\"");
  if (!(c.oracle_depth_noise >= 0)) fail("oracle.depth_noise", "a number >= 0", c.oracle_depth_noise);
  if (c.device != "auto" && c.device != "cpu" && c.device.rfind("cuda", 0) != 0)
    fail("device", "auto, cpu or cuda[:N]", "\"" + c.device + "\"");
  if (c.threads < 0) fail("threads", "an integer >= 0", c.threads);
  if (c.width < 16 || c.width > 8192) fail("camera.width", "an integer in [16, 8192]", c.width);
  if (c.height < 16 || c.height > 8192) fail("camera.height", "an integer in [16, 8192]", c.height);
  if (!(c.focal_length > 0)) fail("camera.focal_length", "a number > 0", c.focal_length);
  if (c.fov_deg && !(*c.fov_deg > 1 && *c.fov_deg < 179)) fail("camera.fov", "degrees in (1, 179)", *c.fov_deg);
  if (!(c.mesh.sobel_beta > 0)) fail("mesh.sobel_beta", "a number > 0", c.mesh.sobel_beta);
  if (!(c.mesh.sobel_threshold > 0 && c.mesh.sobel_threshold < 1))
    fail("mesh.sobel_threshold", "a number in (0, 1)", c.mesh.sobel_threshold);
  if (c.mesh.discontinuity_dilation < 1 || c.mesh.discontinuity_dilation % 2 == 0)
    fail("mesh.discontinuity_dilation", "an odd integer >= 1", c.mesh.discontinuity_dilation);
  if (!(c.mesh.normal_filter_threshold >= -1 && c.mesh.normal_filter_threshold <= 1))
    fail("mesh.normal_filter_threshold", "a number in [-1, 1]", c.mesh.normal_filter_threshold);
  if (c.mesh_keep != "all" && c.mesh_keep != "last_frame")
    fail("mesh.keep", "all or last_frame", "\"" + c.mesh_keep + "\"");
  if (c.render.supersample < 1 || c.render.supersample > 4)
    fail("render.supersample", "an integer in [1, 4]", c.render.supersample);
  if (c.render.frustum_margin_px < 1) fail("render.frustum_margin_px", "an integer >= 1", c.render.frustum_margin_px);
  if (c.render.mask_opening_kernel < 1 || c.render.mask_opening_kernel % 2 == 0)
    fail("render.mask_opening_kernel", "an odd integer >= 1", c.render.mask_opening_kernel);
  if (c.num_candidates < 1 || c.num_candidates > 64)
    fail("inpaint.num_candidates", "an integer in [1, 64]", c.num_candidates);
  if (c.canvas_border < 0 || c.canvas_border > 512)
    fail("inpaint.canvas_border", "an integer in [0, 512]", c.canvas_border);
  if (c.sampler != "ddim" && c.sampler != "dpmpp_2m") fail("sampler.name", "ddim or dpmpp_2m", "\"" + c.sampler + "\"");
  if (c.steps < 1 || c.steps > 1000) fail("sampler.steps", "an integer in [1, 1000]", c.steps);
  if (!(c.guidance_scale >= 0)) fail("sampler.guidance_scale", "a number >= 0", c.guidance_scale);
  if (c.finetune.depth_steps < 0) fail("finetune.depth_steps", "an integer >= 0 (0 turns it off)", c.finetune.depth_steps);
  if (c.finetune.decoder_steps < 0)
    fail("finetune.decoder_steps", "an integer >= 0 (0 turns it off)", c.finetune.decoder_steps);
  if (!(c.finetune.depth_lr > 0)) fail("finetune.depth_lr", "a number > 0", c.finetune.depth_lr);
  if (!(c.finetune.decoder_lr > 0)) fail("finetune.decoder_lr", "a number > 0", c.finetune.decoder_lr);
  if (!(c.finetune.preservation_weight >= 0))
    fail("finetune.preservation_weight", "a number >= 0", c.finetune.preservation_weight);
  if (c.backend == "torch" && c.models.empty())
    fail("models", "a model folder for backend \"torch\" (see models/README.md)", "\"\"");
  if (!(c.output.fps > 0)) fail("output.fps", "a number > 0", c.output.fps);
  if (c.output.depth_png_scale < 0) fail("output.depth_png_scale", "a number > 0 or \"auto\"", c.output.depth_png_scale);
  try {
    c.trajectory.Check("trajectory");
  } catch (const InputError& e) {
    throw InputError(source + ": " + e.what());
  }
}

GeneratorOptions Config::ToGeneratorOptions() const {
  GeneratorOptions g;
  g.frames = frames;
  g.seed = seed;
  g.prompt = prompt;
  g.negative_prompt = negative_prompt;
  g.intrinsics.width = width;
  g.intrinsics.height = height;
  if (fov_deg) {
    g.intrinsics = Intrinsics::FromHorizontalFov(width, height, *fov_deg);
  } else {
    g.intrinsics.fx = g.intrinsics.fy = focal_length;
    g.intrinsics.cx = 0.5 * width;
    g.intrinsics.cy = 0.5 * height;
  }
  g.trajectory = trajectory;
  g.meshing = mesh;
  g.warp = render;
  g.num_candidates = num_candidates;
  g.mesh_keep = mesh_keep;
  return g;
}

}  // namespace scenescape
