#include "benchmarks/run_window.h"

#include <exception>
#include <string>

namespace netbench {
namespace {

std::optional<SystemCpuTimes> TryReadSystemCpuTimes() {
  try {
    return ReadSystemCpuTimes();
  } catch (const std::exception&) {
    return std::nullopt;  // the system counters are then left out
  }
}

SystemCpuTimes Minus(const SystemCpuTimes& a, const SystemCpuTimes& b) {
  return {.busy = a.busy - b.busy,
          .softirq = a.softirq - b.softirq,
          .steal = a.steal - b.steal,
          .total = a.total - b.total};
}

}  // namespace

RunWindow& RunWindow::Instance() {
  static RunWindow* instance = new RunWindow();  // lives as long as the process
  return *instance;
}

void RunWindow::Ready(int threads) {
  std::lock_guard lock(mu_);
  if (++ready_ == threads) cpu_start_ = TryReadSystemCpuTimes();
}

bool RunWindow::Arrive(int threads, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (++arrived_ == threads) {
    cpu_end_ = TryReadSystemCpuTimes();
    arrived_cv_.notify_all();
    return true;
  }
  return arrived_cv_.wait_for(lock, timeout,
                              [&] { return arrived_ >= threads; });
}

void RunWindow::Submit(benchmark::State& state, const RunRecord& shape,
                       const ConnectionRecord* record,
                       const LatencyHistogram* round_trips) {
  std::lock_guard lock(mu_);
  if (record) {
    records_.push_back(*record);
  } else {
    failed_ = true;
  }
  if (round_trips) round_trips_.Merge(*round_trips);
  if (++submitted_ < state.threads()) return;

  if (!failed_ && !state.error_occurred()) {
    RunRecord run = shape;
    run.connections = std::move(records_);
    if (cpu_start_ && cpu_end_) run.system = Minus(*cpu_end_, *cpu_start_);
    run.round_trips = round_trips_.Count() > 0 ? &round_trips_ : nullptr;
    SetCounters(state, ComputeCounters(run));
    state.SetLabel(DescribeCpus(run));
  }
  // The next run starts from scratch.
  ready_ = arrived_ = submitted_ = 0;
  failed_ = false;
  cpu_start_.reset();
  cpu_end_.reset();
  records_.clear();
  round_trips_.Reset();
}

Participant::~Participant() {
  // Only on paths that forgot a step (a bug): the others must not wait for
  // this thread forever, and the run's state must be reset.
  if (!ready_) Ready();
  if (!arrived_) Arrive();
  if (!submitted_) Submit(RunRecord{}, nullptr);
}

void Participant::Ready() {
  if (ready_) return;
  ready_ = true;
  window_.Ready(state_.threads());
}

void Participant::Arrive() {
  if (arrived_) return;
  if (!ready_) Ready();
  arrived_ = true;
  if (!window_.Arrive(state_.threads(), timeout_) && !state_.error_occurred())
    state_.SkipWithError(("the other connections did not finish within " +
                          std::to_string(timeout_.count()) + " ms")
                             .c_str());
}

void Participant::Submit(const RunRecord& shape, const ConnectionRecord* record,
                         const LatencyHistogram* round_trips) {
  if (submitted_) return;
  if (!arrived_) Arrive();
  submitted_ = true;
  window_.Submit(state_, shape, record, round_trips);
}

}  // namespace netbench
