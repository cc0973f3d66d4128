#include "telemetry/hot_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/client_connection.h"
#include "net/closed_port.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "net/run_on_loop_for_test.h"
#include "telemetry/prometheus_text.h"

namespace inferbench::telemetry {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

results::RequestRecord OkRecord(std::string point, int64_t ttft_ms = 50, int64_t itl_ms = 10,
                                int64_t output_tokens = 11) {
  results::RequestRecord r;
  r.request_id = "r";
  r.point = std::move(point);
  r.t_sched_ns = 0;
  r.t_send_ns = 0;
  r.t_first_ns = ttft_ms * kMs;
  r.t_last_ns = r.t_first_ns + itl_ms * kMs * (output_tokens - 1);
  r.t_done_ns = r.t_last_ns;
  r.input_tokens = 100;
  r.output_tokens = output_tokens;
  return r;
}

results::RequestRecord ErrorRecord(std::string point) {
  results::RequestRecord r;
  r.point = std::move(point);
  r.t_send_ns = 0;
  r.error_class = results::ErrorClass::kHttp5xx;
  r.http_status = 503;
  r.input_tokens = 100;
  return r;
}

HotMetricsOptions Offline(std::map<std::string, std::string> labels = {{"run_id", "run-1"}}) {
  HotMetricsOptions o;
  o.port = -1;  // no server: Render() only
  o.labels = std::move(labels);
  return o;
}

TEST(ConcurrencyBucket, PowerOfTwoBucketsAndOpenLoopKinds) {
  EXPECT_EQ(ConcurrencyBucket("concurrency=1"), "1");
  EXPECT_EQ(ConcurrencyBucket("concurrency=2"), "2-3");
  EXPECT_EQ(ConcurrencyBucket("concurrency=3"), "2-3");
  EXPECT_EQ(ConcurrencyBucket("concurrency=4"), "4-7");
  EXPECT_EQ(ConcurrencyBucket("concurrency=7"), "4-7");
  EXPECT_EQ(ConcurrencyBucket("concurrency=64"), "64-127");
  EXPECT_EQ(ConcurrencyBucket("sessions=9"), "8-15");
  EXPECT_EQ(ConcurrencyBucket("rate=2.5"), "rate");
  EXPECT_EQ(ConcurrencyBucket("trace"), "trace");
  EXPECT_EQ(ConcurrencyBucket("bogus"), "unknown");
}

TEST(ValidateLabels, AcceptsTheAllowlist) {
  EXPECT_TRUE(ValidateLabels({{"run_id", "r"},
                              {"cluster", "c"},
                              {"region", "eu"},
                              {"node_pool", "p"},
                              {"gpu_model", "H100"},
                              {"scheduler_path", "kueue"}})
                  .ok());
}

TEST(ValidateLabels, RefusesAnUnknownLabelNamingItAndListingTheAllowedOnes) {
  Status s = ValidateLabels({{"run_id", "r"}, {"team", "x"}});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("team"));
  EXPECT_THAT(s.message(), HasSubstr("run_id, benchmark_case_id, cluster, region, node_pool, "
                                     "gpu_model, scheduler_path, concurrency_bucket"));
  EXPECT_THAT(s.message(), Not(HasSubstr("request_fact")));
}

TEST(ValidateLabels, SendsPerRequestIdsToRequestFact) {
  for (const char* key :
       {"request_id", "trace_id", "prompt_hash", "span_id", "session_id", "gpu_uuid"}) {
    Status s = ValidateLabels({{key, "x"}});
    ASSERT_FALSE(s.ok()) << key;
    EXPECT_THAT(s.message(), HasSubstr(key));
    EXPECT_THAT(s.message(), HasSubstr("request_fact"));
  }
}

