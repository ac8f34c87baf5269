// Parsing the small XML documents of the S3 protocol into a tree, with Expat:
// request bodies the embedded store reads (CompleteMultipartUpload, Delete,
// configuration documents) and replies the API and the CLI read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace satchel::s3 {

// An element of a parsed document. Names are local names: a namespace
// prefix ("s3:Part") is dropped, because S3 matches elements by local name.
struct XmlElement {
  std::string name;
  // The character data directly inside this element, concatenated.
  std::string text;
  std::vector<XmlElement> children;

  // The first child with this name, or nullptr.
  const XmlElement* child(std::string_view child_name) const;
  // Every child with this name, in document order.
  std::vector<const XmlElement*> children_named(std::string_view child_name) const;
  // The text of the first child with this name, XML whitespace trimmed, or nullopt without one.
  std::optional<std::string_view> child_text(std::string_view child_name) const;
};

inline constexpr size_t kMaxXmlDepth = 32;

// Parses a whole document and returns its root element. Returns nullopt for
// malformed XML, a document type declaration (which rules out every entity
// beyond the five predefined ones), or nesting deeper than kMaxXmlDepth.
std::optional<XmlElement> parse_xml(std::string_view document);

// Text with leading and trailing XML whitespace removed.
std::string_view trim_xml_space(std::string_view text);

// A decimal integer that fills the whole text, or nullopt.
std::optional<int64_t> parse_xml_integer(std::string_view text);

}  // namespace satchel::s3
