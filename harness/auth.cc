#include "harness/auth.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

#include "base/printable.h"
#include "base/sys_error.h"
#include "base/unique_fd.h"

namespace netbench {
namespace {

constexpr std::string_view kClientLabel = "net_bench 3 client";
constexpr std::string_view kServerLabel = "net_bench 3 server";

// The last OpenSSL error as text, for an exception.
std::string OpenSslError(const char* step) {
  char text[256] = "unknown error";
  if (const unsigned long e = ERR_get_error(); e != 0)
    ERR_error_string_n(e, text, sizeof(text));
  return std::string(step) + ": " + text;
}

struct MacFree {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

// HMAC is fetched once from the default provider; a fetched algorithm may
// be used by any number of threads at once.
EVP_MAC* Hmac() {
  static const std::unique_ptr<EVP_MAC, MacFree> hmac(
      EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!hmac) throw SysError(OpenSslError("EVP_MAC_fetch(HMAC)"));
  return hmac.get();
}

Proof Mac(const std::vector<unsigned char>& key, std::string_view label,
          const Challenge& challenge, const Hello& hello) {
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(Hmac()));
  if (!ctx) throw SysError(OpenSslError("EVP_MAC_CTX_new"));
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  Proof out{};
  size_t out_len = 0;
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(),
                     reinterpret_cast<const unsigned char*>(label.data()),
                     label.size()) != 1 ||
      EVP_MAC_update(ctx.get(),
                     reinterpret_cast<const unsigned char*>(&challenge),
                     sizeof(challenge)) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(&hello),
                     sizeof(hello)) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) != 1 ||
      out_len != out.size())
    throw SysError(OpenSslError("HMAC-SHA256"));
  return out;
}

// "a FIFO", "a directory", ... for a file that is not a regular one.
std::string FileType(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o",
                static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

AuthKey::AuthKey(std::vector<unsigned char> bytes) : bytes_(std::move(bytes)) {}

AuthKey::~AuthKey() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

AuthKey AuthKey::Random() {
  std::vector<unsigned char> bytes(32);
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw SysError(OpenSslError("RAND_bytes"));
  return AuthKey(std::move(bytes));
}

AuthKey AuthKey::FromFile(const std::string& path) {
  const std::string what = "--auth_key_file=" + Printable(path) + ": ";
  // Never opened blocking: open(2) of a FIFO waits for a writer, forever,
  // and that of a device may act on it. stat(2) refuses what is not a
  // regular file before anything is opened; O_NONBLOCK and fstat(2) of
  // what was opened cover a file swapped in between. A symbolic link is
  // followed (keys are often linked into place): what is checked is the
  // file that is read.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw AuthKeyError(what + "cannot read it: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw AuthKeyError(what + "not a regular file (" + FileType(st.st_mode) +
                       ")");
  UniqueFd fd(
      ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) throw AuthKeyError(what + "cannot read it: " + std::strerror(errno));
  if (::fstat(fd.get(), &st) != 0)
    throw AuthKeyError(what + "cannot stat it: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw AuthKeyError(what + "not a regular file (" + FileType(st.st_mode) +
                       ")");
  // As ssh does for private keys: a key others can read is no secret, one
  // others can write is not ours.
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    throw AuthKeyError(what + "group or others may read or write it (mode " +
                       Octal(st.st_mode) + "): chmod 600 " + Printable(path));
  if (st.st_size == 0)
    throw AuthKeyError(what + "empty (make a key: head -c 32 /dev/urandom > " +
                       Printable(path) + ")");
  if (st.st_size > static_cast<off_t>(kMaxBytes))
    throw AuthKeyError(what + "larger than " + std::to_string(kMaxBytes) +
                       " bytes: not a key");
  std::vector<unsigned char> bytes(static_cast<size_t>(st.st_size) + 1);
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t r = RetryEintr([&] {
      return ::read(fd.get(), bytes.data() + got, bytes.size() - got);
    });
    if (r < 0) {
      OPENSSL_cleanse(bytes.data(), bytes.size());
      throw AuthKeyError(what + "cannot read it: " + std::strerror(errno));
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  if (got < kMinBytes || got > kMaxBytes) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
    throw AuthKeyError(
        what + std::to_string(got) + " bytes, a key needs " +
        std::to_string(kMinBytes) + " to " + std::to_string(kMaxBytes) +
        " (make one: head -c 32 /dev/urandom > " + Printable(path) + ")");
  }
  bytes.resize(got);
  return AuthKey(std::move(bytes));
}

Proof AuthKey::ClientProof(const Challenge& challenge,
                           const Hello& hello) const {
  Hello unsigned_hello = hello;
  unsigned_hello.proof = {};
  return Mac(bytes_, kClientLabel, challenge, unsigned_hello);
}

Proof AuthKey::ServerProof(const Challenge& challenge,
                           const Hello& hello) const {
  return Mac(bytes_, kServerLabel, challenge, hello);
}

Nonce RandomNonce() {
  Nonce n{};
  if (RAND_bytes(n.data(), static_cast<int>(n.size())) != 1)
    throw SysError(OpenSslError("RAND_bytes"));
  return n;
}

bool ProofsEqual(const Proof& a, const Proof& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace netbench
