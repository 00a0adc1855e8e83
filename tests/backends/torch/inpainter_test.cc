// The diffusion inpainter with crafted TorchScript modules whose outputs are
// known, so guidance, masking and batching can be checked exactly:
//   text encoder: hidden = ids / 5000 broadcast over D  -> g = mean(hidden)
//   VAE encoder:  8x8 average pool of the image, plus a zero 4th channel
//   VAE decoder:  the first 3 latent channels, upsampled 8x (nearest)
//   UNet:         the epsilon that makes every DDIM step predict
//                   x0 = [masked-image latent(0:3) + g + 0.01 * mask, mask]
//                 (it recomputes the scaled-linear schedule itself)
// With set_alpha_to_one, DDIM ends exactly on the guided x0, so each output
// pixel is known in closed form from its 8x8 block of the canvas.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/script.h>

#include "scenescape/backends/torch/torch_backend.h"
#include "scenescape/core/fs.h"
#include "scenescape/models/inpaint_models.h"
#include "scenescape/models/manifest.h"
#include "scenescape/models/tiny.h"
#include "testing.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;

void WriteCraftedInpainter(const fs::path& dir) {
  torch::jit::Module text("Text");
  text.define(R"(
def forward(self, ids: Tensor) -> Tensor:
    return (ids.float() / 5000.0).unsqueeze(2).repeat([1, 1, 32])
)");
  text.save((dir / "text_encoder.pt").string());
  torch::jit::Module enc("Encoder");
  enc.define(R"(
def forward(self, image: Tensor) -> Tensor:
    p = torch.avg_pool2d(image, [8, 8])
    return torch.cat([p, p.narrow(1, 0, 1) * 0.0], 1)
)");
  enc.save((dir / "vae_encoder.pt").string());
  torch::jit::Module dec("Decoder");
  dec.define(R"(
def forward(self, z: Tensor) -> Tensor:
    return z.narrow(1, 0, 3).repeat_interleave(8, 2).repeat_interleave(8, 3)
)");
  dec.save((dir / "vae_decoder.pt").string());
  torch::jit::Module unet("Unet");
  unet.define(R"(
def forward(self, sample: Tensor, timestep: Tensor, hidden: Tensor) -> Tensor:
    i = torch.arange(1000).double()
    lo = 0.00085 ** 0.5
    hi = 0.012 ** 0.5
    betas = torch.pow(lo + i * ((hi - lo) / 999.0), 2.0)
    ac = torch.cumprod(1.0 - betas, 0)
    a = ac[timestep.long()].to(sample.dtype).reshape(-1, 1, 1, 1)
    x = sample.narrow(1, 0, 4)
    mask = sample.narrow(1, 4, 1)
    masked = sample.narrow(1, 5, 3)
    g = hidden.mean([1, 2]).reshape(-1, 1, 1, 1)
    target = torch.cat([masked + g + 0.01 * mask, mask], 1)
    return (x - torch.sqrt(a) * target) / torch.sqrt(1.0 - a)
)");
  unet.save((dir / "unet.pt").string());
  auto manifest = nlohmann::json::parse(ReadFile(dir / "manifest.json"));
  manifest["inpainter"]["scheduler"]["set_alpha_to_one"] = true;
  manifest["inpainter"]["scheduler"]["beta_schedule"] = "scaled_linear";
  manifest["inpainter"]["scheduler"]["beta_start"] = 0.00085;
  manifest["inpainter"]["scheduler"]["beta_end"] = 0.012;
  manifest["inpainter"]["scheduler"]["prediction_type"] = "epsilon";
  WriteAtomically(dir / "manifest.json", manifest.dump(1));
}

TEST(DiffusionInpainter, GuidanceMaskingAndBatchingMatchTheClosedForm) {
  const fs::path dir = testing::CreateTestDir() / "models";
  MakeTinyModelFolder(dir, 3);
  WriteCraftedInpainter(dir);
  TorchBackendOptions options;
  options.models_dir = dir;
  options.device = ParseOption<DeviceSetting>("cpu", "device");
  options.sampler.steps = 10;
  options.sampler.guidance_scale = 7.5;
  options.inpaint.canvas_border = 16;
  options.finetune.decoder_steps = 0;  // the candidate is the final image
  options.finetune.depth_steps = 0;
  const TorchBackend backend = MakeTorchBackend(options);

  // A 128x128 frame whose left half (8-aligned) is a hole.
  const int64_t size = 128;
  const at::Tensor image = at::rand({size, size, 3});
  at::Tensor holes = at::zeros({size, size}, at::kBool);
  holes.narrow(1, 0, 64).fill_(true);
  FrameContext ctx;
  ctx.frame_index = 1;
  ctx.seed = 5;
  ctx.prompt = "a red room with a window";
  ctx.negative_prompt = "blurry";
  const int n = 3;
  const std::vector<at::Tensor> candidates = backend.inpainter->Inpaint(image, holes, ctx, n);
  ASSERT_EQ(candidates.size(), static_cast<size_t>(n));

  // g for the negative prompt (unconditional branch) and the prompt.
  const ModelManifest manifest = LoadManifest(dir);
  const InpaintModels models(manifest.RequireInpainter(), c10::Device(c10::kCPU));
  const at::Tensor ids = models.Tokenize({ctx.negative_prompt, ctx.prompt}).to(at::kFloat) / 5000.0f;
  const double g_uncond = ids[0].mean().item<double>();
  const double g_cond = ids[1].mean().item<double>();
  // The two branches must differ enough for the guidance scale to show.
  ASSERT_GT(std::abs(g_cond - g_uncond) * 0.5 / 0.18215 * 0.5, 1e-3);
  const double g = g_uncond + 7.5 * (g_cond - g_uncond);
  const double scale = manifest.RequireInpainter().latent_scale;

  // Expected output at block (by, bx) of the frame: the block lies on the
  // canvas at an 8-aligned offset (border 16), so its latent is the block
  // average of the masked image in [-1,1] (0 in holes), times the latent scale.
  at::Tensor expected = at::empty({size, size, 3});
  for (int64_t by = 0; by < size / 8; ++by) {
    for (int64_t bx = 0; bx < size / 8; ++bx) {
      const bool hole = bx < 8;
      for (int c = 0; c < 3; ++c) {
        const double avg01 = image.narrow(0, by * 8, 8).narrow(1, bx * 8, 8).select(2, c).mean().item<double>();
        const double masked = hole ? 0.0 : 2.0 * avg01 - 1.0;
        const double latent = scale * masked + g + (hole ? 0.01 : 0.0);
        const double pixel = std::clamp(latent / scale * 0.5 + 0.5, 0.0, 1.0);
        expected.narrow(0, by * 8, 8).narrow(1, bx * 8, 8).select(2, c).fill_(pixel);
      }
    }
  }
  for (int k = 0; k < n; ++k) {
    // Known pixels: the masked-image latent went through channels 5-8 and the
    // guidance mixed the two text branches; holes: zeros plus the mask channel.
    EXPECT_LT((candidates[k] - expected).abs().max().item<double>(), 2e-4) << "candidate " << k;
    // Every candidate of the batch ends on the same x0 (the noise cancels).
    EXPECT_TRUE(at::allclose(candidates[k], candidates[0], 0, 1e-5)) << "candidate " << k;
  }
}

}  // namespace
}  // namespace scenescape
