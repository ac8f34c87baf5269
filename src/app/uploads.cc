// POST /v1/uploads and POST /v1/uploads/{id}/complete.
#include <nlohmann/json.hpp>

#include "app/api.h"
#include "app/handler_support.h"
#include "app/object_names.h"
#include "app/responses.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "http/offload.h"
#include "obs/log.h"

namespace satchel::app {
namespace {

constexpr size_t kUploadIdBytes = 18;
constexpr size_t kMaxContentTypeBytes = 255;

bool is_token_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// A media type "type/subtype" with optional parameters and no characters that
// could split a header.
bool is_valid_content_type(std::string_view value) {
  if (value.empty() || value.size() > kMaxContentTypeBytes) return false;
  size_t slash = value.find('/');
  if (slash == 0 || slash == std::string_view::npos) return false;
  size_t end = value.find(';');
  std::string_view essence = value.substr(0, end);
  for (size_t i = 0; i < essence.size(); ++i) {
    if (i != slash && !is_token_char(static_cast<unsigned char>(essence[i]))) return false;
  }
  if (slash + 1 >= essence.size()) return false;
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool content_type_allowed(const std::vector<std::string>& allowed, std::string_view value) {
  std::string essence(value.substr(0, value.find(';')));
  for (char& c : essence) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const std::string& pattern : allowed) {
    if (pattern.ends_with("/*")) {
      if (essence.starts_with(std::string_view(pattern).substr(0, pattern.size() - 1))) return true;
    } else if (essence == pattern) {
      return true;
    }
  }
  return false;
}

bool is_lower_hex_sha256(std::string_view value) {
  if (value.size() != 64) return false;
  for (char c : value) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

nlohmann::json presigned_json(const PresignedRequest& presigned) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : presigned.headers) headers[name] = value;
  return {{"url", presigned.url},
          {"headers", headers},
          {"expires_at", format_iso8601(presigned.expires_at)}};
}

// The fields of POST /v1/uploads after validation.
struct UploadRequest {
  std::string name;
  std::string content_type;
  uint64_t size = 0;
  std::optional<std::string> sha256;
  std::optional<std::string> if_match;
  bool if_none_match = false;
  meta::ObjectTags tags;
  // The object's lifetime from expires_in, or its expiry from expires_at. At most one is set.
  std::optional<std::chrono::seconds> expires_in;
  std::optional<SystemTime> expires_at;
};

// The maximum lifetime an upload may request, whatever the policy allows, so that times stay
// far from overflow: 100 years.
constexpr std::chrono::seconds kMaxObjectLifetime = std::chrono::days(36500);

// Reads expires_in (seconds) and expires_at (RFC 3339 UTC) into upload. Errors are the message
// of the 400 reply.
Expected<void, std::string> parse_expiry(const nlohmann::json& body, UploadRequest& upload) {
  auto in = body.find("expires_in");
  auto at = body.find("expires_at");
  if (in != body.end() && at != body.end()) {
    return Unexpected(std::string("give expires_in or expires_at, not both"));
  }
  if (in != body.end()) {
    if (!in->is_number_integer() || in->get<int64_t>() < 1 ||
        in->get<int64_t>() > kMaxObjectLifetime.count()) {
      return Unexpected("expires_in must be an integer number of seconds from 1 to " +
                        std::to_string(kMaxObjectLifetime.count()));
    }
    upload.expires_in = std::chrono::seconds(in->get<int64_t>());
  }
  if (at != body.end()) {
    std::optional<SystemTime> time;
    if (at->is_string()) time = parse_iso8601(at->get<std::string>());
    if (!time) {
      return Unexpected(
          std::string("expires_at must be an RFC 3339 UTC time such as \"2026-01-31T12:00:00Z\""));
    }
    upload.expires_at = *time;
  }
  return {};
}

// The time the object expires: expires_at as given, or now + expires_in.
std::optional<SystemTime> object_expiry(const UploadRequest& upload, SystemTime now) {
  if (upload.expires_at) return upload.expires_at;
  if (upload.expires_in) return now + *upload.expires_in;
  return std::nullopt;
}

// The object's lifetime from now, rounded up to whole seconds, or nullopt when the upload
// requests no expiry. Errors are the message of the 400 reply.
Expected<std::optional<std::chrono::seconds>, std::string> object_lifetime(
    const UploadRequest& upload, SystemTime now) {
  if (upload.expires_in) return upload.expires_in;
  if (!upload.expires_at) return std::optional<std::chrono::seconds>();
  if (*upload.expires_at <= now) {
    return Unexpected("expires_at " + format_iso8601(*upload.expires_at) +
                      " is not in the future; the time now is " + format_iso8601(now));
  }
  auto lifetime = std::chrono::ceil<std::chrono::seconds>(*upload.expires_at - now);
  if (lifetime > kMaxObjectLifetime) {
    return Unexpected("expires_at must be at most " + std::to_string(kMaxObjectLifetime.count()) +
                      " seconds from now");
  }
  return std::optional(lifetime);
}

Expected<UploadRequest, std::pair<http::Status, std::string>> parse_upload_request(
    const nlohmann::json& body, const ApiConfig& config) {
  using Failure = std::pair<http::Status, std::string>;
  auto bad = [](std::string message) {
    return Unexpected(Failure{http::Status::bad_request, std::move(message)});
  };
  UploadRequest upload;
  auto name = optional_string(body, "name");
  if (!name) return bad(name.error());
  upload.name = name->value_or("");
  if (auto problem = check_object_name(upload.name)) return bad(*problem);

  auto content_type = optional_string(body, "content_type");
  if (!content_type) return bad(content_type.error());
  upload.content_type = content_type->value_or("");
  if (!is_valid_content_type(upload.content_type)) {
    return bad("content_type must be a media type such as \"image/png\"");
  }
  if (!content_type_allowed(config.allowed_content_types, upload.content_type)) {
    return Unexpected(Failure{http::Status::unsupported_media_type,
                              "content type " + upload.content_type + " is not allowed"});
  }

  auto size = body.find("size");
  if (size == body.end() || !size->is_number_unsigned()) {
    return bad("size must be a non-negative integer number of bytes");
  }
  upload.size = size->get<uint64_t>();
  if (upload.size > config.max_upload_bytes) {
    return Unexpected(Failure{http::Status::payload_too_large,
                              "size is larger than the maximum of " +
                                  std::to_string(config.max_upload_bytes) + " bytes"});
  }

  auto sha256 = optional_string(body, "sha256");
  if (!sha256) return bad(sha256.error());
  if (*sha256 && !is_lower_hex_sha256(**sha256))
    return bad("sha256 must be 64 lower-case hex digits");
  upload.sha256 = *sha256;

  auto if_match = optional_string(body, "if_match");
  if (!if_match) return bad(if_match.error());
  upload.if_match = *if_match;
  auto if_none_match = optional_string(body, "if_none_match");
  if (!if_none_match) return bad(if_none_match.error());
  if (*if_none_match) {
    if (**if_none_match != "*") return bad("if_none_match accepts only \"*\"");
    upload.if_none_match = true;
  }
  if (upload.if_match && upload.if_none_match) {
    return bad("if_match and if_none_match cannot be combined");
  }
  auto tags = optional_tags(body);
  if (!tags) return bad(tags.error());
  upload.tags = std::move(*tags);
  if (auto expiry = parse_expiry(body, upload); !expiry) return bad(expiry.error());
  return upload;
}

std::string unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

// Returns whether the store's latest version of key is the committed one
// (for a create: whether the key has none). The store compares a signed
// precondition with its latest version, and that can be the bytes of an
// upload that was PUT but never completed. A precondition signed then would
// fail every later conditional upload of the key, so none is signed, and
// complete still checks the revision.
boost::asio::awaitable<bool> store_latest_is_committed(StoreGateway& store, std::string key,
                                                       bool create_only,
                                                       std::string committed_version_id) {
  auto latest = co_await store.head(key);
  if (create_only) co_return !latest && latest.error().code == StoreErrorCode::kNotFound;
  co_return latest && latest->version_id == committed_version_id;
}

}  // namespace

