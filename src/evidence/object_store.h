// ObjectStore: the content-addressed evidence store (DESIGN.md §7). An object is named by the
// SHA-256 of its uncompressed bytes and kept zstd-compressed at <root>/objects/ab/cdef…
// (first two hex digits as the folder). Written once, atomically (temp file + rename, fsync),
// then made read-only (0444); putting bytes that are already stored is a no-op (dedup).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace inferbench::evidence {

class ObjectStore {
 public:
  explicit ObjectStore(std::string root);  // created on first Put

  const std::string& root() const { return root_; }

  // Stores `bytes`; returns the lowercase hex SHA-256 of the uncompressed bytes.
  Result<std::string> Put(std::string_view bytes);
  // Stores a file's bytes; `size` (when not null) receives the uncompressed size.
  Result<std::string> PutFile(const std::string& path, int64_t* size = nullptr);
  // The uncompressed bytes of an object. Error naming the digest when missing or unreadable.
  // Does not re-hash (see Verify).
  Result<std::string> Get(std::string_view digest) const;
  bool Has(std::string_view digest) const;
  // Re-hashes the decompressed bytes; error "object <digest>: content hashes to <other>" on a
  // mismatch, or the read/decompression error.
  Status Verify(std::string_view digest) const;
  std::string ObjectPath(std::string_view digest) const;
  // Removes an object (retention). Not an error when absent.
  Status Remove(std::string_view digest);

 private:
  std::string root_;
};

}  // namespace inferbench::evidence
