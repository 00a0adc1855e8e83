#include "scenescape/io/camera_formats.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "testing.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

Eigen::Matrix4d RandomRigid(std::mt19937& rng) {
  std::normal_distribution<double> normal;
  const Eigen::Quaterniond q = Eigen::Quaterniond(normal(rng), normal(rng), normal(rng), normal(rng)).normalized();
  const Eigen::Vector3d t(3 * normal(rng), 3 * normal(rng), 3 * normal(rng));
  return MakeRigid(q.toRotationMatrix(), t);
}

Intrinsics RandomIntrinsics(std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Intrinsics in;
  in.width = 200 + static_cast<int>(600 * u(rng));
  in.height = 150 + static_cast<int>(500 * u(rng));
  in.fx = 100 + 900 * u(rng);
  in.fy = in.fx * (0.9 + 0.2 * u(rng));
  in.cx = in.width * (0.4 + 0.2 * u(rng));
  in.cy = in.height * (0.4 + 0.2 * u(rng));
  return in;
}

// Six cameras with random poses and two distinct sets of intrinsics
// (cameras 0, 1, 3, 5 share one), so per-frame intrinsics are exercised.
CameraTrack RandomTrack(uint32_t seed) {
  std::mt19937 rng(seed);
  const Intrinsics a = RandomIntrinsics(rng), b = RandomIntrinsics(rng);
  CameraTrack track;
  for (int i = 0; i < 6; ++i) {
    Camera camera;
    camera.intrinsics = (i == 2 || i == 4) ? b : a;
    camera.cam_from_world = RandomRigid(rng);
    track.cameras.push_back(camera);
    track.image_names.push_back("images/img_" + std::to_string(100 + i) + ".jpg");
  }
  return track;
}

void ExpectSameIntrinsics(const Intrinsics& a, const Intrinsics& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  EXPECT_NEAR(a.fx, b.fx, 1e-9);
  EXPECT_NEAR(a.fy, b.fy, 1e-9);
  EXPECT_NEAR(a.cx, b.cx, 1e-9);
  EXPECT_NEAR(a.cy, b.cy, 1e-9);
}

void ExpectSameTrack(const CameraTrack& a, const CameraTrack& b, double tol = 1e-6) {
  ASSERT_EQ(a.cameras.size(), b.cameras.size());
  for (size_t i = 0; i < a.cameras.size(); ++i) {
    SCOPED_TRACE("camera " + std::to_string(i));
    ExpectSameIntrinsics(a.cameras[i].intrinsics, b.cameras[i].intrinsics);
    EXPECT_LE((a.cameras[i].cam_from_world - b.cameras[i].cam_from_world).cwiseAbs().maxCoeff(), tol);
    // Read-back poses are exactly rigid.
    const Eigen::Matrix3d r = b.cameras[i].cam_from_world.topLeftCorner<3, 3>();
    EXPECT_LE((r.transpose() * r - Eigen::Matrix3d::Identity()).cwiseAbs().maxCoeff(), 1e-12);
  }
  EXPECT_EQ(a.image_names, b.image_names);
}

