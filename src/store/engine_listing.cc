// ListObjects and ListObjectVersions: pages of keys, common prefixes and
// versions, built from ordered index scans.
#include <algorithm>

#include "store/engine.h"

namespace satchel::store {
namespace {

// Rows read from the index per query. A page may need several queries,
// because delete markers are skipped and each common prefix ends a scan.
constexpr size_t kScanRows = 256;

// Valid UTF-8 keys never contain 0xFF, so this sorts after every key that
// starts with the text it is appended to.
constexpr std::string_view kAfterAllBelow = "\xFF";

// The common prefix that key rolls up into: the prefix plus everything up
// to and including the first delimiter after it. nullopt when the
// delimiter is empty or does not occur.
std::optional<std::string> common_prefix(std::string_view key, std::string_view prefix,
                                         std::string_view delimiter) {
  if (delimiter.empty() || !key.starts_with(prefix)) return std::nullopt;
  size_t found = key.find(delimiter, prefix.size());
  if (found == std::string_view::npos) return std::nullopt;
  return std::string(key.substr(0, found + delimiter.size()));
}

// True when a marker is itself a common prefix of the query, so resuming
// after it must skip every key below it.
bool is_common_prefix(std::string_view marker, std::string_view prefix,
                      std::string_view delimiter) {
  auto rolled = common_prefix(marker, prefix, delimiter);
  return rolled && *rolled == marker;
}

Expected<void, StoreError> require_bucket(Engine& engine, const std::string& bucket) {
  auto found = engine.bucket(bucket);
  if (!found) return Unexpected(found.error());
  return {};
}

}  // namespace

Expected<ObjectListing, StoreError> Engine::list_objects(const std::string& bucket,
                                                         ListObjectsQuery query) {
  auto exists = require_bucket(*this, bucket);
  if (!exists) return Unexpected(exists.error());
  query.max_keys = std::min(query.max_keys, kMaxListEntries);
  ObjectListing listing;
  if (query.max_keys == 0) return listing;

  std::string cursor = query.marker;
  if (query.marker_may_be_prefix && is_common_prefix(cursor, query.prefix, query.delimiter)) {
    cursor += kAfterAllBelow;
  }
  size_t entries = 0;
  for (;;) {
    auto rows = index_->list_latest(bucket, query.prefix, cursor, kScanRows);
    if (!rows) return Unexpected(rows.error());
    bool rescan = false;
    for (auto& version : *rows) {
      cursor = version.key;
      if (version.delete_marker) continue;
      if (entries == query.max_keys) {
        listing.truncated = true;
        return listing;
      }
      ++entries;
      if (auto rolled = common_prefix(version.key, query.prefix, query.delimiter)) {
        listing.next_marker = *rolled;
        listing.common_prefixes.push_back(*rolled);
        cursor = *rolled + std::string(kAfterAllBelow);
        rescan = true;
        break;
      }
      listing.next_marker = version.key;
      listing.objects.push_back(std::move(version));
    }
    if (!rescan && rows->size() < kScanRows) return listing;
  }
}

Expected<VersionListing, StoreError> Engine::list_versions(const std::string& bucket,
                                                           ListVersionsQuery query) {
  auto exists = require_bucket(*this, bucket);
  if (!exists) return Unexpected(exists.error());
  query.max_keys = std::min(query.max_keys, kMaxListEntries);
  VersionListing listing;
  if (query.max_keys == 0) return listing;

  VersionCursor cursor{query.key_marker, 0};
  if (query.version_id_marker) {
    auto seq = index_->version_seq(bucket, query.key_marker, *query.version_id_marker);
    if (!seq) return Unexpected(seq.error());
    if (!*seq) return Unexpected(StoreError::kInvalidVersionId);
    cursor.seq = **seq;
  } else if (is_common_prefix(cursor.key, query.prefix, query.delimiter)) {
    cursor.key += kAfterAllBelow;
  }

  size_t entries = 0;
  for (;;) {
    auto rows = index_->list_versions(bucket, query.prefix, cursor, kScanRows);
    if (!rows) return Unexpected(rows.error());
    bool rescan = false;
    for (auto& row : *rows) {
      cursor = VersionCursor{row.version.key, row.seq};
      if (entries == query.max_keys) {
        listing.truncated = true;
        return listing;
      }
      ++entries;
      if (auto rolled = common_prefix(row.version.key, query.prefix, query.delimiter)) {
        listing.next_key_marker = *rolled;
        listing.next_version_id_marker.clear();
        listing.common_prefixes.push_back(*rolled);
        cursor = VersionCursor{*rolled + std::string(kAfterAllBelow), 0};
        rescan = true;
        break;
      }
      listing.next_key_marker = row.version.key;
      listing.next_version_id_marker = row.version.version_id;
      listing.versions.push_back(std::move(row.version));
    }
    if (!rescan && rows->size() < kScanRows) return listing;
  }
}

}  // namespace satchel::store
