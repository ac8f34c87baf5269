// Graceful shutdown on SIGINT and SIGTERM.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <vector>

#include "http/server.h"

namespace satchel::cli {

// On the first SIGINT or SIGTERM: sets draining, then stops the servers one
// after the other in the order given, each time waiting until its
// connections have closed, and stops io once all are idle or the deadline
// has passed. The API comes first, so that its requests in flight can still
// reach the embedded store. A second signal stops io at once.
//
// io, signals, servers and draining must outlive the io_context's run.
void drain_on_signal(boost::asio::io_context& io, boost::asio::signal_set& signals,
                     std::vector<http::Server*> servers, std::chrono::seconds deadline,
                     std::atomic<bool>& draining);

}  // namespace satchel::cli
