// The worked examples transcribed from the AWS documentation as JSON
// (s3-examples/*.json and aws-docs-examples/*.json), selected by what they
// contain so that a new file is picked up without a code change.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "s3/credentials.h"

namespace satchel::s3::testing {

struct Example {
  std::filesystem::path file;
  nlohmann::json json;

  const nlohmann::json& input() const { return json.at("input"); }
  const nlohmann::json& expected() const { return json.at("expected"); }
  std::string name() const { return file.stem().string(); }

  Credentials credentials() const;
  SystemTime time() const;  // input.timestamp, YYYYMMDDTHHMMSSZ
  std::string region() const { return input().at("region"); }
  std::string service() const { return input().at("service"); }
};

// Names the file in gtest output instead of dumping the object's bytes.
void PrintTo(const Example& example, std::ostream* out);

// Every example whose JSON satisfies the predicate, sorted by file name.
std::vector<Example> examples_where(const std::function<bool(const nlohmann::json&)>& predicate);

}  // namespace satchel::s3::testing
