// A row of images with captions, as one small JPEG, for docs/ (the README's
// montages of frames 0, 10, 20, 30, 49; no ImageMagick or ffmpeg on the build
// machines).
//
//   montage OUT.jpg HEIGHT TITLE IMAGE...
//
// Every image is scaled to HEIGHT pixels high and captioned with its file name;
// TITLE runs above the row. JPEG quality 80.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: montage OUT.jpg HEIGHT TITLE IMAGE...\n");
    return 2;
  }
  const int height = std::stoi(argv[2]);
  const int caption = 18, title = 22, gap = 4;
  std::vector<cv::Mat> tiles;
  int width = gap;
  for (int i = 4; i < argc; ++i) {
    const cv::Mat image = cv::imread(argv[i], cv::IMREAD_COLOR);
    if (image.empty()) {
      std::fprintf(stderr, "montage: cannot read %s\n", argv[i]);
      return 1;
    }
    cv::Mat tile;
    cv::resize(image, tile, cv::Size(image.cols * height / image.rows, height), 0, 0, cv::INTER_AREA);
    tiles.push_back(tile);
    width += tile.cols + gap;
  }
  cv::Mat out(title + height + caption + gap, width, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(out, argv[3], {gap, title - 6}, cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  int x = gap;
  for (size_t i = 0; i < tiles.size(); ++i) {
    tiles[i].copyTo(out(cv::Rect(x, title, tiles[i].cols, tiles[i].rows)));
    const std::string name = std::filesystem::path(argv[4 + i]).stem().string();
    cv::putText(out,
                name,
                {x, title + height + caption - 5},
                cv::FONT_HERSHEY_SIMPLEX,
                0.45,
                cv::Scalar(0, 0, 0),
                1,
                cv::LINE_AA);
    x += tiles[i].cols + gap;
  }
  if (!cv::imwrite(argv[1], out, {cv::IMWRITE_JPEG_QUALITY, 80})) {
    std::fprintf(stderr, "montage: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
