// An executor that installs a connection's obs::RequestContext on the thread
// around every function it runs. The HTTP server runs each connection's
// coroutine on one, so whenever that coroutine resumes, on any I/O thread,
// obs::current_request() names its request. That is how log lines and store
// calls deep inside a handler get the request id and trace context without
// passing them through every interface.
#pragma once

#include <boost/asio/execution.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>
#include <memory>
#include <utility>

#include "obs/request_context.h"

namespace satchel::http {

template <class Inner>
class ContextExecutor {
 public:
  ContextExecutor(Inner inner, std::shared_ptr<obs::RequestContext> context) noexcept
      : inner_(std::move(inner)), context_(std::move(context)) {}

  const Inner& inner() const noexcept { return inner_; }
  const std::shared_ptr<obs::RequestContext>& context() const noexcept { return context_; }

  template <class Property>
  auto query(const Property& property) const
      noexcept(noexcept(boost::asio::query(std::declval<const Inner&>(), property)))
          -> decltype(boost::asio::query(std::declval<const Inner&>(), property)) {
    return boost::asio::query(inner_, property);
  }

  template <class Property>
  auto require(const Property& property) const -> ContextExecutor<
      std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), property))>> {
    return {boost::asio::require(inner_, property), context_};
  }

  template <class Property>
  auto prefer(const Property& property) const -> ContextExecutor<
      std::decay_t<decltype(boost::asio::prefer(std::declval<const Inner&>(), property))>> {
    return {boost::asio::prefer(inner_, property), context_};
  }

  template <class Function>
  void execute(Function&& function) const {
    inner_.execute([context = context_, function = std::forward<Function>(function)]() mutable {
      obs::ScopedRequestContext scope(context.get());
      std::move(function)();
    });
  }

  friend bool operator==(const ContextExecutor& a, const ContextExecutor& b) noexcept {
    return a.inner_ == b.inner_ && a.context_ == b.context_;
  }
  friend bool operator!=(const ContextExecutor& a, const ContextExecutor& b) noexcept {
    return !(a == b);
  }

 private:
  Inner inner_;
  std::shared_ptr<obs::RequestContext> context_;
};

}  // namespace satchel::http
