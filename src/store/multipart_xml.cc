#include "store/multipart_xml.h"

#include <charconv>

#include "s3/xml_reader.h"
#include "store/engine.h"
#include "store/s3_xml.h"

namespace satchel::store {
namespace {

std::optional<int> parse_part_number(std::string_view text) {
  text = s3::trim_xml_space(text);
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < 1 || value > kMaxPartNumber) return std::nullopt;
  return value;
}

std::string unquote(std::string_view etag) {
  etag = s3::trim_xml_space(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

}  // namespace

std::string initiate_upload_document(const MultipartUpload& upload) {
  XmlWriter xml("InitiateMultipartUploadResult");
  xml.element("Bucket", upload.bucket);
  xml.element("Key", upload.key);
  xml.element("UploadId", upload.upload_id);
  return xml.finish();
}

std::string complete_upload_document(std::string_view location, const ObjectVersion& version) {
  XmlWriter xml("CompleteMultipartUploadResult");
  xml.element("Location", location);
  xml.element("Bucket", version.bucket);
  xml.element("Key", version.key);
  xml.element("ETag", "\"" + version.etag + "\"");
  if (version.checksum) {
    xml.element(checksum_element(version.checksum->algorithm), version.checksum->value);
    xml.element("ChecksumType", checksum_type_name(version.checksum->type));
  }
  return xml.finish();
}

std::optional<std::vector<CompletedPart>> parse_complete_document(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "CompleteMultipartUpload") return std::nullopt;
  std::vector<CompletedPart> parts;
  for (const s3::XmlElement* part : root->children_named("Part")) {
    const s3::XmlElement* number = part->child("PartNumber");
    const s3::XmlElement* etag = part->child("ETag");
    if (!number || !etag) return std::nullopt;
    auto parsed = parse_part_number(number->text);
    if (!parsed) return std::nullopt;
    CompletedPart completed{*parsed, unquote(etag->text), std::nullopt};
    for (auto algorithm : kChecksumAlgorithms) {
      if (const s3::XmlElement* checksum = part->child(checksum_element(algorithm))) {
        completed.checksum = std::string(s3::trim_xml_space(checksum->text));
        break;
      }
    }
    parts.push_back(std::move(completed));
  }
  if (parts.empty()) return std::nullopt;
  return parts;
}

}  // namespace satchel::store
