#include "auth/dev_provider.h"

#include <algorithm>
#include <array>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"

namespace satchel::auth {
namespace {

using nlohmann::json;

// RFC 7636 section 4.1: a code verifier, and an S256 challenge written with
// the same alphabet, is 43 to 128 unreserved characters.
constexpr size_t kMinPkceValueBytes = 43;
constexpr size_t kMaxPkceValueBytes = 128;
// The code is 32 random bytes, base64url-encoded.
constexpr size_t kCodeRandomBytes = 32;

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool is_pkce_value(std::string_view value) {
  return value.size() >= kMinPkceValueBytes && value.size() <= kMaxPkceValueBytes &&
         std::all_of(value.begin(), value.end(), is_unreserved);
}

// state, nonce and scope: printable ASCII up to kMaxRequestValueBytes, so
// they can be echoed into a URL and an HTML attribute after escaping.
bool is_request_value(std::string_view value) {
  return value.size() <= kMaxRequestValueBytes &&
         std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::string_view param(const FormParams& params, std::string_view name) {
  auto it = params.find(name);
  return it == params.end() ? std::string_view{} : std::string_view(it->second);
}

bool has_param(const FormParams& params, std::string_view name) {
  return params.find(name) != params.end();
}

std::string html_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

// Appends query parameters to a URL that may already have a query, which
// RFC 6749 section 3.1.2 requires a redirect to keep.
std::string with_query(std::string_view url,
                       const std::vector<std::pair<std::string_view, std::string_view>>& params) {
  std::string result(url);
  char separator = result.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    result += separator;
    result += uri_encode(name);
    result += '=';
    result += uri_encode(value);
    separator = '&';
  }
  return result;
}

constexpr std::string_view kLoginPageStyle =
    "body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f5;color:#18181b}"
    "main{max-width:22rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px;"
    "box-shadow:0 1px 3px rgba(0,0,0,.15)}"
    "h1{font-size:1.3rem;margin-top:0}"
    "label{display:block;margin:1rem 0 .3rem}"
    "input[type=text]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}"
    ".check{display:flex;gap:.5rem;align-items:center}"
    "button{margin-top:1.5rem;width:100%;padding:.6rem;font-size:1rem}"
    ".notice{color:#b91c1c}"
    ".hint{color:#52525b;font-size:.9rem}";

// The request parameters carried through the login form, in this order.
constexpr std::array<std::string_view, 8> kCarriedParams = {
    "response_type",         "client_id", "redirect_uri", "code_challenge",
    "code_challenge_method", "state",     "nonce",        "scope"};

std::string hidden_fields(const FormParams& params) {
  std::string html;
  for (std::string_view name : kCarriedParams) {
    if (!has_param(params, name)) continue;
    html += "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" +
            html_escape(param(params, name)) + "\">\n";
  }
  return html;
}

std::string text_field(std::string_view id, std::string_view label, std::string_view value,
                       std::string_view autocomplete) {
  const std::string name(id);
  return "<label for=\"" + name + "\">" + std::string(label) + "</label>\n" +
         "<input type=\"text\" id=\"" + name + "\" name=\"" + name +
         "\" required maxlength=\"64\" pattern=\"[A-Za-z0-9._\\-]+\" autocomplete=\"" +
         std::string(autocomplete) + "\" value=\"" + html_escape(value) + "\">\n";
}

}  // namespace

std::optional<FormParams> parse_form(std::string_view text) {
  FormParams params;
  while (!text.empty()) {
    const size_t end = text.find('&');
    const std::string_view pair = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    auto name = percent_decode(pair.substr(0, equals), /*plus_as_space=*/true);
    auto value = percent_decode(
        equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1), true);
    if (!name || !value) return std::nullopt;
    if (!params.emplace(std::move(*name), std::move(*value)).second) return std::nullopt;
  }
  return params;
}

