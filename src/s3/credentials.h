// The inputs of every SigV4 signature: who signs (the credentials) and for
// which day, region and service (the scope).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/secret.h"

namespace satchel::s3 {

struct Credentials {
  std::string access_key_id;
  Secret secret_access_key;
  // Set for temporary credentials. It travels as X-Amz-Security-Token.
  std::optional<Secret> session_token;
};

struct SigningScope {
  std::string date;  // YYYYMMDD, the UTC day of the request time
  std::string region;
  std::string service;

  // date/region/service/aws4_request
  std::string credential_scope() const;

  friend bool operator==(const SigningScope&, const SigningScope&) = default;
};

// The Credential value of a signed request:
// access-key-id/YYYYMMDD/region/service/aws4_request.
struct CredentialClaim {
  std::string access_key_id;
  SigningScope scope;
};

// Returns nullopt unless the text has exactly those five non-empty parts,
// eight digits for the date, and the literal aws4_request.
std::optional<CredentialClaim> parse_credential(std::string_view text);

}  // namespace satchel::s3
