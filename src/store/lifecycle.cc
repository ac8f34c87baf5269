#include "store/lifecycle.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "s3/xml_reader.h"
#include "store/s3_xml.h"

namespace satchel::store {
namespace {

constexpr std::chrono::hours kDay{24};
constexpr size_t kGeneratedIdBytes = 16;

DocumentError invalid_argument(std::string_view message) {
  return DocumentError{"InvalidArgument", message};
}

// A positive day count from the named child, when present.
Expected<std::optional<int64_t>, DocumentError> positive_count(const s3::XmlElement& parent,
                                                               std::string_view name,
                                                               std::string_view message) {
  auto text = parent.child_text(name);
  if (!text) return std::optional<int64_t>();
  auto value = s3::parse_xml_integer(*text);
  if (!value) return Unexpected(kMalformedDocument);
  if (*value <= 0) return Unexpected(invalid_argument(message));
  return std::optional<int64_t>(*value);
}

bool is_midnight(SystemTime time) {
  return time.time_since_epoch() % std::chrono::duration_cast<SystemTime::duration>(kDay) ==
         SystemTime::duration::zero();
}

Expected<std::pair<std::string, std::string>, DocumentError> parse_tag(const s3::XmlElement& tag) {
  auto key = tag.child_text("Key");
  auto value = tag.child_text("Value");
  if (!key || !value || key->empty()) return Unexpected(kMalformedDocument);
  return std::pair<std::string, std::string>(*key, *value);
}

// Reads the conditions of a Filter or of its And element.
Expected<void, DocumentError> parse_conditions(const s3::XmlElement& element,
                                               LifecycleFilter& filter) {
  if (auto prefix = element.child_text("Prefix")) filter.prefix = std::string(*prefix);
  std::set<std::string> keys;
  for (const s3::XmlElement* tag : element.children_named("Tag")) {
    auto parsed = parse_tag(*tag);
    if (!parsed) return Unexpected(parsed.error());
    if (!keys.insert(parsed->first).second) {
      return Unexpected(invalid_argument("Duplicate Tag Keys are not allowed."));
    }
    filter.tags.push_back(std::move(*parsed));
  }
  for (auto [name, field] : {std::pair{"ObjectSizeGreaterThan", &filter.object_size_greater_than},
                             std::pair{"ObjectSizeLessThan", &filter.object_size_less_than}}) {
    auto text = element.child_text(name);
    if (!text) continue;
    auto value = s3::parse_xml_integer(*text);
    if (!value || *value < 0) return Unexpected(kMalformedDocument);
    *field = static_cast<uint64_t>(*value);
  }
  return {};
}

// The number of conditions an element carries, each Tag counting once.
size_t condition_count(const s3::XmlElement& element) {
  size_t count = element.children_named("Tag").size();
  for (std::string_view name : {"Prefix", "ObjectSizeGreaterThan", "ObjectSizeLessThan"}) {
    count += element.children_named(name).size();
  }
  return count;
}

Expected<LifecycleFilter, DocumentError> parse_filter(const s3::XmlElement& rule) {
  const s3::XmlElement* filter_element = rule.child("Filter");
  auto rule_prefix = rule.child_text("Prefix");
  if ((filter_element != nullptr) == rule_prefix.has_value()) return Unexpected(kMalformedDocument);
  LifecycleFilter filter;
  if (rule_prefix) {
    filter.form = LifecycleFilter::Form::kRulePrefix;
    filter.prefix = std::string(*rule_prefix);
    return filter;
  }
  const s3::XmlElement* and_element = filter_element->child("And");
  size_t direct = condition_count(*filter_element);
  if (and_element) {
    if (direct > 0 || condition_count(*and_element) == 0) return Unexpected(kMalformedDocument);
    filter.form = LifecycleFilter::Form::kAnd;
    auto parsed = parse_conditions(*and_element, filter);
    if (!parsed) return Unexpected(parsed.error());
    return filter;
  }
  if (direct > 1) return Unexpected(kMalformedDocument);
  filter.form = direct == 0 ? LifecycleFilter::Form::kEmpty : LifecycleFilter::Form::kSingle;
  auto parsed = parse_conditions(*filter_element, filter);
  if (!parsed) return Unexpected(parsed.error());
  return filter;
}

Expected<void, DocumentError> parse_expiration(const s3::XmlElement& element, LifecycleRule& rule) {
  auto days = positive_count(element, "Days",
                             "'Days' for Expiration action must be a positive "
                             "integer.");
  if (!days) return Unexpected(days.error());
  rule.expiration_days = *days;
  if (auto date_text = element.child_text("Date")) {
    auto date = parse_utc_time(*date_text);
    if (!date) return Unexpected(invalid_argument("'Date' must be an ISO 8601 date and time."));
    if (!is_midnight(*date)) return Unexpected(invalid_argument("'Date' must be at midnight GMT."));
    rule.expiration_date = *date;
  }
  auto marker = element.child_text("ExpiredObjectDeleteMarker");
  if (marker) {
    if (*marker != "true" && *marker != "false") return Unexpected(kMalformedDocument);
    rule.expired_object_delete_marker = *marker == "true";
  }
  int given = int{rule.expiration_days.has_value()} + int{rule.expiration_date.has_value()} +
              int{marker.has_value()};
  if (given == 0) return Unexpected(kMalformedDocument);
  if (given > 1) {
    return Unexpected(invalid_argument(
        "An Expiration action takes exactly one of Days, Date and ExpiredObjectDeleteMarker."));
  }
  return {};
}

Expected<void, DocumentError> parse_noncurrent(const s3::XmlElement& element, LifecycleRule& rule) {
  auto days = positive_count(element, "NoncurrentDays",
                             "'NoncurrentDays' for NoncurrentVersionExpiration action must be a "
                             "positive integer.");
  if (!days) return Unexpected(days.error());
  if (!*days) return Unexpected(kMalformedDocument);
  rule.noncurrent_days = *days;
  auto newer = positive_count(element, "NewerNoncurrentVersions",
                              "'NewerNoncurrentVersions' must be a positive integer.");
  if (!newer) return Unexpected(newer.error());
  if (*newer && **newer > kMaxNewerNoncurrentVersions) {
    return Unexpected(invalid_argument("'NewerNoncurrentVersions' must be at most 100."));
  }
  rule.newer_noncurrent_versions = *newer;
  return {};
}

Expected<void, DocumentError> parse_actions(const s3::XmlElement& element, LifecycleRule& rule) {
  if (element.child("Transition") || element.child("NoncurrentVersionTransition")) {
    return Unexpected(DocumentError{
        "NotImplemented",
        "The embedded store has one storage class, so lifecycle transitions are not supported.",
        http::Status::not_implemented});
  }
  const s3::XmlElement* expiration = element.child("Expiration");
  const s3::XmlElement* noncurrent = element.child("NoncurrentVersionExpiration");
  const s3::XmlElement* abort = element.child("AbortIncompleteMultipartUpload");
  if (!expiration && !noncurrent && !abort) {
    return Unexpected(
        DocumentError{"InvalidRequest", "At least one action needs to be specified in a rule."});
  }
  if (expiration) {
    auto parsed = parse_expiration(*expiration, rule);
    if (!parsed) return parsed;
  }
  if (noncurrent) {
    auto parsed = parse_noncurrent(*noncurrent, rule);
    if (!parsed) return parsed;
  }
  if (abort) {
    auto days = positive_count(*abort, "DaysAfterInitiation",
                               "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action "
                               "must be a positive integer.");
    if (!days) return Unexpected(days.error());
    if (!*days) return Unexpected(kMalformedDocument);
    rule.abort_after_days = *days;
  }
  return {};
}

// S3's checks across a rule's filter and actions: tag filters match object
// versions only, never delete markers or uploads in progress, even though
// an upload stores the tags that its object will get.
Expected<void, DocumentError> check_tag_actions(const LifecycleRule& rule) {
  if (rule.filter.tags.empty()) return {};
  if (rule.expired_object_delete_marker) {
    return Unexpected(DocumentError{"InvalidRequest",
                                    "ExpiredObjectDeleteMarker cannot be specified with Tags."});
  }
  if (rule.abort_after_days) {
    return Unexpected(DocumentError{
        "InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags."});
  }
  return {};
}

Expected<LifecycleRule, DocumentError> parse_rule(const s3::XmlElement& element) {
  LifecycleRule rule;
  if (auto id = element.child_text("ID")) {
    if (id->size() > kMaxLifecycleRuleIdLength) {
      return Unexpected(invalid_argument("ID length should not exceed allowed limit of 255."));
    }
    rule.id = std::string(*id);
  }
  if (rule.id.empty()) rule.id = hex_encode(random_bytes(kGeneratedIdBytes));
  auto status = element.child_text("Status");
  if (status != std::optional<std::string_view>("Enabled") &&
      status != std::optional<std::string_view>("Disabled")) {
    return Unexpected(kMalformedDocument);
  }
  rule.enabled = *status == "Enabled";
  auto filter = parse_filter(element);
  if (!filter) return Unexpected(filter.error());
  rule.filter = std::move(*filter);
  auto actions = parse_actions(element, rule);
  if (!actions) return Unexpected(actions.error());
  auto tags = check_tag_actions(rule);
  if (!tags) return Unexpected(tags.error());
  return rule;
}

void write_conditions(XmlWriter& writer, const LifecycleFilter& filter) {
  bool has_size = filter.object_size_greater_than || filter.object_size_less_than;
  // A single-condition filter without tags or sizes is a Prefix, maybe
  // empty; inside And an empty prefix is left out.
  bool write_prefix = filter.form == LifecycleFilter::Form::kAnd ? !filter.prefix.empty()
                                                                 : filter.tags.empty() && !has_size;
  if (write_prefix) writer.element("Prefix", filter.prefix);
  for (const auto& [key, value] : filter.tags) {
    writer.open("Tag");
    writer.element("Key", key);
    writer.element("Value", value);
    writer.close("Tag");
  }
  if (filter.object_size_greater_than) {
    writer.element("ObjectSizeGreaterThan", std::to_string(*filter.object_size_greater_than));
  }
  if (filter.object_size_less_than) {
    writer.element("ObjectSizeLessThan", std::to_string(*filter.object_size_less_than));
  }
}

void write_filter(XmlWriter& writer, const LifecycleFilter& filter) {
  switch (filter.form) {
    case LifecycleFilter::Form::kRulePrefix:
      writer.element("Prefix", filter.prefix);
      return;
    case LifecycleFilter::Form::kEmpty:
      writer.open("Filter");
      writer.close("Filter");
      return;
    case LifecycleFilter::Form::kSingle:
      writer.open("Filter");
      write_conditions(writer, filter);
      writer.close("Filter");
      return;
    case LifecycleFilter::Form::kAnd:
      writer.open("Filter");
      writer.open("And");
      write_conditions(writer, filter);
      writer.close("And");
      writer.close("Filter");
      return;
  }
}

void write_actions(XmlWriter& writer, const LifecycleRule& rule) {
  if (rule.expiration_days || rule.expiration_date || rule.expired_object_delete_marker) {
    writer.open("Expiration");
    if (rule.expiration_days) writer.element("Days", std::to_string(*rule.expiration_days));
    if (rule.expiration_date) writer.element("Date", format_iso8601(*rule.expiration_date));
    if (rule.expired_object_delete_marker) writer.element("ExpiredObjectDeleteMarker", "true");
    writer.close("Expiration");
  }
  if (rule.noncurrent_days) {
    writer.open("NoncurrentVersionExpiration");
    writer.element("NoncurrentDays", std::to_string(*rule.noncurrent_days));
    if (rule.newer_noncurrent_versions) {
      writer.element("NewerNoncurrentVersions", std::to_string(*rule.newer_noncurrent_versions));
    }
    writer.close("NoncurrentVersionExpiration");
  }
  if (rule.abort_after_days) {
    writer.open("AbortIncompleteMultipartUpload");
    writer.element("DaysAfterInitiation", std::to_string(*rule.abort_after_days));
    writer.close("AbortIncompleteMultipartUpload");
  }
}

}  // namespace

Expected<std::vector<LifecycleRule>, DocumentError> parse_lifecycle_document(
    std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "LifecycleConfiguration") return Unexpected(kMalformedDocument);
  auto elements = root->children_named("Rule");
  if (elements.empty()) return Unexpected(kMalformedDocument);
  if (elements.size() > kMaxLifecycleRules) {
    return Unexpected(invalid_argument("A lifecycle configuration can have at most 1000 rules."));
  }
  std::vector<LifecycleRule> rules;
  std::set<std::string> ids;
  for (const s3::XmlElement* element : elements) {
    auto rule = parse_rule(*element);
    if (!rule) return Unexpected(rule.error());
    if (!ids.insert(rule->id).second) {
      return Unexpected(
          invalid_argument("Rule ID must be unique. Found same ID for more than one rule."));
    }
    rules.push_back(std::move(*rule));
  }
  return rules;
}

