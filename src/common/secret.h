// A string that must never reach a log: tokens, secret keys, signatures.
#pragma once

#include <fmt/format.h>

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace satchel {

// Holds a secret value. Formatting or streaming it prints a redaction
// marker, so a secret passed to a logger by mistake does not leak. Code that
// needs the bytes calls reveal() explicitly.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const Secret&, const Secret&) = default;

 private:
  std::string value_;
};

inline constexpr std::string_view kRedacted = "[redacted]";

inline std::ostream& operator<<(std::ostream& out, const Secret&) { return out << kRedacted; }

}  // namespace satchel

template <>
struct fmt::formatter<satchel::Secret> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const satchel::Secret&, Context& context) const {
    return fmt::formatter<std::string_view>::format(satchel::kRedacted, context);
  }
};
