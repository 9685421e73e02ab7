#ifndef NET_BENCH_LIB_RECEIVERS_H_
#define NET_BENCH_LIB_RECEIVERS_H_

// The per-mode constructors behind MakeReceiver.

#include <memory>

#include "lib/receiver.h"

namespace netbench {

std::unique_ptr<Receiver> MakeCopyReceiver(int fd, const ReceiverOptions& o);
std::unique_ptr<Receiver> MakeTruncReceiver(int fd, const ReceiverOptions& o);
std::unique_ptr<Receiver> MakeZeroCopyReceiver(int fd,
                                               const ReceiverOptions& o);

// What each receiver allocates or maps (ReceiverMemoryBytes).
size_t CopyReceiverBytes(const ReceiverOptions& o);
size_t ZeroCopyReceiverBytes(const ReceiverOptions& o);

}  // namespace netbench

#endif  // NET_BENCH_LIB_RECEIVERS_H_
