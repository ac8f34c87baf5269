#include "store/listing_xml.h"

#include "common/encoding.h"
#include "common/time_format.h"
#include "store/s3_xml.h"

namespace satchel::store {
namespace {

constexpr std::string_view kOwnerId = "satchel";
constexpr std::string_view kStorageClass = "STANDARD";

std::string encoded(const ListingEcho& echo, std::string_view text) {
  return echo.url_encoding ? uri_encode(text, true) : std::string(text);
}

std::string quoted(std::string_view etag) { return "\"" + std::string(etag) + "\""; }

void write_owner(XmlWriter& xml, std::string_view element = "Owner") {
  xml.open(element);
  xml.element("ID", kOwnerId);
  xml.element("DisplayName", kOwnerId);
  xml.close(element);
}

// Name, Prefix, Delimiter, MaxKeys and EncodingType, shared by the object
// and version listings.
void write_echo(XmlWriter& xml, const ListingEcho& echo) {
  xml.element("Name", echo.bucket);
  xml.element("Prefix", encoded(echo, echo.prefix));
  if (!echo.delimiter.empty()) xml.element("Delimiter", encoded(echo, echo.delimiter));
  xml.element("MaxKeys", std::to_string(echo.max_keys));
  if (echo.url_encoding) xml.element("EncodingType", "url");
}

void write_common_prefixes(XmlWriter& xml, const ListingEcho& echo,
                           const std::vector<std::string>& prefixes) {
  for (const auto& prefix : prefixes) {
    xml.open("CommonPrefixes");
    xml.element("Prefix", encoded(echo, prefix));
    xml.close("CommonPrefixes");
  }
}

void write_checksum_algorithm(XmlWriter& xml, const std::optional<StoredChecksum>& checksum) {
  if (!checksum) return;
  xml.element("ChecksumAlgorithm", checksum_name(checksum->algorithm));
  xml.element("ChecksumType", checksum_type_name(checksum->type));
}

void write_contents(XmlWriter& xml, const ListingEcho& echo, const ObjectVersion& object,
                    bool owner) {
  xml.open("Contents");
  xml.element("Key", encoded(echo, object.key));
  xml.element("LastModified", format_iso8601(object.last_modified));
  xml.element("ETag", quoted(object.etag));
  write_checksum_algorithm(xml, object.checksum);
  xml.element("Size", std::to_string(object.size));
  xml.element("StorageClass", kStorageClass);
  if (owner) write_owner(xml);
  xml.close("Contents");
}

}  // namespace

std::string list_objects_v2_document(const ListingEcho& echo, const ListV2Echo& v2,
                                     const ObjectListing& listing) {
  XmlWriter xml("ListBucketResult");
  write_echo(xml, echo);
  xml.element("KeyCount", std::to_string(listing.objects.size() + listing.common_prefixes.size()));
  xml.element("IsTruncated", listing.truncated ? "true" : "false");
  if (v2.continuation_token) xml.element("ContinuationToken", *v2.continuation_token);
  if (v2.next_continuation_token) {
    xml.element("NextContinuationToken", *v2.next_continuation_token);
  }
  if (v2.start_after) xml.element("StartAfter", encoded(echo, *v2.start_after));
  for (const auto& object : listing.objects) write_contents(xml, echo, object, v2.fetch_owner);
  write_common_prefixes(xml, echo, listing.common_prefixes);
  return xml.finish();
}

std::string list_objects_v1_document(const ListingEcho& echo, std::string_view marker,
                                     const ObjectListing& listing) {
  XmlWriter xml("ListBucketResult");
  write_echo(xml, echo);
  xml.element("Marker", encoded(echo, marker));
  if (listing.truncated && !echo.delimiter.empty()) {
    xml.element("NextMarker", encoded(echo, listing.next_marker));
  }
  xml.element("IsTruncated", listing.truncated ? "true" : "false");
  for (const auto& object : listing.objects) write_contents(xml, echo, object, true);
  write_common_prefixes(xml, echo, listing.common_prefixes);
  return xml.finish();
}

std::string list_versions_document(const ListingEcho& echo, std::string_view key_marker,
                                   std::string_view version_id_marker,
                                   const VersionListing& listing) {
  XmlWriter xml("ListVersionsResult");
  write_echo(xml, echo);
  xml.element("KeyMarker", encoded(echo, key_marker));
  xml.element("VersionIdMarker", version_id_marker);
  xml.element("IsTruncated", listing.truncated ? "true" : "false");
  if (listing.truncated) {
    xml.element("NextKeyMarker", encoded(echo, listing.next_key_marker));
    if (!listing.next_version_id_marker.empty()) {
      xml.element("NextVersionIdMarker", listing.next_version_id_marker);
    }
  }
  for (const auto& version : listing.versions) {
    std::string_view element = version.delete_marker ? "DeleteMarker" : "Version";
    xml.open(element);
    xml.element("Key", encoded(echo, version.key));
    xml.element("VersionId", version.version_id);
    xml.element("IsLatest", version.is_latest ? "true" : "false");
    xml.element("LastModified", format_iso8601(version.last_modified));
    if (!version.delete_marker) {
      xml.element("ETag", quoted(version.etag));
      write_checksum_algorithm(xml, version.checksum);
      xml.element("Size", std::to_string(version.size));
      xml.element("StorageClass", kStorageClass);
    }
    write_owner(xml);
    xml.close(element);
  }
  write_common_prefixes(xml, echo, listing.common_prefixes);
  return xml.finish();
}

std::string list_uploads_document(const ListingEcho& echo, std::string_view key_marker,
                                  std::string_view upload_id_marker, const UploadListing& listing) {
  XmlWriter xml("ListMultipartUploadsResult");
  xml.element("Bucket", echo.bucket);
  xml.element("KeyMarker", encoded(echo, key_marker));
  xml.element("UploadIdMarker", upload_id_marker);
  if (listing.truncated) {
    xml.element("NextKeyMarker", encoded(echo, listing.next_key_marker));
    xml.element("NextUploadIdMarker", listing.next_upload_id_marker);
  }
  xml.element("Prefix", encoded(echo, echo.prefix));
  if (!echo.delimiter.empty()) xml.element("Delimiter", encoded(echo, echo.delimiter));
  xml.element("MaxUploads", std::to_string(echo.max_keys));
  xml.element("IsTruncated", listing.truncated ? "true" : "false");
  if (echo.url_encoding) xml.element("EncodingType", "url");
  for (const auto& upload : listing.uploads) {
    xml.open("Upload");
    xml.element("Key", encoded(echo, upload.key));
    xml.element("UploadId", upload.upload_id);
    write_owner(xml, "Initiator");
    write_owner(xml);
    xml.element("StorageClass", kStorageClass);
    xml.element("Initiated", format_iso8601(upload.initiated));
    if (upload.checksum_algorithm) {
      xml.element("ChecksumAlgorithm", checksum_name(*upload.checksum_algorithm));
      xml.element("ChecksumType", checksum_type_name(upload.checksum_type));
    }
    xml.close("Upload");
  }
  write_common_prefixes(xml, echo, listing.common_prefixes);
  return xml.finish();
}

std::string list_parts_document(const PartListing& listing, int part_number_marker,
                                size_t max_parts) {
  const MultipartUpload& upload = listing.upload;
  XmlWriter xml("ListPartsResult");
  xml.element("Bucket", upload.bucket);
  xml.element("Key", upload.key);
  xml.element("UploadId", upload.upload_id);
  write_owner(xml, "Initiator");
  write_owner(xml);
  xml.element("StorageClass", kStorageClass);
  xml.element("PartNumberMarker", std::to_string(part_number_marker));
  xml.element("NextPartNumberMarker", std::to_string(listing.next_part_number_marker));
  xml.element("MaxParts", std::to_string(max_parts));
  xml.element("IsTruncated", listing.truncated ? "true" : "false");
  if (upload.checksum_algorithm) {
    xml.element("ChecksumAlgorithm", checksum_name(*upload.checksum_algorithm));
    xml.element("ChecksumType", checksum_type_name(upload.checksum_type));
  }
  for (const auto& part : listing.parts) {
    xml.open("Part");
    xml.element("PartNumber", std::to_string(part.part_number));
    xml.element("LastModified", format_iso8601(part.last_modified));
    xml.element("ETag", quoted(part.etag));
    xml.element("Size", std::to_string(part.size));
    if (upload.checksum_algorithm && !part.checksum.empty()) {
      xml.element(checksum_element(*upload.checksum_algorithm), part.checksum);
    }
    xml.close("Part");
  }
  return xml.finish();
}

}  // namespace satchel::store
