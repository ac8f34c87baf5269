// The S3 XML documents the store writes and reads: error bodies and the
// versioning configuration. Kept in the store so it depends on nothing
// outside the HTTP layer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.h"

namespace satchel::store {

inline constexpr std::string_view kXmlDeclaration = R"(<?xml version="1.0" encoding="UTF-8"?>)";

// Escapes &, <, >, " and ' for XML text and attribute values, and replaces
// control characters XML 1.0 cannot carry with U+FFFD.
std::string xml_escape(std::string_view text);

// <Error><Code/><Message/><Resource/><RequestId/></Error>
std::string error_document(std::string_view code, std::string_view message,
                           std::string_view resource, std::string_view request_id);

// The GetBucketVersioning reply. An unversioned bucket has no Status.
std::string versioning_document(Versioning versioning);

// Reads Status from a PutBucketVersioning body. Returns nullopt unless the
// body is a VersioningConfiguration whose Status is Enabled or Suspended.
std::optional<Versioning> parse_versioning_document(std::string_view body);

// The ListBuckets reply. Every bucket belongs to the store's one owner.
std::string list_buckets_document(const std::vector<BucketInfo>& buckets);

// The GetBucketLocation reply: empty for us-east-1, as S3 returns it.
std::string location_document(std::string_view region);

}  // namespace satchel::store
