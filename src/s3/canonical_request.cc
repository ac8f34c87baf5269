#include "s3/canonical_request.h"

#include <algorithm>

#include "common/encoding.h"

namespace satchel::s3 {
namespace {

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes. Unlike percent_decode, a '%' without two hex digits
// after it stays a literal '%', so any wire text has a canonical form.
std::string decode_lenient(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int high = hex_digit_value(text[i + 1]);
      int low = hex_digit_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

char to_lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = to_lower_ascii(c);
  return out;
}

bool is_header_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Applies RFC 3986 remove_dot_segments and drops empty segments, keeping a
// trailing slash when the input ends in "/", "/." or "/..".
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    bool last = end == path.size();
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (last) trailing_slash = segment.empty() || segment == "." || segment == "..";
    start = end + 1;
  }
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out += '/';
    out += segments[i];
  }
  if (trailing_slash && !segments.empty()) out += '/';
  return out;
}

// Decodes each '/'-separated segment once and encodes it again, so an
// escaped slash (%2F) inside a segment stays escaped.
std::string reencode_segments(std::string_view path) {
  std::string out;
  out.reserve(path.size() + path.size() / 4);
  size_t start = 0;
  while (true) {
    size_t end = path.find('/', start);
    std::string_view segment =
        path.substr(start, end == std::string_view::npos ? end : end - start);
    out += uri_encode(decode_lenient(segment));
    if (end == std::string_view::npos) break;
    out += '/';
    start = end + 1;
  }
  return out;
}

}  // namespace

Target split_target(std::string_view target) {
  size_t question = target.find('?');
  if (question == std::string_view::npos) return {target, {}};
  return {target.substr(0, question), target.substr(question + 1)};
}

std::string canonical_uri(std::string_view path, UriOptions options) {
  if (path.empty()) return "/";
  if (options.normalize_path) {
    std::string normalized = normalize_path(path);
    return options.double_encode ? uri_encode(normalized, true) : reencode_segments(normalized);
  }
  return options.double_encode ? uri_encode(path, true) : reencode_segments(path);
}

std::vector<QueryParameter> canonical_query_parameters(std::string_view query) {
  std::vector<QueryParameter> parameters;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    std::string_view name = pair.substr(0, equals);
    std::string_view value =
        equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
    parameters.push_back({uri_encode(decode_lenient(name)), uri_encode(decode_lenient(value))});
  }
  return parameters;
}

std::string join_query_parameters(std::vector<QueryParameter> parameters) {
  std::sort(parameters.begin(), parameters.end(),
            [](const QueryParameter& a, const QueryParameter& b) {
              return a.name != b.name ? a.name < b.name : a.value < b.value;
            });
  size_t size = 0;
  for (const auto& parameter : parameters)
    size += parameter.name.size() + parameter.value.size() + 2;
  std::string out;
  out.reserve(size);
  for (const auto& parameter : parameters) {
    if (!out.empty()) out += '&';
    out += parameter.name;
    out += '=';
    out += parameter.value;
  }
  return out;
}

std::string canonical_query_string(std::string_view query) {
  return join_query_parameters(canonical_query_parameters(query));
}

std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_header_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

CanonicalHeaders canonical_headers(std::span<const Header> headers) {
  struct Entry {
    std::string name;
    std::string value;
  };
  std::vector<Entry> entries;
  entries.reserve(headers.size());
  for (const Header& header : headers) {
    entries.push_back({to_lower(header.name), canonical_header_value(header.value)});
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.name < b.name; });

  CanonicalHeaders out;
  for (size_t i = 0; i < entries.size(); ++i) {
    bool repeated = i > 0 && entries[i].name == entries[i - 1].name;
    if (repeated) {
      // Replace the previous line's '\n' with the joined value.
      out.lines.pop_back();
      out.lines += ',';
    } else {
      if (!out.signed_headers.empty()) out.signed_headers += ';';
      out.signed_headers += entries[i].name;
      out.lines += entries[i].name;
      out.lines += ':';
    }
    out.lines += entries[i].value;
    out.lines += '\n';
  }
  return out;
}

std::optional<std::string> canonical_header_lines(std::span<const Header> headers,
                                                  std::span<const std::string_view> names) {
  std::string lines;
  for (std::string_view name : names) {
    bool found = false;
    lines += name;
    lines += ':';
    for (const Header& header : headers) {
      if (!equals_ignore_case(header.name, name)) continue;
      if (found) lines += ',';
      lines += canonical_header_value(header.value);
      found = true;
    }
    if (!found) return std::nullopt;
    lines += '\n';
  }
  return lines;
}

std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, std::string_view header_lines,
                              std::string_view signed_headers, std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_uri.size() + canonical_query.size() + header_lines.size() +
              signed_headers.size() + payload_hash.size() + 5);
  out += method;
  out += '\n';
  out += canonical_uri;
  out += '\n';
  out += canonical_query;
  out += '\n';
  out += header_lines;
  out += '\n';
  out += signed_headers;
  out += '\n';
  out += payload_hash;
  return out;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> find_header(std::span<const Header> headers,
                                            std::string_view name) {
  for (const Header& header : headers) {
    if (equals_ignore_case(header.name, name)) return header.value;
  }
  return std::nullopt;
}

}  // namespace satchel::s3
