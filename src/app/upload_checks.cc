// Content checks of POST /v1/uploads/{id}/complete, and
// GET /v1/schemas/preferences. Before complete commits an upload it reads
// the uploaded version back from the store and:
//   - compares image, PDF and JSON bytes with the declared content type
//     (libmagic), rejecting a mismatch with 415 content_type_mismatch;
//   - validates preferences.json against the preferences schema, rejecting
//     an invalid document with 422 schema_violation;
//   - replaces the avatar with a 256x256 thumbnail without metadata
//     (libvips), rejecting an image that cannot be decoded with 415.
// A rejected version is deleted from the store and the upload is aborted,
// so the client starts a new upload. All decoding runs on the worker pool.
#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>

#include "app/api.h"
#include "app/handler_support.h"
#include "app/object_names.h"
#include "app/preferences_schema.h"
#include "app/responses.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "http/offload.h"
#include "media/sniff.h"
#include "media/thumbnail.h"
#include "obs/log.h"

namespace satchel::app {
namespace {

constexpr std::string_view kAvatarName = "avatar";
constexpr std::string_view kAvatarOriginalName = "avatar.original";
constexpr std::array<std::string_view, 4> kAvatarTypes = {"image/jpeg", "image/png", "image/gif",
                                                          "image/webp"};
constexpr size_t kOriginalUploadIdBytes = 18;

enum class UploadKind { kPreferences, kAvatar, kOther };

UploadKind kind_of(std::string_view name) {
  if (name == kPreferencesName) return UploadKind::kPreferences;
  if (name == kAvatarName) return UploadKind::kAvatar;
  return UploadKind::kOther;
}

// The lower-case "type/subtype" of a media type, without parameters.
std::string essence(std::string_view content_type) {
  std::string result(content_type.substr(0, content_type.find(';')));
  while (!result.empty() && (result.back() == ' ' || result.back() == '\t')) result.pop_back();
  for (char& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

bool is_avatar_type(std::string_view content_type) {
  std::string type = essence(content_type);
  return std::find(kAvatarTypes.begin(), kAvatarTypes.end(), type) != kAvatarTypes.end();
}

// The reply to an upload that complete rejects. members go inside the
// reply's "error" object beside code and message.
struct Rejection {
  http::Status status;
  std::string code;
  std::string message;
  nlohmann::json members = nlohmann::json::object();
  // False for server-side failures: the uploaded version is kept and the
  // upload stays pending, so complete can be retried.
  bool discard_upload = true;
};

Generator rejection_reply(http::Request& request, const Rejection& rejection) {
  obs::Fields fields = {{"request_id", request.request_id()},
                        {"route", request.route()},
                        {"status", static_cast<int64_t>(rejection.status)},
                        {"code", rejection.code},
                        {"error", rejection.message}};
  if (static_cast<int>(rejection.status) >= 500) {
    obs::error("request failed", fields);
  } else {
    obs::info("request rejected", fields);
  }
  nlohmann::json error = {{"code", rejection.code}, {"message", rejection.message}};
  for (const auto& [name, value] : rejection.members.items()) error[name] = value;
  return json_reply(request, rejection.status,
                    {{"error", std::move(error)}, {"request_id", request.request_id()}});
}

Rejection schema_rejection(const std::vector<SchemaViolation>& violations) {
  nlohmann::json list = nlohmann::json::array();
  for (const SchemaViolation& violation : violations) {
    list.push_back({{"path", violation.path}, {"message", violation.message}});
  }
  const SchemaViolation& first = violations.front();
  std::string where = first.path.empty() ? "the document" : first.path;
  return {
      http::Status::unprocessable_entity,
      "schema_violation",
      "preferences.json does not match the preferences schema at " + where + ": " + first.message,
      {{"path", first.path}, {"violations", std::move(list)}}};
}

std::optional<Rejection> check_sniffed_type(std::string_view content_type, std::string_view bytes) {
  media::SniffResult sniffed = media::check_declared_type(content_type, bytes);
  switch (sniffed.verdict) {
    case media::SniffVerdict::kMatch:
    case media::SniffVerdict::kNotChecked:
      return std::nullopt;
    case media::SniffVerdict::kMismatch: {
      std::string detected = sniffed.detected_type.empty() ? "unknown" : sniffed.detected_type;
      return Rejection{http::Status::unsupported_media_type,
                       "content_type_mismatch",
                       "the uploaded bytes are " + detected + ", not the declared " +
                           std::string(content_type) + "; upload again with the right type",
                       {{"declared_type", content_type}, {"detected_type", detected}}};
    }
    case media::SniffVerdict::kUnavailable:
      break;
  }
  return Rejection{http::Status::service_unavailable, "content_check_unavailable",
                   "the content type check failed on the server; retry complete later",
                   nlohmann::json::object(), false};
}

Rejection thumbnail_rejection(media::ThumbnailError error) {
  std::string reason(media::describe(error));
  switch (error) {
    case media::ThumbnailError::kUnsupportedFormat:
    case media::ThumbnailError::kUndecodable:
      return {http::Status::unsupported_media_type, "undecodable_image",
              reason + "; upload a JPEG, PNG, GIF or WebP image"};
    case media::ThumbnailError::kTooManyPixels:
      return {http::Status::payload_too_large, "too_large",
              reason + ": at most " + std::to_string(media::kMaxSourcePixels) + " are accepted"};
    case media::ThumbnailError::kBusy:
      return {http::Status::service_unavailable, "media_busy",
              reason + "; complete the upload again in a few seconds", nlohmann::json::object(),
              false};
    case media::ThumbnailError::kEncodeFailed:
      break;
  }
  return {http::Status::internal_server_error, "thumbnail_failed", reason};
}

// The checks that decode bytes, run on a worker thread. Returns the avatar
// thumbnail, or nullopt for other uploads.
Expected<std::optional<media::Thumbnail>, Rejection> inspect_bytes(
    UploadKind kind, std::string_view content_type, std::string_view bytes,
    const PreferencesSchema& schema) {
  // preferences.json is checked by its schema alone, so that bytes that are
  // no JSON get the same 422 whatever type the client declared.
  if (kind == UploadKind::kPreferences) {
    std::vector<SchemaViolation> violations = schema.validate(bytes);
    if (!violations.empty()) return Unexpected(schema_rejection(violations));
    return std::optional<media::Thumbnail>();
  }
  if (auto rejection = check_sniffed_type(content_type, bytes)) {
    return Unexpected(std::move(*rejection));
  }
  if (kind != UploadKind::kAvatar) return std::optional<media::Thumbnail>();
  auto thumbnail = media::make_thumbnail(bytes);
  if (!thumbnail) return Unexpected(thumbnail_rejection(thumbnail.error()));
  return std::optional<media::Thumbnail>(std::move(*thumbnail));
}

// Size and type limits that hold before any byte is read.
std::optional<Rejection> check_limits(UploadKind kind, const ObjectHead& head,
                                      const ApiConfig& config) {
  auto too_large = [](std::string what, uint64_t limit) {
    return Rejection{http::Status::payload_too_large, "too_large",
                     what + " is larger than the maximum of " + std::to_string(limit) + " bytes"};
  };
  if (kind == UploadKind::kPreferences && head.size > config.max_json_body_bytes) {
    return too_large("preferences.json", config.max_json_body_bytes);
  }
  if (kind == UploadKind::kAvatar) {
    if (!is_avatar_type(head.content_type)) {
      return Rejection{http::Status::unsupported_media_type, "unsupported_media_type",
                       "an avatar must be image/jpeg, image/png, image/gif or image/webp, not " +
                           head.content_type};
    }
    if (head.size > config.max_avatar_bytes) return too_large("an avatar", config.max_avatar_bytes);
  }
  return std::nullopt;
}

// Deletes a rejected upload's version and aborts the upload, so neither can
// become current. Failures are logged, because the reply to the client is
// the rejection either way. When the lifecycle sweeper runs, it deletes the
// version that a failed delete left once the upload is aborted.
http::asio::awaitable<void> discard_upload(StoreGateway& store, meta::Repository& repository,
                                           boost::asio::thread_pool& workers,
                                           const meta::PendingUpload& pending,
                                           const ObjectHead& head) {
  if (head.version_id.empty()) {
    // An unversioned bucket keeps one copy per key, and this is it.
    auto removed = co_await store.remove(pending.key);
    if (!removed) {
      obs::warn("deleting a rejected upload failed",
                {{"upload_id", pending.id}, {"error", removed.error().message}});
    }
  } else {
    auto removed = co_await store.remove_version(pending.key, head.version_id);
    if (!removed) {
      obs::warn("deleting a rejected upload failed", {{"upload_id", pending.id},
                                                      {"version_id", head.version_id},
                                                      {"error", removed.error().message}});
    }
  }
  auto aborted = co_await http::offload(
      workers, [&] { return repository.abort_pending_upload(pending.tenant, pending.id); });
  if (!aborted) {
    obs::warn("aborting a rejected upload failed",
              {{"upload_id", pending.id}, {"error", aborted.error().message}});
  }
}

const PreferencesSchema& schema_of(const ApiConfig& config) {
  return config.preferences_schema ? *config.preferences_schema : *PreferencesSchema::builtin();
}

}  // namespace

Api::Reply Api::get_preferences_schema(http::Request& request) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  http::Response response{http::Status::ok, 11};
  response.set(http::Field::content_type, "application/schema+json");
  response.set(http::Field::cache_control, "no-cache");
  response.set("X-Content-Type-Options", "nosniff");
  response.body() = schema_of(config_).json();
  co_return http::respond(request, std::move(response));
}

http::asio::awaitable<Expected<Api::CheckedContent, Generator>> Api::check_upload_content(
    http::Request& request, const meta::PendingUpload& pending, const ObjectHead& head) {
  CheckedContent content;
  content.head = head;
  content.sha256 = pending.sha256;
  UploadKind kind = kind_of(pending.name);
  if (kind == UploadKind::kOther && !media::is_sniffed_type(head.content_type)) co_return content;

  std::optional<Rejection> rejection = check_limits(kind, head, config_);
  std::string bytes;
  if (!rejection) {
    // Preferences and avatars are read whole, and the limits above bound
    // them. Other files only need the sniffing window.
    uint64_t wanted =
        kind == UploadKind::kOther ? std::min<uint64_t>(head.size, media::kSniffBytes) : head.size;
    if (wanted > 0) {
      auto read = co_await store_.get_range(pending.key, head.version_id, 0, wanted);
      if (!read) {
        co_return Unexpected(
            error_reply(request, http::Status::bad_gateway, "store_unavailable",
                        "reading the upload back failed: " + read.error().message));
      }
      bytes = std::move(*read);
    }
  }

  std::optional<media::Thumbnail> thumbnail;
  if (!rejection) {
    const PreferencesSchema& schema = schema_of(config_);
    auto inspected = co_await http::offload(
        workers_, [&] { return inspect_bytes(kind, head.content_type, bytes, schema); });
    if (inspected) {
      thumbnail = std::move(*inspected);
    } else {
      rejection = std::move(inspected).error();
    }
  }

  if (rejection) {
    if (rejection->discard_upload) {
      co_await discard_upload(store_, repository_, workers_, pending, head);
    }
    co_return Unexpected(rejection_reply(request, *rejection));
  }
  if (!thumbnail) co_return content;

  std::string digest = hex_encode(sha256(thumbnail->bytes));
  auto stored = co_await store_.put_object(pending.key, std::move(thumbnail->bytes),
                                           thumbnail->content_type, pending.id);
  if (!stored) {
    co_return Unexpected(
        error_reply(request, http::Status::bad_gateway, "store_unavailable",
                    "storing the avatar thumbnail failed: " + stored.error().message));
  }
  content.head = std::move(*stored);
  content.sha256 = std::move(digest);
  content.original_version_id = head.version_id;
  content.original_bytes = std::move(bytes);
  co_return content;
}

http::asio::awaitable<void> Api::discard_checked_content(const meta::PendingUpload& pending,
                                                         const CheckedContent& content) {
  if (kind_of(pending.name) != UploadKind::kAvatar || content.head.version_id.empty()) co_return;
  auto removed = co_await store_.remove_version(pending.key, content.head.version_id);
  if (!removed) {
    obs::warn("deleting the thumbnail of an uncommitted avatar failed",
              {{"upload_id", pending.id},
               {"version_id", content.head.version_id},
               {"error", removed.error().message}});
  }
}

http::asio::awaitable<void> Api::finish_checked_content(http::Request& request,
                                                        const policy::Principal& principal,
                                                        const meta::PendingUpload& pending,
                                                        const CheckedContent& content) {
  if (kind_of(pending.name) != UploadKind::kAvatar) co_return;
  if (config_.keep_avatar_original) {
    co_await keep_avatar_original(request, principal, pending, content);
  }
  // The uploaded version still has its EXIF data and sits under the same key
  // as the thumbnail, where a presigned GET by version id would serve it.
  if (content.original_version_id.empty()) co_return;
  auto removed = co_await store_.remove_version(pending.key, content.original_version_id);
  if (!removed) {
    obs::warn("deleting the uploaded avatar failed", {{"upload_id", pending.id},
                                                      {"version_id", content.original_version_id},
                                                      {"error", removed.error().message}});
  }
}

http::asio::awaitable<void> Api::keep_avatar_original(http::Request& request,
                                                      const policy::Principal& principal,
                                                      const meta::PendingUpload& pending,
                                                      const CheckedContent& content) {
  std::string key = make_object_key(pending.tenant, pending.owner, kAvatarOriginalName);
  policy::RequestAttributes attributes;
  attributes.content_type = pending.content_type;
  attributes.size_bytes = content.original_bytes.size();
  if (!authorize(request, principal, {policy::Action::kObjectWrite, key, attributes})) {
    obs::warn("the policy denies keeping the original avatar",
              {{"request_id", request.request_id()}, {"upload_id", pending.id}});
    co_return;
  }
  std::string upload_id = random_token(kOriginalUploadIdBytes);
  auto stored =
      co_await store_.put_object(key, content.original_bytes, pending.content_type, upload_id);
  if (!stored) {
    obs::warn("storing the original avatar failed",
              {{"upload_id", pending.id}, {"error", stored.error().message}});
    co_return;
  }
  SystemTime now = clock_.now();
  meta::PendingUpload original;
  original.id = upload_id;
  original.tenant = pending.tenant;
  original.owner = pending.owner;
  original.name = std::string(kAvatarOriginalName);
  original.key = key;
  original.content_type = stored->content_type;
  original.size = stored->size;
  original.sha256 = pending.sha256;
  original.created_at = now;
  original.expires_at = now + config_.upload_ttl;
  meta::ObjectRecord observed;
  observed.version_id = stored->version_id;
  observed.size = stored->size;
  observed.etag = stored->etag;
  observed.content_type = stored->content_type;
  observed.sha256 = pending.sha256;
  auto committed =
      co_await http::offload(workers_, [&]() -> Expected<meta::ObjectRecord, meta::MetaError> {
        auto created = repository_.create_pending_upload(original);
        if (!created) return Unexpected(created.error());
        return repository_.commit_upload(original.id, observed, now);
      });
  if (!committed) {
    obs::warn("recording the original avatar failed",
              {{"upload_id", pending.id}, {"error", committed.error().message}});
    co_return;
  }
  audit(request, &principal, "object:write", key, true, "avatar original kept");
}

}  // namespace satchel::app
