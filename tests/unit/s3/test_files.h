// Reading the published SigV4 vectors: files, case folders and the raw HTTP
// messages of the AWS test suites.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3/auth_error.h"
#include "s3/canonical_request.h"
#include "s3/signer.h"

namespace satchel::s3 {

// Show error values by name in gtest failure messages.
void PrintTo(AuthError error, std::ostream* out);
void PrintTo(SigningError error, std::ostream* out);

}  // namespace satchel::s3

namespace satchel::s3::testing {

std::filesystem::path testdata_dir();

// The whole file, or an empty string (and a test failure) if it cannot be
// read.
std::string read_file(const std::filesystem::path& path);

// The sub-folders of a folder, sorted by name.
std::vector<std::filesystem::path> sorted_subfolders(const std::filesystem::path& folder);

// The files with this extension anywhere below a folder, sorted by path.
std::vector<std::filesystem::path> files_with_extension(const std::filesystem::path& folder,
                                                        std::string_view extension);

// A gtest-safe name for a case: every character outside [A-Za-z0-9] becomes '_'.
std::string test_name(std::string_view case_name);

// An HTTP/1.1 request as the suites write it: "Name:value" header lines,
// continuation lines starting with whitespace, then a blank line and the body.
struct HttpMessage {
  std::string method;
  std::string target;  // between the method and " HTTP/1.1"; may contain spaces
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::vector<Header> header_views() const;
};
HttpMessage parse_http_message(std::string_view text);

// Headers as a sorted list of lower-case names and trimmed values, for
// comparing messages whose header order may differ.
std::vector<std::pair<std::string, std::string>> normalized_headers(
    const std::vector<std::pair<std::string, std::string>>& headers);

// Query parameters decoded once and sorted, for comparing query strings whose
// order or escaping may differ.
std::vector<std::pair<std::string, std::string>> decoded_query(std::string_view query);

}  // namespace satchel::s3::testing
