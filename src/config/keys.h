// The table of configuration keys: name, type, default, unit, flag and how
// each maps onto Config. Loading, `config print`, the command-line flags and
// the documentation test are all driven by this one table.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace satchel::config {

enum class ValueType { kString, kInteger, kBoolean, kStringList };

struct Key {
  std::string name;  // dotted path, such as "server.tls.cert_file"
  ValueType type;
  std::string default_text;  // the default as written in TOML; "" for an empty string
  std::string unit;          // "seconds", "bytes" or empty
  std::string help;
  std::string flag;  // such as "--listen"; empty when the key has no flag
  bool secret = false;
  // Stores a value into config. Returns what is wrong with it ("expected an
  // integer from 1 to 604800"), or nullopt when it was stored.
  std::function<std::optional<std::string>(const toml::node&, Config&)> assign;
  // The effective value as a TOML literal, with secrets redacted.
  std::function<std::string(const Config&)> render;

  // SATCHEL_ and the upper-case name with dots as underscores.
  std::string environment_variable() const;
};

const std::vector<Key>& keys();
const Key* find_key(std::string_view name);

// Tables whose keys another part validates when it parses them.
inline constexpr std::string_view kDelegatedTables[] = {"auth"};

}  // namespace satchel::config
