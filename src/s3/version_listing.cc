#include "s3/version_listing.h"

#include <expat.h>

#include <charconv>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time_format.h"

namespace satchel::s3 {
namespace {

// The text of the child elements of one element, by local name. Only the first child of each
// name counts, and the text is kept untrimmed, because a key may end in a space.
using ChildTexts = std::map<std::string, std::string, std::less<>>;

std::string_view trim_xml_space(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

std::string exact_text(const ChildTexts& children, std::string_view name) {
  auto found = children.find(name);
  return found == children.end() ? std::string() : found->second;
}

std::string trimmed_text(const ChildTexts& children, std::string_view name) {
  return std::string(trim_xml_space(exact_text(children, name)));
}

Expected<StoreVersion, std::string> parse_entry(const std::string& element,
                                                const ChildTexts& children) {
  StoreVersion version;
  version.is_delete_marker = element == "DeleteMarker";
  version.key = exact_text(children, "Key");
  version.version_id = exact_text(children, "VersionId");
  if (version.key.empty() || version.version_id.empty()) {
    return Unexpected("a " + element + " entry has no Key or VersionId");
  }
  version.is_latest = trimmed_text(children, "IsLatest") == "true";
  auto modified = parse_iso8601(trimmed_text(children, "LastModified"));
  if (!modified) {
    return Unexpected("the " + element + " entry of " + version.key + " has no valid LastModified");
  }
  version.last_modified = *modified;
  if (version.is_delete_marker) return version;
  version.etag = trimmed_text(children, "ETag");
  std::string size = trimmed_text(children, "Size");
  auto [end, error] = std::from_chars(size.data(), size.data() + size.size(), version.size);
  if (size.empty() || error != std::errc{} || end != size.data() + size.size()) {
    return Unexpected("the Version entry of " + version.key + " has no valid Size");
  }
  return version;
}

// Builds a StoreVersionPage from Expat's callbacks without keeping a tree. The elements that
// matter are the root's children and the children of Version, DeleteMarker and CommonPrefixes,
// so only the open elements and the children of the current entry are kept.
class ListingBuilder {
 public:
  explicit ListingBuilder(XML_Parser parser) : parser_(parser) {}

  void start(std::string_view qualified_name) {
    if (open_.size() >= kMaxVersionListingDepth) {
      stop();
      return;
    }
    open_.push_back({local_name(qualified_name), {}});
    if (open_.size() == 1) root_name_ = open_.back().name;
    if (open_.size() == 2) entry_children_.clear();
  }

  void end() {
    if (open_.empty()) return;
    OpenElement element = std::move(open_.back());
    open_.pop_back();
    if (open_.size() == 2) {
      entry_children_.emplace(std::move(element.name), std::move(element.text));
    } else if (open_.size() == 1) {
      finish_root_child(std::move(element));
    }
  }

  void text(const XML_Char* data, int length) {
    if (!open_.empty()) open_.back().text.append(data, static_cast<size_t>(length));
  }

  // Stops the parse as malformed.
  void stop() {
    rejected_ = true;
    XML_StopParser(parser_, XML_FALSE);
  }

  bool rejected() const { return rejected_; }

  Expected<StoreVersionPage, std::string> take_page() {
    if (root_name_ != "ListVersionsResult") {
      return Unexpected("the ListObjectVersions reply has root element " + root_name_ +
                        ", not ListVersionsResult");
    }
    if (entry_error_) return Unexpected(std::move(*entry_error_));
    page_.is_truncated = trimmed_text(root_children_, "IsTruncated") == "true";
    page_.next_key_marker = exact_text(root_children_, "NextKeyMarker");
    page_.next_version_id_marker = exact_text(root_children_, "NextVersionIdMarker");
    if (page_.is_truncated && page_.next_key_marker.empty()) {
      return Unexpected(std::string("a truncated ListObjectVersions reply has no NextKeyMarker"));
    }
    return std::move(page_);
  }

 private:
  struct OpenElement {
    std::string name;
    // The character data directly inside this element.
    std::string text;
  };

  static std::string local_name(std::string_view name) {
    size_t colon = name.rfind(':');
    return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
  }

  // Version and DeleteMarker entries are interleaved in listing order, so each is added to the
  // page as it closes.
  void finish_root_child(OpenElement element) {
    if (element.name == "Version" || element.name == "DeleteMarker") {
      if (entry_error_) return;
      auto version = parse_entry(element.name, entry_children_);
      if (!version) {
        entry_error_ = std::move(version.error());
        return;
      }
      page_.versions.push_back(std::move(*version));
    } else if (element.name == "CommonPrefixes") {
      page_.common_prefixes.push_back(exact_text(entry_children_, "Prefix"));
    } else {
      root_children_.emplace(std::move(element.name), std::move(element.text));
    }
  }

  XML_Parser parser_;
  std::vector<OpenElement> open_;
  std::string root_name_;
  ChildTexts root_children_;
  ChildTexts entry_children_;
  StoreVersionPage page_;
  // The first invalid entry. It is reported only once the whole document parsed, so malformed
  // XML is reported as such.
  std::optional<std::string> entry_error_;
  bool rejected_ = false;
};

struct ParserFree {
  void operator()(XML_ParserStruct* parser) const { XML_ParserFree(parser); }
};

}  // namespace

Expected<StoreVersionPage, std::string> parse_list_versions(std::string_view document) {
  const std::string invalid = "the ListObjectVersions reply is not valid XML";
  if (document.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Unexpected(invalid);
  }
  std::unique_ptr<XML_ParserStruct, ParserFree> parser(XML_ParserCreate("UTF-8"));
  if (!parser) return Unexpected(std::string("cannot create an XML parser: out of memory"));
  ListingBuilder builder(parser.get());
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(
      parser.get(),
      [](void* data, const XML_Char* name, const XML_Char**) {
        static_cast<ListingBuilder*>(data)->start(name);
      },
      [](void* data, const XML_Char*) { static_cast<ListingBuilder*>(data)->end(); });
  XML_SetCharacterDataHandler(parser.get(), [](void* data, const XML_Char* text, int length) {
    static_cast<ListingBuilder*>(data)->text(text, length);
  });
  // A store has no reason to send a DTD, and rejecting one rules out entity expansion and
  // external entities.
  XML_SetStartDoctypeDeclHandler(
      parser.get(), [](void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
        static_cast<ListingBuilder*>(data)->stop();
      });
  auto status =
      XML_Parse(parser.get(), document.data(), static_cast<int>(document.size()), XML_TRUE);
  if (status != XML_STATUS_OK || builder.rejected()) return Unexpected(invalid);
  return builder.take_page();
}

bool is_unversioned_id(std::string_view version_id) {
  return version_id.empty() || version_id == "null";
}

}  // namespace satchel::s3
