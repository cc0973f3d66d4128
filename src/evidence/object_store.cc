#include "evidence/object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "core/sha256.h"

namespace inferbench::evidence {

namespace {

constexpr int kZstdLevel = 3;
constexpr size_t kReadChunk = size_t{256} << 10;

std::string Errno() { return std::strerror(errno); }

bool IsDigest(std::string_view digest) {
  if (digest.size() != 64) return false;
  for (char c : digest) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status BadDigest(std::string_view digest) {
  return Status::Error(fmt::format(
      "object \"{}\": not a SHA-256 digest (64 lower-case hex characters)", digest));
}

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error close() gives (deferred write errors on some filesystems).
  bool Close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

// An uninitialised byte buffer (filling it with zeros first costs more than the hashing).
class Buffer {
 public:
  explicit Buffer(size_t size) : bytes_(std::make_unique_for_overwrite<char[]>(size)), size_(size) {}
  char* data() { return bytes_.get(); }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<char[]> bytes_;
  size_t size_;
};

// Reads up to buffer.size() bytes, retrying on EINTR; returns -1 on error, 0 at end of file.
ssize_t ReadSome(int fd, Buffer& buffer) {
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n >= 0 || errno != EINTR) return n;
  }
}

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// mkdir that accepts an existing directory.
Status MakeDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return Status::Ok();
  return Status::Error(fmt::format("cannot create evidence directory {}: {} (check the evidence "
                                   "root is writable, or choose another with --evidence)",
                                   path, Errno()));
}

std::string TempSuffix() {
  std::random_device device;
  return fmt::format(".tmp.{}.{:08x}", static_cast<long>(::getpid()),
                     static_cast<uint32_t>(device()));
}

// Compresses a stream of bytes into a temporary file beside the object's final path, hashing the
// uncompressed bytes as they pass, then moves it into place read-only.
class ObjectWriter {
 public:
  ObjectWriter() : cctx_(ZSTD_createCCtx(), ZSTD_freeCCtx) {}
  ~ObjectWriter() {
    if (fd_ && fd_->get() >= 0) {
      fd_.reset();
      ::unlink(temp_.c_str());
    }
  }
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;

  // `final_path` is where the object goes; the temporary file sits beside it. `size` is the
  // number of bytes that will be written (recorded in the zstd frame header).
  Status Open(const std::string& final_path, int64_t size) {
    final_ = final_path;
    temp_ = final_path + TempSuffix();
    fd_ = std::make_unique<Fd>(::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd_->get() < 0) {
      return Status::Error(fmt::format("cannot create {}: {}", temp_, Errno()));
    }
    if (!cctx_) return Status::Error("zstd: cannot create a compression context (out of memory)");
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, kZstdLevel);
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setPledgedSrcSize(cctx_.get(), static_cast<unsigned long long>(size));
    out_ = std::make_unique<Buffer>(ZSTD_CStreamOutSize());
    return Status::Ok();
  }

  Status Write(std::string_view bytes) {
    hasher_.Update(bytes);
    written_ += static_cast<int64_t>(bytes.size());
    return Compress(bytes, ZSTD_e_continue);
  }

  // Ends the frame, fsyncs, and returns the digest of everything written. The object is not yet
  // in place (see Commit).
  Result<std::string> Finish() {
    if (Status s = Compress({}, ZSTD_e_end); !s.ok()) return s;
    if (::fsync(fd_->get()) != 0) {
      return Status::Error(fmt::format("cannot flush {} to disk: {}", temp_, Errno()));
    }
    if (!fd_->Close()) {
      Status error = Status::Error(fmt::format("cannot write {}: {}", temp_, Errno()));
      ::unlink(temp_.c_str());
      return error;
    }
    return hasher_.FinishHex();
  }

  int64_t written() const { return written_; }

  Status Commit() {
    if (::chmod(temp_.c_str(), 0444) != 0) {
      return Status::Error(fmt::format("cannot make {} read-only: {}", temp_, Errno()));
    }
    if (::rename(temp_.c_str(), final_.c_str()) != 0) {
      Status error = Status::Error(fmt::format("cannot move {} into place: {}", final_, Errno()));
      ::unlink(temp_.c_str());
      return error;
    }
    // Make the rename itself durable.
    const std::string dir = final_.substr(0, final_.rfind('/'));
    Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
    return Status::Ok();
  }

  void Abandon() { ::unlink(temp_.c_str()); }
  // Where Commit moves the object when the name is known only after writing (PutFile).
  void MoveTo(std::string final_path) { final_ = std::move(final_path); }

 private:
  Status Compress(std::string_view bytes, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
    for (;;) {
      ZSTD_outBuffer out{out_->data(), out_->size(), 0};
      const size_t remaining = ZSTD_compressStream2(cctx_.get(), &out, &in, mode);
      if (ZSTD_isError(remaining)) {
        return Status::Error(
            fmt::format("zstd compression of {} failed: {}", final_, ZSTD_getErrorName(remaining)));
      }
      if (!WriteAll(fd_->get(), out_->data(), out.pos)) {
        return Status::Error(
            fmt::format("cannot write {}: {} (check free space)", temp_, Errno()));
      }
      const bool done = mode == ZSTD_e_end ? remaining == 0 : in.pos == in.size;
      if (done) return Status::Ok();
    }
  }

  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx_;
  std::unique_ptr<Fd> fd_;
  std::string temp_;
  std::string final_;
  Sha256 hasher_;
  int64_t written_ = 0;
  std::unique_ptr<Buffer> out_;
};

}  // namespace