TEST(ValidateLabels, RefusesPerSeriesLabelsAndEmptyValues) {
  Status per_series = ValidateLabels({{"concurrency_bucket", "1"}});
  ASSERT_FALSE(per_series.ok());
  EXPECT_THAT(per_series.message(), HasSubstr("concurrency_bucket"));
  Status empty = ValidateLabels({{"cluster", ""}});
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.message(), HasSubstr("cluster"));
}

TEST(HotMetrics, StartRefusesALabelOutsideTheAllowlist) {
  HotMetrics hot;
  Status s = hot.Start(Offline({{"run_id", "r"}, {"request_id", "abc"}}));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("request_id"));
}

TEST(HotMetrics, RendersHelpTypeAndSamplesThatParseBack) {
  HotMetrics hot;
  HotMetricsOptions o = Offline({{"run_id", "run-1"}, {"cluster", "a\"b\\c\nd"}});
  o.case_id_for_point = [](std::string_view point) { return "case-" + std::string(point); };
  ASSERT_TRUE(hot.Start(o).ok());
  hot.OnRecord(OkRecord("concurrency=4", 50, 10, 11));
  hot.OnRecord(OkRecord("concurrency=4", 150, 20, 11));
  hot.OnRecord(ErrorRecord("concurrency=4"));
  results::RequestRecord warmup = OkRecord("concurrency=4");
  warmup.warmup = true;
  hot.OnRecord(warmup);
  results::RequestRecord cancelled = ErrorRecord("concurrency=4");
  cancelled.error_class = results::ErrorClass::kCancelled;
  hot.OnRecord(cancelled);
  results::PointSummary point;
  point.point = "concurrency=4";
  hot.OnPoint(point);

  const std::string text = hot.Render();
  EXPECT_THAT(text, HasSubstr("# HELP inferbench_requests_total "));
  EXPECT_THAT(text, HasSubstr("# TYPE inferbench_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE inferbench_ttft_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE inferbench_run_info gauge\n"));
  EXPECT_THAT(text, HasSubstr(R"(cluster="a\"b\\c\nd")"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(inferbench_requests_total{benchmark_case_id="case-concurrency=4",cluster="a\"b\\c\nd",)"
          R"(concurrency_bucket="4-7",outcome="ok",run_id="run-1"} 2.0)"));

  PrometheusScrape scrape = ParsePrometheusText(text);
  ASSERT_TRUE(scrape.errors.empty()) << scrape.errors[0].reason << "\n" << text;
  const Labels series = {{"run_id", "run-1"},
                         {"cluster", "a\"b\\c\nd"},
                         {"benchmark_case_id", "case-concurrency=4"},
                         {"concurrency_bucket", "4-7"}};
  EXPECT_EQ(scrape.Sum("inferbench_run_info", {{"run_id", "run-1"}}), 1.0);
  Labels ok = series;
  ok.emplace_back("outcome", "ok");
  Labels error = series;
  error.emplace_back("outcome", "error");
  EXPECT_EQ(scrape.Sum("inferbench_requests_total", ok), 2.0);  // warmup and cancelled left out
  EXPECT_EQ(scrape.Sum("inferbench_requests_total", error), 1.0);
  EXPECT_EQ(scrape.Sum("inferbench_input_tokens_total", series), 300.0);
  EXPECT_EQ(scrape.Sum("inferbench_output_tokens_total", series), 22.0);
  EXPECT_EQ(scrape.Sum("inferbench_ttft_seconds_count", series), 2.0);
  EXPECT_DOUBLE_EQ(scrape.Sum("inferbench_ttft_seconds_sum", series), 0.2);
  Labels le_100ms = series;
  le_100ms.emplace_back("le", "0.1");
  EXPECT_EQ(scrape.Sum("inferbench_ttft_seconds_bucket", le_100ms), 1.0);  // 50 ms, not 150 ms
  Labels le_inf = series;
  le_inf.emplace_back("le", "+Inf");
  EXPECT_EQ(scrape.Sum("inferbench_ttft_seconds_bucket", le_inf), 2.0);
  EXPECT_DOUBLE_EQ(scrape.Sum("inferbench_tpot_seconds_sum", series), 0.03);
  EXPECT_EQ(scrape.Sum("inferbench_point_replicates_completed", series), 1.0);
  EXPECT_EQ(scrape.Sum("inferbench_hot_series_dropped_total"), 0.0);
  ASSERT_NE(scrape.FindType("inferbench_tpot_seconds"), nullptr);
  EXPECT_EQ(*scrape.FindType("inferbench_tpot_seconds"), MetricType::kHistogram);

  // Only allowlisted labels (plus outcome and the histogram's le) ever appear.
  for (const PrometheusSample& s : scrape.samples) {
    for (const auto& [key, value] : s.labels) {
      const bool allowed =
          key == "outcome" || key == "le" ||
          std::find(kHotMetricLabelAllowlist.begin(), kHotMetricLabelAllowlist.end(), key) !=
              kHotMetricLabelAllowlist.end();
      EXPECT_TRUE(allowed) << s.name << " has label " << key;
    }
  }
}

