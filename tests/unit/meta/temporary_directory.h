// A fresh directory for one test's database, removed with everything in it afterwards.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

#include "common/crypto.h"

namespace satchel::meta::test_support {

class TemporaryDirectory {
 public:
  TemporaryDirectory()
      : path_(std::filesystem::temp_directory_path() / ("satchel-meta-" + random_token(12))) {
    std::filesystem::create_directories(path_);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace satchel::meta::test_support
