// `satchel store credentials`: the embedded store's endpoint and admin key as
// shell lines, so any S3 tool can be pointed at it with one eval.
#include <iostream>

#include "cli/options.h"
#include "store/credentials.h"

namespace satchel::cli {

int run_store_credentials(const std::filesystem::path& data_dir, const std::string& store_listen) {
  auto address = parse_host_port(store_listen);
  if (!address) {
    std::cerr << "satchel store credentials: invalid --store-listen: " << address.error() << "\n";
    return 2;
  }
  if (!std::filesystem::exists(store::credentials_path(data_dir))) {
    std::cerr << "satchel store credentials: " << store::credentials_path(data_dir).string()
              << " does not exist. Start `satchel serve` with this --data-dir once first.\n";
    return 1;
  }
  auto credentials = store::load_or_create_credentials(data_dir);
  if (!credentials) {
    std::cerr << "satchel store credentials: " << credentials.error() << "\n";
    return 1;
  }
  // AWS CLI releases before 2.13 (Debian 12 ships 2.9) ignore AWS_ENDPOINT_URL and would send
  // the signed request to AWS, so the output says to pass the endpoint explicitly.
  std::cout << "# AWS CLI before 2.13 ignores AWS_ENDPOINT_URL: run aws --endpoint-url "
               "\"$AWS_ENDPOINT_URL\" ...\n"
            << "export AWS_ENDPOINT_URL='http://" << address->to_string() << "'\n"
            << "export AWS_ACCESS_KEY_ID='" << credentials->admin.access_key_id << "'\n"
            << "export AWS_SECRET_ACCESS_KEY='" << credentials->admin.secret_access_key.reveal()
            << "'\n"
            << "export AWS_DEFAULT_REGION='us-east-1'\n"
            << "export SATCHEL_BUCKET='satchel'\n";
  return 0;
}

}  // namespace satchel::cli
