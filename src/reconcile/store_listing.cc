#include "reconcile/store_listing.h"

#include <charconv>

#include "common/time_format.h"
#include "store/xml_reader.h"

namespace satchel::reconcile {
namespace {

std::string child_text(const store::XmlElement& element, std::string_view name) {
  return std::string(element.child_text(name).value_or(""));
}

// Keys and version ids are read untrimmed, because a key may end in a space.
std::string exact_child_text(const store::XmlElement& element, std::string_view name) {
  const store::XmlElement* child = element.child(name);
  return child ? child->text : std::string();
}

Expected<StoreVersion, std::string> parse_entry(const store::XmlElement& element) {
  StoreVersion version;
  version.is_delete_marker = element.name == "DeleteMarker";
  version.key = exact_child_text(element, "Key");
  version.version_id = exact_child_text(element, "VersionId");
  if (version.key.empty() || version.version_id.empty()) {
    return Unexpected("a " + element.name + " entry has no Key or VersionId");
  }
  version.is_latest = child_text(element, "IsLatest") == "true";
  auto modified = parse_iso8601(child_text(element, "LastModified"));
  if (!modified) {
    return Unexpected("the " + element.name + " entry of " + version.key +
                      " has no valid LastModified");
  }
  version.last_modified = *modified;
  if (version.is_delete_marker) return version;
  version.etag = child_text(element, "ETag");
  std::string size = child_text(element, "Size");
  auto [end, error] = std::from_chars(size.data(), size.data() + size.size(), version.size);
  if (size.empty() || error != std::errc{} || end != size.data() + size.size()) {
    return Unexpected("the Version entry of " + version.key + " has no valid Size");
  }
  return version;
}

}  // namespace

Expected<StoreVersionPage, std::string> parse_list_versions(std::string_view document) {
  std::optional<store::XmlElement> root = store::parse_xml(document);
  if (!root) return Unexpected(std::string("the ListObjectVersions reply is not valid XML"));
  if (root->name != "ListVersionsResult") {
    return Unexpected("the ListObjectVersions reply has root element " + root->name +
                      ", not ListVersionsResult");
  }
  StoreVersionPage page;
  // Version and DeleteMarker entries are interleaved in listing order, so
  // they are read in one pass over the children.
  for (const store::XmlElement& child : root->children) {
    if (child.name == "Version" || child.name == "DeleteMarker") {
      auto version = parse_entry(child);
      if (!version) return Unexpected(version.error());
      page.versions.push_back(std::move(*version));
    } else if (child.name == "CommonPrefixes") {
      page.common_prefixes.push_back(exact_child_text(child, "Prefix"));
    }
  }
  page.is_truncated = child_text(*root, "IsTruncated") == "true";
  page.next_key_marker = exact_child_text(*root, "NextKeyMarker");
  page.next_version_id_marker = exact_child_text(*root, "NextVersionIdMarker");
  if (page.is_truncated && page.next_key_marker.empty()) {
    return Unexpected(std::string("a truncated ListObjectVersions reply has no NextKeyMarker"));
  }
  return page;
}

bool is_unversioned_id(std::string_view version_id) {
  return version_id.empty() || version_id == "null";
}

}  // namespace satchel::reconcile
