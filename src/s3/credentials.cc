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

}  // namespace satchel::s3
