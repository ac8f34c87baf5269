#include "app/api.h"

namespace satchel::app {

Api::Api(ApiConfig config, Authenticator authenticator, meta::Repository& repository,
         StoreGateway& store, boost::asio::thread_pool& workers, const Clock& clock)
    : config_(std::move(config)),
      authenticator_(std::move(authenticator)),
      repository_(repository),
      store_(store),
      workers_(workers),
      clock_(clock) {}

void Api::register_routes(http::Router& router) {
  using http::Verb;
  auto bind = [this](Reply (Api::*method)(http::Request&)) {
    return [this, method](http::Request& request, const http::PathParams&) {
      return (this->*method)(request);
    };
  };
  auto bind_params = [this](Reply (Api::*method)(http::Request&, const http::PathParams&)) {
    return [this, method](http::Request& request, const http::PathParams& params) {
      return (this->*method)(request, params);
    };
  };
  router.add(Verb::post, "/v1/uploads", bind(&Api::create_upload));
  router.add(Verb::post, "/v1/uploads/{id}/complete", bind_params(&Api::complete_upload));
  router.add(Verb::get, "/v1/objects", bind(&Api::list_objects));
  router.add(Verb::get, "/v1/objects/{name...}", bind_params(&Api::get_object));
  router.add(Verb::delete_, "/v1/objects/{name...}", bind_params(&Api::delete_object));
  router.add(Verb::post, "/v1/downloads", bind(&Api::create_download));
  router.add(Verb::post, "/presign/upload", bind(&Api::tutorial_presign_upload));
  router.add(Verb::get, "/presign/download", bind(&Api::tutorial_presign_download));
}

}  // namespace satchel::app
