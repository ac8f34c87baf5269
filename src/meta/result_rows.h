// Helpers both back ends use to turn result rows into records and pages.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/expected.h"
#include "meta/meta_error.h"
#include "meta/records.h"

namespace satchel::meta {

// Appends one converted row to rows. value is a T, or an Expected<T, MetaError> whose error is
// returned.
template <class T, class Value>
Expected<void, MetaError> append_row(std::vector<T>& rows, Value&& value) {
  if constexpr (std::is_same_v<std::decay_t<Value>, T>) {
    rows.push_back(std::forward<Value>(value));
  } else {
    if (!value) return Unexpected(value.error());
    rows.push_back(std::move(*value));
  }
  return {};
}

// Makes a page from rows read with a limit of page_size + 1. A row past page_size means that
// another page follows, so it is dropped and the page's cursor is cursor_of(last row kept).
template <class T, class CursorOf>
Page<T> page_from_rows(std::vector<T> rows, std::size_t page_size, CursorOf cursor_of) {
  Page<T> page{.items = std::move(rows), .next_cursor = std::nullopt};
  if (page.items.size() > page_size) {
    page.items.resize(page_size);
    page.next_cursor = cursor_of(page.items.back());
  }
  return page;
}

}  // namespace satchel::meta
