#include "harness/flow.h"

#include "base/socket_io.h"
#include "base/sys_error.h"

namespace netbench {
namespace {

// Message `seq` of the sending side: the next of the working set, written
// as every mode's is, then handed to the mode.
void SendMessage(const FlowEndpoint& e, uint64_t seq) {
  Message& m = e.sender->Prepare();
  if (e.verify) {
    StampMessage(m, seq);
  } else if (e.payload == Payload::kWritten) {
    WritePayload(m, seq);
  }
  e.sender->Send();
}

class Flow {
 public:
  Flow(const FlowEndpoint& e, const FlowSchedule& s)
      : e_(e), window_(s, e.abort) {}

  FlowResult Run() {
    const bool rr = e_.pattern == Pattern::kRR;
    const auto counts = [this] { return CountsNow(); };
    try {
      if (e_.client && rr) {
        RequestAnswers();
      } else if (e_.client) {
        while (true) {
          SendMessage(e_, messages_);
          ++messages_;
          if (!window_.AfterStep(counts)) break;
        }
      } else {
        while (true) {
          if (rr) {
            uint64_t seq = 0;
            RecvAll(e_.fd, &seq, sizeof(seq), e_.timeout, &request_syscalls_,
                    e_.wait);
            SendMessage(e_, seq);
          } else {
            e_.receiver->Receive(e_.message_size, e_.verifier);
          }
          ++messages_;
          window_.AfterStep(counts);
        }
      }
    } catch (const PeerClosed& closed) {
      // The server's end of the data phase: the client shut its side down.
      if (e_.client) throw;
      if (closed.received() != 0)
        throw SysError(std::string(rr ? "a request" : "a message") +
                       " was cut short by the end of the data phase (" +
                       std::to_string(messages_) + " complete)");
    }
    FlowResult r;
    r.window = window_.Close(CountsNow());
    r.messages = messages_;
    r.aborted = window_.aborted();
    return r;
  }

 private:
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
      // Counted as the window's when the window was open before it ended,
      // as the window's counts (taken at the look below) count it.
      if (window_.phase() == FlowWindow::Phase::kWindow && e_.round_trips)
        e_.round_trips->Record(static_cast<uint64_t>(answered - sent));
      ++messages_;
      if (!window_.AfterStepAt(counts, answered)) break;
    }
  }

  // The side's counts so far, for the window's looks.
  SideRecord CountsNow() const {
    SideRecord c = e_.sender ? e_.sender->stats() : e_.receiver->stats();
    c.messages = messages_;
    c.syscalls += request_syscalls_;
    if (e_.verifier) c.verified = e_.verifier->messages_verified();
    return c;
  }

  const FlowEndpoint& e_;
  FlowWindow window_;
  uint64_t messages_ = 0;
  uint64_t request_syscalls_ = 0;
};

}  // namespace

FlowResult RunFlow(const FlowEndpoint& endpoint, const FlowSchedule& schedule) {
  return Flow(endpoint, schedule).Run();
}

}  // namespace netbench
