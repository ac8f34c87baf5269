// The S3 XML documents the store writes and reads: error bodies, bucket
// documents, and the results of CopyObject, DeleteObjects and POST uploads.
// Kept in the store so it depends on nothing outside the HTTP layer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "store/records.h"

namespace satchel::store {

inline constexpr std::string_view kXmlDeclaration = R"(<?xml version="1.0" encoding="UTF-8"?>)";

// Escapes &, <, >, " and ' for XML text and attribute values, and replaces
// control characters XML 1.0 cannot carry with U+FFFD.
std::string xml_escape(std::string_view text);

// Writes one document: the XML declaration, then the root element (in the
// S3 namespace) and what is added, closed by finish().
class XmlWriter {
 public:
  explicit XmlWriter(std::string_view root);
  // <name>escaped text</name>
  void element(std::string_view name, std::string_view text);
  void open(std::string_view name);
  void close(std::string_view name);
  std::string finish();

 private:
  std::string root_;
  std::string out_;
};

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

// The CopyObjectResult (or CopyPartResult) reply.
std::string copy_result_document(std::string_view root, const std::string& etag,
                                 SystemTime last_modified,
                                 const std::optional<StoredChecksum>& checksum);

// The PostResponse of a POST upload with success_action_status 201.
std::string post_response_document(std::string_view location, std::string_view bucket,
                                   std::string_view key, std::string_view etag);

// An object named in a DeleteObjects request.
struct DeleteTarget {
  std::string key;
  std::optional<std::string> version_id;
};
struct DeleteRequestDocument {
  bool quiet = false;
  std::vector<DeleteTarget> objects;
};
// Reads a Delete document. Returns nullopt unless it is well-formed, names
// 1 to 1000 objects, and each has a Key.
std::optional<DeleteRequestDocument> parse_delete_document(std::string_view body);

// The outcome of one object of a DeleteObjects request.
struct DeleteOutcome {
  DeleteTarget target;
  // Set on failure: the S3 code and message.
  std::string error_code;
  std::string error_message;
  DeleteResult result;
};
// The DeleteResult reply. In quiet mode only the failures are listed.
std::string delete_result_document(const std::vector<DeleteOutcome>& outcomes, bool quiet);

}  // namespace satchel::store