json discovery_document(std::string_view issuer) {
  const std::string base(issuer);
  return {
      {"issuer", base},
      {"authorization_endpoint", base + "/authorize"},
      {"token_endpoint", base + "/token"},
      {"jwks_uri", base + "/jwks"},
      {"response_types_supported", {"code"}},
      {"grant_types_supported", {"authorization_code"}},
      {"code_challenge_methods_supported", {"S256"}},
      {"id_token_signing_alg_values_supported", {"ES256"}},
      {"subject_types_supported", {"public"}},
      {"token_endpoint_auth_methods_supported", {"none"}},
      {"scopes_supported", {"openid"}},
  };
}

std::string_view authorize_error_code(AuthorizeError error) {
  switch (error) {
    case AuthorizeError::kInvalidClient:
      return "unauthorized_client";
    case AuthorizeError::kInvalidRedirectUri:
    case AuthorizeError::kInvalidRequest:
    case AuthorizeError::kInvalidIdentity:
      return "invalid_request";
    case AuthorizeError::kUnsupportedResponseType:
      return "unsupported_response_type";
    case AuthorizeError::kTemporarilyUnavailable:
      return "temporarily_unavailable";
  }
  return "invalid_request";
}

std::string_view authorize_error_description(AuthorizeError error) {
  switch (error) {
    case AuthorizeError::kInvalidClient:
      return "The client_id is missing or unknown.";
    case AuthorizeError::kInvalidRedirectUri:
      return "The redirect_uri is missing or not registered for this client.";
    case AuthorizeError::kUnsupportedResponseType:
      return "Only response_type=code is supported.";
    case AuthorizeError::kInvalidRequest:
      return "The request needs a PKCE code_challenge with code_challenge_method=S256, "
             "and state, nonce and scope of printable ASCII.";
    case AuthorizeError::kInvalidIdentity:
      return "User name and organization must be 1 to 64 letters, digits, '.', '_' or '-', "
             "and not '.' or '..'.";
    case AuthorizeError::kTemporarilyUnavailable:
      return "Too many sign-ins are in progress. Try again in a minute.";
  }
  return "The request is invalid.";
}

bool is_redirectable(AuthorizeError error) {
  return error == AuthorizeError::kUnsupportedResponseType ||
         error == AuthorizeError::kInvalidRequest ||
         error == AuthorizeError::kTemporarilyUnavailable;
}

