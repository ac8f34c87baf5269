// The metadata index behind one interface, so the API runs unchanged on SQLite (one machine)
// or PostgreSQL (replicas).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/expected.h"
#include "meta/meta_error.h"
#include "meta/records.h"

namespace satchel::meta {

// list_objects() clamps its limit to 1..kMaxListLimit.
inline constexpr std::size_t kMaxListLimit = 1000;

// The metadata repository. Every call is synchronous and may block on disk or on other
// writers, so it belongs on a worker thread, never on an I/O thread. Implementations are
// thread-safe: any method may be called from several threads at once.
//
// Timestamps are stored with microsecond precision, so the values returned are the inputs
// rounded down to the microsecond.
class Repository {
 public:
  virtual ~Repository() = default;

  // Records a new upload in state kPending and returns the stored copy. Fails with kConflict
  // when the id is taken, and with kInvalid for any of:
  //   - an empty id, tenant, owner, name or content type,
  //   - a key other than "{tenant}/{owner}/{name}", or a '/' in the tenant or owner,
  //   - text that is not UTF-8 or contains NUL,
  //   - a size above INT64_MAX, or a sha256 other than 64 lower-case hex digits,
  //   - an if_match below 1, or if_match together with if_none_match,
  //   - expires_at or object_expires_at not after created_at, or a state other than kPending,
  //   - tags that fail validate_tags() (object_tags.h).
  virtual Expected<PendingUpload, MetaError> create_pending_upload(const PendingUpload& upload) = 0;

  // Returns the upload in any state. kNotFound unless it exists and belongs to tenant.
  virtual Expected<PendingUpload, MetaError> find_pending_upload(std::string_view tenant,
                                                                 std::string_view id) = 0;

  // Commits a finished upload atomically and returns the new object record.
  //
  // observed is what the store reports for the uploaded bytes, and the record takes its
  // version_id, size, etag, content_type and sha256. Its tenant, owner, name and key may be
  // empty, and when set they must equal the upload's (kInvalid otherwise). Its revision and
  // timestamps are ignored. The caller checks observed against the upload's size, type and
  // checksum before calling, because this method does not.
  //
  // Errors:
  //   - kNotFound: no upload has this id.
  //   - kAlreadyCompleted: the upload was committed before.
  //   - kExpired: the upload was aborted, or expires_at <= now.
  //   - kConflict: if_none_match is set and the object exists, or if_match is set and the
  //     object is missing or at another revision. current carries the object when it exists.
  // On any error nothing changes, and the upload stays as it was.
  //
  // A key with no history gets revision 1, and any other key the revision after its newest
  // history entry (so a key written again after a delete continues after its delete marker).
  // A replaced object keeps its created_at. updated_at becomes now, the upload becomes
  // kCompleted, and the new version joins the key's history, all in one transaction. The new
  // record has no missing mark (ObjectRecord::missing_since), as after restore_version().
  virtual Expected<ObjectRecord, MetaError> commit_upload(std::string_view upload_id,
                                                          const ObjectRecord& observed,
                                                          SystemTime now) = 0;

  // Returns the committed object. kNotFound when tenant has no object at key.
  virtual Expected<ObjectRecord, MetaError> get_object(std::string_view tenant,
                                                       std::string_view key) = 0;

  // Lists tenant's objects whose key starts with key_prefix and that match filter, ordered by
  // the bytes of the key. The prefix is a plain byte prefix as in S3 (no wildcards, and "a/b"
  // matches "a/bc"). Pass an empty cursor for the first page and the returned next_cursor for
  // the following ones. limit is clamped to 1..kMaxListLimit. kInvalid for a cursor this
  // repository did not issue, for filter text that is not UTF-8 or contains NUL, and for filter
  // tags that validate_tag_filter() rejects.
  //
  // The filter is checked on the rows of the key range in key order, so a selective filter
  // over a large range reads many rows for one page.
  virtual Expected<Page<ObjectRecord>, MetaError> list_objects(std::string_view tenant,
                                                               std::string_view key_prefix,
                                                               std::string_view cursor,
                                                               std::size_t limit,
                                                               const ObjectFilter& filter) = 0;

  // Lists without a filter.
  Expected<Page<ObjectRecord>, MetaError> list_objects(std::string_view tenant,
                                                       std::string_view key_prefix,
                                                       std::string_view cursor, std::size_t limit) {
    return list_objects(tenant, key_prefix, cursor, limit, ObjectFilter{});
  }

  // Deletes the object and returns the record it had. In the same transaction it adds a delete
  // marker to the key's history, with the next revision, committed_at = now and
  // marker_version_id, the store's version id of its delete marker (empty when the store made
  // none). Fails with kNotFound when the object does not exist, and with kConflict (current
  // set) when expected_revision is given and differs.
  virtual Expected<ObjectRecord, MetaError> delete_object(
      std::string_view tenant, std::string_view key, std::optional<std::int64_t> expected_revision,
      std::string_view marker_version_id, SystemTime now) = 0;

  // Lists the history of tenant's key, newest first: every committed write, restore and delete,
  // also after the object was deleted. Pass an empty cursor for the first page and the returned
  // next_cursor for the following ones. limit is clamped to 1..kMaxListLimit. An unknown key
  // has an empty history. kInvalid for a cursor this repository did not issue.
  virtual Expected<Page<ObjectVersion>, MetaError> list_versions(std::string_view tenant,
                                                                 std::string_view key,
                                                                 std::string_view cursor,
                                                                 std::size_t limit) = 0;

