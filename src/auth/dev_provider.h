// The development OpenID provider's protocol logic: discovery, JWKS, the
// authorization code flow with PKCE (RFC 6749 section 4.1, RFC 7636) and the
// login form. Pure functions and an in-memory code table, with no sockets: the
// HTTP layer maps routes onto these calls.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/signing_key.h"
#include "common/clock.h"
#include "common/expected.h"

namespace satchel::auth {

// Decoded application/x-www-form-urlencoded parameters, from a query string
// or a request body.
using FormParams = std::map<std::string, std::string, std::less<>>;

// Parses a query string or form body: '&'-separated name=value pairs with '+'
// for space and %XX escapes. Returns nullopt for a malformed escape or a name
// given twice, which RFC 6749 section 3.1 forbids.
std::optional<FormParams> parse_form(std::string_view text);

inline constexpr std::string_view kDefaultClientId = "satchel-web";
inline constexpr std::chrono::seconds kDefaultIdTokenTtl = std::chrono::minutes{15};
inline constexpr std::chrono::seconds kAuthorizationCodeTtl{60};
// Pending codes beyond this make authorize() fail with kTemporarilyUnavailable,
// so a flood of sign-ins cannot grow memory without bound.
inline constexpr size_t kDefaultMaxPendingCodes = 10000;
// state, nonce and scope values longer than this are rejected.
inline constexpr size_t kMaxRequestValueBytes = 512;
// User and tenant names: 1 to 64 characters of [A-Za-z0-9._-], not "." or "..".
inline constexpr size_t kMaxIdentityNameBytes = 64;

struct DevProviderConfig {
  // The issuer URL without a trailing slash, such as "http://127.0.0.1:8080/dev".
  std::string issuer;
  // The one client allowed to sign in.
  std::string client_id = std::string(kDefaultClientId);
  // redirect_uri values accepted, compared byte for byte.
  std::vector<std::string> redirect_uris;
  std::chrono::seconds id_token_ttl = kDefaultIdTokenTtl;
  std::chrono::seconds code_ttl = kAuthorizationCodeTtl;
  size_t max_pending_codes = kDefaultMaxPendingCodes;
};

// The OpenID Provider Metadata (OpenID Connect Discovery 1.0 section 3) for
// an issuer, with the endpoints at ${issuer}/authorize, /token and /jwks.
nlohmann::json discovery_document(std::string_view issuer);

enum class AuthorizeError {
  kInvalidClient,            // client_id missing or unknown
  kInvalidRedirectUri,       // redirect_uri missing or not on the allow-list
  kUnsupportedResponseType,  // response_type other than "code"
  kInvalidRequest,           // missing or malformed PKCE challenge, method not S256,
                             // or state, nonce or scope not printable ASCII
  kInvalidIdentity,          // user or tenant on the login form invalid
  kTemporarilyUnavailable,   // the pending code table is full
};

// The RFC 6749 section 4.1.2.1 error code, such as "invalid_request".
std::string_view authorize_error_code(AuthorizeError error);

// A short English sentence for an error page or the login form.
std::string_view authorize_error_description(AuthorizeError error);

// RFC 6749 section 4.1.2.1: errors about the client or redirect_uri are shown
// to the user and never redirected, because the redirect target is not
// trusted. For kInvalidIdentity the HTTP layer shows the login form again.
bool is_redirectable(AuthorizeError error);

// A validated authorization request.
struct AuthorizationRequest {
  std::string client_id;
  std::string redirect_uri;
  std::string code_challenge;  // S256 only
  std::string state;           // empty when absent
  std::string nonce;           // empty when absent
  std::string scope;           // empty when absent
};

// The identity chosen on the login form.
struct DevIdentity {
  std::string user;
  std::string tenant;
  bool admin = false;
};

// Checks a user or tenant name: 1 to 64 characters of [A-Za-z0-9._-], not "." or "..".
bool is_valid_identity_name(std::string_view name);

// Reads the identity fields of the login form: user, tenant and the admin
// checkbox, which is set only when its value is "on" as the form sends it.
Expected<DevIdentity, AuthorizeError> check_identity(const FormParams& form);

// The Content-Security-Policy header value for the login page: no script,
// no external resource, only its own inline style and no framing.
std::string login_page_content_security_policy();

enum class TokenEndpointError {
  kInvalidRequest,        // a required parameter is missing or malformed
  kInvalidClient,         // client_id unknown
  kInvalidGrant,          // code unknown, used, expired, or bound to another client,
                          // redirect_uri or code_challenge
  kUnsupportedGrantType,  // grant_type other than authorization_code
  kServerError,           // signing the ID token failed
};

// The RFC 6749 section 5.2 error code, such as "invalid_grant".
std::string_view token_endpoint_error_code(TokenEndpointError error);

// The HTTP status: 401 for kInvalidClient, 500 for kServerError, else 400.
int token_endpoint_error_status(TokenEndpointError error);

// The RFC 6749 section 5.2 body: {"error": "..."}.
nlohmann::json token_endpoint_error_body(TokenEndpointError error);

// BASE64URL(SHA256(ASCII(verifier))), the RFC 7636 section 4.2 S256 challenge.
std::string pkce_s256_challenge(std::string_view verifier);

// Thread-safe. The clock must outlive the provider.
class DevProvider {
 public:
  DevProvider(DevProviderConfig config, std::shared_ptr<const SigningKey> key, const Clock& clock);

