// Runs a blocking call (SQLite, fsync, file reads) on a worker pool and
// resumes the calling coroutine on its own executor, so no I/O thread waits
// on disk.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <type_traits>
#include <utility>

#include "http/beast.h"
#include "obs/request_context.h"

namespace satchel::http {

// Calls fn() on the pool and returns its result to the awaiting coroutine.
// fn must not throw. The caller's request context is installed on the worker
// while fn runs, so its log lines carry the request id.
template <class Fn, class Result = std::invoke_result_t<Fn>>
asio::awaitable<Result> offload(asio::thread_pool& pool, Fn fn) {
  auto initiation = [&pool](auto handler, Fn work) {
    // The awaiting coroutine keeps the context alive until it resumes.
    obs::RequestContext* context = obs::current_request();
    asio::post(pool, [handler = std::move(handler), work = std::move(work), context]() mutable {
      Result result = [&] {
        obs::ScopedRequestContext scope(context);
        return work();
      }();
      auto executor = asio::get_associated_executor(handler);
      asio::dispatch(executor,
                     [handler = std::move(handler), result = std::move(result)]() mutable {
                       std::move(handler)(std::move(result));
                     });
    });
  };
  return asio::async_initiate<decltype(asio::use_awaitable), void(Result)>(
      initiation, asio::use_awaitable, std::move(fn));
}

}  // namespace satchel::http
