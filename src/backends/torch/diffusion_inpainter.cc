// The torch back end's inpainting stage (reference section 5): Stable-Diffusion
// inpainting on a canvas with a border (600x600 for 512 frames), N candidates
// and both guidance branches in one UNet batch per step, DDIM or DPM-Solver++
// (2M); the chosen candidate's latent is decoded by a VAE decoder fine-tuned to
// agree with the known pixels (DecoderFinetuner, reference section 6), then reset.
// Diagnostics() holds each sub-stage's wall time (*_ms), read after SyncDevice so
// that CUDA's queued work is counted where it runs.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <cmath>
#include <map>

#include "scenescape/backends/torch/torch_backend.h"
#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/progress.h"
#include "scenescape/core/timer.h"
#include "scenescape/diffusion/sampler.h"
#include "scenescape/diffusion/scheduler.h"
#include "scenescape/finetune/decoder_finetuner.h"
#include "scenescape/models/inpaint_models.h"
#include "stages.h"
#include "tensor_layout.h"

namespace scenescape::torch_backend {
namespace {

class DiffusionInpainter : public Inpainter {
 public:
  DiffusionInpainter(const InpainterManifest& manifest,
                     c10::Device device,
                     const SamplerOptions& sampler,
                     int canvas_border,
                     const FinetuneOptions& finetune)
      : models_(std::make_unique<InpaintModels>(manifest, device)),
        device_(device),
        sampler_(sampler),
        canvas_border_(canvas_border) {
    ScheduleOptions schedule;
    schedule.num_train_timesteps = manifest.scheduler.num_train_timesteps;
    schedule.beta_schedule = manifest.scheduler.beta_schedule;
    schedule.beta_start = manifest.scheduler.beta_start;
    schedule.beta_end = manifest.scheduler.beta_end;
    schedule.prediction_type = manifest.scheduler.prediction_type;
    schedule.steps_offset = manifest.scheduler.steps_offset;
    schedule.set_alpha_to_one = manifest.scheduler.set_alpha_to_one;
    schedule.timestep_spacing = manifest.scheduler.timestep_spacing;
    schedule.Check("inpainter.scheduler");
    scheduler_ = MakeScheduler(OptionName(sampler.name), schedule);
    // The decoder is float32 (InpaintModels), so the one module is fine-tuned, as in the reference.
    if (finetune.decoder_steps > 0) finetuner_ = std::make_unique<DecoderFinetuner>(models_->vae_decoder, finetune);
  }

  std::string Name() const override { return "diffusion-" + OptionName(sampler_.name); }

  std::vector<at::Tensor> Inpaint(const at::Tensor& image,
                                  const at::Tensor& hole_mask,
                                  const FrameContext& ctx,
                                  int num_candidates) override {
    diagnostics_.clear();
    const auto& m = models_->manifest;
    const int64_t h = image.size(0), w = image.size(1);
    full_ = hole_mask.all().item<bool>();
    // Frame 0 (nothing known) is plain text-to-image at the frame size; later
    // frames get the generated margin around the frame (reference section 5).
    border_ = full_ ? 0 : canvas_border_;
    const int64_t ch = h + 2 * border_, cw = w + 2 * border_;
    SCN_CHECK(ch % m.vae_downsample == 0 && cw % m.vae_downsample == 0)
        << "inpaint canvas " << cw << "x" << ch << " is not a multiple of " << m.vae_downsample
        << " (choose camera size / inpaint.canvas_border accordingly)";
    at::Tensor canvas = at::zeros({ch, cw, 3});
    at::Tensor mask = at::ones({ch, cw}, at::kBool);
    if (full_) {
      canvas.fill_(1.0f);  // the reference starts from an all-white image
    } else {
      canvas.narrow(0, border_, h).narrow(1, border_, w).copy_(image);
      mask.narrow(0, border_, h).narrow(1, border_, w).copy_(hole_mask);
    }
    canvas_ = ToBatch(canvas, device_);                                 // [1,3,CH,CW] in [0,1]
    mask_ = mask.to(at::kFloat).unsqueeze(0).unsqueeze(0).to(device_);  // [1,1,CH,CW]

    c10::InferenceMode guard;
    const int64_t lh = ch / m.vae_downsample, lw = cw / m.vae_downsample;
    Timer timer;
    const at::Tensor masked_image = (canvas_ * 2.0f - 1.0f) * (mask_ < 0.5f);
    const at::Tensor masked_latent = models_->vae_encoder.Encode(masked_image) * m.latent_scale;  // [1,C,lh,lw]
    Lap(timer, "vae_encode_ms");
    const at::Tensor mask_latent = at::upsample_nearest2d(mask_, {lh, lw});  // [1,1,lh,lw]
    const int64_t n = num_candidates;
    const at::Tensor extra = at::cat({mask_latent, masked_latent}, 1).expand({n, -1, -1, -1});
    const at::Tensor extra2 = GuidanceBatch(extra);
    const at::Tensor hidden = TextEmbeddings(ctx, n);  // [2N,L,D]
    Lap(timer, "text_encoder_ms");
    const double scale = sampler_.guidance_scale;
    const auto model = [&](const at::Tensor& doubled, int64_t t, int) {
      const at::Tensor sample = at::cat({doubled.to(extra2.scalar_type()), extra2}, 1);
      return models_->unet.Predict(sample, TimestepBatch(t, 2 * n, device_), hidden);
    };
    const at::Tensor noise =
        CandidateNoiseBatch(ctx.seed, ctx.frame_index, static_cast<int>(n), {m.latent_channels, lh, lw}, device_);
    ProgressLine progress(fmt::format("diffusion x{}", n));
    latents_ = Sample(*scheduler_, noise, sampler_.steps, GuidedDenoiser(model, scale), [&](int step, int total) {
      progress.Update(step, total);
    });
    Lap(timer, "unet_ms");  // the whole sampling loop: UNet batch 2N per step plus the scheduler's updates
    decoded_ = (models_->vae_decoder.Decode(latents_ / m.latent_scale) * 0.5f + 0.5f).clamp(0.0f, 1.0f);
    Lap(timer, "decode_ms");
    std::vector<at::Tensor> candidates;
    for (int64_t k = 0; k < n; ++k) candidates.push_back(Crop(decoded_[k]));
    return candidates;
  }

