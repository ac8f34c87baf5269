#include "auth/issuer_keys.h"

#include <exception>

#include "auth/oidc_discovery.h"
#include "obs/log.h"

namespace satchel::auth {

KeyLookup make_key_lookup(std::shared_ptr<KeySource> source) {
  return [source = std::move(source)](std::string_view kid) { return source->find(kid); };
}

std::shared_ptr<IssuerKeys> IssuerKeys::create(std::string issuer,
                                               std::optional<std::string> jwks_uri,
                                               JwksCacheSettings settings, HttpGet get,
                                               const Clock& clock) {
  return std::shared_ptr<IssuerKeys>(
      new IssuerKeys(std::move(issuer), std::move(jwks_uri), settings, std::move(get), clock));
}

IssuerKeys::IssuerKeys(std::string issuer, std::optional<std::string> jwks_uri,
                       JwksCacheSettings settings, HttpGet get, const Clock& clock)
    : issuer_(std::move(issuer)),
      configured_jwks_uri_(std::move(jwks_uri)),
      get_(std::move(get)),
      cache_(settings, clock) {}

asio::awaitable<void> IssuerKeys::prepare(std::string kid) {
  auto executor = co_await asio::this_coro::executor;
  std::shared_ptr<Waiter> waiter;
  CachePlan plan;
  {
    std::lock_guard lock(mutex_);
    plan = cache_.plan(kid);
    if (plan.step == CachePlan::Step::kFetch || plan.step == CachePlan::Step::kAwaitFetch) {
      // Capacity 1, so the wake-up is kept even if it comes before the wait.
      waiter = std::make_shared<Waiter>(executor, 1);
      waiters_.push_back(waiter);
    }
  }
  if (plan.step == CachePlan::Step::kFetch || plan.step == CachePlan::Step::kFetchInBackground) {
    asio::co_spawn(executor, run_fetch(shared_from_this(), plan.reason), asio::detached);
  }
  if (waiter) co_await waiter->async_receive(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> IssuerKeys::run_fetch(std::shared_ptr<IssuerKeys> self, FetchReason reason) {
  std::optional<FetchedKeys> fetched;
  std::string error;
  try {
    auto outcome = co_await self->fetch_keys();
    if (outcome) {
      fetched = std::move(*outcome);
    } else {
      error = std::move(outcome).error();
    }
  } catch (const std::exception& exception) {
    error = exception.what();
  }
  if (fetched) {
    obs::info("fetched token signing keys",
              {{"issuer", self->issuer_},
               {"reason", fetch_reason_name(reason)},
               {"keys", static_cast<uint64_t>(fetched->keys->keys().size())},
               {"skipped", static_cast<uint64_t>(fetched->keys->skipped())},
               {"max_age_seconds", fetched->max_age ? int64_t{fetched->max_age->count()} : -1}});
  } else {
    obs::warn("fetching token signing keys failed, keeping the cached keys",
              {{"issuer", self->issuer_}, {"reason", fetch_reason_name(reason)}, {"error", error}});
  }
  self->finish_fetch(std::move(fetched));
}

void IssuerKeys::finish_fetch(std::optional<FetchedKeys> fetched) {
  std::vector<std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mutex_);
    if (fetched) {
      cache_.fetch_succeeded(std::move(fetched->keys), fetched->max_age);
    } else {
      cache_.fetch_failed();
      // The provider may have moved its keys, so the next fetch reads
      // the discovery document again.
      discovered_jwks_uri_.reset();
    }
    waiters.swap(waiters_);
  }
  for (const auto& waiter : waiters) waiter->try_send(boost::system::error_code{});
}

asio::awaitable<Expected<std::string, std::string>> IssuerKeys::jwks_location() {
  if (configured_jwks_uri_) co_return *configured_jwks_uri_;
  {
    std::lock_guard lock(mutex_);
    if (discovered_jwks_uri_) co_return *discovered_jwks_uri_;
  }
  const std::string url = discovery_url(issuer_);
  auto document = co_await get_(url);
  if (!document) co_return Unexpected("discovery at " + url + " failed: " + document.error());
  if (document->status != 200) {
    co_return Unexpected("discovery at " + url + " returned HTTP " +
                         std::to_string(document->status));
  }
  auto metadata = parse_provider_metadata(document->body, issuer_);
  if (!metadata) {
    co_return Unexpected("discovery at " + url + ": " +
                         std::string(discovery_error_description(metadata.error())));
  }
  std::lock_guard lock(mutex_);
  discovered_jwks_uri_ = metadata->jwks_uri;
  co_return metadata->jwks_uri;
}

asio::awaitable<Expected<IssuerKeys::FetchedKeys, std::string>> IssuerKeys::fetch_keys() {
  auto location = co_await jwks_location();
  if (!location) co_return Unexpected(std::move(location).error());
  auto document = co_await get_(*location);
  if (!document)
    co_return Unexpected("JWKS fetch from " + *location + " failed: " + document.error());
  if (document->status != 200) {
    co_return Unexpected("JWKS fetch from " + *location + " returned HTTP " +
                         std::to_string(document->status));
  }
  auto keys = JwkSet::parse(document->body);
  if (!keys) {
    co_return Unexpected("the JWKS from " + *location +
                         " is invalid: " + std::string(jwk_error_reason(keys.error())));
  }
  co_return FetchedKeys{std::make_shared<const JwkSet>(std::move(*keys)),
                        parse_cache_max_age(document->cache_control)};
}

}  // namespace satchel::auth
