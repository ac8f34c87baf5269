#include "s3/credentials.h"

namespace satchel::s3 {

std::string SigningScope::credential_scope() const {
  std::string out;
  out.reserve(date.size() + region.size() + service.size() + 15);
  out += date;
  out += '/';
  out += region;
  out += '/';
  out += service;
  out += "/aws4_request";
  return out;
}

std::optional<CredentialClaim> parse_credential(std::string_view text) {
  std::string_view parts[5];
  size_t start = 0;
  for (size_t i = 0; i < 5; ++i) {
    size_t end = i == 4 ? text.size() : text.find('/', start);
    if (end == std::string_view::npos || end == start) return std::nullopt;
    parts[i] = text.substr(start, end - start);
    start = end + 1;
  }
  if (parts[4] != "aws4_request" || parts[1].size() != 8) return std::nullopt;
  for (char c : parts[1]) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return CredentialClaim{std::string(parts[0]),
                         {std::string(parts[1]), std::string(parts[2]), std::string(parts[3])}};
}

}  // namespace satchel::s3