TEST(HotMetrics, SetPointGivesThePointsCaseIdAndPointsShareABucket) {
  HotMetrics hot;
  ASSERT_TRUE(hot.Start(Offline()).ok());
  hot.SetPoint("concurrency=4", "aaaa");
  hot.SetPoint("concurrency=6", "bbbb");
  hot.OnRecord(OkRecord("concurrency=4"));
  hot.OnRecord(OkRecord("concurrency=6"));
  hot.OnRecord(OkRecord("concurrency=6"));
  hot.OnRecord(OkRecord("rate=2"));  // no case id declared and no resolver
  PrometheusScrape scrape = ParsePrometheusText(hot.Render());
  ASSERT_TRUE(scrape.errors.empty());
  EXPECT_EQ(scrape.Sum("inferbench_requests_total",
                       {{"benchmark_case_id", "aaaa"}, {"concurrency_bucket", "4-7"}}),
            1.0);
  EXPECT_EQ(scrape.Sum("inferbench_requests_total",
                       {{"benchmark_case_id", "bbbb"}, {"concurrency_bucket", "4-7"}}),
            2.0);
  EXPECT_EQ(scrape.Sum("inferbench_requests_total", {{"concurrency_bucket", "rate"}}), 1.0);
}

TEST(HotMetrics, TheSeriesBudgetDropsNewLabelSetsAndCountsThem) {
  HotMetrics hot;
  HotMetricsOptions o = Offline();
  o.series_budget = 60;  // 2 fixed + one point's 45 (3 scalars + 2 histograms × 20) + a bit
  o.case_id_for_point = [](std::string_view point) { return std::string(point); };
  ASSERT_TRUE(hot.Start(o).ok());
  hot.OnRecord(OkRecord("concurrency=1"));
  EXPECT_EQ(hot.series_count(), 2 + 3 + 20 + 20);
  EXPECT_EQ(hot.dropped_series(), 0);
  // The next point's scalars fit (46..48), its histograms do not.
  for (int i = 0; i < 3; ++i) hot.OnRecord(OkRecord("concurrency=2"));
  EXPECT_LE(hot.series_count(), 60);
  EXPECT_EQ(hot.dropped_series(), 2);  // each refused label set counted once
  for (int n = 3; n < 5000; ++n) hot.OnRecord(OkRecord("concurrency=" + std::to_string(n)));
  EXPECT_LE(hot.series_count(), 60);
  EXPECT_GT(hot.dropped_series(), 2);

  const std::string text = hot.Render();
  EXPECT_LT(text.size(), 20'000u) << "rendered text grows with refused points";
  PrometheusScrape scrape = ParsePrometheusText(text);
  ASSERT_TRUE(scrape.errors.empty());
  EXPECT_EQ(scrape.Sum("inferbench_hot_series_dropped_total"),
            static_cast<double>(hot.dropped_series()));
  EXPECT_EQ(scrape.Sum("inferbench_requests_total", {{"benchmark_case_id", "concurrency=2"}}), 3.0);
  bool found = false;
  scrape.Sum("inferbench_ttft_seconds_count", {{"benchmark_case_id", "concurrency=2"}}, &found);
  EXPECT_FALSE(found);
  scrape.Sum("inferbench_requests_total", {{"benchmark_case_id", "concurrency=4000"}}, &found);
  EXPECT_FALSE(found);
}

TEST(HotMetrics, CountsRecordsFromManyThreadsExactly) {
  HotMetrics hot;
  ASSERT_TRUE(hot.Start(Offline()).ok());
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&hot, t] {
      for (int i = 0; i < 500; ++i) hot.OnRecord(OkRecord(t % 2 ? "concurrency=8" : "rate=4"));
    });
  }
  for (int i = 0; i < 20; ++i) (void)hot.Render();
  for (std::thread& w : workers) w.join();
  PrometheusScrape scrape = ParsePrometheusText(hot.Render());
  EXPECT_EQ(scrape.Sum("inferbench_requests_total"), 2000.0);
  EXPECT_EQ(scrape.Sum("inferbench_ttft_seconds_count", {{"concurrency_bucket", "8-15"}}), 1000.0);
}

