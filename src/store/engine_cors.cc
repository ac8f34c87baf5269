// Bucket CORS configurations: stored in the index as JSON, cached in
// memory for preflights and responses.
#include <nlohmann/json.hpp>

#include "obs/log.h"
#include "store/engine.h"

namespace satchel::store {
namespace {

using Json = nlohmann::json;

std::string encode_rules(const std::vector<CorsRule>& rules) {
  Json array = Json::array();
  for (const auto& rule : rules) {
    Json entry = {{"id", rule.id},
                  {"allowed_origins", rule.allowed_origins},
                  {"allowed_methods", rule.allowed_methods},
                  {"allowed_headers", rule.allowed_headers},
                  {"expose_headers", rule.expose_headers}};
    if (rule.max_age_seconds) entry["max_age_seconds"] = *rule.max_age_seconds;
    array.push_back(std::move(entry));
  }
  return array.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::vector<std::string> strings(const Json& entry, const char* name) {
  std::vector<std::string> out;
  if (!entry.contains(name) || !entry[name].is_array()) return out;
  for (const auto& value : entry[name]) {
    if (value.is_string()) out.push_back(value.get<std::string>());
  }
  return out;
}

std::optional<std::vector<CorsRule>> decode_rules(std::string_view document) {
  Json array = Json::parse(document, nullptr, false);
  if (!array.is_array()) return std::nullopt;
  std::vector<CorsRule> rules;
  for (const auto& entry : array) {
    if (!entry.is_object()) return std::nullopt;
    CorsRule rule;
    if (entry.contains("id") && entry["id"].is_string()) rule.id = entry["id"].get<std::string>();
    rule.allowed_origins = strings(entry, "allowed_origins");
    rule.allowed_methods = strings(entry, "allowed_methods");
    rule.allowed_headers = strings(entry, "allowed_headers");
    rule.expose_headers = strings(entry, "expose_headers");
    if (entry.contains("max_age_seconds") && entry["max_age_seconds"].is_number_integer()) {
      rule.max_age_seconds = entry["max_age_seconds"].get<int64_t>();
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

}  // namespace

Expected<void, std::string> Engine::load_cors() {
  auto documents = index_->list_cors();
  if (!documents) return Unexpected(std::string("cannot read the bucket CORS configurations"));
  std::lock_guard lock(cors_mutex_);
  for (const auto& [bucket, document] : *documents) {
    auto rules = decode_rules(document);
    if (!rules) {
      obs::error("ignoring an unreadable bucket CORS configuration", {{"bucket", bucket}});
      continue;
    }
    cors_[bucket] = std::make_shared<const std::vector<CorsRule>>(std::move(*rules));
  }
  return {};
}

std::shared_ptr<const std::vector<CorsRule>> Engine::cors_rules(const std::string& bucket) const {
  std::lock_guard lock(cors_mutex_);
  auto found = cors_.find(bucket);
  return found == cors_.end() ? nullptr : found->second;
}

Expected<std::vector<CorsRule>, StoreError> Engine::get_cors(const std::string& bucket) {
  auto info = this->bucket(bucket);
  if (!info) return Unexpected(info.error());
  auto rules = cors_rules(bucket);
  if (!rules) return Unexpected(StoreError::kNoSuchCorsConfiguration);
  return *rules;
}

Expected<void, StoreError> Engine::put_cors(const std::string& bucket,
                                            std::vector<CorsRule> rules) {
  // The cache is updated under the lock that orders it with the index write,
  // so two concurrent puts leave the cache as the index ends up.
  std::lock_guard lock(cors_mutex_);
  auto stored = index_->set_cors(bucket, encode_rules(rules));
  if (!stored) return stored;
  cors_[bucket] = std::make_shared<const std::vector<CorsRule>>(std::move(rules));
  return {};
}

Expected<void, StoreError> Engine::delete_cors(const std::string& bucket) {
  std::lock_guard lock(cors_mutex_);
  auto stored = index_->set_cors(bucket, std::string());
  if (!stored) return stored;
  cors_.erase(bucket);
  return {};
}

}  // namespace satchel::store
