// Multipart upload: parts are received and made durable one by one like PUT
// bodies, each encrypted under its own data key, then assembled into one
// object file when the upload completes.
#include <algorithm>

#include "common/crypto.h"
#include "common/encoding.h"
#include "obs/log.h"
#include "store/engine.h"

namespace satchel::store {
namespace {

constexpr size_t kUploadIdBytes = 24;

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The parts of a CompleteMultipartUpload request matched against the parts
// received, in the request's order.
Expected<std::vector<UploadedPart>, StoreError> select_completed_parts(
    const MultipartUpload& upload, const std::vector<CompletedPart>& requested,
    const std::vector<UploadedPart>& received) {
  std::vector<UploadedPart> chosen;
  int previous = 0;
  for (const auto& part : requested) {
    if (part.part_number <= previous) return Unexpected(StoreError::kInvalidPartOrder);
    previous = part.part_number;
    auto found = std::find_if(received.begin(), received.end(), [&](const UploadedPart& stored) {
      return stored.part_number == part.part_number;
    });
    if (found == received.end() || lower_ascii(part.etag) != found->etag) {
      return Unexpected(StoreError::kInvalidPart);
    }
    if (upload.checksum_algorithm && part.checksum && *part.checksum != found->checksum) {
      return Unexpected(StoreError::kInvalidPart);
    }
    chosen.push_back(*found);
  }
  if (chosen.empty()) return Unexpected(StoreError::kInvalidPart);
  for (size_t i = 0; i + 1 < chosen.size(); ++i) {
    if (chosen[i].size < kMinPartBytes) return Unexpected(StoreError::kEntityTooSmall);
  }
  return chosen;
}

// "<hex MD5 of the concatenated binary part MD5s>-<part count>", S3's
// multipart ETag.
std::string multipart_etag(const std::vector<UploadedPart>& parts) {
  std::string digests;
  for (const auto& part : parts) digests += hex_decode(part.etag).value_or(std::string());
  return hex_encode(md5(digests)) + "-" + std::to_string(parts.size());
}

// The composite checksum: the algorithm over the concatenated raw part
// checksums, base64, then "-<part count>".
std::string composite_checksum(ChecksumAlgorithm algorithm,
                               const std::vector<UploadedPart>& parts) {
  std::string checksums;
  for (const auto& part : parts) checksums += base64_decode(part.checksum).value_or(std::string());
  return base64_encode(compute_checksum(algorithm, checksums)) + "-" + std::to_string(parts.size());
}

bool is_valid_upload_id(std::string_view upload_id) { return is_valid_version_id(upload_id); }

}  // namespace

Expected<MultipartUpload, StoreError> Engine::find_upload(const std::string& bucket,
                                                          const std::string& key,
                                                          const std::string& upload_id) {
  auto valid = validate_key(key);
  if (!valid) return Unexpected(valid.error());
  if (!is_valid_upload_id(upload_id)) return Unexpected(StoreError::kNoSuchUpload);
  auto found = index_->find_upload(bucket, key, upload_id);
  if (!found) return Unexpected(found.error());
  if (!*found) {
    auto info = index_->find_bucket(bucket);
    if (info && !*info) return Unexpected(StoreError::kNoSuchBucket);
    return Unexpected(StoreError::kNoSuchUpload);
  }
  return std::move(**found);
}

Expected<MultipartUpload, StoreError> Engine::create_upload(const std::string& bucket,
                                                            const std::string& key,
                                                            MultipartUpload settings) {
  auto valid = validate_key(key);
  if (!valid) return Unexpected(valid.error());
  // Hex like version ids, so that an id never starts with '-', which command-line clients would
  // read as an option.
  settings.upload_id = hex_encode(random_bytes(kUploadIdBytes));
  settings.bucket = bucket;
  settings.key = key;
  settings.initiated = options_.clock->now();
  auto created = index_->create_upload(settings);
  if (!created) return Unexpected(created.error());
  return settings;
}

Expected<PendingPut, StoreError> Engine::begin_part(const std::string& bucket,
                                                    const std::string& key,
                                                    const std::string& upload_id, int part_number,
                                                    PutRequest request) {
  auto upload = find_upload(bucket, key, upload_id);
  if (!upload) return Unexpected(upload.error());
  if (request.checksum_algorithm && upload->checksum_algorithm &&
      *request.checksum_algorithm != *upload->checksum_algorithm) {
    return Unexpected(StoreError::kChecksumTypeMismatch);
  }
  if (upload->checksum_algorithm) request.checksum_algorithm = upload->checksum_algorithm;
  uint64_t max_bytes = options_.max_object_bytes;
  if (request.content_length) {
    if (*request.content_length > max_bytes) return Unexpected(StoreError::kEntityTooLarge);
    max_bytes = *request.content_length;
  }
  auto writer = new_writer(max_bytes, request.checksum_algorithm);
  if (!writer) return Unexpected(writer.error());
  PendingPut pending(bucket, key, std::move(request), std::move(*writer));
  pending.upload_ = std::move(*upload);
  pending.part_number_ = part_number;
  return pending;
}

Expected<UploadedPart, StoreError> Engine::commit_part(PendingPut pending) {
  if (!pending.upload_) return Unexpected(StoreError::kInternal);
  auto body = publish_body(pending.writer_, pending.request_);
  if (!body) return Unexpected(body.error());
  UploadedPart part;
  part.part_number = pending.part_number_;
  part.file_id = body->file_id;
  part.size = body->size;
  part.etag = body->etag;
  if (body->checksum) part.checksum = body->checksum->value;
  part.last_modified = options_.clock->now();

  auto replaced = index_->record_part(*pending.upload_, part);
  if (!replaced) {
    remove_file_logged(object_path(part.file_id));
    return Unexpected(replaced.error());
  }
  remove_files(*replaced);
  return part;
}

Expected<UploadedPart, StoreError> Engine::copy_part(const ObjectVersion& source, uint64_t first,
                                                     uint64_t length, const std::string& bucket,
                                                     const std::string& key,
                                                     const std::string& upload_id,
                                                     int part_number) {
  auto opened = open_version(source);
  if (!opened) return Unexpected(opened.error());
  PutRequest request;
  request.content_length = length;
  auto pending = begin_part(bucket, key, upload_id, part_number, std::move(request));
  if (!pending) return Unexpected(pending.error());
  auto copied = append_object(opened->reader(), *pending, first, length);
  if (!copied) return Unexpected(copied.error());
  return commit_part(std::move(*pending));
}

Expected<ObjectVersion, StoreError> Engine::complete_upload(const std::string& bucket,
                                                            const std::string& key,
                                                            const std::string& upload_id,
                                                            const CompleteRequest& request) {
  auto upload = find_upload(bucket, key, upload_id);
  if (!upload) return Unexpected(upload.error());
  auto received = index_->list_parts(upload_id);
  if (!received) return Unexpected(received.error());
  auto parts = select_completed_parts(*upload, request.parts, *received);
  if (!parts) return Unexpected(parts.error());

  // An early precondition check saves assembling an object that would be
  // rejected; the index checks again when recording it.
  const auto& precondition = request.precondition;
  if (precondition.if_none_match_any || !precondition.if_match.empty()) {
    auto latest = index_->latest_version(bucket, key);
    if (!latest) return Unexpected(latest.error());
    auto allowed = check_write_precondition(*latest, precondition);
    if (!allowed) return Unexpected(allowed.error());
  }

  std::optional<std::string> composite;
  PutRequest assembly;
  assembly.precondition = precondition;
  if (upload->checksum_algorithm) {
    if (request.checksum_algorithm && *request.checksum_algorithm != *upload->checksum_algorithm) {
      return Unexpected(StoreError::kChecksumTypeMismatch);
    }
    if (upload->checksum_type == ChecksumType::kComposite) {
      composite = composite_checksum(*upload->checksum_algorithm, *parts);
    } else {
      assembly.checksum_algorithm = upload->checksum_algorithm;
    }
  } else {
    assembly.checksum_algorithm = request.checksum_algorithm;
  }
  uint64_t total = 0;
  for (const auto& part : *parts) total += part.size;
  assembly.content_length = total;

  // The object gets its own data key and one segment sequence: its parts
  // are decrypted, verified and sealed again under the new file id.
  auto writer = new_writer(total, assembly.checksum_algorithm);
  if (!writer) return Unexpected(writer.error());
  PendingPut pending(bucket, key, assembly, std::move(*writer));
  for (const auto& part : *parts) {
    auto reader = open_data(part.file_id, part.size);
    // A part file gone missing is the store's failure, not a missing key.
    if (!reader) return Unexpected(StoreError::kInternal);
    auto appended = append_object(*reader, pending, 0, part.size);
    if (!appended) return Unexpected(appended.error());
  }

  auto version = publish_body(pending.writer_, pending.request_);
  if (!version) return version;
  if (composite) {
    version->checksum =
        StoredChecksum{*upload->checksum_algorithm, *composite, ChecksumType::kComposite};
  }
  auto final_path = object_path(version->file_id);
  if (request.expected_checksum &&
      (!version->checksum || version->checksum->value != *request.expected_checksum)) {
    remove_file_logged(final_path);
    return Unexpected(StoreError::kChecksumMismatch);
  }
  version->bucket = bucket;
  version->key = key;
  version->etag = multipart_etag(*parts);
  version->content_type = upload->content_type;
  version->user_metadata = upload->user_metadata;
  version->stored_headers = upload->stored_headers;
  version->lock = upload->lock;
  version->tags = upload->tags;
  version->last_modified = options_.clock->now();

  auto recorded =
      index_->complete_upload(*upload, std::move(*version), new_version_id(), precondition);
  if (!recorded) {
    remove_file_logged(final_path);
    return Unexpected(recorded.error());
  }
  remove_files(recorded->orphaned_file_ids);
  return std::move(recorded->version);
}

Expected<void, StoreError> Engine::abort_upload(const std::string& bucket, const std::string& key,
                                                const std::string& upload_id) {
  auto upload = find_upload(bucket, key, upload_id);
  if (!upload) return Unexpected(upload.error());
  auto files = index_->abort_upload(*upload);
  if (!files) return Unexpected(files.error());
  remove_files(*files);
  return {};
}

Expected<PartListing, StoreError> Engine::list_parts(const std::string& bucket,
                                                     const std::string& key,
                                                     const std::string& upload_id,
                                                     int part_number_marker, size_t max_parts) {
  auto upload = find_upload(bucket, key, upload_id);
  if (!upload) return Unexpected(upload.error());
  auto parts = index_->list_parts(upload_id);
  if (!parts) return Unexpected(parts.error());
  max_parts = std::min(max_parts, kMaxListEntries);
  PartListing listing;
  listing.upload = std::move(*upload);
  for (auto& part : *parts) {
    if (part.part_number <= part_number_marker) continue;
    if (listing.parts.size() == max_parts) {
      listing.truncated = true;
      break;
    }
    listing.next_part_number_marker = part.part_number;
    listing.parts.push_back(std::move(part));
  }
  return listing;
}

Expected<UploadListing, StoreError> Engine::list_uploads(const std::string& bucket,
                                                         const ListUploadsQuery& query) {
  auto info = this->bucket(bucket);
  if (!info) return Unexpected(info.error());
  auto uploads = index_->list_uploads(bucket, query.prefix);
  if (!uploads) return Unexpected(uploads.error());
  size_t max_uploads = std::min(query.max_uploads, kMaxListEntries);

  // With an upload id marker, listing resumes after that upload of
  // key_marker; without one, after every upload of key_marker.
  auto start = uploads->begin();
  if (!query.key_marker.empty()) {
    start = std::find_if(uploads->begin(), uploads->end(), [&](const MultipartUpload& upload) {
      return upload.key > query.key_marker;
    });
    if (!query.upload_id_marker.empty()) {
      auto marker = std::find_if(uploads->begin(), uploads->end(), [&](const auto& upload) {
        return upload.key == query.key_marker && upload.upload_id == query.upload_id_marker;
      });
      if (marker != uploads->end()) start = marker + 1;
    }
  }

  UploadListing listing;
  if (max_uploads == 0) return listing;
  size_t entries = 0;
  for (auto it = start; it != uploads->end(); ++it) {
    std::string rolled;
    if (!query.delimiter.empty()) {
      size_t found = it->key.find(query.delimiter, query.prefix.size());
      if (found != std::string::npos) rolled = it->key.substr(0, found + query.delimiter.size());
    }
    if (!rolled.empty() && !listing.common_prefixes.empty() &&
        listing.common_prefixes.back() == rolled) {
      continue;
    }
    if (entries == max_uploads) {
      listing.truncated = true;
      break;
    }
    ++entries;
    if (!rolled.empty()) {
      listing.common_prefixes.push_back(rolled);
      listing.next_key_marker = rolled;
      listing.next_upload_id_marker.clear();
      continue;
    }
    listing.next_key_marker = it->key;
    listing.next_upload_id_marker = it->upload_id;
    listing.uploads.push_back(*it);
  }
  return listing;
}

Expected<size_t, StoreError> Engine::abort_stale_uploads() {
  auto stale = index_->uploads_initiated_before(options_.clock->now() - options_.max_upload_age);
  if (!stale) return Unexpected(stale.error());
  size_t aborted = 0;
  for (const auto& upload : *stale) {
    auto files = index_->abort_upload(upload);
    // Another request may have completed or aborted it meanwhile.
    if (!files) continue;
    remove_files(*files);
    ++aborted;
    obs::info("aborted a stale multipart upload",
              {{"bucket", upload.bucket}, {"upload_id", upload.upload_id}});
  }
  return aborted;
}

}  // namespace satchel::store
