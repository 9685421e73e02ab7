#ifndef NET_BENCH_BASE_PRINTABLE_H_
#define NET_BENCH_BASE_PRINTABLE_H_

// Text that net_bench did not write itself (a server's refusal reason or
// error, the kernel's and libraries' messages, the user's flag values) is
// made printable before it reaches a terminal or a file: an ANSI escape
// would act on the user's terminal, a newline would forge a line of our
// own, and a control character or invalid UTF-8 makes Google Benchmark's
// JSON unreadable (it escapes only \b \f \n \r \t \\ and ", and passes
// every other byte through). Every string net_bench prints or hands to
// Google Benchmark goes through Printable() at that boundary.

#include <string>
#include <string_view>

namespace netbench {

// `text` as valid UTF-8 with nothing that moves the cursor, changes the
// terminal's state or reorders what follows it:
//  - a byte that does not start or continue a valid UTF-8 sequence
//    (overlong forms, UTF-16 surrogates and code points above U+10FFFF
//    included) becomes \xNN, each byte on its own;
//  - C0 controls (newline and tab included) and DEL become \xNN;
//  - C1 controls (U+0080..U+009F) and the invisible characters that change
//    the order or direction of what follows (U+061C, U+200E, U+200F,
//    U+2028, U+2029, U+202A..U+202E, U+2066..U+2069) become \uNNNN;
//  - everything else, printable ASCII and other UTF-8 alike, is kept.
// Printable(Printable(x)) == Printable(x).
std::string Printable(std::string_view text);

}  // namespace netbench

#endif  // NET_BENCH_BASE_PRINTABLE_H_
