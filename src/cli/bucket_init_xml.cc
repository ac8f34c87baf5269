#include "cli/bucket_init_xml.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "store/cors.h"
#include "store/s3_xml.h"

namespace satchel::cli {
namespace {

using s3::XmlElement;

// Browsers cache a preflight reply for at most this long, so a changed rule
// takes effect within ten minutes.
constexpr int64_t kCorsMaxAgeSeconds = 600;

std::string text_of(const s3::XmlElement* element) {
  return element ? std::string(s3::trim_xml_space(element->text)) : std::string();
}

// A day or year count: a positive decimal integer.
std::optional<int64_t> parse_positive(const s3::XmlElement* element) {
  std::string text = text_of(element);
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value <= 0) {
    return std::nullopt;
  }
  return value;
}

// Writes element and its children as they were read. S3 configuration
// documents have no mixed content, so an element has either text or
// children.
void write_element(store::XmlWriter& writer, const s3::XmlElement& element) {
  if (element.children.empty()) {
    writer.element(element.name, s3::trim_xml_space(element.text));
    return;
  }
  writer.open(element.name);
  for (const s3::XmlElement& child : element.children) write_element(writer, child);
  writer.close(element.name);
}

bool is_satchel_rule_id(std::string_view id) {
  return id == kAbortUploadsRuleId || id == kNoncurrentRuleId;
}

// An enabled rule whose filter selects every key.
bool applies_to_whole_bucket(const LifecycleRule& rule) {
  return rule.enabled && rule.prefix.empty() && !rule.other_filter;
}

bool same_lifecycle_rule(const LifecycleRule& a, const LifecycleRule& b) {
  return a.id == b.id && a.enabled == b.enabled && a.prefix == b.prefix &&
         a.other_filter == b.other_filter &&
         a.abort_incomplete_upload_days == b.abort_incomplete_upload_days &&
         a.noncurrent_days == b.noncurrent_days && a.other_actions == b.other_actions;
}

std::optional<LifecycleRule> parse_lifecycle_rule(const s3::XmlElement& element) {
  LifecycleRule rule;
  rule.original = element;
  rule.id = text_of(element.child("ID"));
  rule.enabled = text_of(element.child("Status")) == "Enabled";
  for (const s3::XmlElement& child : element.children) {
    if (child.name == "ID" || child.name == "Status") continue;
    if (child.name == "Prefix") {
      rule.prefix = text_of(&child);
    } else if (child.name == "Filter") {
      for (const s3::XmlElement& condition : child.children) {
        if (condition.name == "Prefix") {
          rule.prefix = text_of(&condition);
        } else {
          rule.other_filter = true;
        }
      }
    } else if (child.name == "AbortIncompleteMultipartUpload") {
      rule.abort_incomplete_upload_days = parse_positive(child.child("DaysAfterInitiation"));
      if (!rule.abort_incomplete_upload_days) return std::nullopt;
    } else if (child.name == "NoncurrentVersionExpiration") {
      auto days = parse_positive(child.child("NoncurrentDays"));
      if (!days) return std::nullopt;
      // A rule that keeps a number of newer versions expires fewer versions
      // than the days alone would, so it does not count as the days rule.
      if (child.child("NewerNoncurrentVersions")) {
        rule.other_actions = true;
      } else {
        rule.noncurrent_days = days;
      }
    } else {
      rule.other_actions = true;
    }
  }
  return rule;
}

void write_lifecycle_rule(store::XmlWriter& writer, const LifecycleRule& rule) {
  if (rule.original) {
    write_element(writer, *rule.original);
    return;
  }
  writer.open("Rule");
  writer.element("ID", rule.id);
  writer.open("Filter");
  writer.element("Prefix", rule.prefix);
  writer.close("Filter");
  writer.element("Status", rule.enabled ? "Enabled" : "Disabled");
  if (rule.noncurrent_days) {
    writer.open("NoncurrentVersionExpiration");
    writer.element("NoncurrentDays", std::to_string(*rule.noncurrent_days));
    writer.close("NoncurrentVersionExpiration");
  }
  if (rule.abort_incomplete_upload_days) {
    writer.open("AbortIncompleteMultipartUpload");
    writer.element("DaysAfterInitiation", std::to_string(*rule.abort_incomplete_upload_days));
    writer.close("AbortIncompleteMultipartUpload");
  }
  writer.close("Rule");
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::set<std::string> as_set(const std::vector<std::string>& values, bool ignore_case) {
  std::set<std::string> out;
  for (const auto& value : values) out.insert(ignore_case ? lower(value) : value);
  return out;
}

bool same_cors_permissions(const store::CorsRule& a, const store::CorsRule& b) {
  return as_set(a.allowed_origins, false) == as_set(b.allowed_origins, false) &&
         as_set(a.allowed_methods, false) == as_set(b.allowed_methods, false) &&
         as_set(a.allowed_headers, true) == as_set(b.allowed_headers, true) &&
         as_set(a.expose_headers, true) == as_set(b.expose_headers, true) &&
         a.max_age_seconds == b.max_age_seconds;
}

std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& value : values) {
    if (!out.empty()) out += ' ';
    out += value;
  }
  return out;
}

}  // namespace