void WriteText(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::set<std::string> ListDir(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

// Expects `fn` to throw an InputError whose one-line message contains every
// string of `parts` (the file and the line / key).
template <typename Fn>
void ExpectInputError(Fn fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one mentioning " << parts.front();
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    for (const std::string& part : parts) EXPECT_NE(what.find(part), std::string::npos) << what;
  }
}

// ------------------------------------------------------------ transforms.json

TEST(TransformsJson, RoundTripKeepsPosesIntrinsicsAndNames) {
  const fs::path dir = testing::CreateTestDir();
  for (uint32_t seed : {1u, 2u, 3u}) {
    const CameraTrack track = RandomTrack(seed);
    WriteTransformsJson(dir / "transforms.json", track);
    ExpectSameTrack(track, ReadTransformsJson(dir / "transforms.json"));
  }
  EXPECT_EQ(ListDir(dir), std::set<std::string>{"transforms.json"});  // no temporaries left
}

TEST(TransformsJson, WritesGlobalAndPerFrameIntrinsics) {
  const fs::path dir = testing::CreateTestDir();
  CameraTrack track = RandomTrack(7);
  track.image_names.clear();
  WriteTransformsJson(dir / "transforms.json", track);
  const json root = json::parse(ReadFile(dir / "transforms.json"));
  const Intrinsics& a = track.cameras[0].intrinsics;
  EXPECT_EQ(root["w"], a.width);
  EXPECT_EQ(root["h"], a.height);
  EXPECT_DOUBLE_EQ(root["fl_x"].get<double>(), a.fx);
  EXPECT_DOUBLE_EQ(root["fl_y"].get<double>(), a.fy);
  EXPECT_DOUBLE_EQ(root["cx"].get<double>(), a.cx);
  EXPECT_DOUBLE_EQ(root["cy"].get<double>(), a.cy);
  EXPECT_NEAR(root["camera_angle_x"].get<double>(), 2 * std::atan(a.width / (2 * a.fx)), 1e-12);
  EXPECT_NEAR(root["camera_angle_x"].get<double>() * 180 / M_PI, a.HorizontalFovDeg(), 1e-9);
  ASSERT_EQ(root["frames"].size(), 6u);
  for (int i = 0; i < 6; ++i) {
    const json& frame = root["frames"][i];
    EXPECT_EQ(frame["file_path"], DefaultImageName(i));
    // Only the frames whose intrinsics differ from the first carry their own.
    EXPECT_EQ(frame.contains("fl_x"), i == 2 || i == 4) << i;
  }
  EXPECT_EQ(root["frames"][0]["file_path"], "frames/00000.png");
  EXPECT_EQ(root["frames"][2]["w"], track.cameras[2].intrinsics.width);
}

TEST(TransformsJson, TransformMatrixIsOpenGlCamToWorld) {
  // A camera at (1, 2, 3) looking along world +z with image up = world -y: its
  // OpenCV axes are the world axes, so the OpenGL camera (y up, z back) has
  // x = (1,0,0), y = (0,-1,0), z = -(0,0,1), centre (1,2,3).
  const fs::path dir = testing::CreateTestDir();
  CameraTrack track;
  Camera camera;
  camera.cam_from_world = LookAt({1, 2, 3}, {1, 2, 4}, {0, -1, 0});
  track.cameras.push_back(camera);
  // A second one at the origin looking along world +x, image up = world -y.
  camera.cam_from_world = LookAt({0, 0, 0}, {5, 0, 0}, {0, -1, 0});
  track.cameras.push_back(camera);
  WriteTransformsJson(dir / "transforms.json", track);
  const json frames = json::parse(ReadFile(dir / "transforms.json"))["frames"];
  Eigen::Matrix4d m0, m1;
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) {
      m0(r, c) = frames[0]["transform_matrix"][r][c].get<double>();
      m1(r, c) = frames[1]["transform_matrix"][r][c].get<double>();
    }
  Eigen::Matrix4d expected0;
  expected0 << 1, 0, 0, 1,  //
      0, -1, 0, 2,          //
      0, 0, -1, 3,          //
      0, 0, 0, 1;
  EXPECT_LE((m0 - expected0).cwiseAbs().maxCoeff(), 1e-12) << m0;
  // Third column = -(viewing direction), second = image up, last = centre.
  EXPECT_LE((m1.col(2).head<3>() - Eigen::Vector3d(-1, 0, 0)).norm(), 1e-12) << m1;
  EXPECT_LE((m1.col(1).head<3>() - Eigen::Vector3d(0, -1, 0)).norm(), 1e-12) << m1;
  EXPECT_LE(m1.col(3).head<3>().norm(), 1e-12) << m1;
  EXPECT_LE((OpenGlCamToWorld(track.cameras[1].cam_from_world) - m1).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LE((CamFromWorldFromOpenGl(m1) - track.cameras[1].cam_from_world).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(TransformsJson, ReadsInstantNgpStyleFile) {
  // Global intrinsics from camera_angle_x only, identity transform_matrix (an
  // OpenGL camera at the origin looking down world -z with world +y up), plus
  // keys we ignore; the second frame overrides the focal length and size.
  const std::string text = R"({
    "camera_angle_x": 1.0, "w": 800, "h": 600, "aabb_scale": 16, "k1": 0.0,
    "frames": [
      {"file_path": "./images/r_0", "sharpness": 30.5,
       "transform_matrix": [[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]},
      {"file_path": "./images/r_1", "fl_x": 700, "w": 640, "h": 480,
       "transform_matrix": [[1,0,0,0.5],[0,1,0,0],[0,0,1,0],[0,0,0,1]]}]})";
  const CameraTrack track = ParseTransformsJson(text, "mem.json");
  ASSERT_EQ(track.cameras.size(), 2u);
  const Intrinsics& a = track.cameras[0].intrinsics;
  EXPECT_EQ(a.width, 800);
  EXPECT_EQ(a.height, 600);
  EXPECT_NEAR(a.fx, 400.0 / std::tan(0.5), 1e-9);
  EXPECT_NEAR(a.fy, a.fx, 1e-9);  // no fl_y / camera_angle_y: square pixels
  EXPECT_NEAR(a.cx, 400.0, 1e-12);
  EXPECT_NEAR(a.cy, 300.0, 1e-12);
  const Intrinsics& b = track.cameras[1].intrinsics;
  EXPECT_EQ(b.width, 640);
  EXPECT_NEAR(b.fx, 700.0, 1e-12);
  EXPECT_NEAR(b.fy, 700.0, 1e-12);
  EXPECT_NEAR(b.cx, 320.0, 1e-12);
  const Eigen::Matrix4d flip = Eigen::Vector4d(1, -1, -1, 1).asDiagonal();
  EXPECT_LE((track.cameras[0].cam_from_world - flip).cwiseAbs().maxCoeff(), 1e-12);
  // The OpenCV camera looks down world -z: a point at world (0,0,-2) is 2 in front.
  EXPECT_LE((track.cameras[0].PointInCam({0, 0, -2}) - Eigen::Vector3d(0, 0, 2)).norm(), 1e-12);
  EXPECT_LE((track.cameras[1].CenterInWorld() - Eigen::Vector3d(0.5, 0, 0)).norm(), 1e-12);
  EXPECT_EQ(track.image_names[1], "./images/r_1");
}

TEST(TransformsJson, MalformedInputNamesFileAndKey) {
  const fs::path dir = testing::CreateTestDir();
  const fs::path file = dir / "transforms.json";
  const std::string good_matrix = "[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]";
  const auto expect = [&](const std::string& text, const std::vector<std::string>& parts) {
    WriteText(file, text);
    std::vector<std::string> all = {file.string()};
    all.insert(all.end(), parts.begin(), parts.end());
    ExpectInputError([&] { ReadTransformsJson(file); }, all);
  };
  expect("{\"frames\": [", {"not valid JSON", "line 1"});
  expect("[1, 2]", {"(root)"});
  expect(R"({"w": 4, "h": 4, "fl_x": 3})", {"frames: missing"});
  expect(R"({"w": 4, "h": 4, "fl_x": 3, "frames": []})", {"frames: expected at least one frame"});
  expect(R"({"w": 4, "h": 4, "fl_x": 3, "frames": [{"transform_matrix": )" + good_matrix + "}, {}]}",
         {"frames[1].transform_matrix: missing"});
  expect(R"({"h": 4, "fl_x": 3, "frames": [{"transform_matrix": )" + good_matrix + "}]}", {"w: missing"});
  expect(R"({"w": 4, "h": 4, "frames": [{"transform_matrix": )" + good_matrix + "}]}", {"fl_x: missing"});
  expect(R"({"w": 4.5, "h": 4, "fl_x": 3, "frames": [{"transform_matrix": )" + good_matrix + "}]}",
         {"w: expected a positive integer"});
  expect(R"({"w": 4, "h": 4, "fl_x": 3, "frames": [{"fl_x": "big", "transform_matrix": )" + good_matrix + "}]}",
         {"frames[0].fl_x: expected a number"});
  expect(R"({"w": 4, "h": 4, "fl_x": 3, "frames": [{"transform_matrix": [[1,0,0],[0,1,0],[0,0,1]]}]})",
         {"frames[0].transform_matrix: expected 4 rows of 4 numbers"});
  expect(R"({"w": 4, "h": 4, "fl_x": 3, "frames": [{"transform_matrix": [[2,0,0,0],[0,2,0,0],[0,0,2,0],[0,0,0,1]]}]})",
         {"frames[0].transform_matrix: not a rigid transform"});
  expect(R"({"w": 4, "h": 4, "fl_x": 3, "frames": [{"transform_matrix": [[-1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]}]})",
         {"frames[0].transform_matrix: not a rigid transform"});
  expect(R"({"w": 4, "h": 4, "fl_x": 3, "frames": [{"transform_matrix": [[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,1,1]]}]})",
         {"frames[0].transform_matrix: the last row"});
  expect(R"({"w": 4, "h": 4, "fl_x": 3, "frames": [{"file_path": 3, "transform_matrix": )" + good_matrix + "}]}",
         {"frames[0].file_path: expected a string"});
  ExpectInputError([&] { ReadTransformsJson(dir / "absent.json"); }, {"absent.json", "not found"});
}

// ------------------------------------------------------------ COLMAP

TEST(ColmapText, RoundTripKeepsPosesIntrinsicsAndNames) {
  for (uint32_t seed : {4u, 5u, 6u}) {
    const fs::path dir = testing::CreateTestDir() / "sparse";
    const CameraTrack track = RandomTrack(seed);
    WriteColmapText(dir, track);
    EXPECT_EQ(ListDir(dir), (std::set<std::string>{"cameras.txt", "images.txt", "points3D.txt"}));
    ExpectSameTrack(track, ReadColmapText(dir));
  }
}

TEST(ColmapText, FileLayout) {
  const fs::path dir = testing::CreateTestDir();
  CameraTrack track = RandomTrack(8);
  track.image_names.clear();
  WriteColmapText(dir, track);

  // Two distinct intrinsics -> two PINHOLE cameras, ids by first use.
  std::vector<std::string> camera_lines;
  std::istringstream cameras(ReadFile(dir / "cameras.txt"));
  for (std::string line; std::getline(cameras, line);)
    if (!line.empty() && line[0] != '#') camera_lines.push_back(line);
  ASSERT_EQ(camera_lines.size(), 2u);
  std::istringstream c1(camera_lines[1]);
  std::string id, model;
  int w, h;
  double fx, fy, cx, cy;
  c1 >> id >> model >> w >> h >> fx >> fy >> cx >> cy;
  const Intrinsics& b = track.cameras[2].intrinsics;
  EXPECT_EQ(id, "2");
  EXPECT_EQ(model, "PINHOLE");
  EXPECT_EQ(w, b.width);
  EXPECT_EQ(h, b.height);
  EXPECT_DOUBLE_EQ(fx, b.fx);
  EXPECT_DOUBLE_EQ(fy, b.fy);
  EXPECT_DOUBLE_EQ(cx, b.cx);  // same +0.5 pixel-centre convention: unchanged
  EXPECT_DOUBLE_EQ(cy, b.cy);

  // images.txt: a data line, then an empty points line, per image.
  std::vector<std::string> lines;
  std::istringstream images(ReadFile(dir / "images.txt"));
  for (std::string line; std::getline(images, line);)
    if (line.empty() || line[0] != '#') lines.push_back(line);
  ASSERT_EQ(lines.size(), 12u);
  for (int i = 0; i < 6; ++i) {
    std::istringstream in(lines[2 * i]);
    std::vector<std::string> t;
    for (std::string s; in >> s;) t.push_back(s);
    ASSERT_EQ(t.size(), 10u);
    EXPECT_EQ(t[0], std::to_string(i + 1));
    EXPECT_EQ(t[8], (i == 2 || i == 4) ? "2" : "1");
    EXPECT_EQ(t[9], DefaultImageName(i));
    EXPECT_EQ(lines[2 * i + 1], "");
  }
  // points3D.txt: comments only.
  std::istringstream points(ReadFile(dir / "points3D.txt"));
  for (std::string line; std::getline(points, line);) EXPECT_EQ(line[0], '#') << line;
}

TEST(ColmapText, QuaternionIsHamiltonWFirstOfCamFromWorld) {
  const fs::path dir = testing::CreateTestDir();
  std::mt19937 rng(11);
  CameraTrack track;
  for (int i = 0; i < 4; ++i) {
    Camera camera;
    camera.cam_from_world = RandomRigid(rng);
    track.cameras.push_back(camera);
  }
  // A known case: cam_from_world = rotation by +90 deg about z.
  Camera rz;
  rz.cam_from_world =
      MakeRigid(Eigen::AngleAxisd(M_PI / 2, Eigen::Vector3d::UnitZ()).toRotationMatrix(), Eigen::Vector3d(1, 2, 3));
  track.cameras.push_back(rz);
  WriteColmapText(dir, track);

  std::istringstream images(ReadFile(dir / "images.txt"));
  int i = 0;
  for (std::string line; std::getline(images, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    int id;
    double qw, qx, qy, qz, tx, ty, tz;
    in >> id >> qw >> qx >> qy >> qz >> tx >> ty >> tz;
    const Eigen::Matrix4d& pose = track.cameras[i].cam_from_world;
    // Eigen's Quaterniond(w, x, y, z) is Hamilton: it gives back the rotation.
    const Eigen::Matrix3d r = Eigen::Quaterniond(qw, qx, qy, qz).toRotationMatrix();
    EXPECT_LE((r - pose.topLeftCorner<3, 3>()).cwiseAbs().maxCoeff(), 1e-12) << i;
    EXPECT_LE((Eigen::Vector3d(tx, ty, tz) - pose.topRightCorner<3, 1>()).norm(), 1e-12) << i;
    if (i == 4) {
      const double s = std::sqrt(0.5);
      // Sign is free for a quaternion; Eigen's conversion gives w >= 0 here.
      EXPECT_NEAR(qw, s, 1e-12);
      EXPECT_NEAR(qx, 0, 1e-12);
      EXPECT_NEAR(qy, 0, 1e-12);
      EXPECT_NEAR(qz, s, 1e-12);
      EXPECT_EQ(tx, 1);
    }
    ++i;
    std::getline(images, line);  // the points line
  }
  EXPECT_EQ(i, 5);

  // And the reader: a hand-written 90 deg about z maps world +x to camera +y.
  WriteText(dir / "cameras.txt", "1 SIMPLE_PINHOLE 100 80 90 50 40\n");
  WriteText(dir / "images.txt", "# comment\n7 0.70710678118654757 0 0 0.70710678118654757 0 0 0 1 a.png\n\n");
  const CameraTrack read = ReadColmapText(dir);
  ASSERT_EQ(read.cameras.size(), 1u);
  EXPECT_LE((read.cameras[0].PointInCam({1, 0, 0}) - Eigen::Vector3d(0, 1, 0)).norm(), 1e-12);
  EXPECT_EQ(read.cameras[0].intrinsics.fx, 90);
  EXPECT_EQ(read.cameras[0].intrinsics.fy, 90);
  EXPECT_EQ(read.cameras[0].intrinsics.cx, 50);
  EXPECT_EQ(read.cameras[0].intrinsics.cy, 40);
}

TEST(ColmapText, ReadsImagesInIdOrderWithPointsAndDistortion) {
  const fs::path dir = testing::CreateTestDir();
  // COLMAP's default SIMPLE_RADIAL (distortion ignored) and OPENCV cameras,
  // images out of order, with 2D points on the second line, CRLF line ends.
  WriteText(dir / "cameras.txt",
            "# Camera list\r\n1 SIMPLE_RADIAL 640 480 500 320 240 0.01\r\n"
            "3 OPENCV 320 240 250 260 160 120 0.1 0.01 0 0\r\n");
  WriteText(dir / "images.txt",
            "5 1 0 0 0 0 0 1 3 b.png\r\n1.5 2.5 -1 3 4 17\r\n"
            "2 1 0 0 0 0 0 0 1 a.png\r\n\r\n");
  const CameraTrack track = ReadColmapText(dir);
  ASSERT_EQ(track.cameras.size(), 2u);
  EXPECT_EQ(track.image_names, (std::vector<std::string>{"a.png", "b.png"}));
  EXPECT_EQ(track.cameras[0].intrinsics.width, 640);
  EXPECT_EQ(track.cameras[0].intrinsics.fy, 500);
  EXPECT_EQ(track.cameras[1].intrinsics.fy, 260);
  EXPECT_EQ(track.cameras[1].cam_from_world(2, 3), 1);
}

TEST(ColmapText, MalformedInputNamesFileAndLine) {
  const fs::path dir = testing::CreateTestDir();
  const fs::path cameras = dir / "cameras.txt", images = dir / "images.txt";
  const std::string good_cameras = "# header\n1 PINHOLE 100 80 90 91 50 40\n";
  const auto expect =
      [&](const std::string& cameras_text, const std::string& images_text, const std::vector<std::string>& parts) {
        WriteText(cameras, cameras_text);
        WriteText(images, images_text);
        ExpectInputError([&] { ReadColmapText(dir); }, parts);
      };
  // Wrong arity: 9 fields on line 3 (the name is missing).
  expect(good_cameras, "# a\n# b\n1 1 0 0 0 0 0 0 1\n\n", {images.string() + ":3:", "expected 10 fields", "got 9"});
  // Unknown camera id on line 3.
  expect(good_cameras,
         "1 1 0 0 0 0 0 0 1 a.png\n\n2 1 0 0 0 0 0 0 4 b.png\n\n",
         {images.string() + ":3:", "unknown CAMERA_ID 4"});
  // A number that is not one.
  expect(good_cameras, "1 1 0 0 zero 0 0 0 1 a.png\n\n", {images.string() + ":1:", "QZ", "\"zero\""});
  // Not a unit quaternion.
  expect(good_cameras, "1 2 0 0 0 0 0 0 1 a.png\n\n", {images.string() + ":1:", "unit quaternion"});
  // Missing points line: the next image line is read as points (10 fields).
  expect(good_cameras, "1 1 0 0 0 0 0 0 1 a.png\n2 1 0 0 0 0 0 0 1 b.png\n", {images.string() + ":2:", "POINTS2D"});
  // Duplicate image id.
  expect(good_cameras,
         "1 1 0 0 0 0 0 0 1 a.png\n\n1 1 0 0 0 0 0 0 1 b.png\n\n",
         {images.string() + ":3:", "duplicate IMAGE_ID"});
  // No images at all.
  expect(good_cameras, "# nothing\n", {images.string(), "no images"});
  // cameras.txt: unsupported model, wrong parameter count, bad size.
  expect("1 FISHEYE 100 80 90 50 40 0.1\n", "", {cameras.string() + ":1:", "FISHEYE"});
  expect("# x\n1 PINHOLE 100 80 90 50 40\n", "", {cameras.string() + ":2:", "has 8 fields", "got 7"});
  expect("1 PINHOLE 0 80 90 90 50 40\n", "", {cameras.string() + ":1:", "WIDTH"});
  expect("1 PINHOLE 100 80 90 90 50 40\n1 PINHOLE 100 80 90 90 50 40\n",
         "",
         {cameras.string() + ":2:", "duplicate CAMERA_ID"});
  // Missing files / folder.
  fs::remove(cameras);
  ExpectInputError([&] { ReadColmapText(dir); }, {cameras.string(), "not found"});
  ExpectInputError([&] { ReadColmapText(dir / "nope"); }, {(dir / "nope").string(), "not a folder"});
}

TEST(ColmapText, RejectsUnwritableTracks) {
  const fs::path dir = testing::CreateTestDir();
  CameraTrack track = RandomTrack(9);
  track.image_names[1] = "has space.png";
  EXPECT_THROW(WriteColmapText(dir, track), Error);
  EXPECT_THROW(WriteColmapText(dir, CameraTrack{}), Error);
  EXPECT_THROW(WriteTransformsJson(dir / "t.json", CameraTrack{}), Error);
  track.image_names.pop_back();  // 5 names for 6 cameras
  EXPECT_THROW(WriteTransformsJson(dir / "t.json", track), Error);
  EXPECT_TRUE(ListDir(dir).empty());
}

// ------------------------------------------------------------ dispatch, paths

TEST(CameraTrack, ReadCameraTrackDispatchesOnPath) {
  const fs::path dir = testing::CreateTestDir();
  const CameraTrack track = RandomTrack(12);
  WriteColmapText(dir / "colmap", track);
  WriteTransformsJson(dir / "transforms.json", track);
  WriteText(dir / "keyframes.json", R"({"keyframes": [{"frame": 0, "position": [0, 0, 0]}], "frames": 3})");
  WriteText(dir / "broken.json", "{");
  ExpectSameTrack(track, ReadCameraTrack(dir / "colmap"));
  ExpectSameTrack(track, ReadCameraTrack(dir / "colmap" / "images.txt"));
  ExpectSameTrack(track, ReadCameraTrack(dir / "transforms.json"));
  EXPECT_TRUE(LooksLikeCameraTrack(dir / "colmap"));
  EXPECT_TRUE(LooksLikeCameraTrack(dir / "transforms.json"));
  EXPECT_FALSE(LooksLikeCameraTrack(dir / "keyframes.json"));
  EXPECT_FALSE(LooksLikeCameraTrack(dir / "broken.json"));
  EXPECT_FALSE(LooksLikeCameraTrack(dir / "absent.json"));
  EXPECT_FALSE(LooksLikeCameraTrack(dir));
}

TEST(CameraTrack, PathFramesCarryPosesAndFov) {
  const CameraTrack track = RandomTrack(13);
  const std::vector<PathFrame> frames = TrackToPathFrames(track);
  ASSERT_EQ(frames.size(), track.cameras.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].cam_from_world, track.cameras[i].cam_from_world);
    ASSERT_TRUE(frames[i].fov_deg.has_value());
    EXPECT_DOUBLE_EQ(*frames[i].fov_deg, track.cameras[i].intrinsics.HorizontalFovDeg());
    EXPECT_TRUE(frames[i].prompt.empty());
  }
}

TEST(CameraTrack, AbsoluteKeyframePathReproducesEveryCamera) {
  const CameraTrack track = RandomTrack(14);
  const int n = static_cast<int>(track.cameras.size());
  const KeyframePath path = TrackToKeyframePath(track);
  ASSERT_EQ(path.keyframes.size(), track.cameras.size());
  // The run's own first camera is ignored in absolute units.
  const std::vector<PathFrame> frames =
      InterpolateKeyframePath(path, LookAt({5, 5, 5}, {0, 0, 0}, {0, -1, 0}), 0.1, n + 2);
  for (int i = 0; i < n + 2; ++i) {
    const Camera& camera = track.cameras[std::min(i, n - 1)];  // held after the last
    EXPECT_LE((frames[i].cam_from_world - camera.cam_from_world).cwiseAbs().maxCoeff(), 1e-9) << i;
    ASSERT_TRUE(frames[i].fov_deg.has_value());
    EXPECT_NEAR(*frames[i].fov_deg, camera.intrinsics.HorizontalFovDeg(), 1e-9);
  }

  // frame_step spreads the keyframes; the keyframes themselves are still exact.
  TrackPathOptions options;
  options.frame_step = 4;
  const std::vector<PathFrame> spread =
      InterpolateKeyframePath(TrackToKeyframePath(track, options), Eigen::Matrix4d::Identity(), 0.1, 4 * (n - 1) + 1);
  for (int i = 0; i < n; ++i)
    EXPECT_LE((spread[4 * i].cam_from_world - track.cameras[i].cam_from_world).cwiseAbs().maxCoeff(), 1e-9);
}

TEST(CameraTrack, RelativeKeyframePathStartsFromTheRunsCamera) {
  const CameraTrack track = RandomTrack(15);
  const int n = static_cast<int>(track.cameras.size());
  TrackPathOptions options;
  options.units = KeyframeUnits::kRelative;
  options.length_scale = 2.0;
  const KeyframePath path = TrackToKeyframePath(track, options);
  EXPECT_EQ(path.units, KeyframeUnits::kRelative);
  EXPECT_LE(path.keyframes[0].position.norm(), 1e-12);
  EXPECT_LE(path.keyframes[0].rotation.angularDistance(Eigen::Quaterniond::Identity()), 1e-9);

  // length_scale * median_depth = 1 and the run starting at the track's first
  // camera: the track comes back unchanged.
  const std::vector<PathFrame> same = InterpolateKeyframePath(path, track.cameras[0].cam_from_world, 0.5, n);
  for (int i = 0; i < n; ++i)
    EXPECT_LE((same[i].cam_from_world - track.cameras[i].cam_from_world).cwiseAbs().maxCoeff(), 1e-9) << i;

  // Any other first camera and scale: camera i relative to camera 0 keeps its
  // rotation and its offset scaled by length_scale * median_depth.
  std::mt19937 rng(3);
  const Eigen::Matrix4d run_first = RandomRigid(rng);
  const double median_depth = 0.1;
  const std::vector<PathFrame> moved = InterpolateKeyframePath(path, run_first, median_depth, n);
  EXPECT_LE((moved[0].cam_from_world - run_first).cwiseAbs().maxCoeff(), 1e-9);
  for (int i = 1; i < n; ++i) {
    Eigen::Matrix4d rel = track.cameras[i].cam_from_world * track.cameras[0].WorldFromCam();
    rel.topRightCorner<3, 1>() *= options.length_scale * median_depth;
    EXPECT_LE((moved[i].cam_from_world - rel * run_first).cwiseAbs().maxCoeff(), 1e-9) << i;
  }
  EXPECT_THROW(TrackToKeyframePath(CameraTrack{}), Error);
  options.length_scale = 0;
  EXPECT_THROW(TrackToKeyframePath(track, options), Error);
}

}  // namespace
}  // namespace scenescape
