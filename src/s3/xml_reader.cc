#include "s3/xml_reader.h"

#include <expat.h>

#include <charconv>
#include <limits>
#include <memory>

namespace satchel::s3 {
namespace {

// Builds the tree from Expat's callbacks. stack_ contains the open elements,
// innermost last; each points into its parent's children vector, which is
// not resized while the pointer is in use because only the innermost
// element gains children.
class TreeBuilder {
 public:
  explicit TreeBuilder(XML_Parser parser) : parser_(parser) {}

  void start(const XML_Char* name) {
    if (stack_.size() >= kMaxXmlDepth || (stack_.empty() && root_)) {
      stop();
      return;
    }
    XmlElement element;
    element.name = local_name(name);
    if (stack_.empty()) {
      root_ = std::move(element);
      stack_.push_back(&*root_);
    } else {
      stack_.back()->children.push_back(std::move(element));
      stack_.push_back(&stack_.back()->children.back());
    }
  }

  void end() {
    if (!stack_.empty()) stack_.pop_back();
  }

  void text(const XML_Char* data, int length) {
    if (!stack_.empty()) stack_.back()->text.append(data, static_cast<size_t>(length));
  }

  void stop() {
    failed_ = true;
    XML_StopParser(parser_, XML_FALSE);
  }

  bool failed() const { return failed_; }
  std::optional<XmlElement> take_root() { return std::move(root_); }

 private:
  static std::string local_name(std::string_view name) {
    size_t colon = name.rfind(':');
    return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
  }

  XML_Parser parser_;
  std::optional<XmlElement> root_;
  std::vector<XmlElement*> stack_;
  bool failed_ = false;
};

struct ParserFree {
  void operator()(XML_ParserStruct* parser) const { XML_ParserFree(parser); }
};

}  // namespace

const XmlElement* XmlElement::child(std::string_view child_name) const {
  for (const auto& element : children) {
    if (element.name == child_name) return &element;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::children_named(std::string_view child_name) const {
  std::vector<const XmlElement*> found;
  for (const auto& element : children) {
    if (element.name == child_name) found.push_back(&element);
  }
  return found;
}

std::optional<std::string_view> XmlElement::child_text(std::string_view child_name) const {
  const XmlElement* element = child(child_name);
  if (!element) return std::nullopt;
  return trim_xml_space(element->text);
}

std::string_view trim_xml_space(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

std::optional<int64_t> parse_xml_integer(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<XmlElement> parse_xml(std::string_view document) {
  if (document.size() > static_cast<size_t>(std::numeric_limits<int>::max())) return std::nullopt;
  std::unique_ptr<XML_ParserStruct, ParserFree> parser(XML_ParserCreate("UTF-8"));
  if (!parser) return std::nullopt;
  TreeBuilder builder(parser.get());
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(
      parser.get(),
      [](void* data, const XML_Char* name, const XML_Char**) {
        static_cast<TreeBuilder*>(data)->start(name);
      },
      [](void* data, const XML_Char*) { static_cast<TreeBuilder*>(data)->end(); });
  XML_SetCharacterDataHandler(parser.get(), [](void* data, const XML_Char* text, int length) {
    static_cast<TreeBuilder*>(data)->text(text, length);
  });
  // No client has a reason to send a DTD, and refusing one rules out entity
  // expansion attacks and external entities.
  XML_SetStartDoctypeDeclHandler(
      parser.get(), [](void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
        static_cast<TreeBuilder*>(data)->stop();
      });
  auto status =
      XML_Parse(parser.get(), document.data(), static_cast<int>(document.size()), XML_TRUE);
  if (status != XML_STATUS_OK || builder.failed()) return std::nullopt;
  return builder.take_root();
}

}  // namespace satchel::s3
