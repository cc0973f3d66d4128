#include "evidence/signing.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace inferbench::evidence {

namespace {

constexpr size_t kPublicKeyBytes = 32;
constexpr size_t kSignatureBytes = 64;

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::string KeygenHint(const std::string& path) {
  return fmt::format("create one with `openssl genpkey -algorithm ed25519 -out {}`", path);
}

std::string Hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes exactly `size` bytes of hex; false on any other length or a non-hex character.
bool Unhex(std::string_view hex, size_t size, std::vector<unsigned char>& out) {
  if (hex.size() != size * 2) return false;
  out.resize(size);
  for (size_t i = 0; i < size; ++i) {
    const int high = HexValue(hex[2 * i]);
    const int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<unsigned char>(high << 4 | low);
  }
  return true;
}

// The last OpenSSL error as text (and clears the queue).
std::string OpenSslError() {
  const unsigned long code = ERR_peek_last_error();
  std::string text = "unknown OpenSSL error";
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

// Never prompts: an encrypted key is refused instead of blocking on a terminal.
int NoPassword(char*, int, int, void*) { return -1; }

Result<std::string> ReadKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Error(fmt::format("cannot read key file {}: {}; {}", path, std::strerror(errno),
                                     KeygenHint(path)));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Status CheckEd25519(const EVP_PKEY* key, const std::string& path) {
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) return Status::Ok();
  const char* type = EVP_PKEY_get0_type_name(key);
  return Status::Error(fmt::format("key file {} holds a {} key, not an Ed25519 key; {}", path,
                                   type ? type : "non-Ed25519", KeygenHint(path)));
}

enum class KeyKind { kPrivate, kPrivateOrPublic };

Result<PkeyPtr> LoadKey(const std::string& path, KeyKind kind) {
  Result<std::string> text = ReadKeyFile(path);
  if (!text.ok()) return text.status();
  const bool encrypted = text->find("ENCRYPTED") != std::string::npos;
  BioPtr bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())), BIO_free);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr), EVP_PKEY_free);
  if (!key && kind == KeyKind::kPrivateOrPublic) {
    ERR_clear_error();
    BioPtr again(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())), BIO_free);
    key.reset(PEM_read_bio_PUBKEY(again.get(), nullptr, NoPassword, nullptr));
  }
  if (!key) {
    ERR_clear_error();
    if (encrypted) {
      return Status::Error(fmt::format(
          "key file {} is encrypted; inferbench needs an unencrypted PEM key (keep it safe with "
          "file permissions, e.g. chmod 600)",
          path));
    }
    return Status::Error(fmt::format(
        "key file {} does not hold a PEM {}; {}", path,
        kind == KeyKind::kPrivate ? "private key" : "private or public key", KeygenHint(path)));
  }
  if (Status s = CheckEd25519(key.get(), path); !s.ok()) return s;
  return key;
}

Result<std::string> RawPublicKeyHex(EVP_PKEY* key, const std::string& path) {
  unsigned char raw[kPublicKeyBytes];
  size_t length = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(key, raw, &length) != 1 || length != kPublicKeyBytes) {
    return Status::Error(
        fmt::format("key file {}: cannot read the public key ({})", path, OpenSslError()));
  }
  return Hex(raw, length);
}

// Writes a whole file with the given mode, refusing to replace an existing one.
Status WriteNewFile(const std::string& path, const std::string& content, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Status::Error(
          fmt::format("{} already exists; remove it or choose another path (keys are never "
                      "overwritten)",
                      path));
    }
    return Status::Error(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  }
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string error = std::strerror(errno);
      ::close(fd);
      return Status::Error(fmt::format("cannot write {}: {}", path, error));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Status::Error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  }
  return Status::Ok();
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

Result<Signature> SignDigest(const std::string& private_key_pem_path, std::string_view digest_hex) {
  Result<PkeyPtr> key = LoadKey(private_key_pem_path, KeyKind::kPrivate);
  if (!key.ok()) return key.status();
  Result<std::string> public_key = RawPublicKeyHex(key->get(), private_key_pem_path);
  if (!public_key.ok()) return public_key.status();

  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char signature[kSignatureBytes];
  size_t length = sizeof(signature);
  // Ed25519 hashes internally: no message digest, one-shot signing.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &length,
                     reinterpret_cast<const unsigned char*>(digest_hex.data()),
                     digest_hex.size()) != 1) {
    return Status::Error(fmt::format("signing with {} failed: {}", private_key_pem_path,
                                     OpenSslError()));
  }
  return Signature{*public_key, Hex(signature, length)};
}

Result<std::string> PublicKeyHexFromPem(const std::string& pem_path) {
  Result<PkeyPtr> key = LoadKey(pem_path, KeyKind::kPrivateOrPublic);
  if (!key.ok()) return key.status();
  return RawPublicKeyHex(key->get(), pem_path);
}

bool VerifyDigest(std::string_view public_key_hex, std::string_view digest_hex,
                  std::string_view signature_hex) {
  std::vector<unsigned char> raw_key;
  std::vector<unsigned char> signature;
  if (!Unhex(public_key_hex, kPublicKeyBytes, raw_key) ||
      !Unhex(signature_hex, kSignatureBytes, signature)) {
    return false;
  }
  PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw_key.data(), raw_key.size()),
              EVP_PKEY_free);
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const bool ok = key && ctx &&
                  EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
                  EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                                   reinterpret_cast<const unsigned char*>(digest_hex.data()),
                                   digest_hex.size()) == 1;
  ERR_clear_error();
  return ok;
}

Status GenerateKeyPair(const std::string& private_key_pem_path) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
  if (!key) return Status::Error("cannot generate an Ed25519 key: " + OpenSslError());
  BioPtr private_pem(BIO_new(BIO_s_mem()), BIO_free);
  BioPtr public_pem(BIO_new(BIO_s_mem()), BIO_free);
  if (!private_pem || !public_pem ||
      PEM_write_bio_PrivateKey(private_pem.get(), key.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1 ||
      PEM_write_bio_PUBKEY(public_pem.get(), key.get()) != 1) {
    return Status::Error("cannot encode the Ed25519 key as PEM: " + OpenSslError());
  }
  const std::string public_path = private_key_pem_path + ".pub";
  if (Status s = WriteNewFile(private_key_pem_path, BioText(private_pem.get()), 0600); !s.ok()) {
    return s;
  }
  if (Status s = WriteNewFile(public_path, BioText(public_pem.get()), 0644); !s.ok()) {
    ::unlink(private_key_pem_path.c_str());
    return s;
  }
  return Status::Ok();
}

}  // namespace inferbench::evidence
