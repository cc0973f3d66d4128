// SHA-256 digests (FIPS 180-4) as lower-case hex, the content address of every evidence artifact
// and the form of every digest inferbench records (workload_spec_digest, manifest digests, …).
// Backed by OpenSSL's EVP interface; OpenSSL stays out of this header.
#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace inferbench {

// The 64-character lower-case hex SHA-256 of bytes.
std::string Sha256Hex(std::string_view bytes);

// Incremental hashing for data that arrives in pieces (files, streams).
// Thread-compatible. Move-only; a moved-from hasher may only be destroyed or assigned to.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&& other) noexcept;
  Sha256& operator=(Sha256&& other) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // Returns the digest of everything passed to Update since construction or the previous
  // FinishHex, and starts over with an empty message.
  std::string FinishHex();

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace inferbench
