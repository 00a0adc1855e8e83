#include "scenescape/core/fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <system_error>

#include "scenescape/core/check.h"

namespace scenescape {
namespace fs = std::filesystem;

namespace {
fs::path TemporaryName(const fs::path& path) {
  // Keep the extension last: OpenCV picks the encoder from it.
  return path.parent_path() / (path.stem().string() + ".tmp-" + std::to_string(::getpid()) + path.extension().string());
}
}  // namespace

namespace {
// Fault injection for the resume tests: with SCN_TEST_CRASH_AT_WRITE=N the
// process dies in the middle of its N-th file write (the temporary file cut in
// half, never renamed), like a killed job. Unset in normal use.
void MaybeCrashDuringWrite(const fs::path& tmp) {
  static const long crash_at = [] {
    const char* env = std::getenv("SCN_TEST_CRASH_AT_WRITE");
    return env ? std::atol(env) : 0L;
  }();
  static long writes = 0;
  if (crash_at <= 0 || ++writes != crash_at) return;
  std::error_code ec;
  const auto size = fs::file_size(tmp, ec);
  if (!ec) fs::resize_file(tmp, size / 2, ec);
  std::_Exit(86);
}
}  // namespace

namespace {
// The temporary reaches the disk before it gets its final name, so that a crash of the machine cannot leave a
// short file under the final name, and a write error that its writer did not check (a full disk) shows here.
void SyncToDisk(const fs::path& tmp, const fs::path& path) {
  const int fd = ::open(tmp.c_str(), O_RDONLY);
  if (fd < 0) throw OutputError(path.string() + ": the writer produced no file");
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw OutputError(path.string() + ": write failed (disk full?)");
}
}  // namespace

void WriteViaTemporary(const fs::path& path, const std::function<void(const fs::path& tmp)>& write) {
  const fs::path tmp = TemporaryName(path);
  try {
    write(tmp);
    SyncToDisk(tmp, path);
    MaybeCrashDuringWrite(tmp);
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw OutputError(path.string() + ": cannot rename temporary file into place: " + ec.message());
  }
}

void WriteAtomically(const fs::path& path, const std::string& bytes) {
  WriteViaTemporary(path, [&](const fs::path& tmp) {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw OutputError(path.string() + ": cannot open for writing");
    const size_t written = std::fwrite(bytes.data(), 1, bytes.size(), f);
    const bool ok = written == bytes.size() && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
    std::fclose(f);
    if (!ok) throw OutputError(path.string() + ": write failed (disk full?)");
  });
}

std::string ReadFile(const fs::path& path, uint64_t max_bytes) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw InputError(path.string() + ": is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open for reading");
  // A regular file's size is known before reading; a pipe or device is cut at the limit instead.
  const uint64_t size = fs::is_regular_file(path, ec) ? fs::file_size(path, ec) : 0;
  if (!ec && size > max_bytes)
    throw InputError(path.string() + ": " + std::to_string(size) + " bytes, more than the limit of " +
                     std::to_string(max_bytes) + " for this file");
  std::string data;
  data.reserve(size);
  char buffer[1 << 16];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    data.append(buffer, static_cast<size_t>(in.gcount()));
    if (data.size() > max_bytes)
      throw InputError(path.string() + ": more than the limit of " + std::to_string(max_bytes) +
                       " bytes for this file");
  }
  if (in.bad()) throw InputError(path.string() + ": read failed");
  return data;
}

void EnsureWritableDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw OutputError(dir.string() + ": cannot create output folder" + (ec ? ": " + ec.message() : std::string()));
  const fs::path probe = dir / (".write-test-" + std::to_string(::getpid()));
  std::FILE* f = std::fopen(probe.c_str(), "wb");
  if (!f) throw OutputError(dir.string() + ": output folder is not writable");
  std::fclose(f);
  fs::remove(probe, ec);
}

}  // namespace scenescape