std::string versioning_xml(VersioningStatus status) {
  store::XmlWriter writer("VersioningConfiguration");
  writer.element("Status", status == VersioningStatus::kEnabled ? "Enabled" : "Suspended");
  return writer.finish();
}

std::optional<VersioningStatus> parse_versioning_xml(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "VersioningConfiguration") return std::nullopt;
  std::string status = text_of(root->child("Status"));
  if (status.empty()) return VersioningStatus::kNeverEnabled;
  if (status == "Enabled") return VersioningStatus::kEnabled;
  if (status == "Suspended") return VersioningStatus::kSuspended;
  return std::nullopt;
}

std::string_view describe(VersioningStatus status) {
  switch (status) {
    case VersioningStatus::kNeverEnabled:
      return "never enabled";
    case VersioningStatus::kEnabled:
      return "Enabled";
    case VersioningStatus::kSuspended:
      return "Suspended";
  }
  return "unknown";
}

std::vector<LifecycleRule> satchel_lifecycle_rules(int64_t abort_days, int64_t noncurrent_days) {
  std::vector<LifecycleRule> rules;
  rules.push_back(LifecycleRule{.id = std::string(kAbortUploadsRuleId),
                                .abort_incomplete_upload_days = abort_days});
  if (noncurrent_days > 0) {
    rules.push_back(
        LifecycleRule{.id = std::string(kNoncurrentRuleId), .noncurrent_days = noncurrent_days});
  }
  return rules;
}

std::string lifecycle_xml(const std::vector<LifecycleRule>& rules) {
  store::XmlWriter writer("LifecycleConfiguration");
  for (const LifecycleRule& rule : rules) write_lifecycle_rule(writer, rule);
  return writer.finish();
}

std::optional<std::vector<LifecycleRule>> parse_lifecycle_xml(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "LifecycleConfiguration") return std::nullopt;
  std::vector<LifecycleRule> rules;
  for (const s3::XmlElement* element : root->children_named("Rule")) {
    auto rule = parse_lifecycle_rule(*element);
    if (!rule) return std::nullopt;
    rules.push_back(std::move(*rule));
  }
  return rules;
}

bool lifecycle_matches(const std::vector<LifecycleRule>& current,
                       const std::vector<LifecycleRule>& desired) {
  for (const LifecycleRule& target : desired) {
    bool covered = std::any_of(current.begin(), current.end(), [&](const LifecycleRule& rule) {
      if (!applies_to_whole_bucket(rule)) return false;
      if (target.abort_incomplete_upload_days &&
          rule.abort_incomplete_upload_days != target.abort_incomplete_upload_days) {
        return false;
      }
      return !target.noncurrent_days || rule.noncurrent_days == target.noncurrent_days;
    });
    if (!covered) return false;
  }
  for (const LifecycleRule& rule : current) {
    if (!is_satchel_rule_id(rule.id)) continue;
    bool desired_as_is = std::any_of(
        desired.begin(), desired.end(),
        [&](const LifecycleRule& rule_desired) { return same_lifecycle_rule(rule, rule_desired); });
    if (!desired_as_is) return false;
  }
  return true;
}

std::vector<LifecycleRule> merge_lifecycle_rules(const std::vector<LifecycleRule>& current,
                                                 const std::vector<LifecycleRule>& desired) {
  std::vector<LifecycleRule> merged;
  for (const LifecycleRule& rule : current) {
    if (!is_satchel_rule_id(rule.id)) merged.push_back(rule);
  }
  merged.insert(merged.end(), desired.begin(), desired.end());
  return merged;
}

std::string describe(const std::vector<LifecycleRule>& rules) {
  if (rules.empty()) return "none";
  std::string out;
  for (const LifecycleRule& rule : rules) {
    if (!out.empty()) out += "; ";
    out += (rule.id.empty() ? std::string("(no ID)") : rule.id) + ":";
    if (!rule.enabled) out += " disabled";
    if (!rule.prefix.empty()) out += " prefix " + rule.prefix;
    if (rule.other_filter) out += " filtered";
    if (rule.abort_incomplete_upload_days) {
      out += " abort uploads after " + std::to_string(*rule.abort_incomplete_upload_days) + " days";
    }
    if (rule.noncurrent_days) {
      out += " noncurrent versions expire after " + std::to_string(*rule.noncurrent_days) + " days";
    }
    if (rule.other_actions) out += " other actions";
  }
  return out;
}

store::CorsRule satchel_cors_rule(std::vector<std::string> origins) {
  return store::CorsRule{.id = std::string(kCorsRuleId),
                         .allowed_origins = std::move(origins),
                         .allowed_methods = {"GET", "PUT", "HEAD"},
                         .allowed_headers = {"*"},
                         .expose_headers = {"ETag", "x-amz-version-id"},
                         .max_age_seconds = kCorsMaxAgeSeconds};
}

std::string cors_xml(const std::vector<store::CorsRule>& rules) {
  return store::cors_document(rules);
}

