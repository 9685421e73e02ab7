// The iperf3 yardstick's window: planned from net_bench's warm-up and
// window, read from the receiver's intervals in iperf3's JSON (shaped as
// iperf3 3.12 writes it: a client run with -J --get-server-output against a
// server run with -J -i).

#include "benchmarks/iperf3_window.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace netbench {
namespace {

using namespace std::chrono_literals;

TEST(PlanIperf3Test, OneIntervalOfTheWindowAfterTheWarmup) {
  const Iperf3Plan p = PlanIperf3(100ms, 500ms);
  EXPECT_DOUBLE_EQ(p.interval_s, 0.5);
  EXPECT_EQ(p.first, 1);  // [0.5, 1.0): the first to start after 0.1 s
  EXPECT_EQ(p.count, 1);
  EXPECT_EQ(p.duration_s, 2);  // whole seconds, one interval to spare
}

TEST(PlanIperf3Test, AWarmupOfWholeIntervalsIsKeptExactly) {
  const Iperf3Plan p = PlanIperf3(200ms, 100ms);
  EXPECT_DOUBLE_EQ(p.interval_s, 0.1);
  EXPECT_EQ(p.first, 2);
  EXPECT_EQ(p.duration_s, 1);
  EXPECT_EQ(PlanIperf3(0ms, 100ms).first, 0);
}

TEST(PlanIperf3Test, BoundsOfIperf3sInterval) {
  // Below 0.1 s iperf3 has no interval: the window becomes 0.1 s.
  EXPECT_DOUBLE_EQ(PlanIperf3(100ms, 20ms).interval_s, 0.1);
  // Above 60 s: whole fractions of the window.
  const Iperf3Plan p = PlanIperf3(1s, 150s);
  EXPECT_EQ(p.count, 3);
  EXPECT_DOUBLE_EQ(p.interval_s, 50.0);
  EXPECT_EQ(p.first, 1);
  EXPECT_EQ(p.duration_s, 250);
}

// The receiver's intervals of 0.5 s, the last one cut short.
std::string ClientJson(int intervals) {
  std::string server = R"({"start": {}, "intervals": [)";
  for (int i = 0; i < intervals; ++i) {
    const bool last = i + 1 == intervals;
    const std::string seconds = last ? "0.001" : "0.5";
    const std::string bytes = std::to_string(last ? 7 : 1000000 * (i + 1));
    const std::string sum = R"({"start": )" + std::to_string(i * 0.5) +
                            R"(, "seconds": )" + seconds + R"(, "bytes": )" +
                            bytes + R"(, "omitted": false, "sender": false})";
    server += std::string(i ? ", " : "") + R"({"streams": [)" + sum +
              R"(], "sum": )" + sum + "}";
  }
  server += R"(], "end": {"sum_received": {"bytes": 1}}})";
  // The client's own view: the sender's, over the whole run.
  return R"({"start": {"test_start": {"duration": 2}}, "intervals": [],
             "end": {"sum_sent": {"bytes": 99, "bits_per_second": 1e12},
                     "sum_received": {"bytes": 98}},
             "server_output_json": )" +
         server + "}";
}

TEST(ReceiverWindowTest, TheReceiversBytesOverTheWindowsIntervals) {
  const Iperf3Plan plan = PlanIperf3(100ms, 500ms);  // interval 1 of 0.5 s
  const Iperf3Window w = ReceiverWindow(ClientJson(4), plan);
  EXPECT_EQ(w.bytes, 2000000u);
  EXPECT_DOUBLE_EQ(w.seconds, 0.5);
  Iperf3Plan two = plan;
  two.count = 2;
  EXPECT_EQ(ReceiverWindow(ClientJson(4), two).bytes, 5000000u);
}

void ExpectError(const std::string& json, const std::string& needle) {
  try {
    ReceiverWindow(json, PlanIperf3(100ms, 500ms));
    ADD_FAILURE() << "no error for " << json;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << e.what();
  }
}

TEST(ReceiverWindowTest, SaysWhatIsWrong) {
  ExpectError("", "iperf3 wrote no JSON");
  ExpectError(R"({"start": {)", "iperf3 wrote no JSON");
  ExpectError(R"({"start": {}, "error": "unable to connect to server"})",
              "iperf3: unable to connect to server");
  ExpectError(R"({"end": {"sum_sent": {"bits_per_second": 1e10}}})",
              "no server output");
  ExpectError(ClientJson(1), "reported 1 intervals; the window needs 2");
  ExpectError(R"({"server_output_json": {"intervals": [{}, {"sum": 1}]}})",
              "iperf3's JSON: ");
}

}  // namespace
}  // namespace netbench
