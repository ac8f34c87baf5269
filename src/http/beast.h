// The Boost.Asio and Boost.Beast names used by Satchel's HTTP code, in one
// place. Include this only in HTTP-facing code: it is heavy, so the parts that
// need no sockets (s3 signing, auth, meta) never see it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace satchel::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using tcp = asio::ip::tcp;
using Status = bhttp::status;
using Verb = bhttp::verb;
using Field = bhttp::field;
using Response = bhttp::response<bhttp::string_body>;

// Completion token for coroutines that inspect error codes instead of
// catching exceptions.
inline constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

}  // namespace satchel::http
