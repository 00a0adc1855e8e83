#pragma once
// MP4 video writing through cv::VideoWriter (FFmpeg back end).

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>
#include <vector>

namespace scenescape {

// The codecs tried in order: H.264 ("avc1", libx264 through FFmpeg), then
// MPEG-4 part 2 ("mp4v"), which every FFmpeg build has.
inline const std::vector<std::string> kDefaultVideoCodecs = {"avc1", "mp4v"};

// Writes `frames` (each [H,W,3] float32 RGB in [0,1], all the same size) as an
// MP4 at `fps` frames per second. The first codec in `codecs` (FourCC strings
// of 4 characters) that the writer can open is used and logged; the file is
// written under a temporary name ending in ".mp4" and renamed into place.
// Odd widths / heights are padded by one replicated row / column, because the
// 4:2:0 encoders need even sizes (FFmpeg would otherwise crop silently).
// Returns the FourCC used. Throws InputError for no frames or mismatched
// sizes, OutputError when no codec opens or the file cannot be written.
std::string WriteVideo(const std::filesystem::path& path,
                       const std::vector<at::Tensor>& frames,
                       double fps,
                       const std::vector<std::string>& codecs = kDefaultVideoCodecs);

// The same, reading the frames from image files (e.g. the frames/*.png of a
// run) one at a time, so memory stays at one frame. Read errors are
// InputErrors naming the file.
std::string WriteVideo(const std::filesystem::path& path,
                       const std::vector<std::filesystem::path>& frame_files,
                       double fps,
                       const std::vector<std::string>& codecs = kDefaultVideoCodecs);

}  // namespace scenescape
