#include "store/bucket_encryption.h"

#include "s3/xml_reader.h"
#include "store/s3_xml.h"

namespace satchel::store {
Expected<BucketEncryption, DocumentError> parse_encryption_document(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "ServerSideEncryptionConfiguration")
    return Unexpected(kMalformedDocument);
  auto rules = root->children_named("Rule");
  if (rules.size() != 1) return Unexpected(kMalformedDocument);
  const s3::XmlElement& rule = *rules.front();
  const s3::XmlElement* apply = rule.child("ApplyServerSideEncryptionByDefault");
  const s3::XmlElement* algorithm = apply ? apply->child("SSEAlgorithm") : nullptr;
  if (!algorithm) return Unexpected(kMalformedDocument);

  std::string_view name = s3::trim_xml_space(algorithm->text);
  if (name == "aws:kms" || name == "aws:kms:dsse") {
    return Unexpected(DocumentError{
        "NotImplemented",
        "The embedded store encrypts every object with SSE-S3 (AES256) under its own master "
        "key; SSE-KMS default encryption is not supported.",
        http::Status::not_implemented});
  }
  if (name != "AES256") return Unexpected(kMalformedDocument);
  if (apply->child("KMSMasterKeyID")) {
    return Unexpected(DocumentError{
        "InvalidArgument",
        "A KMSMasterKeyID is not applicable if the default SSE algorithm is not aws:kms."});
  }

  BucketEncryption encryption;
  if (const s3::XmlElement* bucket_key = rule.child("BucketKeyEnabled")) {
    std::string_view text = s3::trim_xml_space(bucket_key->text);
    if (text != "true" && text != "false") return Unexpected(kMalformedDocument);
    encryption.bucket_key_enabled = text == "true";
  }
  return encryption;
}

std::string encryption_document(const BucketEncryption& encryption) {
  XmlWriter writer("ServerSideEncryptionConfiguration");
  writer.open("Rule");
  writer.open("ApplyServerSideEncryptionByDefault");
  writer.element("SSEAlgorithm", "AES256");
  writer.close("ApplyServerSideEncryptionByDefault");
  writer.element("BucketKeyEnabled", encryption.bucket_key_enabled ? "true" : "false");
  writer.close("Rule");
  return writer.finish();
}

}  // namespace satchel::store