TEST(HotMetrics, ServesMetricsOverHttp) {
  HotMetrics hot;
  HotMetricsOptions o;
  o.port = 0;
  o.labels = {{"run_id", "run-http"}, {"gpu_model", "H100"}};
  ASSERT_TRUE(hot.Start(o).ok());
  ASSERT_NE(hot.port(), 0);
  EXPECT_EQ(hot.url(), "http://127.0.0.1:" + std::to_string(hot.port()) + "/metrics");
  hot.OnRecord(OkRecord("concurrency=2"));

  Result<net::FetchResult> got = net::Fetch("GET", hot.url(), "", "", 5 * kSecond);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->status, 200);
  EXPECT_THAT(got->content_type, HasSubstr("text/plain; version=0.0.4"));
  PrometheusScrape scrape = ParsePrometheusText(got->body);
  ASSERT_TRUE(scrape.errors.empty());
  EXPECT_EQ(scrape.Sum("inferbench_requests_total",
                       {{"run_id", "run-http"}, {"gpu_model", "H100"}, {"outcome", "ok"}}),
            1.0);

  Result<net::FetchResult> other = net::Fetch(
      "GET", "http://127.0.0.1:" + std::to_string(hot.port()) + "/", "", "", 5 * kSecond);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->status, 404);
  hot.Stop();
  Result<net::FetchResult> after = net::Fetch("GET", hot.url(), "", "", 5 * kSecond);
  EXPECT_FALSE(after.ok()) << "still serving after Stop";
}

TEST(HotMetrics, ABusyPortIsAnErrorNamingIt) {
  HotMetricsOptions serving;
  serving.port = 0;
  HotMetrics a;
  ASSERT_TRUE(a.Start(serving).ok());
  HotMetrics b;
  serving.port = a.port();
  Status s = b.Start(serving);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(std::to_string(a.port())));
}

// A stand-in Pushgateway: an HttpServer on its own loop thread that keeps every request.
class FakePushgateway {
 public:
  FakePushgateway()
      : server_(loop_, [this](net::HttpRequest&& r, std::shared_ptr<net::HttpResponder> out) {
          {
            std::lock_guard<std::mutex> lock(mutex_);
            requests_.push_back(r);
          }
          changed_.notify_all();
          out->Send(200, "text/plain", "");
        }) {
    EXPECT_TRUE(server_.Listen().ok());
    thread_ = std::thread([this] { loop_.Run(); });
  }
  ~FakePushgateway() {
    net::RunOnLoopAndWait(loop_, [this] { server_.Close(); });
    loop_.Stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  // Waits (bounded) until at least n requests arrived; returns a copy of them.
  std::vector<net::HttpRequest> WaitFor(size_t n, std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, limit, [&] { return requests_.size() >= n; });
    return requests_;
  }

