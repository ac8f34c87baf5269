// The XML replies of the listing operations: ListObjects (V1 and V2),
// ListObjectVersions, ListMultipartUploads and ListParts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/records.h"

namespace satchel::store {

// The request parameters echoed in a listing reply. With url_encoding
// (encoding-type=url), keys, prefixes, delimiters and markers are
// percent-encoded, '/' excepted, as S3 does.
struct ListingEcho {
  std::string_view bucket;
  std::string_view prefix;
  std::string_view delimiter;
  size_t max_keys = 1000;
  bool url_encoding = false;
};

struct ListV2Echo {
  std::optional<std::string_view> continuation_token;
  std::optional<std::string_view> start_after;
  // Set when the listing is truncated.
  std::optional<std::string> next_continuation_token;
  bool fetch_owner = false;
};

std::string list_objects_v2_document(const ListingEcho& echo, const ListV2Echo& v2,
                                     const ObjectListing& listing);
// V1 returns NextMarker only when a delimiter was sent, as S3 does.
std::string list_objects_v1_document(const ListingEcho& echo, std::string_view marker,
                                     const ObjectListing& listing);

std::string list_versions_document(const ListingEcho& echo, std::string_view key_marker,
                                   std::string_view version_id_marker,
                                   const VersionListing& listing);

std::string list_uploads_document(const ListingEcho& echo, std::string_view key_marker,
                                  std::string_view upload_id_marker, const UploadListing& listing);

std::string list_parts_document(const PartListing& listing, int part_number_marker,
                                size_t max_parts);

}  // namespace satchel::store
