#include "example_files.h"

#include <gtest/gtest.h>

#include "common/time_format.h"
#include "test_files.h"

namespace satchel::s3::testing {

Credentials Example::credentials() const {
  const auto& credentials = input().at("credentials");
  return {credentials.at("access_key_id").get<std::string>(),
          Secret(credentials.at("secret_access_key").get<std::string>()),
          {}};
}

SystemTime Example::time() const {
  auto parsed = parse_amz_date(input().at("timestamp").get<std::string>());
  EXPECT_TRUE(parsed.has_value()) << file;
  return parsed.value_or(SystemTime{});
}

void PrintTo(const Example& example, std::ostream* out) { *out << example.file.filename(); }

std::vector<Example> examples_where(const std::function<bool(const nlohmann::json&)>& predicate) {
  std::vector<Example> out;
  for (const char* folder : {"s3-examples", "sigv4/aws-docs-examples"}) {
    for (const auto& file : files_with_extension(testdata_dir() / folder, ".json")) {
      auto json = nlohmann::json::parse(read_file(file), nullptr, false);
      if (!json.is_discarded() && predicate(json)) out.push_back({file, std::move(json)});
    }
  }
  return out;
}

}  // namespace satchel::s3::testing
