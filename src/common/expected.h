// A value-or-error result type with the shape of C++23 std::expected, for the
// error-as-value boundaries of every part. GCC 12 in Debian 12 does not ship
// <expected> in C++20 mode, so this keeps the same names to make the later
// switch a search and replace.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace satchel {

template <class E>
class Unexpected {
 public:
  explicit Unexpected(E error) : error_(std::move(error)) {}
  const E& error() const& { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_;
};

template <class E>
Unexpected(E) -> Unexpected<E>;

template <class T, class E>
class Expected {
 public:
  template <class U = T>
    requires std::is_constructible_v<T, U&&>
  Expected(U&& value) : state_(std::in_place_index<0>, std::forward<U>(value)) {}

  template <class G>
  Expected(Unexpected<G> unexpected)
      : state_(std::in_place_index<1>, std::move(unexpected).error()) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(state_));
  }

  const E& error() const& {
    assert(!has_value());
    return std::get<1>(state_);
  }
  E&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(state_));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, E> state_;
};

// Expected<void, E>: success carries no value.
template <class E>
class Expected<void, E> {
 public:
  Expected() = default;

  template <class G>
  Expected(Unexpected<G> unexpected) : error_(std::move(unexpected).error()), failed_(true) {}

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  const E& error() const {
    assert(failed_);
    return error_;
  }

 private:
  E error_{};
  bool failed_ = false;
};

}  // namespace satchel
