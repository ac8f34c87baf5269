// The XML documents of multipart upload: the CreateMultipartUpload and
// CompleteMultipartUpload replies, and the CompleteMultipartUpload request.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.h"

namespace satchel::store {

std::string initiate_upload_document(const MultipartUpload& upload);

std::string complete_upload_document(std::string_view location, const ObjectVersion& version);

// Reads the parts of a CompleteMultipartUpload body: PartNumber, ETag
// (quotes removed) and the first Checksum* element, if any. Returns nullopt
// unless the document is well-formed, lists at least one part, and every
// part has a PartNumber from 1 to 10000 and an ETag.
std::optional<std::vector<CompletedPart>> parse_complete_document(std::string_view body);

}  // namespace satchel::store
