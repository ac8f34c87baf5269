#include "store/object_lock.h"

#include <chrono>

#include "common/time_format.h"
#include "s3/xml_reader.h"
#include "store/s3_xml.h"

namespace satchel::store {
namespace {

constexpr std::chrono::hours kDay{24};
constexpr int64_t kDaysPerYear = 365;
// The maximum default retention: 100 years, the same bound as Satchel's own retention settings.
constexpr int64_t kMaxDefaultRetentionYears = 100;
constexpr int64_t kMaxDefaultRetentionDays = kMaxDefaultRetentionYears * kDaysPerYear;

Expected<DefaultRetention, DocumentError> parse_default_retention(const s3::XmlElement& rule) {
  const s3::XmlElement* element = rule.child("DefaultRetention");
  if (!element) return Unexpected(kMalformedDocument);
  auto mode_text = element->child_text("Mode");
  auto mode = mode_text ? parse_retention_mode(*mode_text) : std::nullopt;
  if (!mode) return Unexpected(kMalformedDocument);
  auto days_text = element->child_text("Days");
  auto years_text = element->child_text("Years");
  if (days_text.has_value() == years_text.has_value()) return Unexpected(kMalformedDocument);
  auto count = s3::parse_xml_integer(days_text ? *days_text : *years_text);
  if (!count) return Unexpected(kMalformedDocument);
  if (*count <= 0) {
    return Unexpected(DocumentError{"InvalidArgument",
                                    "Default retention period must be a positive integer value."});
  }
  // Without a bound, now plus the period overflows SystemTime and wraps to a date in the past,
  // which would leave every new version unlocked.
  if (*count > (days_text ? kMaxDefaultRetentionDays : kMaxDefaultRetentionYears)) {
    return Unexpected(DocumentError{"InvalidArgument",
                                    "Default retention period must be at most " +
                                        std::to_string(kMaxDefaultRetentionDays) + " days or " +
                                        std::to_string(kMaxDefaultRetentionYears) + " years."});
  }
  DefaultRetention retention{*mode, 0, 0};
  (days_text ? retention.days : retention.years) = *count;
  return retention;
}

}  // namespace

std::string_view retention_mode_name(RetentionMode mode) {
  return mode == RetentionMode::kCompliance ? "COMPLIANCE" : "GOVERNANCE";
}

std::optional<RetentionMode> parse_retention_mode(std::string_view name) {
  if (name == "GOVERNANCE") return RetentionMode::kGovernance;
  if (name == "COMPLIANCE") return RetentionMode::kCompliance;
  return std::nullopt;
}

SystemTime default_retain_until(const DefaultRetention& retention, SystemTime written_at) {
  int64_t days = retention.days > 0 ? retention.days : retention.years * kDaysPerYear;
  return written_at + kDay * days;
}

Expected<void, StoreError> check_version_removal(const ObjectLock& lock, SystemTime now,
                                                 bool bypass_governance) {
  if (lock.legal_hold.value_or(false)) return Unexpected(StoreError::kObjectLocked);
  const auto& retention = lock.retention;
  if (!retention || retention->retain_until <= now) return {};
  if (retention->mode == RetentionMode::kGovernance && bypass_governance) return {};
  return Unexpected(StoreError::kObjectLocked);
}

Expected<void, StoreError> check_retention_change(const std::optional<Retention>& current,
                                                  const std::optional<Retention>& requested,
                                                  SystemTime now, bool bypass_governance) {
  if (!current || current->retain_until <= now) return {};
  bool extends = requested && requested->mode == current->mode &&
                 requested->retain_until >= current->retain_until;
  if (extends) return {};
  if (current->mode == RetentionMode::kGovernance && bypass_governance) return {};
  return Unexpected(StoreError::kObjectLocked);
}

std::optional<SystemTime> parse_utc_time(std::string_view text) {
  constexpr std::string_view kUtcOffset = "+00:00";
  if (text.ends_with(kUtcOffset)) {
    std::string zulu(text.substr(0, text.size() - kUtcOffset.size()));
    zulu += 'Z';
    return parse_iso8601(zulu);
  }
  return parse_iso8601(text);
}

Expected<ObjectLockConfiguration, DocumentError> parse_object_lock_document(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "ObjectLockConfiguration") return Unexpected(kMalformedDocument);
  if (root->child_text("ObjectLockEnabled") != std::optional<std::string_view>("Enabled")) {
    return Unexpected(kMalformedDocument);
  }
  ObjectLockConfiguration configuration;
  if (const s3::XmlElement* rule = root->child("Rule")) {
    auto retention = parse_default_retention(*rule);
    if (!retention) return Unexpected(retention.error());
    configuration.default_retention = *retention;
  }
  return configuration;
}

std::string object_lock_document(const ObjectLockConfiguration& configuration) {
  XmlWriter writer("ObjectLockConfiguration");
  writer.element("ObjectLockEnabled", "Enabled");
  if (const auto& retention = configuration.default_retention) {
    writer.open("Rule");
    writer.open("DefaultRetention");
    writer.element("Mode", retention_mode_name(retention->mode));
    if (retention->days > 0) {
      writer.element("Days", std::to_string(retention->days));
    } else {
      writer.element("Years", std::to_string(retention->years));
    }
    writer.close("DefaultRetention");
    writer.close("Rule");
  }
  return writer.finish();
}

Expected<std::optional<Retention>, DocumentError> parse_retention_document(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "Retention") return Unexpected(kMalformedDocument);
  auto mode_text = root->child_text("Mode");
  auto until_text = root->child_text("RetainUntilDate");
  if (!mode_text && !until_text) return std::optional<Retention>();
  if (!mode_text || !until_text) return Unexpected(kMalformedDocument);
  auto mode = parse_retention_mode(*mode_text);
  auto until = parse_utc_time(*until_text);
  if (!mode || !until) return Unexpected(kMalformedDocument);
  return std::optional<Retention>(Retention{*mode, *until});
}

std::string retention_document(const Retention& retention) {
  XmlWriter writer("Retention");
  writer.element("Mode", retention_mode_name(retention.mode));
  writer.element("RetainUntilDate", format_iso8601(retention.retain_until));
  return writer.finish();
}

Expected<bool, DocumentError> parse_legal_hold_document(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "LegalHold") return Unexpected(kMalformedDocument);
  auto status = root->child_text("Status");
  if (status == std::optional<std::string_view>("ON")) return true;
  if (status == std::optional<std::string_view>("OFF")) return false;
  return Unexpected(kMalformedDocument);
}

std::string legal_hold_document(bool on) {
  XmlWriter writer("LegalHold");
  writer.element("Status", on ? "ON" : "OFF");
  return writer.finish();
}

}  // namespace satchel::store
