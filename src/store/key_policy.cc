#include "store/key_policy.h"

#include <nlohmann/json.hpp>

#include "common/encoding.h"

namespace satchel::store {
namespace {

using Kind = StoreAccess::Kind;
using http::Verb;

// Bucket subresources that change or reveal the bucket's configuration, or
// act on many keys at once. The handler answers the unsupported ones with
// NotImplemented, which only full-access keys need to see.
constexpr std::string_view kAdministrationParams[] = {
    "versioning",
    "cors",
    "delete",
    "acl",
    "policy",
    "lifecycle",
    "tagging",
    "website",
    "logging",
    "notification",
    "replication",
    "encryption",
    "object-lock",
    "accelerate",
    "requestPayment",
    "ownershipControls",
    "publicAccessBlock",
    "inventory",
    "metrics",
    "analytics",
    "intelligent-tiering",
    "policyStatus",
};

bool has_param(const http::QueryParams& query, std::string_view name) {
  return http::find_param(query, name) != nullptr;
}

std::string prefix_param(const http::QueryParams& query) {
  const std::string* prefix = http::find_param(query, "prefix");
  return prefix ? *prefix : std::string();
}

// "[/]bucket/key[?versionId=id]", percent-encoded, decoded once as the copy
// handlers decode it.
StoreAccess::ObjectLocation parse_copy_source(std::string_view header) {
  std::string_view path = http::split_target(header).path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t slash = path.find('/');
  if (slash == std::string_view::npos) return {};
  auto bucket = percent_decode(path.substr(0, slash));
  auto key = percent_decode(path.substr(slash + 1));
  if (!bucket || !key || key->empty()) return {};
  return {std::move(*bucket), std::move(*key)};
}

StoreAccess describe_bucket_access(Verb method, std::string_view bucket,
                                   const http::QueryParams& query) {
  StoreAccess access{.kind = Kind::kAdministration, .bucket = std::string(bucket)};
  for (std::string_view name : kAdministrationParams) {
    if (has_param(query, name)) return access;
  }
  if (has_param(query, "location")) {
    if (method == Verb::get) access.kind = Kind::kBucketRead;
    return access;
  }
  if (method == Verb::get) {
    access.kind = Kind::kListing;
    access.key = prefix_param(query);
  } else if (method == Verb::head && !has_param(query, "versions") &&
             !has_param(query, "uploads")) {
    access.kind = Kind::kBucketRead;
  }
  return access;
}

}  // namespace

StoreAccess describe_access(http::Verb method, std::string_view bucket, std::string_view key,
                            const http::QueryParams& query,
                            std::optional<std::string_view> copy_source_header) {
  if (bucket.empty()) {
    return StoreAccess{.kind = method == Verb::get ? Kind::kService : Kind::kAdministration};
  }
  if (key.empty()) return describe_bucket_access(method, bucket, query);
  // Changing an object's retention or legal hold is administration: the
  // API's key may set a lock when it writes, but never change one later.
  // Satchel never reads or changes object tags, so every object tagging
  // call is administration too.
  if ((method == Verb::put && (has_param(query, "retention") || has_param(query, "legal-hold"))) ||
      has_param(query, "tagging")) {
    return StoreAccess{.bucket = std::string(bucket), .key = std::string(key)};
  }
  StoreAccess access{.kind = Kind::kObject, .bucket = std::string(bucket), .key = std::string(key)};
  if (copy_source_header && method == Verb::put) {
    access.copy_source = parse_copy_source(*copy_source_header);
  }
  return access;
}

KeyPolicy KeyPolicy::full_access() {
  KeyPolicy policy;
  policy.full_access_ = true;
  return policy;
}

KeyPolicy KeyPolicy::objects_only(std::string bucket, std::string key_prefix) {
  KeyPolicy policy;
  policy.bucket_ = std::move(bucket);
  policy.key_prefix_ = std::move(key_prefix);
  return policy;
}

Expected<void, std::string_view> KeyPolicy::check_object(std::string_view bucket,
                                                         std::string_view key) const {
  if (bucket.empty() || bucket != bucket_) return Unexpected(std::string_view("other_bucket"));
  if (!key.starts_with(key_prefix_)) return Unexpected(std::string_view("outside_key_prefix"));
  return {};
}

Expected<void, std::string_view> KeyPolicy::check(const StoreAccess& access) const {
  if (full_access_) return {};
  switch (access.kind) {
    case Kind::kService:
      return Unexpected(std::string_view("service_operation"));
    case Kind::kAdministration:
      return Unexpected(std::string_view("bucket_administration"));
    case Kind::kBucketRead:
      if (access.bucket != bucket_ || bucket_.empty()) {
        return Unexpected(std::string_view("other_bucket"));
      }
      return {};
    case Kind::kListing:
      return check_object(access.bucket, access.key);
    case Kind::kObject:
      if (auto allowed = check_object(access.bucket, access.key); !allowed) return allowed;
      if (access.copy_source) {
        return check_object(access.copy_source->bucket, access.copy_source->key);
      }
      return {};
  }
  return Unexpected(std::string_view("unknown_operation"));
}

Expected<void, std::string_view> KeyPolicy::check_form_upload(std::string_view bucket,
                                                              std::string_view key_field) const {
  if (full_access_) return {};
  return check_object(bucket, key_field);
}

nlohmann::json KeyPolicy::to_json() const {
  if (full_access_) return {{"access", "full"}};
  return {{"access", "objects"}, {"bucket", bucket_}, {"key_prefix", key_prefix_}};
}

Expected<KeyPolicy, std::string> KeyPolicy::from_json(const nlohmann::json& value) {
  if (!value.is_object()) return Unexpected(std::string("policy must be an object"));
  auto access = value.find("access");
  if (access == value.end() || !access->is_string()) {
    return Unexpected(std::string("policy.access must be \"full\" or \"objects\""));
  }
  if (*access == "full") return full_access();
  if (*access != "objects") {
    return Unexpected(std::string("policy.access must be \"full\" or \"objects\""));
  }
  auto bucket = value.find("bucket");
  if (bucket == value.end() || !bucket->is_string() ||
      bucket->get_ref<const std::string&>().empty()) {
    return Unexpected(std::string("policy.bucket must be a non-empty string"));
  }
  std::string key_prefix;
  if (auto prefix = value.find("key_prefix"); prefix != value.end()) {
    if (!prefix->is_string()) return Unexpected(std::string("policy.key_prefix must be a string"));
    key_prefix = prefix->get<std::string>();
  }
  return objects_only(bucket->get<std::string>(), std::move(key_prefix));
}

}  // namespace satchel::store
