// An Engine on a fresh folder with a manual clock and a versioned bucket,
// for the engine tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "common/time_format.h"
#include "store/engine.h"
#include "temp_dir.h"

namespace satchel::store {

inline constexpr std::string_view kBucket = "satchel";

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(from_unix_seconds(1700000000));
    engine_ = open_engine();
    ASSERT_TRUE(engine_->create_bucket(std::string(kBucket), Versioning::kEnabled));
  }

  std::unique_ptr<Engine> open_engine(uint64_t max_object_bytes = 1 << 20) {
    EngineOptions options;
    options.root = dir_.path() / "store";
    options.max_object_bytes = max_object_bytes;
    options.clock = clock_;
    auto engine = Engine::open(options);
    EXPECT_TRUE(engine) << (engine ? "" : engine.error());
    return std::move(*engine);
  }

  Expected<ObjectVersion, StoreError> put(const std::string& key, std::string_view body,
                                          PutRequest request = {}) {
    return engine_->put(std::string(kBucket), key, body, std::move(request));
  }

  std::string read(const std::string& key, std::optional<std::string> version_id = {}) {
    auto bytes = engine_->read_object(std::string(kBucket), key, version_id);
    return bytes ? *bytes : "<error " + std::string(s3_code(bytes.error())) + ">";
  }

  size_t object_files() { return count_files(engine_->objects_dir()); }
  size_t temp_files() { return count_files(engine_->temp_dir()); }

  TempDir dir_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace satchel::store
