#include "http/router.h"

#include "common/encoding.h"

namespace satchel::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (;;) {
    size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

bool is_rest_capture(std::string_view segment) {
  return segment.size() > 5 && segment.front() == '{' && segment.ends_with("...}");
}

bool is_capture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::add(Verb method, std::string_view pattern, RouteHandler handler) {
  Route route{method, std::string(pattern), {}, std::move(handler)};
  for (auto part : split_path(pattern)) route.segments.emplace_back(part);
  routes_.push_back(std::move(route));
}

bool Router::match_segments(const Route& route, const std::vector<std::string_view>& parts,
                            PathParams& params) {
  params.clear();
  for (size_t i = 0; i < route.segments.size(); ++i) {
    std::string_view segment = route.segments[i];
    if (is_rest_capture(segment)) {
      if (i >= parts.size()) return false;
      std::string joined;
      for (size_t k = i; k < parts.size(); ++k) {
        if (k > i) joined += '/';
        joined.append(parts[k]);
      }
      auto decoded = percent_decode(joined);
      if (!decoded || decoded->empty()) return false;
      params.emplace(std::string(segment.substr(1, segment.size() - 5)), std::move(*decoded));
      return true;
    }
    if (i >= parts.size()) return false;
    if (is_capture(segment)) {
      auto decoded = percent_decode(parts[i]);
      if (!decoded || decoded->empty()) return false;
      params.emplace(std::string(segment.substr(1, segment.size() - 2)), std::move(*decoded));
    } else if (segment != parts[i]) {
      return false;
    }
  }
  return parts.size() == route.segments.size();
}

Router::Match Router::match(Verb method, std::string_view raw_path) const {
  Match result;
  auto parts = split_path(raw_path);
  PathParams params;
  for (const Route& route : routes_) {
    if (!match_segments(route, parts, params)) continue;
    result.path_known = true;
    result.allowed_methods.push_back(route.method);
    if (route.method == Verb::get) result.allowed_methods.push_back(Verb::head);
    // RFC 9110 section 9.3.2: HEAD is GET without the content, so a GET route serves both.
    bool head_of_get = method == Verb::head && route.method == Verb::get;
    if (route.method == method || head_of_get) {
      result.handler = &route.handler;
      result.pattern = route.pattern;
      result.params = std::move(params);
      return result;
    }
  }
  return result;
}

}  // namespace satchel::http
