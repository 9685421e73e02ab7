#include "base/printable.h"

#include <gtest/gtest.h>

#include <string>

namespace netbench {
namespace {

TEST(PrintableTest, KeepsPrintableAsciiAndUtf8) {
  EXPECT_EQ(Printable("server refused: fd limit (EMFILE)"),
            "server refused: fd limit (EMFILE)");
  EXPECT_EQ(Printable("RR round trip (\xC2\xB5s), caf\xC3\xA9, \xE2\x82\xAC"),
            "RR round trip (\xC2\xB5s), caf\xC3\xA9, \xE2\x82\xAC");
  EXPECT_EQ(Printable("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");  // U+1F600
  EXPECT_EQ(Printable(""), "");
}

TEST(PrintableTest, EscapesControlsSoThatAMessageStaysOneLine) {
  EXPECT_EQ(Printable("a\nnet_bench: forged\r\t\x07"),
            "a\\x0Anet_bench: forged\\x0D\\x09\\x07");
  EXPECT_EQ(Printable("\x1B[2J\x1B[31mred"), "\\x1B[2J\\x1B[31mred");
  EXPECT_EQ(Printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(Printable("\x7F"), "\\x7F");
  EXPECT_EQ(Printable("\xC2\x9B"), "\\u009B");  // CSI as a C1 control
}

TEST(PrintableTest, EscapesWhatReordersTheText) {
  EXPECT_EQ(Printable("\xE2\x80\xAEgnp.exe"), "\\u202Egnp.exe");  // RLO
  EXPECT_EQ(Printable("\xE2\x81\xA6x\xE2\x81\xA9"), "\\u2066x\\u2069");
  EXPECT_EQ(Printable("\xE2\x80\xA8"), "\\u2028");  // line separator
}

TEST(PrintableTest, EscapesEveryByteOfInvalidUtf8) {
  EXPECT_EQ(Printable("\xFF\xFE"), "\\xFF\\xFE");
  EXPECT_EQ(Printable("\xC3\x28"), "\\xC3(");      // bad continuation
  EXPECT_EQ(Printable("\xC3"), "\\xC3");           // cut short
  EXPECT_EQ(Printable("\xC0\xAF"), "\\xC0\\xAF");  // overlong '/'
  EXPECT_EQ(Printable("\xE0\x80\xAF"), "\\xE0\\x80\\xAF");
  EXPECT_EQ(Printable("\xED\xA0\x80"), "\\xED\\xA0\\x80");  // surrogate
  EXPECT_EQ(Printable("\xF4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");
  EXPECT_EQ(Printable("\x80x"), "\\x80x");  // a lone continuation
}

TEST(PrintableTest, IsIdempotent) {
  const std::string nasty =
      "\x1B[31m\n\xC3\x28\xFF\xED\xA0\x80\xC2\x9B\xE2\x80\xAE ok \\x41";
  const std::string once = Printable(nasty);
  EXPECT_EQ(Printable(once), once);
  for (unsigned char c : once) EXPECT_TRUE(c >= 0x20 && c != 0x7F) << +c;
}

}  // namespace
}  // namespace netbench