  at::Tensor Finalize(int chosen, const std::vector<at::Tensor>& candidates) override {
    if (full_ || !finetuner_) return candidates.at(chosen);
    const double scale = models_->manifest.latent_scale;
    const at::Tensor latent = latents_.narrow(0, chosen, 1).clone() / scale;
    const FinetuneStats stats =
        finetuner_->Finetune(latent, decoded_.narrow(0, chosen, 1).clone(), canvas_.clone(), mask_.clone());
    if (!stats.losses.empty()) {
      diagnostics_["decoder_loss_before_finetune"] = stats.losses.front();
      diagnostics_["decoder_loss_last_step"] = stats.losses.back();
    }
    diagnostics_["decoder_finetune_ms"] = stats.ms;
    at::Tensor image;
    {
      c10::InferenceMode guard;
      Timer timer;
      image = (models_->vae_decoder.Decode(latent) * 0.5f + 0.5f).clamp(0.0f, 1.0f);
      Lap(timer, "final_decode_ms");
      const at::Tensor known = (mask_ < 0.5f).expand_as(image);
      if (known.any().item<bool>()) {
        const double mse = (image - canvas_).pow(2).index({known}).mean().item<double>();
        diagnostics_["known_pixels_psnr"] = 10.0 * std::log10(1.0 / std::max(mse, 1e-12));
      }
    }
    finetuner_->Restore();  // fine-tuning never carries over between frames
    return Crop(image[0]);
  }

  std::map<std::string, double> Diagnostics() const override { return diagnostics_; }

 private:
  // Records the time since `timer` started (after the device's queued work) as diagnostics_[key]
  // and restarts it. "text_encoder_ms" is about 0 on frames whose prompt is cached.
  void Lap(Timer& timer, const char* key) {
    SyncDevice(device_);
    diagnostics_[key] = timer.ElapsedMs();
    timer.Restart();
  }

  at::Tensor Crop(const at::Tensor& chw) const {
    const int64_t h = chw.size(1) - 2 * border_, w = chw.size(2) - 2 * border_;
    return ToImage(chw.narrow(1, border_, h).narrow(2, border_, w));
  }

  // [2N,L,D]: N copies of the negative prompt's states, then N of the prompt's.
  at::Tensor TextEmbeddings(const FrameContext& ctx, int64_t n) {
    const std::string key = ctx.negative_prompt + "\x1f" + ctx.prompt;
    if (key != cached_key_) {
      const at::Tensor ids = models_->Tokenize({ctx.negative_prompt, ctx.prompt}).to(device_);
      cached_states_ = models_->text_encoder.Encode(ids);
      cached_key_ = key;
    }
    return GuidanceConditioning(cached_states_.narrow(0, 0, 1), cached_states_.narrow(0, 1, 1), n);
  }

  std::unique_ptr<InpaintModels> models_;
  std::unique_ptr<DecoderFinetuner> finetuner_;
  std::unique_ptr<Scheduler> scheduler_;
  c10::Device device_;
  SamplerOptions sampler_;
  int canvas_border_;
  std::string cached_key_;
  at::Tensor cached_states_;
  // The last Inpaint call, for Finalize.
  bool full_ = false;
  int64_t border_ = 0;
  at::Tensor canvas_, mask_, latents_, decoded_;
  std::map<std::string, double> diagnostics_;
};

}  // namespace

std::shared_ptr<Inpainter> MakeDiffusionInpainter(const InpainterManifest& manifest,
                                                  c10::Device device,
                                                  const SamplerOptions& sampler,
                                                  int canvas_border,
                                                  const FinetuneOptions& finetune) {
  return std::make_shared<DiffusionInpainter>(manifest, device, sampler, canvas_border, finetune);
}

}  // namespace scenescape::torch_backend
