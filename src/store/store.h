// The embedded S3-compatible object store: the storage engine behind an
// HTTP handler that speaks path-style S3 with SigV4 authentication.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/expected.h"
#include "http/server.h"
#include "store/authenticator.h"
#include "store/credentials.h"
#include "store/engine.h"
#include "store/store_options.h"

namespace satchel::store {

class RequestHandler;

class Store {
 public:
  // Opens the store under <options.data_dir>/store, creating on first start
  // the layout, the credentials file, the master key file (unless
  // options.master_key is set) and the default bucket (versioning enabled).
  // Starts the background threads that rewrap data keys after a master key
  // rotation and apply bucket lifecycle rules. Blocking work of requests runs on pool, which must
  // outlive the store. Returns a message naming the file or folder on failure.
  static Expected<std::unique_ptr<Store>, std::string> open(StoreOptions options,
                                                            boost::asio::thread_pool& pool);
  // As above with another authenticator, for tests.
  static Expected<std::unique_ptr<Store>, std::string> open(
      StoreOptions options, boost::asio::thread_pool& pool,
      std::unique_ptr<Authenticator> authenticator);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The handler to run on an http::Server. The store must outlive every
  // server that uses it.
  http::Handler make_handler();

  // Server settings the store needs: the name "store" for logs, and no
  // server body limit, because the handler rejects bodies over
  // max_object_bytes with S3's EntityTooLarge.
  http::ServerOptions server_options(std::string host, uint16_t port) const;

  // The storage engine, for direct calls (blocking; not on an I/O thread).
  Engine& engine() { return *engine_; }
  const StoreCredentials& credentials() const { return credentials_; }
  const StoreOptions& options() const { return options_; }

 private:
  Store(StoreOptions options, StoreCredentials credentials, std::unique_ptr<Engine> engine,
        std::unique_ptr<Authenticator> authenticator, boost::asio::thread_pool& pool);
  void follow_key_rotation(const std::stop_token& stop);
  void apply_lifecycle_periodically(const std::stop_token& stop);

  StoreOptions options_;
  StoreCredentials credentials_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<RequestHandler> handler_;
  // Declared last so that they stop before the engine they use is destroyed.
  std::jthread key_rotation_;
  std::jthread lifecycle_;
};

}  // namespace satchel::store
