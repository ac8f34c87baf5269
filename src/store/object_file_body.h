// A Beast body that sends a byte range of an open file in large chunks, so
// GET never loads an object into memory and needs no extra copies beyond
// one read buffer per response.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <boost/optional.hpp>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <utility>

#include "http/beast.h"

namespace satchel::store {

struct ObjectFileBody {
  // Owns the descriptor. offset and length select the bytes sent, which
  // lets range reads reuse this body.
  class value_type {
   public:
    value_type() = default;
    value_type(int fd, uint64_t offset, uint64_t length)
        : fd_(fd), offset_(offset), length_(length) {}
    value_type(value_type&& other) noexcept
        : fd_(std::exchange(other.fd_, -1)), offset_(other.offset_), length_(other.length_) {}
    value_type& operator=(value_type&& other) noexcept {
      if (this != &other) {
        reset();
        fd_ = std::exchange(other.fd_, -1);
        offset_ = other.offset_;
        length_ = other.length_;
      }
      return *this;
    }
    value_type(const value_type&) = delete;
    value_type& operator=(const value_type&) = delete;
    ~value_type() { reset(); }

    int fd() const { return fd_; }
    uint64_t offset() const { return offset_; }
    uint64_t length() const { return length_; }

   private:
    void reset() {
      if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

    int fd_ = -1;
    uint64_t offset_ = 0;
    uint64_t length_ = 0;
  };

  static std::uint64_t size(const value_type& body) { return body.length(); }

  // NOTE: pread() runs on the connection's I/O thread. Object files are
  // usually in the page cache right after a write, but a cold read of a
  // large object on a slow disk stalls the other connections of that thread.
  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;
    static constexpr size_t kChunkBytes = 256 * 1024;

    template <bool isRequest, class Fields>
    writer(const http::bhttp::header<isRequest, Fields>&, const value_type& body) : body_(body) {}

    void init(boost::system::error_code& error) {
      size_t capacity = static_cast<size_t>(std::min<uint64_t>(body_.length(), kChunkBytes));
      buffer_ = std::make_unique<char[]>(std::max<size_t>(capacity, 1));
      capacity_ = capacity;
      error = {};
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::system::error_code& error) {
      uint64_t remaining = body_.length() - sent_;
      if (remaining == 0) {
        error = {};
        return boost::none;
      }
      size_t wanted = static_cast<size_t>(std::min<uint64_t>(remaining, capacity_));
      ssize_t count;
      do {
        count =
            ::pread(body_.fd(), buffer_.get(), wanted, static_cast<off_t>(body_.offset() + sent_));
      } while (count < 0 && errno == EINTR);
      if (count < 0) {
        error = boost::system::error_code(errno, boost::system::system_category());
        return boost::none;
      }
      if (count == 0) {
        // The file is shorter than the index records: fail the response rather
        // than send fewer bytes than Content-Length.
        error = boost::asio::error::eof;
        return boost::none;
      }
      sent_ += static_cast<uint64_t>(count);
      error = {};
      return std::make_pair(const_buffers_type(buffer_.get(), static_cast<size_t>(count)),
                            sent_ < body_.length());
    }

   private:
    const value_type& body_;
    std::unique_ptr<char[]> buffer_;
    size_t capacity_ = 0;
    uint64_t sent_ = 0;
  };
};

}  // namespace satchel::store