std::optional<Api::Generator> Api::check_expiry_retention(
    http::Request& request, const policy::Principal& principal, const std::string& key,
    std::optional<std::chrono::seconds> lifetime) {
  if (!lifetime) return std::nullopt;
  auto rule = policy_->retention_for(principal.tenant, principal.subject, key);
  if (!rule || *lifetime >= rule->period) return std::nullopt;
  std::string reason = "retention rule \"" + rule->id + "\" (line " + std::to_string(rule->line) +
                       ") keeps objects under this name for " +
                       std::to_string(rule->period.count()) + " s, longer than the expiry of " +
                       std::to_string(lifetime->count()) + " s";
  audit(request, &principal, "object:write", key, false, reason);
  return error_reply(request, http::Status::forbidden, "retention_required",
                     "the expiry is shorter than the required retention: " + reason,
                     {{"retention_rule", rule->id}, {"min_expiry_seconds", rule->period.count()}});
}

Api::Reply Api::create_upload(http::Request& request) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  auto body = co_await read_json_object(request, config_.max_json_body_bytes);
  if (!body) co_return std::move(body).error();
  auto upload = parse_upload_request(*body, config_);
  if (!upload) {
    co_return error_reply(request, upload.error().first,
                          upload.error().first == http::Status::bad_request ? "invalid_request"
                          : upload.error().first == http::Status::payload_too_large
                              ? "too_large"
                              : "unsupported_media_type",
                          upload.error().second);
  }

  SystemTime now = clock_.now();
  auto lifetime = object_lifetime(*upload, now);
  if (!lifetime) {
    co_return error_reply(request, http::Status::bad_request, "invalid_request", lifetime.error());
  }

  if (auto limited = limit_presign(request, *principal)) co_return std::move(*limited);
  std::string key = make_object_key(principal->tenant, principal->subject, upload->name);
  policy::RequestAttributes attributes;
  attributes.content_type = upload->content_type;
  attributes.size_bytes = upload->size;
  attributes.url_ttl = config_.presign_ttl;
  // The policy's max_expiry_seconds bounds the lifetime.
  attributes.expiry = *lifetime;
  auto decision = authorize(request, *principal, {policy::Action::kObjectWrite, key, attributes});
  if (!decision) co_return std::move(decision).error();
  if (auto too_short = check_expiry_retention(request, *principal, key, *lifetime)) {
    co_return std::move(*too_short);
  }

  meta::PendingUpload pending{
      .id = random_token(kUploadIdBytes),
      .tenant = principal->tenant,
      .owner = principal->subject,
      .name = upload->name,
      .key = key,
      .content_type = upload->content_type,
      .size = upload->size,
      .sha256 = upload->sha256,
      .if_match = std::nullopt,
      .if_none_match = upload->if_none_match,
      .created_at = now,
      .expires_at = now + config_.upload_ttl,
      .state = meta::UploadState::kPending,
      .tags = upload->tags,
      .object_expires_at = object_expiry(*upload, now),
  };

  // An ETag precondition becomes the revision the record must still have
  // when the upload completes.
  std::string committed_version_id;
  if (upload->if_match) {
    auto current = co_await find_unexpired_object(principal->tenant, key);
    if (!current) {
      if (current.error().code == meta::MetaErrorCode::kNotFound) {
        co_return error_reply(request, http::Status::precondition_failed, "precondition_failed",
                              "if_match was given but the object does not exist");
      }
      co_return meta_error_reply(request, current.error());
    }
    if (unquote(current->etag) != unquote(*upload->if_match)) {
      co_return error_reply(request, http::Status::conflict, "conflict",
                            "the object changed: its ETag is no longer the one in if_match",
                            {{"current", record_json(*current)}});
    }
    pending.if_match = current->revision;
    committed_version_id = current->version_id;
  }
  bool store_precondition =
      (upload->if_match || upload->if_none_match) && store_.conditional_writes() &&
      co_await store_latest_is_committed(store_, key, upload->if_none_match, committed_version_id);

  auto stored =
      co_await http::offload(workers_, [&] { return repository_.create_pending_upload(pending); });
  if (!stored) co_return meta_error_reply(request, stored.error());

  PutConditions conditions{.content_type = upload->content_type,
                           .content_length = upload->size,
                           .sha256_hex = upload->sha256,
                           .upload_id = pending.id,
                           .if_none_match = upload->if_none_match && store_precondition,
                           .server_side_encryption = true};
  if (upload->if_match && store_precondition) {
    conditions.if_match = "\"" + unquote(*upload->if_match) + "\"";
  }
  PresignedRequest presigned = store_.presign_put(key, conditions, config_.presign_ttl, now);
  nlohmann::json reply = presigned_json(presigned);
  reply["upload_id"] = pending.id;
  reply["method"] = "PUT";
  reply["key"] = key;
  reply["name"] = upload->name;
  reply["object_expires_at"] = nullptr;
  if (pending.object_expires_at) {
    reply["object_expires_at"] = format_iso8601(*pending.object_expires_at);
  }
  audit(request, &*principal, "object:write", key, true, "upload presigned, " + decision->reason);
  obs::info("upload presigned", {{"request_id", request.request_id()},
                                 {"tenant", principal->tenant},
                                 {"subject", principal->subject},
                                 {"upload_id", pending.id},
                                 {"size", upload->size}});
  co_return json_reply(request, http::Status::created, reply);
}

