// A Beast body that sends a byte range of an object through its
// ObjectReader, so GET never loads an object into memory and every byte sent
// of an encrypted file has been verified first.
#pragma once

#include <algorithm>
#include <boost/optional.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "http/beast.h"
#include "store/object_reader.h"

namespace satchel::store {

struct ObjectFileBody {
  // offset and length select the plaintext bytes sent, which lets range
  // reads reuse this body.
  class value_type {
   public:
    value_type() = default;
    value_type(ObjectReader reader, uint64_t offset, uint64_t length)
        : reader_(std::make_unique<ObjectReader>(std::move(reader))),
          offset_(offset),
          length_(length) {}

    ObjectReader& reader() const { return *reader_; }
    uint64_t offset() const { return offset_; }
    uint64_t length() const { return length_; }

   private:
    std::unique_ptr<ObjectReader> reader_;
    uint64_t offset_ = 0;
    uint64_t length_ = 0;
  };

  static std::uint64_t size(const value_type& body) { return body.length(); }

  // NOTE: reads and decryption run on the connection's I/O thread. Object
  // files are usually in the page cache right after a write, but a cold read
  // of a large object on a slow disk stalls the other connections of that
  // thread.
  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(const http::bhttp::header<isRequest, Fields>&, const value_type& body) : body_(body) {}

    void init(boost::system::error_code& error) { error = {}; }

    // A segment that fails authentication ends the response with an error,
    // which closes the connection before Content-Length bytes went out, so
    // the client sees a failed transfer rather than altered bytes. The
    // reader has logged the failure.
    boost::optional<std::pair<const_buffers_type, bool>> get(boost::system::error_code& error) {
      uint64_t remaining = body_.length() - sent_;
      if (remaining == 0) {
        error = {};
        return boost::none;
      }
      auto piece = body_.reader().read_at(body_.offset() + sent_, remaining);
      if (!piece || piece->empty()) {
        error = boost::asio::error::make_error_code(boost::asio::error::connection_aborted);
        return boost::none;
      }
      sent_ += piece->size();
      error = {};
      return std::make_pair(const_buffers_type(piece->data(), piece->size()),
                            sent_ < body_.length());
    }

   private:
    const value_type& body_;
    uint64_t sent_ = 0;
  };
};

}  // namespace satchel::store
