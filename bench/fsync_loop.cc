// The durable-write ceiling of a disk: each thread writes a new file of the
// given size, fsyncs it and renames it to its final name, as fast as it can.
// With --sync-dir it also fsyncs the folder after the rename, which a crash
// needs before the new name is durable and which the embedded store does.
//
//   fsync_loop --dir=PATH --bytes=4096 --threads=16 --seconds=10 [--sync-dir]
//   fsync_loop --dir=PATH --bytes=268435456 --count=3
//
// Prints one line: "files=N seconds=S files_per_second=R mib_per_second=M".
// The files stay in PATH; the caller removes the folder.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string dir;
  size_t bytes = 4096;
  int threads = 1;
  double seconds = 10;
  long count = 0;  // files per thread; 0 runs for `seconds` instead
  bool sync_dir = false;
};

bool parse_value(std::string_view arg, std::string_view name, std::string& out) {
  if (!arg.starts_with(name) || arg.size() <= name.size() || arg[name.size()] != '=') return false;
  out = std::string(arg.substr(name.size() + 1));
  return true;
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string value;
    if (parse_value(arg, "--dir", value)) {
      options.dir = value;
    } else if (parse_value(arg, "--bytes", value)) {
      options.bytes = std::stoull(value);
    } else if (parse_value(arg, "--threads", value)) {
      options.threads = std::stoi(value);
    } else if (parse_value(arg, "--seconds", value)) {
      options.seconds = std::stod(value);
    } else if (parse_value(arg, "--count", value)) {
      options.count = std::stol(value);
    } else if (arg == "--sync-dir") {
      options.sync_dir = true;
    } else {
      std::fprintf(stderr, "fsync_loop: unknown argument %s\n", argv[i]);
      std::exit(2);
    }
  }
  if (options.dir.empty() || options.threads < 1 || options.bytes == 0) {
    std::fprintf(stderr,
                 "usage: fsync_loop --dir=PATH [--bytes=N] [--threads=N] "
                 "[--seconds=S | --count=N] [--sync-dir]\n");
    std::exit(2);
  }
  return options;
}

[[noreturn]] void fail(const char* what, const std::string& path) {
  std::fprintf(stderr, "fsync_loop: %s %s: %s\n", what, path.c_str(), std::strerror(errno));
  std::exit(1);
}

void write_all(int fd, const std::string& data, const std::string& path) {
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed on", path);
    }
    written += static_cast<size_t>(n);
  }
}

// Writes, syncs and renames one new file.
void write_one(const Options& options, const std::string& data, int thread, long index,
               int dir_fd) {
  const std::string base = options.dir + "/t" + std::to_string(thread) + "-" +
                           std::to_string(index);
  const std::string temp = base + ".tmp";
  int fd = ::open(temp.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", temp);
  write_all(fd, data, temp);
  if (::fsync(fd) != 0) fail("fsync failed on", temp);
  ::close(fd);
  if (::rename(temp.c_str(), base.c_str()) != 0) fail("rename failed on", temp);
  if (options.sync_dir && ::fsync(dir_fd) != 0) fail("fsync failed on", options.dir);
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  const std::string data(options.bytes, 'x');
  int dir_fd = ::open(options.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) fail("cannot open folder", options.dir);

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(options.seconds));
  std::atomic<long> files{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < options.threads; ++t) {
    threads.emplace_back([&, t] {
      for (long i = 0; options.count == 0 || i < options.count; ++i) {
        if (options.count == 0 && Clock::now() >= deadline) break;
        write_one(options, data, t, i, dir_fd);
        files.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(dir_fd);

  const double rate = static_cast<double>(files.load()) / elapsed;
  std::printf("files=%ld seconds=%.3f files_per_second=%.1f mib_per_second=%.1f\n", files.load(),
              elapsed, rate, rate * static_cast<double>(options.bytes) / (1024.0 * 1024.0));
  return 0;
}