  // Returns the newest history entry of tenant's key with this store version id, delete markers
  // included. kNotFound when there is none.
  virtual Expected<ObjectVersion, MetaError> find_version(std::string_view tenant,
                                                          std::string_view key,
                                                          std::string_view version_id) = 0;

  // Marks tenant's object at key as missing from the store since missing_since, or clears the
  // mark when missing_since is nullopt, and returns the updated record. The change applies only
  // while the object is still at expected_revision with expected_version_id, so a write that
  // landed after reconcile looked is never marked. Marking a marked object keeps its first time.
  // The revision, updated_at and the history do not change. Fails with kNotFound when the
  // object does not exist, and with kConflict (current set) when it changed.
  virtual Expected<ObjectRecord, MetaError> set_object_missing(
      std::string_view tenant, std::string_view key, std::int64_t expected_revision,
      std::string_view expected_version_id, std::optional<SystemTime> missing_since) = 0;

  // Makes the store's copy of an earlier version current, and returns the new object record.
  // The record takes owner, name and sha256 from the source entry and version_id, size, etag
  // and content_type from request.observed. Its revision is the next one, it keeps the
  // current object's created_at (or gets now when the object did not exist), and the history
  // gains an entry whose restored_from is the source version id, all in one transaction.
  //
  // Errors:
  //   - kNotFound: the key's history has no entry with source_version_id.
  //   - kInvalid: that entry is a delete marker, or observed has an empty etag or content type.
  //   - kConflict: expected_revision no longer describes the object. current carries the
  //     object when it exists.
  virtual Expected<ObjectRecord, MetaError> restore_version(const RestoreRequest& request,
                                                            SystemTime now) = 0;

  // Marks a pending upload kAborted so it can never be committed, and returns it. Aborting an
  // aborted upload succeeds again. Fails with kNotFound unless the upload belongs to tenant, and
  // with kAlreadyCompleted when it was committed.
  virtual Expected<PendingUpload, MetaError> abort_pending_upload(std::string_view tenant,
                                                                  std::string_view id) = 0;

  // Appends an audit event and returns its id. kInvalid for text that is not UTF-8 or contains
  // NUL. Empty fields are allowed, because a sign-in failure may know no subject or tenant.
  virtual Expected<std::int64_t, MetaError> append_audit_event(const AuditRecord& record) = 0;

  // Appends records in one transaction, in their order, so their ids increase in that order.
  // Either every record is stored or none is: kInvalid names the first record that
  // append_audit_event would reject, and nothing is written. An empty span writes nothing.
  virtual Expected<void, MetaError> append_audit_events(std::span<const AuditRecord> records) = 0;

  // Lists tenant's audit events that match filter, newest (highest id) first. Pass an empty
  // cursor for the first page and the returned next_cursor for the following ones. limit is
  // clamped to 1..kMaxListLimit. kInvalid for a cursor this repository did not issue, and for
  // filter text that is not UTF-8 or contains NUL.
  virtual Expected<Page<AuditRecord>, MetaError> list_audit_events(std::string_view tenant,
                                                                   const AuditFilter& filter,
                                                                   std::string_view cursor,
                                                                   std::size_t limit) = 0;

  // Counts tenant's current objects and sums their sizes per owner, in the database (one
  // GROUP BY), ordered by the bytes of the owner. Only objects whose name starts with
  // name_prefix count (a plain byte prefix, empty for all), and owners with no such object are
  // left out. Pass an empty cursor for the first page and the returned next_cursor for the
  // following ones. limit is clamped to 1..kMaxListLimit. kInvalid for a cursor this
  // repository did not issue, and for a prefix that is not UTF-8 or contains NUL.
  virtual Expected<Page<SubjectUsage>, MetaError> list_usage(std::string_view tenant,
                                                             std::string_view name_prefix,
                                                             std::string_view cursor,
                                                             std::size_t limit) = 0;

  // Lists the tenants that have a current object or a history entry, ordered by their bytes, so
  // tools such as reconcile can walk every tenant. Pass an empty cursor for the first page and
  // the returned next_cursor for the following ones. limit is clamped to 1..kMaxListLimit.
  // kInvalid for a cursor this repository did not issue.
  virtual Expected<Page<std::string>, MetaError> list_tenants(std::string_view cursor,
                                                              std::size_t limit) = 0;

  // Records that redirect.old_key moved to redirect.new_key, replacing any redirect of the same
  // old key, and returns the stored copy (times rounded down to the microsecond). kInvalid for
  // a redirect that validate_key_redirect() (record_validation.h) rejects. Redirects are not
  // followed in chains: each lookup is one step.
  virtual Expected<KeyRedirect, MetaError> record_key_redirect(const KeyRedirect& redirect) = 0;

  // Returns the redirect of tenant's old_key, whether or not its cut-over time has passed.
  // kNotFound when there is none.
  virtual Expected<KeyRedirect, MetaError> find_key_redirect(std::string_view tenant,
                                                             std::string_view old_key) = 0;
};

}  // namespace satchel::meta