ObjectStore::ObjectStore(std::string root) : root_(std::move(root)) {}

std::string ObjectStore::ObjectPath(std::string_view digest) const {
  const std::string_view head = digest.substr(0, std::min<size_t>(2, digest.size()));
  const std::string_view tail = digest.substr(head.size());
  return fmt::format("{}/objects/{}/{}", root_, head, tail);
}

bool ObjectStore::Has(std::string_view digest) const {
  if (!IsDigest(digest)) return false;
  struct stat st {};
  return ::stat(ObjectPath(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

namespace {

// Creates <root> (with its parents), <root>/objects and, for a digest, <root>/objects/ab.
Status PrepareDirectories(const std::string& root, std::string_view digest) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) {
    return Status::Error(fmt::format("cannot create evidence directory {}: {} (check the evidence "
                                     "root is writable, or choose another with --evidence)",
                                     root, ec.message()));
  }
  if (Status s = MakeDirectory(root + "/objects"); !s.ok()) return s;
  if (digest.empty()) return Status::Ok();
  return MakeDirectory(fmt::format("{}/objects/{}", root, digest.substr(0, 2)));
}

}  // namespace

Result<std::string> ObjectStore::Put(std::string_view bytes) {
  std::string digest = Sha256Hex(bytes);
  if (Has(digest)) return digest;
  if (Status s = PrepareDirectories(root_, digest); !s.ok()) return s;
  ObjectWriter writer;
  if (Status s = writer.Open(ObjectPath(digest), static_cast<int64_t>(bytes.size())); !s.ok()) {
    return s;
  }
  if (Status s = writer.Write(bytes); !s.ok()) return s;
  Result<std::string> written = writer.Finish();
  if (!written.ok()) return written.status();
  if (Status s = writer.Commit(); !s.ok()) return s;
  return digest;
}

Result<std::string> ObjectStore::PutFile(const std::string& path, int64_t* size) {
  // One pass: compress into a temporary file under objects/ while hashing, then name it by the
  // digest. A file already stored (dedup) costs the same pass, and the temporary file is dropped;
  // a run's files are new in the common case, so none is read twice.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Status::Error(fmt::format("cannot read {}: {}", path, Errno()));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::Error(fmt::format("cannot read {}: {}", path, Errno()));
  const int64_t total = static_cast<int64_t>(st.st_size);
  if (Status s = PrepareDirectories(root_, ""); !s.ok()) return s;
  ObjectWriter writer;
  if (Status s = writer.Open(root_ + "/objects/incoming", total); !s.ok()) return s;
  const auto changed = [&] {
    writer.Abandon();
    return Status::Error(fmt::format(
        "{} changed while it was being stored; store a run only after it has finished", path));
  };
  Buffer buffer(kReadChunk);
  for (;;) {
    ssize_t n = ReadSome(fd.get(), buffer);
    if (n < 0) return Status::Error(fmt::format("cannot read {}: {}", path, Errno()));
    if (n == 0) break;
    // More bytes than the size pledged in the frame header: the file grew.
    if (writer.written() + n > total) return changed();
    if (Status s = writer.Write(std::string_view(buffer.data(), static_cast<size_t>(n))); !s.ok()) {
      return s;
    }
  }
  if (writer.written() != total) return changed();
  Result<std::string> digest = writer.Finish();
  if (!digest.ok()) return digest.status();
  if (size) *size = total;
  if (Has(*digest)) {
    writer.Abandon();
    return digest;
  }
  if (Status s = PrepareDirectories(root_, *digest); !s.ok()) return s;
  writer.MoveTo(ObjectPath(*digest));
  if (Status s = writer.Commit(); !s.ok()) return s;
  return digest;
}

namespace {

// Decompresses an object, handing the uncompressed bytes to `sink` piece by piece. Errors name
// the object and its file.
Status ReadObject(const std::string& digest, const std::string& path,
                  const std::function<void(std::string_view)>& sink) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return Status::Error(fmt::format("object {} is missing ({} does not exist)", digest, path));
    }
    return Status::Error(fmt::format("object {}: cannot read {}: {}", digest, path, Errno()));
  }
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return Status::Error("zstd: cannot create a decompression context (out of memory)");
  Buffer in_buffer(ZSTD_DStreamInSize());
  Buffer out_buffer(ZSTD_DStreamOutSize());
  size_t last = 1;  // ZSTD_decompressStream's last return: 0 once a frame is complete
  bool any_input = false;
  for (;;) {
    ssize_t n = ReadSome(fd.get(), in_buffer);
    if (n < 0) return Status::Error(fmt::format("object {}: cannot read {}: {}", digest, path, Errno()));
    if (n == 0) break;
    any_input = true;
    ZSTD_inBuffer in{in_buffer.data(), static_cast<size_t>(n), 0};
    while (in.pos < in.size) {
      ZSTD_outBuffer out{out_buffer.data(), out_buffer.size(), 0};
      last = ZSTD_decompressStream(dctx.get(), &out, &in);
      if (ZSTD_isError(last)) {
        return Status::Error(fmt::format("object {} is corrupt ({}: {})", digest, path,
                                         ZSTD_getErrorName(last)));
      }
      sink(std::string_view(out_buffer.data(), out.pos));
    }
  }
  // Flush what the decoder still holds once input has run out.
  while (any_input && last != 0) {
    ZSTD_inBuffer in{nullptr, 0, 0};
    ZSTD_outBuffer out{out_buffer.data(), out_buffer.size(), 0};
    last = ZSTD_decompressStream(dctx.get(), &out, &in);
    if (ZSTD_isError(last)) {
      return Status::Error(
          fmt::format("object {} is corrupt ({}: {})", digest, path, ZSTD_getErrorName(last)));
    }
    if (out.pos == 0) break;
    sink(std::string_view(out_buffer.data(), out.pos));
  }
  if (!any_input || last != 0) {
    return Status::Error(fmt::format(
        "object {} is truncated ({} ends inside its zstd frame)", digest, path));
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> ObjectStore::Get(std::string_view digest) const {
  if (!IsDigest(digest)) return BadDigest(digest);
  std::string bytes;
  const std::string name(digest);
  Status read = ReadObject(name, ObjectPath(digest),
                           [&bytes](std::string_view piece) { bytes.append(piece); });
  if (!read.ok()) return read;
  return bytes;
}

Status ObjectStore::Verify(std::string_view digest) const {
  if (!IsDigest(digest)) return BadDigest(digest);
  Sha256 hasher;
  const std::string name(digest);
  Status read = ReadObject(name, ObjectPath(digest),
                           [&hasher](std::string_view piece) { hasher.Update(piece); });
  if (!read.ok()) return read;
  const std::string actual = hasher.FinishHex();
  if (actual != digest) {
    return Status::Error(fmt::format("object {}: content hashes to {}", digest, actual));
  }
  return Status::Ok();
}

Status ObjectStore::Remove(std::string_view digest) {
  if (!IsDigest(digest)) return BadDigest(digest);
  const std::string path = ObjectPath(digest);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::Error(fmt::format("cannot remove object {} ({}): {}", digest, path, Errno()));
  }
  return Status::Ok();
}

}  // namespace inferbench::evidence
