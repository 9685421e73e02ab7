#include "benchmarks/baseline_benchmarks.h"

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "base/wait_policy.h"
#include "benchmarks/child_process.h"
#include "benchmarks/interrupt.h"
#include "benchmarks/iperf3_window.h"
#include "harness/server.h"
#include "lib/message.h"
#include "lib/placement.h"
#include "netns/namespace.h"

namespace netbench {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t kIperfPort = 5399;
constexpr size_t kPlainRRSize = 64;

// One iperf3 run: a one-off server in the server namespace, a client in the
// client namespace whose JSON report (the server's included) is read from a
// pipe (no temporary files to leave behind). Returns the receiver's bytes
// over the window of `plan` (benchmarks/iperf3_window.h), or sets an error
// on `state`. Both processes are killed and reaped on the way out, whatever
// the way.
// The client's traffic: TCP with 64 KiB writes, or UDP datagrams of
// `udp_length` bytes unpaced (-u -b 0), as net_bench's UdpStream.
struct Iperf3Traffic {
  size_t udp_length = 0;  // 0: TCP
};

Iperf3Window RunIperf3(benchmark::State& state, const Environment& env,
                       const Iperf3Plan& plan, const Iperf3Traffic& traffic) {
  const std::string host = env.target().ServerAddress();
  const std::string port = std::to_string(kIperfPort);
  char interval[32];
  std::snprintf(interval, sizeof(interval), "%.6f", plan.interval_s);
  // The same placement as net_bench's own threads (--affinity).
  ChildProcess server(
      env.server_ns_fd(),
      {"iperf3", "-s", "-1", "-J", "-i", interval, "-B", host, "-p", port}, -1,
      env.placement().ServerCpu(0));
  if (SleepUnlessInterrupted(300ms)) {  // let it listen
    state.SkipWithError(InterruptMessage().c_str());
    return {};
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) ThrowErrno("pipe");
  UniqueFd out_read(out[0]), out_write(out[1]);
  std::vector<std::string> args = {"iperf3",
                                   "-c",
                                   host,
                                   "-p",
                                   port,
                                   "-t",
                                   std::to_string(plan.duration_s),
                                   "-J",
                                   "--get-server-output"};
  if (traffic.udp_length > 0) {
    for (const char* a : {"-u", "-b", "0", "-l"}) args.emplace_back(a);
    args.push_back(std::to_string(traffic.udp_length));
  } else {
    args.insert(args.end(), {"-l", "64K"});
  }
  ChildProcess client(env.target().ns_fd, args, out_write.get(),
                      env.placement().ClientCpu(0));
  out_write.Reset();  // end of file once the client exits
  std::string json;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(plan.duration_s) +
                        env.config().timeout;
  switch (client.Wait(deadline, out_read.get(), &json)) {
    case ChildProcess::Outcome::kInterrupted:
      state.SkipWithError(InterruptMessage().c_str());
      return {};
    case ChildProcess::Outcome::kTimedOut:
      state.SkipWithError(
          "iperf3 did not finish within the -t time plus "
          "--timeout_ms");
      return {};
    case ChildProcess::Outcome::kExited:
      break;
  }
  const int status = client.exit_status();
  if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
    state.SkipWithError("iperf3 is not installed (apt-get install iperf3)");
    return {};
  }
  const Iperf3Window window = ReceiverWindow(json, plan);
  if (window.bytes == 0 || window.seconds <= 0)
    state.SkipWithError(
        "iperf3 failed: its receiver got nothing in the window");
  return window;
}

