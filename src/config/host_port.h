// Listen addresses written as HOST:PORT.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace satchel::config {

struct HostPort {
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;

  // HOST:PORT, with brackets around an IPv6 host.
  std::string to_string() const;
};

// Parses "HOST:PORT" or "[IPv6]:PORT".
Expected<HostPort, std::string> parse_host_port(std::string_view text);

}  // namespace satchel::config
