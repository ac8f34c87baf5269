// POST Object: browser uploads with an HTML form and a signed policy.
#include <memory>

#include "common/encoding.h"
#include "obs/log.h"
#include "s3/presigner.h"
#include "store/form_parser.h"
#include "store/object_tagging.h"
#include "store/request_handler.h"
#include "store/request_parsing.h"
#include "store/s3_xml.h"

namespace satchel::store {
namespace {

using http::Field;
using http::Status;
namespace bhttp = http::bhttp;

// S3 allows 20 KB of form fields and policy before the file. Part headers
// and boundaries add to that, so the limit on the bytes before the file is
// larger.
constexpr size_t kMaxFormHeadBytes = 64 * 1024;
constexpr size_t kFormChunkBytes = 256 * 1024;
constexpr std::string_view kFilenameVariable = "${filename}";
constexpr std::string_view kUserMetadataPrefix = "x-amz-meta-";
constexpr std::string_view kTaggingField = "tagging";

constexpr std::pair<std::string_view, Field> kStoredFormFields[] = {
    {"cache-control", Field::cache_control},
    {"content-disposition", Field::content_disposition},
    {"content-encoding", Field::content_encoding},
    {"content-language", Field::content_language},
    {"expires", Field::expires},
};

S3Failure malformed_post() {
  return S3Failure{"MalformedPOSTRequest", Status::bad_request,
                   "The body of your POST request is not well-formed multipart/form-data."};
}

S3Failure form_failure(FormError error) {
  switch (error) {
    case FormError::kNoFile:
      return invalid_argument("POST requires exactly one file upload per request.");
    case FormError::kTooLarge:
      return S3Failure{"MaxPostPreDataLengthExceeded", Status::bad_request,
                       "Your POST request fields preceding the upload file were too large."};
    case FormError::kMalformed:
      break;
  }
  return malformed_post();
}

const std::string* form_value(const std::vector<s3::FormField>& fields, std::string_view name) {
  for (const auto& field : fields) {
    if (boost::beast::iequals(field.name, name)) return &field.value;
  }
  return nullptr;
}

// The tagging field: a Tagging document, as PutObjectTagging takes it.
// Fails with 400 MalformedXML or InvalidTag.
Expected<HeaderList, S3Failure> read_form_tags(const FormHead& head) {
  const std::string* document = form_value(head.fields, kTaggingField);
  // NOTE: S3's documentation does not say how it treats an empty tagging
  // field. It is taken as no tags here, like an empty x-amz-tagging header.
  if (document == nullptr || document->empty()) return HeaderList{};
  auto tags = parse_tagging_document(*document);
  if (!tags) return Unexpected(to_failure(tags.error()));
  return std::move(*tags);
}

// The object's representation from the form: Content-Type, the stored
// headers, x-amz-meta-* fields, the Object Lock fields and the tags.
Expected<PutRequest, S3Failure> plan_form_put(const FormHead& head, SystemTime now) {
  EncryptionRequest encryption;
  if (const std::string* method = form_value(head.fields, kEncryptionField)) {
    encryption.method = *method;
  }
  for (auto name : kCustomerKeyFields) {
    encryption.customer_key = encryption.customer_key || form_value(head.fields, name) != nullptr;
  }
  for (auto name : kKmsOptionFields) {
    encryption.kms_options = encryption.kms_options || form_value(head.fields, name) != nullptr;
  }
  auto encryption_allowed = check_write_encryption(encryption);
  if (!encryption_allowed) return Unexpected(encryption_allowed.error());

  PutRequest put;
  if (const std::string* type = form_value(head.fields, "Content-Type")) put.content_type = *type;
  for (const auto& [name, field] : kStoredFormFields) {
    if (const std::string* value = form_value(head.fields, name)) {
      put.stored_headers.emplace_back(std::string(bhttp::to_string(field)), *value);
    }
  }
  for (const auto& field : head.fields) {
    if (field.name.size() <= kUserMetadataPrefix.size() ||
        !boost::beast::iequals(field.name.substr(0, kUserMetadataPrefix.size()),
                               kUserMetadataPrefix)) {
      continue;
    }
    if (!is_valid_utf8(field.value)) {
      return Unexpected(invalid_argument("User metadata values must be valid UTF-8."));
    }
    std::string name = field.name.substr(kUserMetadataPrefix.size());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    put.user_metadata.emplace_back(std::move(name), field.value);
  }
  auto lock = read_object_lock_fields(
      [&](std::string_view name) -> std::string_view {
        const std::string* value = form_value(head.fields, name);
        return value ? std::string_view(*value) : std::string_view{};
      },
      now);
  if (!lock) return Unexpected(lock.error());
  put.lock = *lock;
  auto tags = read_form_tags(head);
  if (!tags) return Unexpected(tags.error());
  put.tags = std::move(*tags);
  return put;
}

std::string replace_filename(std::string key, std::string_view file_name) {
  for (size_t at = key.find(kFilenameVariable); at != std::string::npos;
       at = key.find(kFilenameVariable, at + file_name.size())) {
    key.replace(at, kFilenameVariable.size(), file_name);
  }
  return key;
}

}  // namespace

http::asio::awaitable<Expected<FormHead, S3Failure>> RequestHandler::read_form_head(
    http::Request& request, std::string_view boundary, std::string& buffer) {
  auto chunk = std::make_unique<char[]>(kFormChunkBytes);
  for (;;) {
    auto head = parse_form_head(buffer, boundary, kMaxFormHeadBytes);
    if (!head) co_return Unexpected(form_failure(head.error()));
    if (*head) co_return std::move(**head);
    auto count = co_await request.read_some(chunk.get(), kFormChunkBytes);
    if (!count) co_return Unexpected(to_failure(StoreError::kIncompleteBody));
    if (*count == 0) co_return Unexpected(malformed_post());
    buffer.append(chunk.get(), *count);
  }
}

http::asio::awaitable<Expected<void, S3Failure>> RequestHandler::receive_form_file(
    http::Request& request, std::string_view boundary, std::string_view first_bytes,
    uint64_t max_bytes, PendingPut& pending) {
  FormFileScanner scanner(boundary);
  auto chunk = std::make_unique<char[]>(kFormChunkBytes);
  std::string_view input = first_bytes;
  for (;;) {
    auto output = scanner.feed(input);
    if (pending.size() + output.data.size() > max_bytes) {
      co_return Unexpected(to_failure(StoreError::kEntityTooLarge));
    }
    if (!output.data.empty()) {
      auto appended = co_await run_blocking([&] { return pending.append(output.data); });
      if (!appended) co_return Unexpected(to_failure(appended.error()));
    }
    if (output.done) co_return Expected<void, S3Failure>{};
    auto count = co_await request.read_some(chunk.get(), kFormChunkBytes);
    if (!count || *count == 0) co_return Unexpected(to_failure(StoreError::kIncompleteBody));
    input = std::string_view(chunk.get(), *count);
  }
}

RequestHandler::Awaitable RequestHandler::post_object(Exchange& exchange) {
  exchange.operation = "PostObject";
  http::Request& request = exchange.request;
  auto boundary = form_boundary(request.header_value(Field::content_type));
  if (!boundary) co_return error(exchange, malformed_post());

  std::string buffer;
  auto head = co_await read_form_head(request, *boundary, buffer);
  if (!head) co_return error(exchange, head.error());
  auto verified = authenticator_.verify_post_policy(exchange.bucket, head->fields);
  if (!verified) {
    const AuthRejection& rejection = verified.error();
    obs::info("store form upload rejected",
              {{"request_id", request.request_id()}, {"reason", rejection.reason}});
    co_return error(exchange, rejection.code, rejection.status, rejection.message);
  }
  exchange.key = replace_filename(verified->key, head->file_name);
  auto put = plan_form_put(*head, engine_.clock().now());
  if (!put) co_return error(exchange, put.error());
  uint64_t max_bytes = engine_.max_object_bytes();
  uint64_t min_bytes = 0;
  if (verified->content_length_range) {
    max_bytes = std::min(max_bytes, verified->content_length_range->max_bytes);
    min_bytes = verified->content_length_range->min_bytes;
  }

  auto pending = co_await run_blocking(
      [&] { return engine_.begin_put(exchange.bucket, exchange.key, std::move(*put)); });
  if (!pending) co_return error(exchange, pending.error());
  auto received = co_await receive_form_file(
      request, *boundary, std::string_view(buffer).substr(head->file_offset), max_bytes, *pending);
  if (received && pending->size() < min_bytes) {
    received = Unexpected(S3Failure{"EntityTooSmall", Status::bad_request,
                                    "Your proposed upload is smaller than the minimum allowed "
                                    "size."});
  }
  if (!received) {
    co_await run_blocking([&]() -> Expected<void, StoreError> {
      pending->abort();
      return {};
    });
    co_return error(exchange, received.error());
  }
  auto committed = co_await run_blocking([&] { return engine_.commit_put(std::move(*pending)); });
  if (!committed) co_return error(exchange, committed.error());
  co_return post_response(exchange, head->fields, *committed);
}

RequestHandler::Generator RequestHandler::post_response(Exchange& exchange,
                                                        const std::vector<s3::FormField>& fields,
                                                        const ObjectVersion& version) {
  std::string location = "http://" + std::string(exchange.request.header_value(Field::host)) + "/" +
                         exchange.bucket + "/" + s3::encode_key(exchange.key);
  const std::string* redirect = form_value(fields, "success_action_redirect");
  const std::string* status = form_value(fields, "success_action_status");
  if (redirect && http::parse_url(*redirect)) {
    std::string target = *redirect + (redirect->find('?') == std::string::npos ? "?" : "&") +
                         "bucket=" + uri_encode(exchange.bucket) +
                         "&key=" + uri_encode(exchange.key) +
                         "&etag=" + uri_encode(quote_etag(version.etag));
    bhttp::response<bhttp::empty_body> response{Status::see_other, 11};
    response.set(Field::location, target);
    response.set(Field::etag, quote_etag(version.etag));
    add_version_headers(response.base(), version);
    response.content_length(0);
    return finish(exchange, std::move(response));
  }
  if (status && *status == "201") {
    auto response =
        xml_response(post_response_document(location, exchange.bucket, exchange.key, version.etag));
    response.result(Status::created);
    response.set(Field::etag, quote_etag(version.etag));
    response.set(Field::location, location);
    add_version_headers(response.base(), version);
    return finish(exchange, std::move(response));
  }
  // S3 returns 204 unless success_action_status requests 200 or 201.
  Status code = status && *status == "200" ? Status::ok : Status::no_content;
  bhttp::response<bhttp::empty_body> response{code, 11};
  response.set(Field::etag, quote_etag(version.etag));
  response.set(Field::location, location);
  add_version_headers(response.base(), version);
  if (code == Status::ok) response.content_length(0);
  return finish(exchange, std::move(response));
}

}  // namespace satchel::store
