#ifndef NET_BENCH_LIB_URING_COMPAT_H_
#define NET_BENCH_LIB_URING_COMPAT_H_

// The io_uring constants that Debian 12's liburing 2.3 headers
// (<liburing/io_uring.h>) lack but newer kernels have. Each is defined once,
// here, only when the headers do not already, with the value of the kernel's
// include/uapi/linux/io_uring.h. Whether the running kernel honours a flag is
// a runtime question (see ProbeUring and the sender's usage-report probe).

#include <liburing.h>

// Linux 6.2 (backported to 6.1.y): in sqe->ioprio of IORING_OP_SEND_ZC and
// IORING_OP_SENDMSG_ZC, asks the kernel to say in the notification CQE
// whether it had to copy the data after all. Older kernels fail the SQE with
// -EINVAL.
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#endif

// Linux 6.2: set in cqe->res of a notification CQE (IORING_CQE_F_NOTIF) of a
// send that asked for IORING_SEND_ZC_REPORT_USAGE when some of its data was
// copied, or none of it went out zero-copy (io_uring/notif.c). It is the
// io_uring counterpart of MSG_ZEROCOPY's SO_EE_CODE_ZEROCOPY_COPIED.
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

#endif  // NET_BENCH_LIB_URING_COMPAT_H_
