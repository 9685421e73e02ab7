// The shared key and the handshake's proofs (harness/auth.h): key files
// that must be refused, proofs that cover every byte of the exchange, and
// the wire format pinned by values computed independently (Python's hmac
// module, test/serve_protocol.py).

#include "harness/auth.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "test/net_test_util.h"

namespace netbench {
namespace {

std::string Hex(const Proof& p) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : p) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

class KeyFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& bytes,
                    mode_t mode = 0600) {
    const std::string path = dir_.File(name);
    std::ofstream(path, std::ios::binary) << bytes;
    ::chmod(path.c_str(), mode);
    return path;
  }
  // The one line AuthKeyError says, or "" when the key loads.
  std::string Refusal(const std::string& path) {
    try {
      AuthKey::FromFile(path);
      return "";
    } catch (const AuthKeyError& e) {
      return e.what();
    }
  }
  testing::TempDir dir_;
};

TEST_F(KeyFileTest, AGoodKeyLoads) {
  EXPECT_EQ(Refusal(Write("key", std::string(32, 'k'))), "");
  EXPECT_EQ(AuthKey::FromFile(Write("key16", std::string(16, 'k'))).size(),
            16u);
  EXPECT_EQ(Refusal(Write("key0400", std::string(32, 'k'), 0400)), "");
}

TEST_F(KeyFileTest, EachBadKeyFileIsOneLineSayingWhy) {
  const std::string missing = dir_.File("missing");
  struct Case {
    std::string path;
    std::string says;
  };
  const Case cases[] = {
      {missing, "cannot read it: No such file or directory"},
      {dir_.path(), "not a regular file"},
      {Write("group", std::string(32, 'k'), 0640),
       "group or others may read or write it (mode 0640): chmod 600"},
      {Write("world", std::string(32, 'k'), 0604), "(mode 0604)"},
      {Write("groupw", std::string(32, 'k'), 0620), "(mode 0620)"},
      {Write("empty", ""), "empty (make a key: head -c 32 /dev/urandom >"},
      {Write("short", std::string(15, 'k')),
       "15 bytes, a key needs 16 to 4096"},
      {Write("long", std::string(4097, 'k')), "larger than 4096 bytes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    const std::string why = Refusal(c.path);
    EXPECT_NE(why.find(c.says), std::string::npos) << why;
    EXPECT_EQ(why.rfind("--auth_key_file=" + c.path + ": ", 0), 0u) << why;
    EXPECT_EQ(why.find('\n'), std::string::npos) << why;
  }
}

Challenge SomeChallenge() {
  Challenge c;
  c.flags = kChallengeAuth;
  c.nonce.fill(7);
  return c;
}

Hello SomeHello() {
  Hello h;
  h.pattern = static_cast<uint8_t>(Pattern::kRR);
  h.mode = static_cast<uint8_t>(Mode::kZeroCopy);
  h.flags = kHelloNoDelay;
  h.connection = 3;
  h.timeout_ms = 5000;
  h.size = 65536;
  h.nonce.fill(9);
  return h;
}

AuthKey KeyZeroToThirtyOne(const testing::TempDir& dir) {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes += static_cast<char>(i);
  const std::string path = dir.File("kat");
  std::ofstream(path, std::ios::binary) << bytes;
  ::chmod(path.c_str(), 0600);
  return AuthKey::FromFile(path);
}

// The expected proofs were computed with Python's hmac module over the same
// bytes (label, Challenge, Hello of protocol 5, packed little-endian).
TEST(ProofTest, MatchesHmacSha256ComputedElsewhere) {
  testing::TempDir dir;
  const AuthKey key = KeyZeroToThirtyOne(dir);
  Hello h = SomeHello();
  h.proof.fill(1);  // the client's proof does not cover its own field
  EXPECT_EQ(Hex(key.ClientProof(SomeChallenge(), h)),
            "a266dd941c517918025cc66adec5ce5bbd80fd07b91d2d35d774e7dff436bc1a");
  EXPECT_EQ(Hex(key.ServerProof(SomeChallenge(), h)),
            "0d9a855df1a32fd13966ac31f4e733797b7504dc4ab8f2391c1852b649293885");
}

TEST(ProofTest, EveryByteOfTheExchangeCounts) {
  const AuthKey key = AuthKey::Random();
  const Challenge c = SomeChallenge();
  const Hello h = SomeHello();
  const Proof client = key.ClientProof(c, h);
  const Proof server = key.ServerProof(c, h);
  EXPECT_FALSE(ProofsEqual(client, server))
      << "a client proof would pass as the server's";
  for (size_t i = 0; i < sizeof(Hello) - sizeof(Proof); ++i) {
    Hello changed = h;
    reinterpret_cast<uint8_t*>(&changed)[i] ^= 1;
    EXPECT_FALSE(ProofsEqual(key.ClientProof(c, changed), client))
        << "Hello byte " << i;
  }
  for (size_t i = 0; i < sizeof(Challenge); ++i) {
    Challenge changed = c;
    reinterpret_cast<uint8_t*>(&changed)[i] ^= 1;
    EXPECT_FALSE(ProofsEqual(key.ClientProof(changed, h), client))
        << "Challenge byte " << i;
    EXPECT_FALSE(ProofsEqual(key.ServerProof(changed, h), server))
        << "Challenge byte " << i;
  }
  // Another key, another proof.
  EXPECT_FALSE(ProofsEqual(AuthKey::Random().ClientProof(c, h), client));
}

TEST(ProofTest, NoncesAreFresh) { EXPECT_NE(RandomNonce(), RandomNonce()); }

}  // namespace
}  // namespace netbench
