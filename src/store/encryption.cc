#include "store/encryption.h"

#include <openssl/evp.h>

#include <cstring>
#include <memory>

namespace satchel::store {
namespace {

constexpr std::string_view kMagic = "\x89SATCHEL";
constexpr uint8_t kFormatVersion = 1;
constexpr uint8_t kCipherSuite = 1;
constexpr size_t kNonceBytes = 12;
constexpr std::string_view kAdditionalDataLabel = "satchel/object-data/v1";
// Offsets of the header fields, as in the layout in encryption.h.
constexpr size_t kVersionOffset = 8;
constexpr size_t kSuiteOffset = 9;
constexpr size_t kKeyIdLengthOffset = 10;
constexpr size_t kWrappedLengthOffset = 11;
constexpr size_t kSegmentBytesOffset = 12;
constexpr size_t kNoncePrefixOffset = 16;
constexpr size_t kKeyIdOffset = 24;
constexpr size_t kWrappedKeyOffset = 56;

struct FreeCipherContext {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, FreeCipherContext>;

CipherContext new_context() {
  CipherContext context(EVP_CIPHER_CTX_new());
  // Only allocation fails here, and nothing can continue without memory.
  if (!context) std::abort();
  return context;
}

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

void put_be(std::string& out, uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint64_t get_be(std::string_view in, size_t offset, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value = (value << 8) | static_cast<uint8_t>(in[offset + static_cast<size_t>(i)]);
  }
  return value;
}

}  // namespace

std::string_view describe(EncryptionError error) {
  switch (error) {
    case EncryptionError::kMalformedHeader:
      return "the data file's encryption header is malformed";
    case EncryptionError::kUnknownMasterKey:
      return "the master key named by the data file is not in the key ring";
    case EncryptionError::kWrongMasterKey:
      return "the data key does not unwrap: the master key of that id is not the one it was "
             "wrapped with";
    case EncryptionError::kWrongLength:
      return "the data file's length does not match the object's size";
    case EncryptionError::kAuthenticationFailed:
      return "a segment of the data file failed authentication";
    case EncryptionError::kIo:
      return "the data file cannot be read";
  }
  return "unknown encryption error";
}

bool has_encryption_magic(std::string_view bytes) { return bytes.starts_with(kMagic); }

std::string encode_header(const EncryptionHeader& header) {
  std::string out(kMagic);
  out.push_back(static_cast<char>(kFormatVersion));
  out.push_back(static_cast<char>(kCipherSuite));
  out.push_back(static_cast<char>(header.key_id.size()));
  out.push_back(static_cast<char>(header.wrapped_key.size()));
  put_be(out, header.segment_bytes, 4);
  out += header.nonce_prefix;
  std::string key_id = header.key_id;
  key_id.resize(kMaxKeyIdBytes, '\0');
  out += key_id;
  out += header.wrapped_key;
  return out;
}

Expected<EncryptionHeader, EncryptionError> decode_header(std::string_view bytes) {
  if (bytes.size() < kEncryptionHeaderBytes || !has_encryption_magic(bytes)) {
    return Unexpected(EncryptionError::kMalformedHeader);
  }
  auto version = static_cast<uint8_t>(bytes[kVersionOffset]);
  auto suite = static_cast<uint8_t>(bytes[kSuiteOffset]);
  auto key_id_length = static_cast<uint8_t>(bytes[kKeyIdLengthOffset]);
  auto wrapped_length = static_cast<uint8_t>(bytes[kWrappedLengthOffset]);
  EncryptionHeader header;
  header.segment_bytes = static_cast<uint32_t>(get_be(bytes, kSegmentBytesOffset, 4));
  if (version != kFormatVersion || suite != kCipherSuite || key_id_length == 0 ||
      key_id_length > kMaxKeyIdBytes || wrapped_length != kWrappedKeyBytes ||
      header.segment_bytes == 0) {
    return Unexpected(EncryptionError::kMalformedHeader);
  }
  header.nonce_prefix = std::string(bytes.substr(kNoncePrefixOffset, kNoncePrefixBytes));
  header.key_id = std::string(bytes.substr(kKeyIdOffset, key_id_length));
  header.wrapped_key = std::string(bytes.substr(kWrappedKeyOffset, kWrappedKeyBytes));
  return header;
}

std::string wrap_key(const Secret& master_key, const Secret& data_key) {
  auto context = new_context();
  EVP_CIPHER_CTX_set_flags(context.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  std::string out(data_key.reveal().size() + 16, '\0');
  int written = 0;
  int final_bytes = 0;
  auto* buffer = reinterpret_cast<unsigned char*>(out.data());
  bool ok = EVP_EncryptInit_ex(context.get(), EVP_aes_256_wrap_pad(), nullptr,
                               bytes_of(master_key.reveal()), nullptr) == 1 &&
            EVP_EncryptUpdate(context.get(), buffer, &written, bytes_of(data_key.reveal()),
                              static_cast<int>(data_key.reveal().size())) == 1 &&
            EVP_EncryptFinal_ex(context.get(), buffer + written, &final_bytes) == 1;
  // Wrapping a 32-byte key under a 32-byte key fails only in a broken
  // OpenSSL, and no caller could recover from that.
  if (!ok) std::abort();
  out.resize(static_cast<size_t>(written + final_bytes));
  return out;
}

Expected<Secret, EncryptionError> unwrap_key(const Secret& master_key, std::string_view wrapped) {
  auto context = new_context();
  EVP_CIPHER_CTX_set_flags(context.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  std::string out(wrapped.size(), '\0');
  int written = 0;
  int final_bytes = 0;
  auto* buffer = reinterpret_cast<unsigned char*>(out.data());
  bool ok = EVP_DecryptInit_ex(context.get(), EVP_aes_256_wrap_pad(), nullptr,
                               bytes_of(master_key.reveal()), nullptr) == 1 &&
            EVP_DecryptUpdate(context.get(), buffer, &written, bytes_of(wrapped),
                              static_cast<int>(wrapped.size())) == 1 &&
            EVP_DecryptFinal_ex(context.get(), buffer + written, &final_bytes) == 1;
  if (!ok) return Unexpected(EncryptionError::kWrongMasterKey);
  out.resize(static_cast<size_t>(written + final_bytes));
  if (out.size() != kDataKeyBytes) return Unexpected(EncryptionError::kWrongMasterKey);
  return Secret(std::move(out));
}

uint64_t SegmentLayout::segment_count() const {
  if (plaintext_bytes == 0) return 1;
  return (plaintext_bytes + segment_bytes - 1) / segment_bytes;
}

uint64_t SegmentLayout::file_bytes() const {
  return kEncryptionHeaderBytes + plaintext_bytes + segment_count() * kSegmentTagBytes;
}

uint64_t SegmentLayout::segment_offset(uint64_t index) const {
  return kEncryptionHeaderBytes + index * (uint64_t{segment_bytes} + kSegmentTagBytes);
}

uint64_t SegmentLayout::segment_plaintext_bytes(uint64_t index) const {
  if (!is_last(index)) return segment_bytes;
  return plaintext_bytes - index * uint64_t{segment_bytes};
}

std::string SegmentCipher::nonce(uint64_t index) const {
  std::string out = nonce_prefix_;
  put_be(out, index, 4);
  return out;
}

std::string SegmentCipher::additional_data(uint64_t index, bool last) const {
  std::string out(kAdditionalDataLabel);
  out.push_back(static_cast<char>(file_id_.size()));
  out += file_id_;
  put_be(out, index, 8);
  out.push_back(last ? '\1' : '\0');
  return out;
}

std::string SegmentCipher::seal(uint64_t index, bool last, std::string_view plaintext) const {
  auto context = new_context();
  std::string iv = nonce(index);
  std::string aad = additional_data(index, last);
  std::string out(plaintext.size() + kSegmentTagBytes, '\0');
  auto* buffer = reinterpret_cast<unsigned char*>(out.data());
  int written = 0;
  int final_bytes = 0;
  bool ok = EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_EncryptInit_ex(context.get(), nullptr, nullptr, bytes_of(data_key_.reveal()),
                               bytes_of(iv)) == 1 &&
            EVP_EncryptUpdate(context.get(), nullptr, &written, bytes_of(aad),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(context.get(), buffer, &written, bytes_of(plaintext),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(context.get(), buffer + written, &final_bytes) == 1 &&
            EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kSegmentTagBytes,
                                buffer + plaintext.size()) == 1;
  // GCM encryption of at most one segment fails only in a broken OpenSSL,
  // and no caller could recover from that.
  if (!ok) std::abort();
  return out;
}

Expected<void, EncryptionError> SegmentCipher::open(uint64_t index, bool last,
                                                    std::string_view sealed, char* out) const {
  if (sealed.size() < kSegmentTagBytes) return Unexpected(EncryptionError::kAuthenticationFailed);
  auto context = new_context();
  std::string iv = nonce(index);
  std::string aad = additional_data(index, last);
  size_t ciphertext_bytes = sealed.size() - kSegmentTagBytes;
  std::string tag(sealed.substr(ciphertext_bytes));
  auto* buffer = reinterpret_cast<unsigned char*>(out);
  int written = 0;
  int final_bytes = 0;
  bool ok =
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
      EVP_DecryptInit_ex(context.get(), nullptr, nullptr, bytes_of(data_key_.reveal()),
                         bytes_of(iv)) == 1 &&
      EVP_DecryptUpdate(context.get(), nullptr, &written, bytes_of(aad),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(context.get(), buffer, &written, bytes_of(sealed),
                        static_cast<int>(ciphertext_bytes)) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kSegmentTagBytes, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(context.get(), buffer + written, &final_bytes) == 1;
  if (!ok) return Unexpected(EncryptionError::kAuthenticationFailed);
  return {};
}

}  // namespace satchel::store
