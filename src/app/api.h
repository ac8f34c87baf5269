// The product API: uploads, downloads, listing and deletes for the caller's
// own space, plus the routes of the original tutorial. Handlers are thin:
// they authenticate, validate, ask the policy, then call the metadata
// repository (on the worker pool) and the store gateway.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "app/config.h"
#include "app/store_gateway.h"
#include "common/clock.h"
#include "common/expected.h"
#include "http/router.h"
#include "meta/repository.h"
#include "policy/access.h"

namespace satchel::app {

struct AuthFailure {
  std::string reason;            // stable code such as "expired", for logs and metrics
  std::string www_authenticate;  // the RFC 6750 challenge header value
};

// Verifies a bearer token (without the "Bearer " prefix) and returns who
// sent it.
using Authenticator =
    std::function<Expected<policy::Principal, AuthFailure>(std::string_view token)>;

class Api {
 public:
  Api(ApiConfig config, Authenticator authenticator, meta::Repository& repository,
      StoreGateway& store, boost::asio::thread_pool& workers, const Clock& clock);

  void register_routes(http::Router& router);

 private:
  using Reply = http::asio::awaitable<http::bhttp::message_generator>;

  Reply create_upload(http::Request& request);
  Reply complete_upload(http::Request& request, const http::PathParams& params);
  Reply list_objects(http::Request& request);
  Reply get_object(http::Request& request, const http::PathParams& params);
  Reply delete_object(http::Request& request, const http::PathParams& params);
  Reply create_download(http::Request& request);
  Reply tutorial_presign_upload(http::Request& request);
  Reply tutorial_presign_download(http::Request& request);

  ApiConfig config_;
  Authenticator authenticator_;
  meta::Repository& repository_;
  StoreGateway& store_;
  boost::asio::thread_pool& workers_;
  const Clock& clock_;
};

}  // namespace satchel::app
