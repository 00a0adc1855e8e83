// Shared main: quiet logger, seeded RNGs before every test.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <thread>

#include "scenescape/core/logging.h"

namespace {
class SeedListener : public ::testing::EmptyTestEventListener {
  void OnTestStart(const ::testing::TestInfo&) override { at::manual_seed(0); }
};
}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  scenescape::SetLogLevel(std::getenv("SCN_TEST_LOG") ? std::getenv("SCN_TEST_LOG") : "warn");
  at::set_num_threads(std::max(1u, std::thread::hardware_concurrency()));
  ::testing::UnitTest::GetInstance()->listeners().Append(new SeedListener);
  return RUN_ALL_TESTS();
}