void Iperf3(benchmark::State& state, const Environment& env,
            const Iperf3Traffic& traffic) {
  if (env.target().ns_fd < 0) {
    state.SkipWithError("Baseline/Iperf3 needs --topology=veth");
    return;
  }
  if (InterruptSignal()) {
    state.SkipWithError(InterruptMessage().c_str());
    return;
  }
  const Iperf3Plan plan = PlanIperf3(env.config().warmup, env.config().window);
  for (auto _ : state) {
    try {
      const Iperf3Window window = RunIperf3(state, env, plan, traffic);
      if (state.error_occurred()) break;
      // real_time is the window, as for the grid (manual time).
      state.SetIterationTime(window.seconds);
      state.counters["Gbps"] = benchmark::Counter(
          static_cast<double>(window.bytes) * 8 / window.seconds / 1e9);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
  }
}

// recv(2) of exactly `n` bytes, sleeping in the kernel or spinning on
// non-blocking calls like net_bench's receivers (--wait), without their
// bookkeeping. Returns false on error, end of stream or timeout (a blocking
// wait is bounded by SO_RCVTIMEO, a spinning one by SpinDeadline).
bool PlainRecv(int fd, void* data, size_t n, WaitPolicy wait,
               std::chrono::milliseconds timeout) {
  char* p = static_cast<char*>(data);
  const int flags = wait == WaitPolicy::kSpin ? MSG_DONTWAIT : MSG_WAITALL;
  SpinDeadline spin(timeout);
  while (n > 0) {
    const ssize_t r = ::recv(fd, p, n, flags);
    if (r > 0) {
      p += r;
      n -= static_cast<size_t>(r);
    } else if (r == 0 || errno != EAGAIN || wait != WaitPolicy::kSpin ||
               !spin.KeepSpinning()) {
      return false;
    }
  }
  return true;
}

void PlainRR(benchmark::State& state, const Environment& env) {
  if (InterruptSignal()) {
    state.SkipWithError(InterruptMessage().c_str());
    return;
  }
  const std::chrono::milliseconds timeout = env.config().timeout;
  // The placement and waiting of RR/OneCopy at one thread.
  const WaitPolicy wait = env.WaitFor(Pattern::kRR, 1);
  std::optional<ScopedAffinity> pinned;
  UniqueFd listener, client, served;
  std::thread server;
  std::vector<uint64_t> rtts;
  try {
    pinned.emplace(env.placement().ClientCpu(0));
    {
      std::optional<netns::ScopedNetns> in;
      if (env.server_ns_fd() >= 0) in.emplace(env.server_ns_fd());
      listener = ListenTcp(env.target().ServerAddress(), 0);
    }
    sockaddr_in a{};
    socklen_t len = sizeof(a);
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&a), &len);
    client = TcpSocketIn(env.target().ns_fd);
    if (::connect(client.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) !=
        0)
      ThrowErrno("connect");
    served =
        UniqueFd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    for (int fd : {client.get(), served.get()}) {
      SetSocketTimeouts(fd, timeout);
      SetNoDelay(fd, env.config().nodelay);
    }
    // The same syscalls as OneCopy's answer (one sendmsg of 8 fields), so
    // that the difference to RR/OneCopy/size:64 is the harness alone.
    server = std::thread(
        [fd = served.get(), wait, timeout, cpu = env.placement().ServerCpu(0)] {
          std::optional<ScopedAffinity> on;
          try {
            on.emplace(cpu);
          } catch (const std::exception&) {
            return;  // the client's first receive then fails: a visible error
          }
          uint64_t request;
          char fields[kFields][kPlainRRSize / kFields] = {};
          iovec iov[kFields];
          for (int i = 0; i < kFields; ++i)
            iov[i] = {fields[i], sizeof(fields[i])};
          msghdr msg{};
          msg.msg_iov = iov;
          msg.msg_iovlen = kFields;
          while (PlainRecv(fd, &request, sizeof(request), wait, timeout) &&
                 ::sendmsg(fd, &msg, MSG_NOSIGNAL) ==
                     static_cast<ssize_t>(kPlainRRSize)) {
          }
        });
    rtts.reserve(10'000'000);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
  uint64_t seq = 0;
  char answer[kPlainRRSize];
  for (auto _ : state) {
    // Its sockets are not among the connections an interrupt cuts; a
    // relaxed load costs nothing beside a round trip.
    if (InterruptSignal()) {
      state.SkipWithError(InterruptMessage().c_str());
      break;
    }
    const auto t0 = std::chrono::steady_clock::now();
    if (::send(client.get(), &seq, sizeof(seq), MSG_NOSIGNAL) != sizeof(seq) ||
        !PlainRecv(client.get(), answer, sizeof(answer), wait, timeout)) {
      state.SkipWithError("plain request/response failed");
      break;
    }
    const auto t1 = std::chrono::steady_clock::now();
    if (rtts.size() < rtts.capacity())
      rtts.push_back(static_cast<uint64_t>((t1 - t0).count()));
    ++seq;
  }
  if (client) ::shutdown(client.get(), SHUT_RDWR);
  if (server.joinable()) server.join();
  if (!rtts.empty() && !state.error_occurred()) {
    std::nth_element(rtts.begin(), rtts.begin() + rtts.size() / 2, rtts.end());
    state.counters["rtt_p50_us"] =
        benchmark::Counter(static_cast<double>(rtts[rtts.size() / 2]) / 1e3);
  }
}

}  // namespace

void RegisterBaselines(const Environment* env) {
  benchmark::RegisterBenchmark(
      "Baseline/Iperf3/size:65536",
      [env](benchmark::State& s) { Iperf3(s, *env, {}); })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(
      "Baseline/Iperf3Udp/size:1472",
      [env](benchmark::State& s) { Iperf3(s, *env, {.udp_length = 1472}); })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("Baseline/PlainRR/size:64",
                               [env](benchmark::State& s) { PlainRR(s, *env); })
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace netbench
