#include "meta/record_validation.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/encoding.h"
#include "fmt/format.h"
#include "meta/object_tags.h"

namespace satchel::meta {
namespace {

constexpr std::size_t kSha256HexLength = 64;

Unexpected<MetaError> invalid(std::string message) {
  return Unexpected(MetaError{MetaErrorCode::kInvalid, std::move(message), std::nullopt});
}

// Text must be UTF-8 without NUL: NUL would cut C strings, and listing relies on no key
// containing it.
bool is_clean_text(std::string_view text) {
  return is_valid_utf8(text) && text.find('\0') == std::string_view::npos;
}

Expected<void, MetaError> check_text(std::string_view field, std::string_view value,
                                     bool allow_empty) {
  if (!allow_empty && value.empty()) return invalid(fmt::format("{} is empty", field));
  if (!is_clean_text(value)) {
    return invalid(fmt::format("{} is not valid UTF-8 or contains NUL", field));
  }
  return {};
}

Expected<void, MetaError> check_size(std::uint64_t size) {
  if (size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return invalid(
        fmt::format("size {} is larger than {}", size, std::numeric_limits<std::int64_t>::max()));
  }
  return {};
}

Expected<void, MetaError> check_sha256(const std::optional<std::string>& sha256) {
  if (!sha256.has_value()) return {};
  bool lower_hex = sha256->find_first_not_of("0123456789abcdef") == std::string::npos;
  if (sha256->size() != kSha256HexLength || !lower_hex) {
    return invalid("sha256 is not 64 lower-case hex digits");
  }
  return {};
}

Expected<void, MetaError> check_identity(const PendingUpload& upload) {
  struct Field {
    std::string_view name;
    std::string_view value;
  };
  for (const Field& field :
       {Field{"id", upload.id}, Field{"tenant", upload.tenant}, Field{"owner", upload.owner},
        Field{"name", upload.name}, Field{"content_type", upload.content_type}}) {
    if (auto checked = check_text(field.name, field.value, false); !checked) return checked;
  }
  // A '/' in either would let two different (tenant, owner) pairs build the same key.
  if (upload.tenant.find('/') != std::string::npos) return invalid("tenant contains '/'");
  if (upload.owner.find('/') != std::string::npos) return invalid("owner contains '/'");
  if (upload.key != upload.tenant + "/" + upload.owner + "/" + upload.name) {
    return invalid("key is not \"{tenant}/{owner}/{name}\"");
  }
  return {};
}

Expected<void, MetaError> check_preconditions(const PendingUpload& upload) {
  if (upload.if_match.has_value() && *upload.if_match < 1) {
    return invalid(fmt::format("if_match revision {} is below 1", *upload.if_match));
  }
  if (upload.if_match.has_value() && upload.if_none_match) {
    return invalid("if_match and if_none_match are both set");
  }
  return {};
}

Expected<void, MetaError> check_matches_upload(std::string_view field, std::string_view observed,
                                               std::string_view expected) {
  if (observed.empty() || observed == expected) return {};
  return invalid(fmt::format("observed {} differs from the upload's", field));
}

}  // namespace

Expected<void, MetaError> validate_new_upload(const PendingUpload& upload) {
  if (auto identity = check_identity(upload); !identity) return identity;
  if (auto size = check_size(upload.size); !size) return size;
  if (auto sha256 = check_sha256(upload.sha256); !sha256) return sha256;
  if (auto preconditions = check_preconditions(upload); !preconditions) return preconditions;
  if (upload.expires_at <= upload.created_at) {
    return invalid("expires_at is not after created_at");
  }
  if (upload.object_expires_at.has_value() && *upload.object_expires_at <= upload.created_at) {
    return invalid("object_expires_at is not after created_at");
  }
  if (upload.state != UploadState::kPending) return invalid("a new upload must be pending");
  return validate_tags(upload.tags);
}

Expected<void, MetaError> validate_observed_object(const ObjectRecord& observed,
                                                   const PendingUpload& upload) {
  if (auto tenant = check_matches_upload("tenant", observed.tenant, upload.tenant); !tenant) {
    return tenant;
  }
  if (auto owner = check_matches_upload("owner", observed.owner, upload.owner); !owner) {
    return owner;
  }
  if (auto name = check_matches_upload("name", observed.name, upload.name); !name) return name;
  if (auto key = check_matches_upload("key", observed.key, upload.key); !key) return key;
  if (auto version = check_text("version_id", observed.version_id, true); !version) {
    return version;
  }
  if (auto etag = check_text("etag", observed.etag, false); !etag) return etag;
  if (auto type = check_text("content_type", observed.content_type, false); !type) return type;
  if (auto size = check_size(observed.size); !size) return size;
  return check_sha256(observed.sha256);
}

Expected<void, MetaError> validate_audit_record(const AuditRecord& record) {
  const std::pair<std::string_view, const std::string*> fields[] = {
      {"request_id", &record.request_id},
      {"subject", &record.subject},
      {"tenant", &record.tenant},
      {"action", &record.action},
      {"key", &record.key},
      {"decision", &record.decision},
      {"reason", &record.reason},
      {"client_address", &record.client_address},
      {"user_agent", &record.user_agent}};
  for (const auto& [name, value] : fields) {
    if (auto checked = check_text(name, *value, true); !checked) return checked;
  }
  return {};
}

Expected<void, MetaError> validate_audit_filter(const AuditFilter& filter) {
  if (filter.subject) {
    if (auto checked = check_text("subject", *filter.subject, true); !checked) return checked;
  }
  if (filter.action) {
    if (auto checked = check_text("action", *filter.action, true); !checked) return checked;
  }
  return {};
}

Expected<void, MetaError> validate_key_redirect(const KeyRedirect& redirect) {
  const std::pair<std::string_view, const std::string*> fields[] = {
      {"tenant", &redirect.tenant}, {"old_key", &redirect.old_key}, {"new_key", &redirect.new_key}};
  for (const auto& [name, value] : fields) {
    if (auto checked = check_text(name, *value, false); !checked) return checked;
  }
  if (redirect.tenant.find('/') != std::string::npos) return invalid("tenant contains '/'");
  // A redirect never leads out of its tenant, so following one cannot cross tenants.
  std::string tenant_prefix = redirect.tenant + "/";
  for (const auto& [name, value] : {fields[1], fields[2]}) {
    if (!value->starts_with(tenant_prefix) || value->size() == tenant_prefix.size()) {
      return invalid(fmt::format("{} is not a key inside \"{}\"", name, tenant_prefix));
    }
  }
  if (redirect.old_key == redirect.new_key) return invalid("old_key and new_key are the same");
  return {};
}

}  // namespace satchel::meta