bool is_valid_identity_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxIdentityNameBytes || name == "." || name == "..") {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string_view token_endpoint_error_code(TokenEndpointError error) {
  switch (error) {
    case TokenEndpointError::kInvalidRequest:
      return "invalid_request";
    case TokenEndpointError::kInvalidClient:
      return "invalid_client";
    case TokenEndpointError::kInvalidGrant:
      return "invalid_grant";
    case TokenEndpointError::kUnsupportedGrantType:
      return "unsupported_grant_type";
    case TokenEndpointError::kServerError:
      return "server_error";
  }
  return "invalid_request";
}

int token_endpoint_error_status(TokenEndpointError error) {
  switch (error) {
    case TokenEndpointError::kInvalidClient:
      return 401;
    case TokenEndpointError::kServerError:
      return 500;
    default:
      return 400;
  }
}

json token_endpoint_error_body(TokenEndpointError error) {
  return {{"error", std::string(token_endpoint_error_code(error))}};
}

std::string pkce_s256_challenge(std::string_view verifier) {
  return base64url_encode(sha256(verifier));
}

DevProvider::DevProvider(DevProviderConfig config, std::shared_ptr<const SigningKey> key,
                         const Clock& clock)
    : config_(std::move(config)), key_(std::move(key)), clock_(clock) {}

json DevProvider::discovery_document() const { return auth::discovery_document(config_.issuer); }

json DevProvider::jwks() const { return key_->jwks(); }

Expected<AuthorizationRequest, AuthorizeError> DevProvider::check_authorization_request(
    const FormParams& params) const {
  AuthorizationRequest request;
  request.client_id = param(params, "client_id");
  if (request.client_id != config_.client_id) return Unexpected(AuthorizeError::kInvalidClient);
  request.redirect_uri = param(params, "redirect_uri");
  const auto& allowed = config_.redirect_uris;
  if (request.redirect_uri.empty() ||
      std::find(allowed.begin(), allowed.end(), request.redirect_uri) == allowed.end()) {
    return Unexpected(AuthorizeError::kInvalidRedirectUri);
  }

  if (!has_param(params, "response_type")) return Unexpected(AuthorizeError::kInvalidRequest);
  if (param(params, "response_type") != "code") {
    return Unexpected(AuthorizeError::kUnsupportedResponseType);
  }
  // RFC 7636 section 4.3 defaults a missing method to "plain", which is not accepted.
  request.code_challenge = param(params, "code_challenge");
  if (param(params, "code_challenge_method") != "S256" || !is_pkce_value(request.code_challenge)) {
    return Unexpected(AuthorizeError::kInvalidRequest);
  }
  request.state = param(params, "state");
  request.nonce = param(params, "nonce");
  request.scope = param(params, "scope");
  if (!is_request_value(request.state) || !is_request_value(request.nonce) ||
      !is_request_value(request.scope)) {
    return Unexpected(AuthorizeError::kInvalidRequest);
  }
  return request;
}

Expected<std::string, AuthorizeError> DevProvider::login_page_html(const FormParams& params,
                                                                   std::string_view notice) const {
  auto request = check_authorization_request(params);
  if (!request) return Unexpected(request.error());

  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>Sign in to the Satchel development provider</title>\n<style>";
  html += kLoginPageStyle;
  html += "</style>\n</head>\n<body>\n<main>\n<h1>Development sign-in</h1>\n";
  html +=
      "<p class=\"hint\">This provider is for local development only: it signs in any name "
      "you enter, without a password.</p>\n";
  if (!notice.empty())
    html += "<p class=\"notice\" role=\"alert\">" + html_escape(notice) + "</p>\n";
  html += "<form method=\"post\" action=\"" + html_escape(config_.issuer + "/authorize") + "\">\n";
  html += hidden_fields(params);
  html += text_field("user", "User name", param(params, "user"), "username");
  html += text_field("tenant", "Organization", param(params, "tenant"), "organization");
  html += "<label class=\"check\"><input type=\"checkbox\" name=\"admin\" value=\"on\"";
  if (param(params, "admin") == "on") html += " checked";
  html += "> Administrator of this organization</label>\n";
  html += "<button type=\"submit\">Sign in</button>\n</form>\n</main>\n</body>\n</html>\n";
  return html;
}

std::string login_page_content_security_policy() {
  // No form-action: browsers apply it to the redirect that follows the post,
  // and that redirect goes to the client's own origin.
  return "default-src 'none'; style-src 'sha256-" + base64_encode(sha256(kLoginPageStyle)) +
         "'; base-uri 'none'; frame-ancestors 'none'";
}

Expected<DevIdentity, AuthorizeError> check_identity(const FormParams& form) {
  DevIdentity identity;
  identity.user = param(form, "user");
  identity.tenant = param(form, "tenant");
  if (!is_valid_identity_name(identity.user) || !is_valid_identity_name(identity.tenant)) {
    return Unexpected(AuthorizeError::kInvalidIdentity);
  }
  // An HTML checkbox sends its value only when checked.
  identity.admin = param(form, "admin") == "on";
  return identity;
}

Expected<std::string, AuthorizeError> DevProvider::authorize(const FormParams& form) {
  auto request = check_authorization_request(form);
  if (!request) return Unexpected(request.error());
  auto identity = check_identity(form);
  if (!identity) return Unexpected(identity.error());

  const SystemTime now = clock_.now();
  const std::string code = random_token(kCodeRandomBytes);
  {
    std::lock_guard lock(mutex_);
    std::erase_if(codes_, [&](const auto& entry) { return entry.second.expires_at <= now; });
    if (codes_.size() >= config_.max_pending_codes) {
      return Unexpected(AuthorizeError::kTemporarilyUnavailable);
    }
    codes_.emplace(code, PendingCode{*request, std::move(*identity), now + config_.code_ttl});
  }

  std::vector<std::pair<std::string_view, std::string_view>> response = {{"code", code}};
  if (!request->state.empty()) response.emplace_back("state", request->state);
  return with_query(request->redirect_uri, response);
}

std::optional<std::string> DevProvider::error_redirect_url(const FormParams& params,
                                                           AuthorizeError error) const {
  if (!is_redirectable(error)) return std::nullopt;
  // Only a request whose client and redirect_uri pass may be redirected.
  auto request = check_authorization_request(params);
  if (!request && !is_redirectable(request.error())) return std::nullopt;

  const std::string_view redirect_uri = param(params, "redirect_uri");
  std::vector<std::pair<std::string_view, std::string_view>> response = {
      {"error", authorize_error_code(error)}};
  const std::string_view state = param(params, "state");
  if (!state.empty() && is_request_value(state)) response.emplace_back("state", state);
  return with_query(redirect_uri, response);
}

std::optional<DevProvider::PendingCode> DevProvider::take_code(const std::string& code) {
  std::lock_guard lock(mutex_);
  auto it = codes_.find(code);
  if (it == codes_.end()) return std::nullopt;
  PendingCode pending = std::move(it->second);
  codes_.erase(it);
  return pending;
}

json DevProvider::id_token_claims(const PendingCode& pending) const {
  const int64_t issued_at = to_unix_seconds(clock_.now());
  json claims = {
      {"iss", config_.issuer},
      {"aud", pending.request.client_id},
      {"sub", pending.identity.user},
      {"org", pending.identity.tenant},
      {"roles", pending.identity.admin ? json::array({"admin"}) : json::array()},
      {"iat", issued_at},
      {"exp", issued_at + config_.id_token_ttl.count()},
  };
  if (!pending.request.nonce.empty()) claims["nonce"] = pending.request.nonce;
  return claims;
}

Expected<json, TokenEndpointError> DevProvider::exchange_code(const FormParams& form) {
  // The code leaves the table before any check, so a presented code is used
  // up whatever fails next.
  std::optional<PendingCode> pending;
  if (has_param(form, "code")) pending = take_code(std::string(param(form, "code")));

  if (!has_param(form, "grant_type")) return Unexpected(TokenEndpointError::kInvalidRequest);
  if (param(form, "grant_type") != "authorization_code") {
    return Unexpected(TokenEndpointError::kUnsupportedGrantType);
  }
  for (std::string_view name : {"code", "redirect_uri", "client_id", "code_verifier"}) {
    if (param(form, name).empty()) return Unexpected(TokenEndpointError::kInvalidRequest);
  }
  if (param(form, "client_id") != config_.client_id) {
    return Unexpected(TokenEndpointError::kInvalidClient);
  }
  const std::string_view verifier = param(form, "code_verifier");
  if (!is_pkce_value(verifier)) return Unexpected(TokenEndpointError::kInvalidRequest);

  if (!pending || clock_.now() >= pending->expires_at ||
      pending->request.client_id != param(form, "client_id") ||
      pending->request.redirect_uri != param(form, "redirect_uri") ||
      !constant_time_equal(pkce_s256_challenge(verifier), pending->request.code_challenge)) {
    return Unexpected(TokenEndpointError::kInvalidGrant);
  }

  auto token = mint_token(*key_, id_token_claims(*pending));
  if (!token) return Unexpected(TokenEndpointError::kServerError);
  return json{
      {"access_token", *token},
      {"id_token", *token},
      {"token_type", "Bearer"},
      {"expires_in", config_.id_token_ttl.count()},
  };
}

size_t DevProvider::pending_code_count() const {
  std::lock_guard lock(mutex_);
  return codes_.size();
}

}  // namespace satchel::auth