Api::Reply Api::complete_upload(http::Request& request, const http::PathParams& params) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  const std::string& upload_id = params.find("id")->second;

  auto pending = co_await http::offload(
      workers_, [&] { return repository_.find_pending_upload(principal->tenant, upload_id); });
  if (!pending) co_return meta_error_reply(request, pending.error());
  // Another user's upload id is reported as unknown, not as forbidden, so
  // ids cannot be probed.
  if (pending->owner != principal->subject) {
    co_return meta_error_reply(request, meta::MetaError{meta::MetaErrorCode::kNotFound, {}, {}});
  }
  if (pending->state == meta::UploadState::kCompleted) {
    co_return error_reply(request, http::Status::conflict, "already_completed",
                          "the upload was already completed");
  }
  // An upload is aborted when complete rejected its bytes, which are gone
  // from the store by then.
  if (pending->state == meta::UploadState::kAborted) {
    co_return meta_error_reply(request, meta::MetaError{meta::MetaErrorCode::kExpired, {}, {}});
  }

  // The client may name the version its PUT created (the x-amz-version-id
  // reply header), so a later upload to the same key does not hide it.
  auto body = co_await read_json_object(request, config_.max_json_body_bytes);
  if (!body) co_return std::move(body).error();
  auto version_id = optional_string(*body, "version_id");
  if (!version_id) {
    co_return error_reply(request, http::Status::bad_request, "invalid_request",
                          version_id.error());
  }
  auto head = co_await store_.head_version(pending->key, version_id->value_or(""));
  if (!head) {
    if (head.error().code == StoreErrorCode::kNotFound) {
      co_return error_reply(request, http::Status::conflict, "upload_missing",
                            "no object was uploaded for this upload id; PUT the bytes first");
    }
    co_return error_reply(request, http::Status::bad_gateway, "store_unavailable",
                          head.error().message);
  }
  // The PUT URL signed the upload id into the object's metadata, so bytes
  // from another upload (a race, or a replayed URL of an older one) are
  // never committed under this upload.
  if (head->upload_id != pending->id) {
    co_return error_reply(request, http::Status::conflict, "upload_superseded",
                          "the stored object was written by another upload; pass the version_id "
                          "of this upload's PUT, or start a new upload");
  }
  if (head->size != pending->size || head->content_type != pending->content_type) {
    co_return error_reply(request, http::Status::conflict, "upload_mismatch",
                          "the stored object does not match the upload: expected " +
                              std::to_string(pending->size) + " bytes of " + pending->content_type +
                              ", found " + std::to_string(head->size) + " bytes of " +
                              head->content_type);
  }

  // The store returns a checksum only when it verified one on PUT and the
  // gateway asked for it, so an empty value is not a mismatch.
  if (pending->sha256 && !head->checksum_sha256.empty()) {
    std::string expected = base64_encode(hex_decode(*pending->sha256).value_or(std::string()));
    if (head->checksum_sha256 != expected) {
      co_return error_reply(request, http::Status::conflict, "upload_mismatch",
                            "the stored object's SHA-256 checksum does not match the upload's "
                            "sha256");
    }
  }

  // Sniffing, the preferences schema and the avatar thumbnail. For an
  // avatar the version to commit is the thumbnail.
  auto content = co_await check_upload_content(request, *pending, *head);
  if (!content) co_return std::move(content).error();
  meta::ObjectRecord observed{.version_id = content->head.version_id,
                              .size = content->head.size,
                              .etag = content->head.etag,
                              .content_type = content->head.content_type,
                              .sha256 = content->sha256};
  auto committed = co_await http::offload(
      workers_, [&] { return repository_.commit_upload(upload_id, observed, clock_.now()); });
  if (!committed) {
    co_await discard_checked_content(*pending, *content);
    co_return meta_error_reply(request, committed.error());
  }
  co_await finish_checked_content(request, *principal, *pending, *content);
  audit(request, &*principal, "object:write", committed->key, true, "upload completed");
  obs::info("upload completed", {{"request_id", request.request_id()},
                                 {"tenant", committed->tenant},
                                 {"subject", committed->owner},
                                 {"upload_id", upload_id},
                                 {"revision", committed->revision},
                                 {"size", committed->size}});
  co_return json_reply(request, http::Status::ok, record_json(*committed));
}

}  // namespace satchel::app
