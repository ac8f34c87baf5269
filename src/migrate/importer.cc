#include "migrate/importer.h"

#include "common/crypto.h"
#include "common/encoding.h"
#include "http/offload.h"
#include "obs/log.h"

namespace satchel::migrate {
namespace {

namespace asio = boost::asio;

// Hex digits of the upload id's hash: 160 bits, so two different imports
// never share an id by chance.
constexpr size_t kUploadIdHexDigits = 40;

std::string describe(const app::StoreError& error) { return error.message; }

}  // namespace

std::string import_upload_id(std::string_view key, std::string_view sha256_hex) {
  std::string text(key);
  text += '\0';
  text += sha256_hex;
  return "migrate-" + hex_encode(sha256(text)).substr(0, kUploadIdHexDigits);
}

struct Importer::Attempt {
  const PlannedObject& planned;
  std::string bytes;
  std::string content_type;
  std::string sha256_hex;
  std::string etag;  // the quoted MD5 that a single PUT gets
  std::string upload_id;

  ReportLine line(Outcome outcome, std::string reason = {}, std::string version_id = {}) const {
    return ReportLine{.source = planned.source.key,
                      .outcome = outcome,
                      .target_key = planned.key,
                      .version_id = std::move(version_id),
                      .size_bytes = bytes.size(),
                      .reason = std::move(reason)};
  }
};

Importer::Importer(ImportSettings settings, app::S3Gateway& store, meta::Repository& repository,
                   asio::thread_pool& workers, const Clock& clock,
                   const app::PreferencesSchema& schema)
    : settings_(std::move(settings)),
      store_(store),
      repository_(repository),
      workers_(workers),
      clock_(clock),
      schema_(schema) {}

asio::awaitable<ReportLine> Importer::import(const PlannedObject& planned, std::string bytes,
                                             std::string content_type) {
  Attempt attempt{
      .planned = planned, .bytes = std::move(bytes), .content_type = std::move(content_type)};
  attempt.sha256_hex = hex_encode(sha256(attempt.bytes));
  attempt.etag = "\"" + hex_encode(md5(attempt.bytes)) + "\"";
  attempt.upload_id = import_upload_id(planned.key, attempt.sha256_hex);

  // An earlier run may have created, or even committed, this very upload.
  auto earlier = co_await http::offload(
      workers_, [&] { return repository_.find_pending_upload(planned.tenant, attempt.upload_id); });
  bool resumed = false;
  if (earlier) {
    switch (earlier->state) {
      case meta::UploadState::kCompleted:
        co_return co_await already_imported(attempt);
      case meta::UploadState::kAborted:
        co_return attempt.line(
            Outcome::kFailed,
            "an earlier import of these bytes was aborted (upload " + attempt.upload_id + ")");
      case meta::UploadState::kPending:
        resumed = true;
        break;
    }
  } else if (earlier.error().code != meta::MetaErrorCode::kNotFound) {
    co_return attempt.line(Outcome::kFailed,
                           "metadata index lookup failed: " + earlier.error().message);
  }

  if (!resumed) {
    auto existing = co_await http::offload(
        workers_, [&] { return repository_.get_object(planned.tenant, planned.key); });
    if (existing) {
      co_return attempt.line(Outcome::kFailed, "the target key already has an object (revision " +
                                                   std::to_string(existing->revision) +
                                                   "); it is not overwritten");
    }
    if (existing.error().code != meta::MetaErrorCode::kNotFound) {
      co_return attempt.line(Outcome::kFailed,
                             "metadata index lookup failed: " + existing.error().message);
    }
    SystemTime now = clock_.now();
    meta::PendingUpload pending{.id = attempt.upload_id,
                                .tenant = planned.tenant,
                                .owner = planned.owner,
                                .name = planned.name,
                                .key = planned.key,
                                .content_type = attempt.content_type,
                                .size = attempt.bytes.size(),
                                .sha256 = attempt.sha256_hex,
                                .if_none_match = true,
                                .created_at = now,
                                .expires_at = now + settings_.pending_ttl};
    auto created = co_await http::offload(
        workers_, [&] { return repository_.create_pending_upload(pending); });
    if (!created) {
      co_return attempt.line(Outcome::kFailed,
                             "recording the pending upload failed: " + created.error().message);
    }
  }

  // A run killed after its copy but before its commit left the copy in
  // place: the latest version carries this upload's id, so it is committed
  // as it is instead of being copied a second time.
  if (resumed) {
    auto head = co_await store_.head(planned.key);
    if (head && head->upload_id == attempt.upload_id && head->size == attempt.bytes.size() &&
        head->etag == attempt.etag) {
      co_return co_await finish(attempt, *head);
    }
  }
  auto placed = co_await stage_and_copy(attempt);
  if (!placed) co_return attempt.line(Outcome::kFailed, placed.error());
  co_return co_await finish(attempt, *placed);
}

asio::awaitable<Expected<app::ObjectHead, std::string>> Importer::stage_and_copy(
    const Attempt& attempt) {
  const std::string staging_key = settings_.staging_prefix + attempt.upload_id;
  const uint64_t size = attempt.bytes.size();
  // The PUT signs the SHA-256 of the body as its payload hash, so the store
  // rejects bytes that changed on the way.
  auto staged = co_await store_.put_object(staging_key, attempt.bytes, attempt.content_type,
                                           attempt.upload_id);
  if (!staged) co_return Unexpected("staging PUT failed: " + describe(staged.error()));
  auto discard_staged = [&]() -> asio::awaitable<void> {
    Expected<void, app::StoreError> removed{};
    if (staged->version_id.empty()) {
      auto marker = co_await store_.remove(staging_key);
      if (!marker) removed = Unexpected(marker.error());
    } else {
      removed = co_await store_.remove_version(staging_key, staged->version_id);
    }
    if (!removed) {
      obs::warn("cannot delete a staged copy",
                {{"staging_key", staging_key}, {"error", removed.error().message}});
    }
  };
  if (staged->size != size || staged->etag != attempt.etag) {
    co_await discard_staged();
    co_return Unexpected("staged copy does not match: size " + std::to_string(staged->size) +
                         ", ETag " + staged->etag + ", expected size " + std::to_string(size) +
                         ", ETag " + attempt.etag);
  }
  // The staged bytes are read back and hashed, because not every store
  // returns a SHA-256 checksum on HEAD.
  if (size > 0) {
    auto read_back = co_await store_.get_range(staging_key, staged->version_id, 0, size);
    if (!read_back) {
      co_await discard_staged();
      co_return Unexpected("reading the staged copy failed: " + describe(read_back.error()));
    }
    if (hex_encode(sha256(*read_back)) != attempt.sha256_hex) {
      co_await discard_staged();
      co_return Unexpected(std::string("staged copy has another SHA-256 than the source"));
    }
  }
  auto copied = co_await store_.copy_from(staging_key, staged->version_id, attempt.planned.key);
  co_await discard_staged();
  if (!copied) co_return Unexpected("copy into place failed: " + describe(copied.error()));
  if (copied->size != size || copied->etag != attempt.etag) {
    co_return Unexpected("copy in place does not match: size " + std::to_string(copied->size) +
                         ", ETag " + copied->etag);
  }
  co_return *copied;
}

asio::awaitable<ReportLine> Importer::finish(const Attempt& attempt,
                                             const app::ObjectHead& placed) {
  const PlannedObject& planned = attempt.planned;
  meta::ObjectRecord observed{.version_id = placed.version_id,
                              .size = placed.size,
                              .etag = placed.etag,
                              .content_type = attempt.content_type,
                              .sha256 = attempt.sha256_hex};
  SystemTime now = clock_.now();
  auto committed = co_await http::offload(
      workers_, [&] { return repository_.commit_upload(attempt.upload_id, observed, now); });
  if (!committed) {
    if (committed.error().code == meta::MetaErrorCode::kAlreadyCompleted) {
      co_return co_await already_imported(attempt);
    }
    // The copy did not become the key's object, so it is deleted. On a store
    // without versioning the copy has no version id, and then it stays.
    if (!placed.version_id.empty()) {
      auto removed = co_await store_.remove_version(planned.key, placed.version_id);
      if (!removed) {
        obs::warn("cannot delete an uncommitted copy",
                  {{"key", planned.key}, {"error", removed.error().message}});
      }
    }
    co_return attempt.line(Outcome::kFailed,
                           "recording the object failed: " + committed.error().message);
  }
  meta::AuditRecord event{.time = now,
                          .request_id = attempt.upload_id,
                          .subject = std::string(kAuditSubject),
                          .tenant = planned.tenant,
                          .action = "object:write",
                          .key = planned.key,
                          .decision = "allow",
                          .reason = "imported from legacy key " + planned.source.key};
  auto audited =
      co_await http::offload(workers_, [&] { return repository_.append_audit_event(event); });
  if (!audited) {
    obs::warn("cannot write the audit event of an import",
              {{"key", planned.key}, {"error", audited.error().message}});
  }
  auto redirected = co_await record_redirect(attempt);
  if (!redirected) {
    co_return attempt.line(Outcome::kFailed, redirected.error(), committed->version_id);
  }
  co_return attempt.line(Outcome::kImported, {}, committed->version_id);
}

asio::awaitable<ReportLine> Importer::already_imported(const Attempt& attempt) {
  const PlannedObject& planned = attempt.planned;
  auto current = co_await http::offload(
      workers_, [&] { return repository_.get_object(planned.tenant, planned.key); });
  std::string version_id = current ? current->version_id : std::string();
  // The earlier run may have stopped between its commit and its redirect.
  auto redirected = co_await record_redirect(attempt);
  if (!redirected) co_return attempt.line(Outcome::kFailed, redirected.error(), version_id);
  co_return attempt.line(Outcome::kAlreadyImported, "recorded by an earlier run", version_id);
}

asio::awaitable<Expected<void, std::string>> Importer::record_redirect(const Attempt& attempt) {
  const PlannedObject& planned = attempt.planned;
  if (planned.old_key.empty()) co_return Expected<void, std::string>{};
  meta::KeyRedirect redirect{.tenant = planned.tenant,
                             .old_key = planned.old_key,
                             .new_key = planned.key,
                             .cut_over_at = settings_.cut_over_at,
                             .created_at = clock_.now()};
  auto recorded =
      co_await http::offload(workers_, [&] { return repository_.record_key_redirect(redirect); });
  if (!recorded) {
    co_return Unexpected("imported, but recording the redirect from " + planned.old_key +
                         " failed: " + recorded.error().message);
  }
  co_return Expected<void, std::string>{};
}

}  // namespace satchel::migrate
