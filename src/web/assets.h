// The web page's files, compiled into the binary so `satchel serve` needs no
// installed assets.
#pragma once

#include <optional>
#include <string_view>

namespace satchel::web {

struct Asset {
  std::string_view content;
  std::string_view content_type;
};

// Finds the file served at the URL path ("/" is "/index.html").
std::optional<Asset> find_asset(std::string_view path);

}  // namespace satchel::web
