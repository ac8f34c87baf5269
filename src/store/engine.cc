#include "store/engine.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "common/crypto.h"
#include "common/encoding.h"
#include "obs/log.h"

namespace satchel::store {
namespace {

constexpr size_t kVersionIdBytes = 16;
constexpr size_t kMaxVersionIdLength = 128;
constexpr size_t kReadChunkBytes = 256 * 1024;

Expected<void, std::string> make_private_directory(const std::filesystem::path& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return Unexpected("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  return {};
}

// Removes bodies left in tmp/ by a crash or a kill during an upload. None of
// them was ever recorded in the index.
void remove_leftover_temp_files(const std::filesystem::path& temp_dir) {
  std::error_code error;
  uint64_t removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(temp_dir, error)) {
    std::error_code ignored;
    if (std::filesystem::remove(entry.path(), ignored)) ++removed;
  }
  if (removed > 0) obs::info("removed leftover temporary uploads", {{"count", removed}});
}

// A new key file would make every encrypted file unreadable, so a missing
// key file is created only while no data file needs one.
Expected<void, std::string> check_key_file_present(const std::filesystem::path& root,
                                                   const std::filesystem::path& key_path) {
  std::error_code error;
  if (std::filesystem::exists(key_path, error)) return {};
  size_t encrypted = 0;
  for (const auto& [key_id, count] : data_files_by_key(root)) {
    if (!key_id.empty()) encrypted += count;
  }
  if (encrypted == 0) return {};
  return Unexpected(key_path.string() + " is missing but " + std::to_string(encrypted) +
                    " data files are encrypted; restore the key file from a backup, or set "
                    "store.master_key if the key came from there");
}

bool is_bucket_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool looks_like_ipv4(std::string_view name) {
  int dots = 0;
  for (char c : name) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace

bool is_valid_bucket_name(std::string_view name) {
  constexpr size_t kMinLength = 3;
  constexpr size_t kMaxLength = 63;
  if (name.size() < kMinLength || name.size() > kMaxLength) return false;
  for (char c : name) {
    if (!is_bucket_char(c)) return false;
  }
  auto alnum = [](char c) { return c != '.' && c != '-'; };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  if (name.find("..") != std::string_view::npos) return false;
  return !looks_like_ipv4(name);
}

Expected<void, StoreError> validate_key(std::string_view key) {
  if (key.empty() || !is_valid_utf8(key)) return Unexpected(StoreError::kInvalidKey);
  if (key.size() > kMaxKeyBytes) return Unexpected(StoreError::kKeyTooLong);
  return {};
}

bool is_valid_version_id(std::string_view version_id) {
  if (version_id.empty() || version_id.size() > kMaxVersionIdLength) return false;
  for (char c : version_id) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_' || c == '.';
    if (!allowed) return false;
  }
  return true;
}

Expected<void, StoreError> PendingPut::append(std::string_view bytes) {
  return writer_.append(bytes);
}

Expected<void, StoreError> append_object(ObjectReader& reader, PendingPut& pending, uint64_t first,
                                         uint64_t length) {
  uint64_t end = first + length;
  for (uint64_t position = first; position < end;) {
    auto piece = reader.read_at(position, std::min<uint64_t>(end - position, kReadChunkBytes));
    if (!piece) return Unexpected(StoreError::kInternal);
    // An empty piece before the end: the file is shorter than its version.
    if (piece->empty()) return Unexpected(StoreError::kInternal);
    auto appended = pending.append(*piece);
    if (!appended) return appended;
    position += piece->size();
  }
  return {};
}

Expected<std::unique_ptr<Engine>, std::string> Engine::open(EngineOptions options) {
  for (const auto& folder : {options.root, options.root / "tmp", options.root / "objects"}) {
    auto made = make_private_directory(folder);
    if (!made) return Unexpected(made.error());
  }
  remove_leftover_temp_files(options.root / "tmp");
  if (!options.master_keys) {
    auto key_path = options.root / "master-keys.json";
    auto missing = check_key_file_present(options.root, key_path);
    if (!missing) return Unexpected(missing.error());
    auto keys = MasterKeyRing::from_file(key_path, *options.clock);
    if (!keys) return Unexpected(keys.error());
    options.master_keys = std::move(*keys);
  }
  auto index = StoreIndex::open(options.root / "index.db");
  if (!index) return Unexpected(index.error());
  std::unique_ptr<Engine> engine(new Engine(std::move(options), std::move(*index)));
  auto loaded = engine->load_cors();
  if (!loaded) return Unexpected(loaded.error());
  return engine;
}

// Hex rather than base64url: an id never starts with '-', which command-line
// clients (the AWS CLI among them) would read as an option.
std::string Engine::new_version_id() { return hex_encode(random_bytes(kVersionIdBytes)); }

Engine::Engine(EngineOptions options, std::unique_ptr<StoreIndex> index)
    : options_(std::move(options)),
      temp_dir_(options_.root / "tmp"),
      objects_dir_(options_.root / "objects"),
      index_(std::move(index)) {}

std::filesystem::path Engine::object_path(std::string_view file_id) const {
  return objects_dir_ / file_id.substr(0, 2) / file_id.substr(2, 2) / file_id;
}

Expected<void, StoreError> Engine::create_bucket(const std::string& name, Versioning versioning,
                                                 bool object_lock) {
  if (!is_valid_bucket_name(name)) return Unexpected(StoreError::kInvalidBucketName);
  BucketInfo info{name, options_.clock->now(), versioning, std::nullopt};
  if (object_lock) {
    info.versioning = Versioning::kEnabled;
    info.object_lock = ObjectLockConfiguration{};
  }
  return index_->create_bucket(info);
}

Expected<BucketInfo, StoreError> Engine::bucket(const std::string& name) {
  auto found = index_->find_bucket(name);
  if (!found) return Unexpected(found.error());
  if (!*found) return Unexpected(StoreError::kNoSuchBucket);
  return std::move(**found);
}

Expected<std::vector<BucketInfo>, StoreError> Engine::list_buckets() {
  return index_->list_buckets();
}

Expected<void, StoreError> Engine::set_versioning(const std::string& bucket,
                                                  Versioning versioning) {
  if (versioning == Versioning::kUnversioned) return Unexpected(StoreError::kInternal);
  return index_->set_versioning(bucket, versioning);
}

Expected<void, StoreError> Engine::delete_bucket(const std::string& name) {
  auto deleted = index_->delete_bucket(name);
  if (deleted) {
    std::lock_guard lock(cors_mutex_);
    cors_.erase(name);
  }
  return deleted;
}

Expected<PendingPut, StoreError> Engine::begin_put(const std::string& bucket,
                                                   const std::string& key, PutRequest request) {
  auto valid = validate_key(key);
  if (!valid) return Unexpected(valid.error());
  uint64_t max_bytes = options_.max_object_bytes;
  if (request.content_length) {
    if (*request.content_length > max_bytes) return Unexpected(StoreError::kEntityTooLarge);
    max_bytes = *request.content_length;
  }
  auto found = index_->find_bucket(bucket);
  if (!found) return Unexpected(found.error());
  if (!*found) return Unexpected(StoreError::kNoSuchBucket);
  if (!(*found)->object_lock && (request.lock.retention || request.lock.legal_hold)) {
    return Unexpected(StoreError::kObjectLockNotEnabled);
  }

  // An early check saves receiving a body that would be rejected anyway.
  const auto& precondition = request.precondition;
  if (precondition.if_none_match_any || !precondition.if_match.empty()) {
    auto latest = index_->latest_version(bucket, key);
    if (!latest) return Unexpected(latest.error());
    auto allowed = check_write_precondition(*latest, precondition);
    if (!allowed) return Unexpected(allowed.error());
  }

  auto writer = new_writer(max_bytes, request.checksum_algorithm);
  if (!writer) return Unexpected(writer.error());
  return PendingPut(bucket, key, std::move(request), std::move(*writer));
}

Expected<ObjectWriter, StoreError> Engine::new_writer(uint64_t max_bytes,
                                                      std::optional<ChecksumAlgorithm> checksum) {
  return ObjectWriter::create(temp_dir_, max_bytes, options_.master_keys->current(), checksum);
}

Expected<ObjectVersion, StoreError> Engine::publish_body(ObjectWriter& writer,
                                                         const PutRequest& request) {
  if (request.content_length && writer.size() != *request.content_length) {
    return Unexpected(StoreError::kIncompleteBody);
  }
  std::string md5 = writer.finish_md5();
  std::string sha256 = writer.finish_sha256();
  std::optional<std::string> checksum = writer.finish_checksum();
  if (request.expected_md5 && !constant_time_equal(*request.expected_md5, md5)) {
    return Unexpected(StoreError::kBadDigest);
  }
  if (request.expected_sha256 && !constant_time_equal(*request.expected_sha256, sha256)) {
    return Unexpected(StoreError::kContentSha256Mismatch);
  }
  if (request.expected_checksum &&
      (!checksum || !constant_time_equal(*request.expected_checksum, *checksum))) {
    return Unexpected(StoreError::kChecksumMismatch);
  }

  ObjectVersion version;
  version.file_id = writer.file_id();
  version.size = writer.size();
  version.etag = hex_encode(md5);
  version.sha256_hex = hex_encode(sha256);
  if (checksum && request.checksum_algorithm) {
    version.checksum = StoredChecksum{*request.checksum_algorithm, base64_encode(*checksum),
                                      ChecksumType::kFullObject};
  }
  auto published = writer.publish(objects_dir_, object_path(version.file_id));
  if (!published) return Unexpected(published.error());
  return version;
}

Expected<ObjectVersion, StoreError> Engine::commit_put(PendingPut pending) {
  const PutRequest& request = pending.request_;
  auto version = publish_body(pending.writer_, request);
  if (!version) return version;
  version->bucket = pending.bucket_;
  version->key = pending.key_;
  version->content_type = request.content_type;
  version->user_metadata = request.user_metadata;
  version->stored_headers = request.stored_headers;
  version->lock = request.lock;
  version->tags = request.tags;
  version->last_modified = options_.clock->now();

  auto final_path = object_path(version->file_id);
  auto recorded =
      index_->record_version(std::move(*version), new_version_id(), request.precondition);
  if (!recorded) {
    // The file is not referenced by any index row, so removing it is safe.
    remove_file_logged(final_path);
    return Unexpected(recorded.error());
  }
  remove_files(recorded->orphaned_file_ids);
  return std::move(recorded->version);
}

Expected<ObjectVersion, StoreError> Engine::copy_version(const ObjectVersion& source,
                                                         const std::string& bucket,
                                                         const std::string& key,
                                                         PutRequest request) {
  auto opened = open_version(source);
  if (!opened) return Unexpected(opened.error());
  request.content_length = source.size;
  if (!request.checksum_algorithm && source.checksum) {
    request.checksum_algorithm = source.checksum->algorithm;
  }
  auto pending = begin_put(bucket, key, std::move(request));
  if (!pending) return Unexpected(pending.error());
  auto copied = append_object(opened->reader(), *pending, 0, source.size);
  if (!copied) return Unexpected(copied.error());
  return commit_put(std::move(*pending));
}

Expected<ObjectVersion, StoreError> Engine::put(const std::string& bucket, const std::string& key,
                                                std::string_view body, PutRequest request) {
  auto pending = begin_put(bucket, key, std::move(request));
  if (!pending) return Unexpected(pending.error());
  auto appended = pending->append(body);
  if (!appended) return Unexpected(appended.error());
  return commit_put(std::move(*pending));
}

Expected<ObjectVersion, StoreError> Engine::find_version(
    const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  auto valid = validate_key(key);
  if (!valid) return Unexpected(valid.error());
  if (version_id && !is_valid_version_id(*version_id)) {
    return Unexpected(StoreError::kInvalidVersionId);
  }
  auto info = index_->find_bucket(bucket);
  if (!info) return Unexpected(info.error());
  if (!*info) return Unexpected(StoreError::kNoSuchBucket);

  auto found = version_id ? index_->find_version(bucket, key, *version_id)
                          : index_->latest_version(bucket, key);
  if (!found) return Unexpected(found.error());
  if (!*found) {
    return Unexpected(version_id ? StoreError::kNoSuchVersion : StoreError::kNoSuchKey);
  }
  return std::move(**found);
}

Expected<ObjectVersion, StoreError> Engine::head(const std::string& bucket, const std::string& key,
                                                 const std::optional<std::string>& version_id) {
  auto found = find_version(bucket, key, version_id);
  if (!found) return found;
  if (found->delete_marker) {
    return Unexpected(version_id ? StoreError::kVersionIsDeleteMarker : StoreError::kNoSuchKey);
  }
  return found;
}

Expected<OpenObject, StoreError> Engine::open_object(const std::string& bucket,
                                                     const std::string& key,
                                                     const std::optional<std::string>& version_id) {
  auto found = head(bucket, key, version_id);
  if (!found) return Unexpected(found.error());
  return open_version(*found);
}

Expected<OpenObject, StoreError> Engine::open_version(const ObjectVersion& version) {
  if (version.delete_marker) return Unexpected(StoreError::kVersionIsDeleteMarker);
  auto reader = open_data(version.file_id, version.size);
  if (!reader) return Unexpected(reader.error());
  return OpenObject(version, std::move(*reader));
}

Expected<ObjectReader, StoreError> Engine::open_data(const std::string& file_id, uint64_t size) {
  auto path = object_path(file_id);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    // A delete that committed after the version was looked up has unlinked
    // the file.
    if (errno == ENOENT) return Unexpected(StoreError::kNoSuchKey);
    obs::error("cannot open object file",
               {{"path", path.string()}, {"error", std::strerror(errno)}});
    return Unexpected(StoreError::kInternal);
  }
  auto reader = ObjectReader::open(fd, file_id, size, *options_.master_keys);
  if (!reader && reader.error() == EncryptionError::kUnknownMasterKey) {
    // `satchel keys rotate` may have added the key since the last reload.
    auto reloaded = options_.master_keys->reload();
    if (!reloaded) obs::error("cannot reload the master keys", {{"error", reloaded.error()}});
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Unexpected(errno == ENOENT ? StoreError::kNoSuchKey : StoreError::kInternal);
    reader = ObjectReader::open(fd, file_id, size, *options_.master_keys);
  }
  if (!reader) return Unexpected(StoreError::kInternal);
  return std::move(*reader);
}

Expected<std::string, StoreError> Engine::read_object(
    const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  auto opened = open_object(bucket, key, version_id);
  if (!opened) return Unexpected(opened.error());
  ObjectReader& reader = opened->reader();
  if (!reader.verify_empty()) return Unexpected(StoreError::kInternal);
  std::string bytes;
  while (bytes.size() < reader.size()) {
    auto piece = reader.read_at(bytes.size(), reader.size() - bytes.size());
    if (!piece || piece->empty()) return Unexpected(StoreError::kInternal);
    bytes += *piece;
  }
  return bytes;
}

Expected<DeleteResult, StoreError> Engine::delete_object(
    const std::string& bucket, const std::string& key, const std::optional<std::string>& version_id,
    bool bypass_governance) {
  auto valid = validate_key(key);
  if (!valid) return Unexpected(valid.error());
  if (version_id) {
    if (!is_valid_version_id(*version_id)) return Unexpected(StoreError::kInvalidVersionId);
    auto removed =
        index_->delete_version(bucket, key, *version_id, options_.clock->now(), bypass_governance);
    if (!removed) return Unexpected(removed.error());
    DeleteResult result{*version_id, false};
    if (*removed) {
      result.delete_marker = (*removed)->version.delete_marker;
      remove_files((*removed)->orphaned_file_ids);
    }
    return result;
  }

  auto changed = index_->delete_latest(bucket, key, new_version_id(), options_.clock->now());
  if (!changed) return Unexpected(changed.error());
  remove_files(changed->orphaned_file_ids);
  DeleteResult result;
  if (changed->version.delete_marker) {
    result.version_id = changed->version.version_id;
    result.delete_marker = true;
  }
  return result;
}

void Engine::remove_files(const std::vector<std::string>& file_ids) {
  for (const auto& file_id : file_ids) remove_file_logged(object_path(file_id));
}

}  // namespace satchel::store