  const DevProviderConfig& config() const { return config_; }
  nlohmann::json discovery_document() const;
  nlohmann::json jwks() const;

  // Validates the parameters of an authorization request (GET /authorize).
  // Client and redirect_uri are checked first, so an error may be redirected
  // exactly when is_redirectable() returns true for it.
  Expected<AuthorizationRequest, AuthorizeError> check_authorization_request(
      const FormParams& params) const;

  // The login page for a valid authorization request: a self-contained HTML
  // form (no script, no external resource) asking for user, tenant and an
  // admin flag, which posts the request parameters back to
  // ${issuer}/authorize as hidden fields. notice, when set, is shown above the
  // form, such as the description of a kInvalidIdentity error. Every value
  // is HTML-escaped. Serve it with login_page_content_security_policy().
  Expected<std::string, AuthorizeError> login_page_html(const FormParams& params,
                                                        std::string_view notice = {}) const;

  // Handles the login form post (POST /authorize): re-validates the request,
  // validates the identity and issues a single-use code bound to the client,
  // redirect_uri, code_challenge, nonce and identity, valid for code_ttl.
  // Returns the redirect URL redirect_uri?code=...&state=... (state only when
  // the request had one).
  Expected<std::string, AuthorizeError> authorize(const FormParams& form);

  // For a redirectable error, the redirect URL carrying error= and state=.
  // nullopt when the error must not be redirected or the client or
  // redirect_uri in params is not valid.
  std::optional<std::string> error_redirect_url(const FormParams& params,
                                                AuthorizeError error) const;

  // Handles the token request (POST /token): grant_type=authorization_code
  // with code, redirect_uri, client_id and code_verifier. The code is removed
  // from the table before any check, so it is used up even by a request that
  // fails. Returns the token response of RFC 6749 section 5.1: id_token,
  // access_token (the same JWT), token_type "Bearer" and expires_in. The HTTP
  // layer adds Cache-Control: no-store.
  Expected<nlohmann::json, TokenEndpointError> exchange_code(const FormParams& form);

  // The number of codes issued and not yet used or purged.
  size_t pending_code_count() const;

 private:
  struct PendingCode {
    AuthorizationRequest request;
    DevIdentity identity;
    SystemTime expires_at;
  };

  std::optional<PendingCode> take_code(const std::string& code);
  nlohmann::json id_token_claims(const PendingCode& pending) const;

  DevProviderConfig config_;
  std::shared_ptr<const SigningKey> key_;
  const Clock& clock_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, PendingCode> codes_;  // guarded by mutex_
};

}  // namespace satchel::auth
