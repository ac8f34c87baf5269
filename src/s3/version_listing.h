// The object versions of a bucket as ListObjectVersions reports them, parsed from its
// ListVersionsResult XML document.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"

namespace satchel::s3 {

// One entry of a ListObjectVersions page: a version with bytes, or a delete marker.
struct StoreVersion {
  std::string key;
  // "null" (as S3 reports it) for a version written while versioning was off.
  std::string version_id;
  bool is_latest = false;
  bool is_delete_marker = false;
  // Size and ETag are 0 and empty for a delete marker.
  std::uint64_t size = 0;
  std::string etag;
  SystemTime last_modified{};

  bool operator==(const StoreVersion&) const = default;
};

// One page of ListObjectVersions. Versions come ordered by key bytes, and the versions of one
// key newest first, so a key's versions may continue on the next page.
struct StoreVersionPage {
  std::vector<StoreVersion> versions;
  // The CommonPrefixes of a listing with a delimiter.
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;
};

// Parses a ListVersionsResult document. Fails with a message for malformed XML, a document type
// declaration, nesting deeper than kMaxXmlDepth (xml_reader.h), another root element, or an entry
// without Key, VersionId or a valid LastModified and Size.
Expected<StoreVersionPage, std::string> parse_list_versions(std::string_view document);

// Whether a version id names a version written while versioning was off, which a delete
// removes for good.
bool is_unversioned_id(std::string_view version_id);

}  // namespace satchel::s3