std::string lifecycle_document(const std::vector<LifecycleRule>& rules) {
  XmlWriter writer("LifecycleConfiguration");
  for (const auto& rule : rules) {
    writer.open("Rule");
    writer.element("ID", rule.id);
    write_filter(writer, rule.filter);
    writer.element("Status", rule.enabled ? "Enabled" : "Disabled");
    write_actions(writer, rule);
    writer.close("Rule");
  }
  return writer.finish();
}

SystemTime lifecycle_due_time(SystemTime start, int64_t days) {
  auto day = std::chrono::duration_cast<SystemTime::duration>(kDay);
  // A period that ends after the last time SystemTime holds (about the year 2262) never comes
  // due. Adding it would overflow and wrap to a time in the past, which expires at once.
  if (days >= (SystemTime::max() - start) / day) return SystemTime::max();
  auto end = (start + day * days).time_since_epoch();
  auto remainder = end % day;
  if (remainder != SystemTime::duration::zero()) end += day - remainder;
  return SystemTime(end);
}

bool lifecycle_filter_matches(const LifecycleFilter& filter, std::string_view key, uint64_t size,
                              const HeaderList& tags) {
  if (!key.starts_with(filter.prefix)) return false;
  for (const auto& wanted : filter.tags) {
    if (std::find(tags.begin(), tags.end(), wanted) == tags.end()) return false;
  }
  if (filter.object_size_greater_than && size <= *filter.object_size_greater_than) return false;
  if (filter.object_size_less_than && size >= *filter.object_size_less_than) return false;
  return true;
}

