#include "store/authenticator.h"

namespace satchel::store {

AuthRejection to_rejection(s3::AuthError error) {
  return AuthRejection{s3::s3_error_code(error), static_cast<http::Status>(s3::http_status(error)),
                       s3::describe(error), s3::reason(error)};
}

Expected<s3::VerifiedPostPolicy, AuthRejection> Authenticator::verify_post_policy(
    std::string_view, std::span<const s3::FormField>) const {
  return Unexpected(to_rejection(s3::AuthError::kMissingAuthentication));
}

Expected<void, AuthRejection> Authenticator::authorize(const AuthenticatedCaller&,
                                                       const StoreAccess&) const {
  return {};
}

bool Authenticator::may_bypass_governance_retention(const AuthenticatedCaller&) const {
  return true;
}

AuthRejection access_denied(std::string_view reason) {
  return AuthRejection{"AccessDenied", http::Status::forbidden, "Access Denied", reason};
}

}  // namespace satchel::store
