#include "store/s3_xml.h"

#include <cctype>

#include "common/time_format.h"
#include "s3/xml_reader.h"

namespace satchel::store {
namespace {

constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
constexpr std::string_view kOwnerId = "satchel";
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

void append_element(std::string& out, std::string_view name, std::string_view text) {
  out += '<';
  out += name;
  out += '>';
  out += xml_escape(text);
  out += "</";
  out += name;
  out += '>';
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += kReplacementCharacter;
        } else {
          out += c;
        }
    }
  }
  return out;
}

XmlWriter::XmlWriter(std::string_view root) : root_(root), out_(kXmlDeclaration) {
  out_ += "\n<";
  out_ += root;
  out_ += " xmlns=\"";
  out_ += kS3Namespace;
  out_ += "\">";
}

void XmlWriter::element(std::string_view name, std::string_view text) {
  append_element(out_, name, text);
}

void XmlWriter::open(std::string_view name) {
  out_ += '<';
  out_ += name;
  out_ += '>';
}

void XmlWriter::close(std::string_view name) {
  out_ += "</";
  out_ += name;
  out_ += '>';
}

std::string XmlWriter::finish() {
  close(root_);
  return std::move(out_);
}

std::string error_document(std::string_view code, std::string_view message,
                           std::string_view resource, std::string_view request_id) {
  std::string out(kXmlDeclaration);
  out += "\n<Error>";
  append_element(out, "Code", code);
  append_element(out, "Message", message);
  append_element(out, "Resource", resource);
  append_element(out, "RequestId", request_id);
  out += "</Error>";
  return out;
}

std::string versioning_document(Versioning versioning) {
  std::string out(kXmlDeclaration);
  out += "\n<VersioningConfiguration xmlns=\"";
  out += kS3Namespace;
  out += "\">";
  if (versioning == Versioning::kEnabled) append_element(out, "Status", "Enabled");
  if (versioning == Versioning::kSuspended) append_element(out, "Status", "Suspended");
  out += "</VersioningConfiguration>";
  return out;
}

std::optional<Versioning> parse_versioning_document(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "VersioningConfiguration") return std::nullopt;
  const s3::XmlElement* status = root->child("Status");
  if (!status) return std::nullopt;
  auto value = s3::trim_xml_space(status->text);
  if (value == "Enabled") return Versioning::kEnabled;
  if (value == "Suspended") return Versioning::kSuspended;
  return std::nullopt;
}

std::string list_buckets_document(const std::vector<BucketInfo>& buckets) {
  std::string out(kXmlDeclaration);
  out += "\n<ListAllMyBucketsResult xmlns=\"";
  out += kS3Namespace;
  out += "\"><Owner>";
  append_element(out, "ID", kOwnerId);
  append_element(out, "DisplayName", kOwnerId);
  out += "</Owner><Buckets>";
  for (const auto& bucket : buckets) {
    out += "<Bucket>";
    append_element(out, "Name", bucket.name);
    append_element(out, "CreationDate", format_iso8601(bucket.created_at));
    out += "</Bucket>";
  }
  out += "</Buckets></ListAllMyBucketsResult>";
  return out;
}

std::string location_document(std::string_view region) {
  std::string out(kXmlDeclaration);
  out += "\n<LocationConstraint xmlns=\"";
  out += kS3Namespace;
  out += "\">";
  if (region != "us-east-1") out += xml_escape(region);
  out += "</LocationConstraint>";
  return out;
}

std::string copy_result_document(std::string_view root, const std::string& etag,
                                 SystemTime last_modified,
                                 const std::optional<StoredChecksum>& checksum) {
  XmlWriter xml(root);
  xml.element("LastModified", format_iso8601(last_modified));
  xml.element("ETag", "\"" + etag + "\"");
  if (checksum) xml.element(checksum_element(checksum->algorithm), checksum->value);
  return xml.finish();
}

std::string post_response_document(std::string_view location, std::string_view bucket,
                                   std::string_view key, std::string_view etag) {
  XmlWriter xml("PostResponse");
  xml.element("Location", location);
  xml.element("Bucket", bucket);
  xml.element("Key", key);
  xml.element("ETag", "\"" + std::string(etag) + "\"");
  return xml.finish();
}

std::optional<DeleteRequestDocument> parse_delete_document(std::string_view body) {
  constexpr size_t kMaxDeleteObjects = 1000;
  auto root = s3::parse_xml(body);
  if (!root || root->name != "Delete") return std::nullopt;
  DeleteRequestDocument document;
  if (const s3::XmlElement* quiet = root->child("Quiet")) {
    document.quiet = s3::trim_xml_space(quiet->text) == "true";
  }
  for (const s3::XmlElement* object : root->children_named("Object")) {
    const s3::XmlElement* key = object->child("Key");
    if (!key) return std::nullopt;
    DeleteTarget target{key->text, std::nullopt};
    if (const s3::XmlElement* version = object->child("VersionId")) {
      target.version_id = std::string(s3::trim_xml_space(version->text));
    }
    document.objects.push_back(std::move(target));
  }
  if (document.objects.empty() || document.objects.size() > kMaxDeleteObjects) return std::nullopt;
  return document;
}

std::string delete_result_document(const std::vector<DeleteOutcome>& outcomes, bool quiet) {
  XmlWriter xml("DeleteResult");
  for (const auto& outcome : outcomes) {
    if (!outcome.error_code.empty()) {
      xml.open("Error");
      xml.element("Key", outcome.target.key);
      if (outcome.target.version_id) xml.element("VersionId", *outcome.target.version_id);
      xml.element("Code", outcome.error_code);
      xml.element("Message", outcome.error_message);
      xml.close("Error");
      continue;
    }
    if (quiet) continue;
    xml.open("Deleted");
    xml.element("Key", outcome.target.key);
    if (outcome.target.version_id) xml.element("VersionId", *outcome.target.version_id);
    if (outcome.result.delete_marker) {
      xml.element("DeleteMarker", "true");
      if (!outcome.target.version_id && outcome.result.version_id != kNullVersionId) {
        xml.element("DeleteMarkerVersionId", outcome.result.version_id);
      }
    }
    xml.close("Deleted");
  }
  return xml.finish();
}

}  // namespace satchel::store