std::optional<std::vector<store::CorsRule>> parse_cors_xml(std::string_view body) {
  auto rules = store::parse_cors_document(body);
  if (!rules) return std::nullopt;
  return std::move(*rules);
}

bool cors_matches(const std::vector<store::CorsRule>& current, const store::CorsRule& desired) {
  bool covered = std::any_of(current.begin(), current.end(), [&](const store::CorsRule& rule) {
    return same_cors_permissions(rule, desired);
  });
  if (!covered) return false;
  return std::none_of(current.begin(), current.end(), [&](const store::CorsRule& rule) {
    return rule.id == kCorsRuleId && !same_cors_permissions(rule, desired);
  });
}

std::vector<store::CorsRule> merge_cors_rules(const std::vector<store::CorsRule>& current,
                                              const store::CorsRule& desired) {
  std::vector<store::CorsRule> merged;
  for (const store::CorsRule& rule : current) {
    if (rule.id != kCorsRuleId) merged.push_back(rule);
  }
  merged.push_back(desired);
  return merged;
}

std::string describe(const std::vector<store::CorsRule>& rules) {
  if (rules.empty()) return "none";
  std::string out;
  for (const store::CorsRule& rule : rules) {
    if (!out.empty()) out += "; ";
    out += join(rule.allowed_methods) + " from " + join(rule.allowed_origins);
  }
  return out;
}

std::string encryption_xml(const DefaultEncryption& encryption) {
  store::XmlWriter writer("ServerSideEncryptionConfiguration");
  writer.open("Rule");
  writer.open("ApplyServerSideEncryptionByDefault");
  writer.element("SSEAlgorithm", encryption.algorithm);
  if (!encryption.kms_key_id.empty()) writer.element("KMSMasterKeyID", encryption.kms_key_id);
  writer.close("ApplyServerSideEncryptionByDefault");
  writer.close("Rule");
  return writer.finish();
}

std::optional<DefaultEncryption> parse_encryption_xml(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "ServerSideEncryptionConfiguration") return std::nullopt;
  const s3::XmlElement* rule = root->child("Rule");
  const s3::XmlElement* by_default =
      rule ? rule->child("ApplyServerSideEncryptionByDefault") : nullptr;
  if (!by_default) return std::nullopt;
  DefaultEncryption encryption{.algorithm = text_of(by_default->child("SSEAlgorithm")),
                               .kms_key_id = text_of(by_default->child("KMSMasterKeyID"))};
  if (encryption.algorithm.empty()) return std::nullopt;
  return encryption;
}

std::string describe(const DefaultEncryption& encryption) {
  if (encryption.algorithm.empty()) return "none";
  if (encryption.kms_key_id.empty()) return encryption.algorithm;
  return encryption.algorithm + " with key " + encryption.kms_key_id;
}

std::string object_lock_xml(const ObjectLockSettings& settings) {
  store::XmlWriter writer("ObjectLockConfiguration");
  writer.element("ObjectLockEnabled", "Enabled");
  if (!settings.mode.empty()) {
    writer.open("Rule");
    writer.open("DefaultRetention");
    writer.element("Mode", settings.mode);
    if (settings.days > 0) writer.element("Days", std::to_string(settings.days));
    if (settings.years > 0) writer.element("Years", std::to_string(settings.years));
    writer.close("DefaultRetention");
    writer.close("Rule");
  }
  return writer.finish();
}

std::optional<ObjectLockSettings> parse_object_lock_xml(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "ObjectLockConfiguration") return std::nullopt;
  ObjectLockSettings settings;
  settings.enabled = text_of(root->child("ObjectLockEnabled")) == "Enabled";
  const s3::XmlElement* rule = root->child("Rule");
  const s3::XmlElement* retention = rule ? rule->child("DefaultRetention") : nullptr;
  if (retention) {
    settings.mode = text_of(retention->child("Mode"));
    if (retention->child("Days")) {
      auto days = parse_positive(retention->child("Days"));
      if (!days) return std::nullopt;
      settings.days = *days;
    }
    if (retention->child("Years")) {
      auto years = parse_positive(retention->child("Years"));
      if (!years) return std::nullopt;
      settings.years = *years;
    }
  }
  return settings;
}

bool object_lock_matches(const ObjectLockSettings& current, const ObjectLockSettings& desired) {
  if (!current.enabled) return false;
  if (desired.mode.empty()) return true;
  return current.mode == desired.mode && current.days == desired.days &&
         current.years == desired.years;
}

std::string describe(const ObjectLockSettings& settings) {
  if (!settings.enabled) return "disabled";
  if (settings.mode.empty()) return "enabled without default retention";
  std::string period = settings.years > 0 ? std::to_string(settings.years) + " years"
                                          : std::to_string(settings.days) + " days";
  return "enabled, default retention " + settings.mode + " for " + period;
}

S3ErrorBody parse_error_xml(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "Error") return {};
  return S3ErrorBody{.code = text_of(root->child("Code")),
                     .message = text_of(root->child("Message"))};
}

}  // namespace satchel::cli
