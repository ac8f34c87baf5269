#include "store/form_parser.h"

#include <boost/beast/core/string.hpp>

namespace satchel::store {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kHeaderEnd = "\r\n\r\n";
// RFC 2046 section 5.1.1: 1 to 70 characters.
constexpr size_t kMaxBoundaryLength = 70;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The value of a parameter (name=value or name="value") in a header value
// such as 'form-data; name="key"'. Quoted values may escape '"' and '\'.
std::optional<std::string> header_parameter(std::string_view value, std::string_view name) {
  size_t position = value.find(';');
  while (position != std::string_view::npos) {
    std::string_view rest = trim(value.substr(position + 1));
    size_t equals = rest.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    std::string_view parameter = trim(rest.substr(0, equals));
    std::string_view text = trim(rest.substr(equals + 1));
    std::string parsed;
    size_t consumed = 0;
    if (!text.empty() && text.front() == '"') {
      size_t i = 1;
      for (; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        parsed += text[i];
      }
      if (i >= text.size()) return std::nullopt;
      consumed = i + 1;
    } else {
      consumed = std::min(text.find(';'), text.size());
      parsed = std::string(trim(text.substr(0, consumed)));
    }
    if (boost::beast::iequals(parameter, name)) return parsed;
    size_t next = text.find(';', consumed);
    if (next == std::string_view::npos) return std::nullopt;
    position = static_cast<size_t>(text.data() - value.data()) + next;
  }
  return std::nullopt;
}

struct PartHeaders {
  std::string name;
  std::optional<std::string> file_name;
  std::string content_type;
};

std::optional<PartHeaders> parse_part_headers(std::string_view block) {
  PartHeaders headers;
  bool disposition = false;
  while (!block.empty()) {
    size_t end = block.find(kCrlf);
    std::string_view line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view{} : block.substr(end + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (boost::beast::iequals(name, "Content-Disposition")) {
      if (!boost::beast::iequals(trim(value.substr(0, value.find(';'))), "form-data")) {
        return std::nullopt;
      }
      auto field_name = header_parameter(value, "name");
      if (!field_name) return std::nullopt;
      headers.name = std::move(*field_name);
      headers.file_name = header_parameter(value, "filename");
      disposition = true;
    } else if (boost::beast::iequals(name, "Content-Type")) {
      headers.content_type = std::string(value);
    }
  }
  if (!disposition) return std::nullopt;
  return headers;
}

}  // namespace

std::optional<std::string> form_boundary(std::string_view content_type) {
  std::string_view media_type = trim(content_type.substr(0, content_type.find(';')));
  if (!boost::beast::iequals(media_type, "multipart/form-data")) return std::nullopt;
  auto boundary = header_parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > kMaxBoundaryLength) {
    return std::nullopt;
  }
  return boundary;
}

Expected<std::optional<FormHead>, FormError> parse_form_head(std::string_view buffer,
                                                             std::string_view boundary,
                                                             size_t max_head_bytes) {
  const std::string dash_boundary = "--" + std::string(boundary);
  const std::string delimiter = "\r\n" + dash_boundary;
  auto need_more = [&]() -> Expected<std::optional<FormHead>, FormError> {
    if (buffer.size() > max_head_bytes) return Unexpected(FormError::kTooLarge);
    return std::optional<FormHead>();
  };

  // The first boundary may follow a preamble, which is ignored.
  size_t position = 0;
  if (buffer.substr(0, dash_boundary.size()) != dash_boundary) {
    size_t found = buffer.find(delimiter);
    if (found == std::string_view::npos) return need_more();
    position = found + 2;
  }
  position += dash_boundary.size();

  FormHead head;
  for (;;) {
    // After a boundary: CRLF before another part, or "--" at the end.
    if (buffer.size() < position + 2) return need_more();
    if (buffer.substr(position, 2) == "--") return Unexpected(FormError::kNoFile);
    if (buffer.substr(position, 2) != kCrlf) return Unexpected(FormError::kMalformed);
    position += 2;

    size_t headers_end = buffer.find(kHeaderEnd, position);
    if (headers_end == std::string_view::npos) return need_more();
    auto part = parse_part_headers(buffer.substr(position, headers_end - position));
    if (!part) return Unexpected(FormError::kMalformed);
    position = headers_end + kHeaderEnd.size();

    if (part->name == "file") {
      head.file_name = part->file_name.value_or("");
      head.file_content_type = std::move(part->content_type);
      head.file_offset = position;
      return std::optional<FormHead>(std::move(head));
    }
    size_t value_end = buffer.find(delimiter, position);
    if (value_end == std::string_view::npos) return need_more();
    head.fields.push_back(s3::FormField{
        std::move(part->name), std::string(buffer.substr(position, value_end - position))});
    position = value_end + delimiter.size();
  }
}

FormFileScanner::FormFileScanner(std::string_view boundary)
    : delimiter_("\r\n--" + std::string(boundary)) {}

FormFileScanner::Output FormFileScanner::feed(std::string_view input) {
  if (done_) return {{}, true};
  // The bytes held back by the previous call were returned as a view into
  // buffer_, so they are dropped only now.
  buffer_.erase(0, buffer_.size() - held_back_);
  buffer_.append(input);
  size_t found = buffer_.find(delimiter_);
  if (found != std::string::npos) {
    done_ = true;
    held_back_ = 0;
    return {std::string_view(buffer_).substr(0, found), true};
  }
  held_back_ = std::min(buffer_.size(), delimiter_.size() - 1);
  return {std::string_view(buffer_).substr(0, buffer_.size() - held_back_), false};
}

}  // namespace satchel::store
