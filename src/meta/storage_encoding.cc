#include "meta/storage_encoding.h"

namespace satchel::meta {

std::string_view upload_state_text(UploadState state) {
  switch (state) {
    case UploadState::kPending:
      return "pending";
    case UploadState::kCompleted:
      return "completed";
    case UploadState::kAborted:
      return "aborted";
  }
  return "aborted";
}

std::optional<UploadState> parse_upload_state(std::string_view text) {
  if (text == "pending") return UploadState::kPending;
  if (text == "completed") return UploadState::kCompleted;
  if (text == "aborted") return UploadState::kAborted;
  return std::nullopt;
}

}  // namespace satchel::meta