 private:
  net::EventLoop loop_;
  net::HttpServer server_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<net::HttpRequest> requests_;
};

TEST(HotMetrics, PushesToThePushgatewayPeriodicallyAndOnStop) {
  FakePushgateway gateway;
  HotMetrics hot;
  HotMetricsOptions o = Offline({{"run_id", "20260101T000000Z-0123abcd"}});
  o.pushgateway_url = gateway.url() + "/";
  o.push_interval_ns = 50 * kMs;
  std::vector<std::string> notes;
  o.on_note = [&notes](const std::string& n) { notes.push_back(n); };
  ASSERT_TRUE(hot.Start(o).ok());
  hot.OnRecord(OkRecord("concurrency=1"));
  std::vector<net::HttpRequest> periodic = gateway.WaitFor(1, std::chrono::seconds(5));
  ASSERT_GE(periodic.size(), 1u) << "no periodic push within 5 s";
  hot.OnRecord(OkRecord("concurrency=1"));
  hot.Stop();
  std::vector<net::HttpRequest> all = gateway.WaitFor(periodic.size() + 1, std::chrono::seconds(5));
  ASSERT_GT(all.size(), periodic.size());
  for (const net::HttpRequest& r : all) {
    EXPECT_EQ(r.method, "PUT");
    EXPECT_EQ(r.target, "/metrics/job/inferbench/run_id/20260101T000000Z-0123abcd");
    EXPECT_THAT(r.Header("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
  }
  PrometheusScrape last = ParsePrometheusText(all.back().body);
  ASSERT_TRUE(last.errors.empty());
  EXPECT_EQ(last.Sum("inferbench_requests_total", {{"outcome", "ok"}}), 2.0);  // the final numbers
  EXPECT_TRUE(notes.empty()) << notes.front();
}

TEST(HotMetrics, GroupingValuesOutsideTheUnreservedSetAreBase64Encoded) {
  FakePushgateway gateway;
  HotMetrics hot;
  HotMetricsOptions o = Offline({{"run_id", "a/b"}});
  o.pushgateway_url = gateway.url();
  o.push_interval_ns = 3600 * kSecond;  // only the push at Stop
  o.job = "nightly";
  ASSERT_TRUE(hot.Start(o).ok());
  hot.Stop();
  std::vector<net::HttpRequest> got = gateway.WaitFor(1, std::chrono::seconds(5));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "/metrics/job/nightly/run_id@base64/YS9i");
}

TEST(HotMetrics, AnUnreachablePushgatewayIsANoteNotAFailure) {
  HotMetrics hot;
  HotMetricsOptions o = Offline();
  o.pushgateway_url = "http://127.0.0.1:" + std::to_string(net::ClosedPort());
  o.push_interval_ns = 3600 * kSecond;
  std::vector<std::string> notes;
  o.on_note = [&notes](const std::string& n) { notes.push_back(n); };
  ASSERT_TRUE(hot.Start(o).ok());
  hot.OnRecord(OkRecord("concurrency=1"));
  hot.Stop();
  ASSERT_FALSE(notes.empty());
  EXPECT_THAT(notes.front(), HasSubstr("pushgateway"));
  EXPECT_THAT(notes.back(), HasSubstr("1 of 1 pushes failed"));
}

TEST(HotMetrics, ABadPushgatewayUrlIsRefusedAtStart) {
  HotMetrics hot;
  HotMetricsOptions o = Offline();
  o.pushgateway_url = "pushgateway:9091";
  Status s = hot.Start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("pushgateway:9091"));
}

}  // namespace
}  // namespace inferbench::telemetry
