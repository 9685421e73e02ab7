#include "harness/flow.h"

#include <sys/socket.h>

#include <cerrno>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "lib/datagram.h"

namespace netbench {
namespace {

// Whether the client ended the data phase on the control connection (end
// of stream, or the connection failed). Asked only when the UDP socket has
// been idle, so the syscall costs no step.
bool ControlEnded(int control_fd) {
  char c;
  const ssize_t r = ::recv(control_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (r == 0) return true;
  return r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

class Flow {
 public:
  Flow(const FlowEndpoint& e, const FlowSchedule& s)
      : e_(e),
        window_(s, e.abort),
        layout_{e.message_size, e.datagram, 1},
        udp_(e.datagram > 0) {}

  FlowResult Run() {
    const Pattern p = e_.pattern;
    try {
      if (e_.client && p == Pattern::kRR) {
        RequestAnswers();
      } else if (e_.client && p == Pattern::kUdpRR) {
        RequestDatagramAnswers();
      } else if (e_.client) {
        SendMessages();
      } else if (p == Pattern::kRR) {
        AnswerRequests();
      } else if (p == Pattern::kUdpRR) {
        AnswerDatagramRequests();
      } else if (p == Pattern::kUdpStream) {
        ReceiveDatagrams();
      } else {
        ReceiveMessages();
      }
    } catch (const PeerClosed& closed) {
      // The server's end of the data phase: the client shut its side down.
      if (e_.client) throw;
      if (closed.received() != 0)
        throw SysError(
            std::string(p == Pattern::kRR ? "a request" : "a message") +
            " was cut short by the end of the data phase (" +
            std::to_string(messages_) + " complete)");
    }
    FlowResult r;
    r.window = window_.Close(CountsNow());
    r.messages = udp_ && e_.client && !ClientSends(p) ? requests_ : messages_;
    r.datagrams = e_.sender ? e_.sender->stats().datagrams : requests_;
    r.aborted = window_.aborted();
    return r;
  }

 private:
  // Message `seq` of the sending side: the next of the working set,
  // written as every mode's is (with UDP, its datagrams' headers too), then
  // handed to the mode.
  void SendMessage(uint64_t seq) {
    Message& m = e_.sender->Prepare();
    // UDP checks each datagram by the 32 bits of the message's number its
    // header carries.
    const uint64_t stamp = udp_ ? static_cast<uint32_t>(seq) : seq;
    if (e_.verify) {
      StampMessage(m, stamp);
    } else if (e_.payload == Payload::kWritten) {
      WritePayload(m, seq);
    }
    if (udp_) {
      for (size_t i = 0; i < layout_.datagrams(); ++i)
        WriteHeader(m, layout_.DatagramOffset(i),
                    {next_datagram_++, static_cast<uint32_t>(stamp),
                     static_cast<uint32_t>(i)});
      if (e_.pacer) e_.pacer->Before(m.size());
    }
    e_.sender->Send();
  }

  // Stream and UdpStream's client.
  void SendMessages() {
    const auto counts = [this] { return CountsNow(); };
    while (true) {
      SendMessage(messages_);
      ++messages_;
      if (!window_.AfterStep(counts)) break;
    }
    e_.sender->Flush();
  }

  // Stream's server.
  void ReceiveMessages() {
    const auto counts = [this] { return CountsNow(); };
    while (true) {
      e_.receiver->Receive(e_.message_size, e_.verifier);
      ++messages_;
      window_.AfterStep(counts);
    }
  }

  // RR's server.
  void AnswerRequests() {
    const auto counts = [this] { return CountsNow(); };
    while (true) {
      uint64_t seq = 0;
      RecvAll(e_.fd, &seq, sizeof(seq), e_.timeout, &request_syscalls_,
              e_.wait);
      SendMessage(seq);
      ++messages_;
      window_.AfterStep(counts);
    }
  }

  // RR's client: request, answer, and the round trip when it ends inside
  // the window (the clock is read for it anyway, so the window's clock
  // takes that reading).
  void RequestAnswers() {
    const auto counts = [this] { return CountsNow(); };
    while (true) {
      const int64_t sent = SteadyNowNs();
      SendAll(e_.fd, &messages_, sizeof(messages_), 0, e_.timeout,
              &request_syscalls_);
      e_.receiver->Receive(e_.message_size, e_.verifier);
      const int64_t answered = SteadyNowNs();
      RecordRoundTrip(answered - sent);
      ++messages_;
      if (!window_.AfterStepAt(counts, answered)) break;
    }
  }

  // UdpStream's server: what arrives, until the client ends the phase.
  void ReceiveDatagrams() {
    const auto counts = [this] { return CountsNow(); };
    while (true) {
      if (e_.datagrams->Receive(*e_.tally) == 0) {
        if (IdleEnds()) return;
        continue;
      }
      idle_since_ = 0;
      window_.AfterStep(counts);
    }
  }

  // UdpRR's server: a request datagram, then the message it asks for.
  void AnswerDatagramRequests() {
    const auto counts = [this] { return CountsNow(); };
    while (true) {
      DatagramHeader request;
      if (!ReceiveRequest(&request)) {
        if (IdleEnds()) return;
        continue;
      }
      idle_since_ = 0;
      SendMessage(request.message);
      e_.sender->Flush();
      ++messages_;
      window_.AfterStep(counts);
    }
  }

  // The UDP server found its socket idle: whether the client ended the
  // data phase. A client silent on both sockets for the timeout (gone
  // without closing, or not sending at all) fails the flow, as a silent TCP
  // peer does.
  bool IdleEnds() {
    if (ControlEnded(e_.control_fd)) return true;
    const int64_t now = SteadyNowNs();
    if (idle_since_ == 0) idle_since_ = now;
    if (now - idle_since_ >= std::chrono::nanoseconds(e_.timeout).count())
      throw SysError(
          "no datagram from the client within " +
          std::to_string(e_.timeout.count()) +
          " ms, and the data phase not ended (peer stopped sending)");
    return false;
  }

  // UdpRR's client: a request datagram, then the answer's datagrams until
  // all have come or kAnswerWait passed (the answer is lost).
  void RequestDatagramAnswers() {
    const auto counts = [this] { return CountsNow(); };
    while (true) {
      const int64_t sent = SteadyNowNs();
      SendRequest();
      const bool answered = AwaitAnswer(static_cast<uint32_t>(requests_), sent);
      const int64_t now = SteadyNowNs();
      ++requests_;
      if (answered) {
        RecordRoundTrip(now - sent);
        ++messages_;
      } else {
        ++messages_lost_;
      }
      if (!window_.AfterStepAt(counts, now)) break;
    }
  }

  // A UdpRR request: a datagram of its header alone.
  void SendRequest() {
    std::byte request[kDatagramHeader];
    EncodeHeader({requests_, static_cast<uint32_t>(requests_), 0}, request);
    SendAll(e_.fd, request, sizeof(request), 0, e_.timeout, &request_syscalls_);
  }

  bool AwaitAnswer(uint32_t message, int64_t sent) {
    const int64_t deadline =
        sent + std::chrono::nanoseconds(kAnswerWait).count();
    const auto want = static_cast<uint32_t>(layout_.datagrams());
    while (e_.tally->DatagramsOf(message) < want) {
      if (SteadyNowNs() >= deadline) return false;
      e_.datagrams->Receive(*e_.tally);
    }
    return true;
  }

  // One request datagram, or false when none came within the socket's
  // receive timeout (the idle wait).
  bool ReceiveRequest(DatagramHeader* request) {
    std::byte buffer[kDatagramHeader];
    for (int eintr = 0;;) {
      ++request_syscalls_;
      const ssize_t r = ::recv(e_.fd, buffer, sizeof(buffer), 0);
      if (r == static_cast<ssize_t>(sizeof(buffer))) {
        *request = ReadHeader(buffer);
        return true;
      }
      if (r >= 0)
        throw SysError("a request datagram of " + std::to_string(r) +
                       " bytes, " + std::to_string(kDatagramHeader) +
                       " expected");
      if (errno == EINTR && ++eintr < kMaxEintrRetries) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
      ThrowErrno("recv(request)");
    }
  }

  // Counted as the window's when the window was open before the answer
  // came, as the window's counts (taken at the next look) count it.
  void RecordRoundTrip(int64_t ns) {
    if (window_.phase() == FlowWindow::Phase::kWindow && e_.round_trips)
      e_.round_trips->Record(static_cast<uint64_t>(ns));
  }

  // The side's counts so far, for the window's looks.
  SideRecord CountsNow() const {
    SideRecord c = e_.sender      ? e_.sender->stats()
                   : e_.datagrams ? e_.datagrams->stats()
                                  : e_.receiver->stats();
    c.messages = messages_;
    c.syscalls += request_syscalls_;
    c.messages_lost = messages_lost_;
    if (e_.verifier) c.verified = e_.verifier->messages_verified();
    if (e_.tally) {
      // A UDP receiver's unit is the datagram.
      if (ClientSends(e_.pattern)) c.messages = e_.tally->received();
      c.datagrams_lost = e_.tally->lost();
      c.datagrams_reordered = e_.tally->reordered();
      c.verified = e_.tally->verified();
    }
    return c;
  }

  const FlowEndpoint& e_;
  FlowWindow window_;
  const DatagramLayout layout_;
  const bool udp_;
  uint64_t messages_ = 0;
  uint64_t requests_ = 0;       // UdpRR's client
  uint64_t messages_lost_ = 0;  // UdpRR's client: answers that never came
  uint64_t next_datagram_ = 0;
  uint64_t request_syscalls_ = 0;
  int64_t idle_since_ = 0;  // UDP server: when its socket fell idle (0: busy)
};

}  // namespace

FlowResult RunFlow(const FlowEndpoint& endpoint, const FlowSchedule& schedule) {
  return Flow(endpoint, schedule).Run();
}

}  // namespace netbench
