#include "scenescape/io/video_io.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include <functional>
#include <system_error>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/logging.h"
#include "scenescape/io/image_io.h"
#include "scenescape/io/opencv_convert.h"

namespace scenescape {
namespace fs = std::filesystem;

namespace {

// Produces frame i as a BGR 8-bit matrix; `name(i)` describes it in errors.
struct FrameSource {
  size_t count = 0;
  std::function<cv::Mat(size_t)> load;
  std::function<std::string(size_t)> name;
};

std::string WriteFrames(const fs::path& path,
                        const FrameSource& source,
                        double fps,
                        const std::vector<std::string>& codecs) {
  if (source.count == 0) throw InputError(path.string() + ": no frames to write");
  SCN_CHECK(fps > 0) << "WriteVideo: fps must be > 0, got " << fps;
  SCN_CHECK(!codecs.empty()) << "WriteVideo: no codecs given";

  const cv::Mat first = source.load(0);
  const cv::Size size(first.cols, first.rows);
  // 4:2:0 chroma needs even sizes; pad rather than let FFmpeg crop.
  const int pad_right = size.width % 2, pad_bottom = size.height % 2;
  const cv::Size coded(size.width + pad_right, size.height + pad_bottom);
  if (pad_right || pad_bottom)
    SCN_LOG_WARN("{}: frame size {}x{} is odd; padding to {}x{}",
                 path.string(),
                 size.width,
                 size.height,
                 coded.width,
                 coded.height);

  std::string used;
  WriteViaTemporary(path, [&](const fs::path& tmp) {
    cv::VideoWriter writer;
    for (const std::string& codec : codecs) {
      SCN_CHECK_EQ(codec.size(), 4u) << "WriteVideo: a FourCC has 4 characters: '" << codec << "'";
      bool opened = false;
      try {
        opened = writer.open(tmp.string(),
                             cv::CAP_FFMPEG,
                             cv::VideoWriter::fourcc(codec[0], codec[1], codec[2], codec[3]),
                             fps,
                             coded,
                             true);
      } catch (const cv::Exception&) {
        opened = false;
      }
      if (opened) {
        used = codec;
        break;
      }
      SCN_LOG_DEBUG("{}: codec '{}' cannot be opened, trying the next", path.string(), codec);
      std::error_code ignored;
      fs::remove(tmp, ignored);
    }
    if (used.empty()) {
      std::string tried;
      for (const auto& c : codecs) tried += (tried.empty() ? "" : ", ") + c;
      throw OutputError(path.string() + ": cannot open a video writer (tried " + tried + ")");
    }
    for (size_t i = 0; i < source.count; ++i) {
      cv::Mat frame = i == 0 ? first : source.load(i);
      if (frame.size() != size)
        throw InputError(source.name(i) + ": frame size " + std::to_string(frame.cols) + "x" +
                         std::to_string(frame.rows) + " differs from the first frame's " + std::to_string(size.width) +
                         "x" + std::to_string(size.height));
      if (pad_right || pad_bottom) {
        cv::Mat padded;
        cv::copyMakeBorder(frame, padded, 0, pad_bottom, 0, pad_right, cv::BORDER_REPLICATE);
        frame = padded;
      }
      writer.write(frame);
    }
    writer.release();  // flushes the encoder and writes the MP4 index
    // VideoWriter reports no write errors (a full disk leaves a file without its index, or short): read the
    // container back before the file gets its final name.
    cv::VideoCapture check(tmp.string(), cv::CAP_FFMPEG);
    const double counted = check.isOpened() ? check.get(cv::CAP_PROP_FRAME_COUNT) : -1;
    if (counted != static_cast<double>(source.count))
      throw OutputError(path.string() + ": the video reads back with " +
                        (counted < 0 ? std::string("no index") : std::to_string(static_cast<int64_t>(counted))) +
                        " instead of " + std::to_string(source.count) + " frames (disk full?)");
  });
  SCN_LOG_INFO("wrote {} ({} frames, {}x{}, {} fps, codec {})",
               path.string(),
               source.count,
               coded.width,
               coded.height,
               fps,
               used);
  return used;
}

}  // namespace

std::string WriteVideo(const fs::path& path,
                       const std::vector<at::Tensor>& frames,
                       double fps,
                       const std::vector<std::string>& codecs) {
  FrameSource source;
  source.count = frames.size();
  source.load = [&](size_t i) { return TensorToMat(frames[i], CV_8U); };
  source.name = [&](size_t i) { return path.string() + ": frame " + std::to_string(i); };
  return WriteFrames(path, source, fps, codecs);
}

std::string WriteVideo(const fs::path& path,
                       const std::vector<fs::path>& frame_files,
                       double fps,
                       const std::vector<std::string>& codecs) {
  FrameSource source;
  source.count = frame_files.size();
  // ReadImage gives the file checks and messages; the float round trip of an
  // 8-bit image is exact, so TensorToMat restores the stored bytes.
  source.load = [&](size_t i) { return TensorToMat(ReadImage(frame_files[i]), CV_8U); };
  source.name = [&](size_t i) { return frame_files[i].string(); };
  return WriteFrames(path, source, fps, codecs);
}

}  // namespace scenescape
