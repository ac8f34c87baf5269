#include "test_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/encoding.h"

namespace satchel::s3 {

void PrintTo(AuthError error, std::ostream* out) { *out << reason(error); }

void PrintTo(SigningError error, std::ostream* out) { *out << describe(error); }

}  // namespace satchel::s3

namespace satchel::s3::testing {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::filesystem::path testdata_dir() { return SATCHEL_TESTDATA_DIR; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::filesystem::path> sorted_subfolders(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> out;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.is_directory()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::filesystem::path> files_with_extension(const std::filesystem::path& folder,
                                                        std::string_view extension) {
  std::vector<std::filesystem::path> out;
  std::error_code error;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder, error)) {
    if (entry.is_regular_file() && entry.path().extension() == extension) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string test_name(std::string_view case_name) {
  std::string out(case_name);
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return out;
}

std::vector<Header> HttpMessage::header_views() const {
  std::vector<Header> out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) out.push_back({name, value});
  return out;
}

HttpMessage parse_http_message(std::string_view text) {
  HttpMessage message;
  size_t line_end = text.find('\n');
  std::string_view request_line = trim(text.substr(0, line_end));
  size_t first_space = request_line.find(' ');
  size_t last_space = request_line.rfind(' ');
  message.method = request_line.substr(0, first_space);
  if (first_space != std::string_view::npos && last_space > first_space) {
    message.target = request_line.substr(first_space + 1, last_space - first_space - 1);
  }
  size_t position = line_end == std::string_view::npos ? text.size() : line_end + 1;
  while (position < text.size()) {
    line_end = text.find('\n', position);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(position, line_end - position);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    position = line_end + 1;
    if (line.empty()) {
      if (position < text.size()) message.body = text.substr(position);
      break;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !message.headers.empty()) {
      // An obsolete line folding continues the previous value (RFC 9112
      // section 5.2); a recipient replaces the fold with a space.
      message.headers.back().second += ' ';
      message.headers.back().second += trim(line);
      continue;
    }
    size_t colon = line.find(':');
    message.headers.emplace_back(std::string(line.substr(0, colon)),
                                 std::string(line.substr(colon + 1)));
  }
  return message;
}

std::vector<std::pair<std::string, std::string>> normalized_headers(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : headers) out.emplace_back(lower(name), trim(value));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<std::string, std::string>> decoded_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    std::string_view name = pair.substr(0, equals);
    std::string_view value = equals == std::string_view::npos ? "" : pair.substr(equals + 1);
    out.emplace_back(percent_decode(name).value_or("<bad escape>"),
                     percent_decode(value).value_or("<bad escape>"));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace satchel::s3::testing
