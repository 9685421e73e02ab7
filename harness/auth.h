#ifndef NET_BENCH_HARNESS_AUTH_H_
#define NET_BENCH_HARNESS_AUTH_H_

// The shared key of `net_bench serve` and its clients, and the proofs of the
// handshake (harness/protocol.h). Each side proves it holds the key by an
// HMAC-SHA256 over the whole exchange so far, which includes a fresh nonce
// of the other side: the key never crosses the wire, and a recorded proof is
// worth nothing on another connection. The client's proof (in the Hello)
// and the server's (in the Ack) are keyed alike but labelled apart, so one
// can never be replayed as the other.
//
// The cryptography is OpenSSL's libcrypto: HMAC-SHA256 through EVP_MAC,
// nonces from RAND_bytes, proofs compared with CRYPTO_memcmp (constant
// time). Nothing here is hand-written.

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/protocol.h"

namespace netbench {

// A key file that cannot be used: one line saying why (main exits 2).
class AuthKeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AuthKey {
 public:
  // Below this a key is too easy to guess; above, the file is not a key.
  static constexpr size_t kMinBytes = 16;
  static constexpr size_t kMaxBytes = 4096;

  // 32 random bytes: the key of a server running in this process and of its
  // clients (veth, loopback), so that every benchmark runs the handshake.
  static AuthKey Random();
  // The bytes of `path`, as they are. Throws AuthKeyError when the file
  // cannot be read, is not a regular file (refused without blocking: a
  // FIFO is never opened for a read that would wait), is readable or
  // writable by group or others, or is shorter than kMinBytes or longer
  // than kMaxBytes.
  static AuthKey FromFile(const std::string& path);

  AuthKey(AuthKey&&) = default;
  AuthKey& operator=(AuthKey&&) = default;
  AuthKey(const AuthKey&) = delete;
  AuthKey& operator=(const AuthKey&) = delete;
  // Wipes the key's bytes (OPENSSL_cleanse).
  ~AuthKey();

  size_t size() const { return bytes_.size(); }

  // The client's proof: HMAC over its label, the Challenge and the Hello
  // with its proof field zeroed.
  Proof ClientProof(const Challenge& challenge, const Hello& hello) const;
  // The server's proof: HMAC over its label, the Challenge and the Hello as
  // received (the client's nonce and proof included).
  Proof ServerProof(const Challenge& challenge, const Hello& hello) const;

 private:
  explicit AuthKey(std::vector<unsigned char> bytes);
  std::vector<unsigned char> bytes_;
};

// A fresh random nonce. Throws SysError when the generator fails.
Nonce RandomNonce();

// Whether two proofs are equal, in time independent of where they differ.
bool ProofsEqual(const Proof& a, const Proof& b);

}  // namespace netbench

#endif  // NET_BENCH_HARNESS_AUTH_H_
