#include "store/s3_xml.h"

#include <cctype>

#include "common/time_format.h"

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

// The text between <name> and </name>, or nullopt. Enough for the flat
// documents S3 clients send; attributes on the element are allowed.
std::optional<std::string_view> element_text(std::string_view body, std::string_view name) {
  std::string open = "<" + std::string(name);
  size_t start = body.find(open);
  while (start != std::string_view::npos) {
    size_t after = start + open.size();
    if (after < body.size() && (body[after] == '>' || body[after] == ' ')) break;
    start = body.find(open, after);
  }
  if (start == std::string_view::npos) return std::nullopt;
  size_t text_start = body.find('>', start);
  if (text_start == std::string_view::npos) return std::nullopt;
  ++text_start;
  size_t end = body.find("</" + std::string(name) + ">", text_start);
  if (end == std::string_view::npos) return std::nullopt;
  return body.substr(text_start, end - text_start);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
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
  if (!element_text(body, "VersioningConfiguration")) return std::nullopt;
  auto status = element_text(body, "Status");
  if (!status) return std::nullopt;
  auto value = trim(*status);
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

}  // namespace satchel::store
