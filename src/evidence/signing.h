// Ed25519 signing of the manifest digest (OpenSSL EVP). Keys are PEM files as written by
// `openssl genpkey -algorithm ed25519 -out key.pem` (private) and `openssl pkey -in key.pem
// -pubout` (public). The message signed is the ASCII hex artifact_manifest_digest.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace inferbench::evidence {

struct Signature {
  std::string public_key_hex;  // 32-byte raw public key, hex
  std::string signature_hex;   // 64-byte signature, hex
};

// Errors name the key file and say what is wrong (missing, not PEM, not an Ed25519 key).
Result<Signature> SignDigest(const std::string& private_key_pem_path, std::string_view digest_hex);
// The raw public key (hex) of a PEM file holding either a private or a public Ed25519 key.
Result<std::string> PublicKeyHexFromPem(const std::string& pem_path);
// true when `signature_hex` is a valid signature of `digest_hex` by `public_key_hex`.
bool VerifyDigest(std::string_view public_key_hex, std::string_view digest_hex,
                  std::string_view signature_hex);
// Writes a fresh private key PEM (0600) and its public PEM next to it (<path>.pub); for
// `inferbench evidence keygen` and tests.
Status GenerateKeyPair(const std::string& private_key_pem_path);

}  // namespace inferbench::evidence
