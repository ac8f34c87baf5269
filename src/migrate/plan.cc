#include "migrate/plan.h"

#include "app/object_names.h"
#include "common/crypto.h"
#include "common/encoding.h"

namespace satchel::migrate {
namespace {

ReportLine failure(const SourceObject& source, std::string reason, std::string target = {}) {
  return ReportLine{.source = source.key,
                    .outcome = Outcome::kFailed,
                    .target_key = std::move(target),
                    .size_bytes = source.size_bytes,
                    .reason = std::move(reason)};
}

}  // namespace

Expected<PlannedObject, ReportLine> plan_object(const SourceObject& source,
                                                const MappingRules& rules) {
  auto match = find_mapping(rules.mappings, source.key);
  if (!match) {
    return Unexpected(ReportLine{.source = source.key,
                                 .outcome = Outcome::kNoMapping,
                                 .size_bytes = source.size_bytes,
                                 .reason = "no mapping"});
  }
  KeyParts parts = match->parts;
  const std::string& user = parts.at(std::string(kUserPart));
  if (rules.users) {
    auto identity = rules.users->find(user);
    if (identity == rules.users->end()) {
      return Unexpected(failure(source, "legacy user '" + user + "' is not in the users file"));
    }
    parts[std::string(kOrgPart)] = identity->second.org;
    parts[std::string(kSubjectPart)] = identity->second.sub;
  } else {
    parts[std::string(kOrgPart)] = rules.org;
    parts[std::string(kSubjectPart)] = user;
  }
  auto key = match->mapping->target.render(parts);
  if (!key) return Unexpected(failure(source, key.error()));

  PlannedObject planned{.source = source, .key = *key};
  size_t first_slash = key->find('/');
  size_t second_slash =
      first_slash == std::string::npos ? first_slash : key->find('/', first_slash + 1);
  if (second_slash == std::string::npos) {
    return Unexpected(failure(source, "target key is not {org}/{sub}/{name}", *key));
  }
  planned.tenant = key->substr(0, first_slash);
  planned.owner = key->substr(first_slash + 1, second_slash - first_slash - 1);
  planned.name = key->substr(second_slash + 1);
  const std::string& org = parts.at(std::string(kOrgPart));
  if (planned.tenant != org) {
    return Unexpected(
        failure(source, "target key does not start with the tenant '" + org + "'", *key));
  }
  if (auto problem = app::check_identity_part(planned.owner, "subject")) {
    return Unexpected(failure(source, "invalid target key: " + *problem, *key));
  }
  if (auto problem = app::check_object_name(planned.name)) {
    return Unexpected(failure(source, "invalid target name: " + *problem, *key));
  }

  auto user_end = match->mapping->source.end_of_part(kUserPart, match->parts);
  if (user_end && *user_end < source.key.size() && source.key[*user_end] == '/') {
    std::string old_name = source.key.substr(*user_end + 1);
    if (old_name != planned.name && !app::check_object_name(old_name)) {
      planned.old_key = app::make_object_key(planned.tenant, planned.owner, old_name);
    }
  }
  return planned;
}

std::string make_plan_id(std::string_view source_description,
                         const std::vector<std::string>& mapping_texts, const MappingRules& rules) {
  // Each field ends in a NUL, which none of them can contain, so two
  // different plans never hash the same text.
  std::string text(source_description);
  text += '\0';
  for (const std::string& mapping : mapping_texts) text += mapping + '\0';
  text += rules.org + '\0';
  if (rules.users) {
    for (const auto& [legacy_user, identity] : *rules.users) {
      text += legacy_user + ',' + identity.org + ',' + identity.sub + '\0';
    }
  }
  return hex_encode(sha256(text));
}

}  // namespace satchel::migrate
