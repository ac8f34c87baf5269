// Maps method and path patterns to handlers. A pattern is a list of
// segments; "{id}" captures one segment and "{name...}" captures the rest of
// the path, slashes included. Captures are percent-decoded once.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/beast.h"
#include "http/request.h"

namespace satchel::http {

using PathParams = std::map<std::string, std::string, std::less<>>;
using RouteHandler =
    std::function<asio::awaitable<bhttp::message_generator>(Request&, const PathParams&)>;

class Router {
 public:
  void add(Verb method, std::string_view pattern, RouteHandler handler);

  struct Match {
    const RouteHandler* handler = nullptr;
    std::string pattern;
    PathParams params;
    bool path_known = false;            // some route has this path, maybe with another method
    std::vector<Verb> allowed_methods;  // the methods of every route with this path, HEAD with GET
  };
  // Finds the handler for a request; a HEAD request gets the path's GET
  // handler. A path that matches but has a bad percent escape matches nothing.
  Match match(Verb method, std::string_view raw_path) const;

 private:
  struct Route {
    Verb method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  static bool match_segments(const Route& route, const std::vector<std::string_view>& parts,
                             PathParams& params);

  std::vector<Route> routes_;
};

}  // namespace satchel::http