bool expiration_due(const LifecycleRule& rule, const ObjectVersion& version, SystemTime now) {
  if (!rule.enabled || version.delete_marker) return false;
  if (!lifecycle_filter_matches(rule.filter, version.key, version.size, version.tags)) {
    return false;
  }
  if (rule.expiration_date) return now >= *rule.expiration_date;
  if (rule.expiration_days) {
    return now >= lifecycle_due_time(version.last_modified, *rule.expiration_days);
  }
  return false;
}

bool noncurrent_expiration_due(const LifecycleRule& rule, SystemTime noncurrent_since,
                               size_t newer_noncurrent, SystemTime now) {
  if (!rule.enabled || !rule.noncurrent_days) return false;
  if (rule.newer_noncurrent_versions &&
      newer_noncurrent < static_cast<size_t>(*rule.newer_noncurrent_versions)) {
    return false;
  }
  return now >= lifecycle_due_time(noncurrent_since, *rule.noncurrent_days);
}

bool abort_upload_due(const LifecycleRule& rule, const MultipartUpload& upload, SystemTime now) {
  // Size conditions select objects, not uploads; tags are rejected with
  // this action when the rule is parsed.
  if (!rule.enabled || !rule.abort_after_days) return false;
  if (!upload.key.starts_with(rule.filter.prefix)) return false;
  return now >= lifecycle_due_time(upload.initiated, *rule.abort_after_days);
}

}  // namespace satchel::store
