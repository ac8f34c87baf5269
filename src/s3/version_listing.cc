#include "s3/version_listing.h"

#include <charconv>

#include "common/time_format.h"
#include "s3/xml_reader.h"

namespace satchel::s3 {
namespace {

// The untrimmed text of the named child, or an empty string without one. Keys and version ids
// are read this way, because a key may end in a space.
std::string exact_text(const XmlElement& parent, std::string_view name) {
  const XmlElement* child = parent.child(name);
  return child ? child->text : std::string();
}

std::string trimmed_text(const XmlElement& parent, std::string_view name) {
  return std::string(parent.child_text(name).value_or(std::string_view()));
}

Expected<StoreVersion, std::string> parse_entry(const XmlElement& entry) {
  StoreVersion version;
  version.is_delete_marker = entry.name == "DeleteMarker";
  version.key = exact_text(entry, "Key");
  version.version_id = exact_text(entry, "VersionId");
  if (version.key.empty() || version.version_id.empty()) {
    return Unexpected("a " + entry.name + " entry has no Key or VersionId");
  }
  version.is_latest = trimmed_text(entry, "IsLatest") == "true";
  auto modified = parse_iso8601(trimmed_text(entry, "LastModified"));
  if (!modified) {
    return Unexpected("the " + entry.name + " entry of " + version.key +
                      " has no valid LastModified");
  }
  version.last_modified = *modified;
  if (version.is_delete_marker) return version;
  version.etag = trimmed_text(entry, "ETag");
  std::string size = trimmed_text(entry, "Size");
  auto [end, error] = std::from_chars(size.data(), size.data() + size.size(), version.size);
  if (size.empty() || error != std::errc{} || end != size.data() + size.size()) {
    return Unexpected("the Version entry of " + version.key + " has no valid Size");
  }
  return version;
}

}  // namespace

Expected<StoreVersionPage, std::string> parse_list_versions(std::string_view document) {
  std::optional<XmlElement> root = parse_xml(document);
  if (!root) return Unexpected(std::string("the ListObjectVersions reply is not valid XML"));
  if (root->name != "ListVersionsResult") {
    return Unexpected("the ListObjectVersions reply has root element " + root->name +
                      ", not ListVersionsResult");
  }

  // Version and DeleteMarker entries are interleaved in listing order.
  StoreVersionPage page;
  for (const XmlElement& child : root->children) {
    if (child.name == "Version" || child.name == "DeleteMarker") {
      auto version = parse_entry(child);
      if (!version) return Unexpected(std::move(version.error()));
      page.versions.push_back(std::move(*version));
    } else if (child.name == "CommonPrefixes") {
      page.common_prefixes.push_back(exact_text(child, "Prefix"));
    }
  }
  page.is_truncated = trimmed_text(*root, "IsTruncated") == "true";
  page.next_key_marker = exact_text(*root, "NextKeyMarker");
  page.next_version_id_marker = exact_text(*root, "NextVersionIdMarker");
  if (page.is_truncated && page.next_key_marker.empty()) {
    return Unexpected(std::string("a truncated ListObjectVersions reply has no NextKeyMarker"));
  }
  return page;
}

bool is_unversioned_id(std::string_view version_id) {
  return version_id.empty() || version_id == "null";
}

}  // namespace satchel::s3
