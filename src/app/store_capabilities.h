// Optional S3 features that Satchel uses when the store honours them, and
// the start-up probe that finds out. Without them Satchel is still correct:
// complete checks the metadata revision the upload started from, and every
// download is presigned for the committed version id.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/beast.h"

namespace satchel::app {

class S3Gateway;

// A capability's setting: kAuto probes the store at start-up, kOn trusts
// the store without probing, kOff never uses the feature.
enum class CapabilitySetting { kAuto, kOn, kOff };

std::string_view capability_setting_name(CapabilitySetting setting);

struct StoreCapabilities {
  // Presigned PUTs carry the upload's precondition (If-None-Match: * for a
  // create-only upload, If-Match with the committed ETag for a replace), so
  // the store rejects a PUT that lost a race with 412 before any bytes land.
  bool conditional_writes = false;
  // Presigned PUTs with a SHA-256 also carry x-amz-checksum-sha256, and
  // complete reads the stored checksum back (x-amz-checksum-mode: ENABLED)
  // and compares it with the upload's.
  bool checksums = false;
};

// HTTP statuses the probe got for three PUTs on one existing key.
struct ConditionalWriteObservation {
  unsigned create_only_status = 0;    // If-None-Match: *
  unsigned stale_match_status = 0;    // If-Match with an ETag the key never had
  unsigned current_match_status = 0;  // If-Match with the key's ETag
};

// Statuses and checksums the probe observed for PUTs carrying
// x-amz-checksum-sha256.
struct ChecksumObservation {
  unsigned wrong_checksum_status = 0;  // the checksum of other bytes
  unsigned right_checksum_status = 0;
  std::string sent_checksum;      // base64 SHA-256 of the right PUT's body
  std::string returned_checksum;  // x-amz-checksum-sha256 of a HEAD in checksum mode
};

// True when the store returned what S3 returns: 412, 412, then 2xx. Pacific
// RGW (Ceph 16.2.15) on a versioned bucket ignores If-None-Match and returns
// 412 for every If-Match, so it fails this test.
bool conditional_writes_honoured(const ConditionalWriteObservation& observed);

// True when the store rejected the wrong checksum with 400 (BadDigest),
// accepted the right one, and returns it on HEAD.
bool checksums_honoured(const ChecksumObservation& observed);

// The capability in use: on or off as configured, and for kAuto the probe's
// finding. A probe that could not finish (nullopt) counts as off, because
// off is correct with every store.
bool decide_capability(CapabilitySetting setting, std::optional<bool> probed);

// The capabilities of the embedded store of this binary, decided without a
// probe: it honours both features (its own unit tests check them), so kAuto
// turns each on. Logs each decision as the probe does. Skipping the probe's
// PUTs, which sync the disk, shortens the start-up.
StoreCapabilities decide_embedded_store_capabilities(CapabilitySetting conditional_writes,
                                                     CapabilitySetting checksums);

// Keys of the probe's scratch objects start with this. A user's key always
// has three or more segments ("{tenant}/{subject}/{name}"), so this two
// segment key never meets one.
inline constexpr std::string_view kProbeKeyPrefix = ".satchel-probe/";

// Probes the store for each capability set to kAuto, with scratch objects
// under kProbeKeyPrefix that it deletes again (every version it created),
// logs what it found and returns the capabilities to use. Returns no error:
// a store error during a probe logs a warning and turns that capability off.
boost::asio::awaitable<StoreCapabilities> probe_store_capabilities(
    S3Gateway& gateway, CapabilitySetting conditional_writes, CapabilitySetting checksums);

}  // namespace satchel::app
