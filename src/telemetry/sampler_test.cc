#include "telemetry/sampler.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "net/closed_port.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "net/run_on_loop_for_test.h"

namespace inferbench::telemetry {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kHour = 3'600'000 * kMs;

// Polls `done` every 5 ms for up to 20 s (a generous bound for a loaded test machine).
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 4000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// Collects what the sampler's callback sees.
struct Seen {
  std::mutex mutex;
  std::vector<TimedScrape> scrapes;
  std::vector<std::string> bodies;

  ScrapeSampler::Callback Callback() {
    return [this](const TimedScrape& scrape, std::string_view raw_text) {
      std::lock_guard<std::mutex> lock(mutex);
      scrapes.push_back(scrape);
      bodies.emplace_back(raw_text);
    };
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex);
    return scrapes.size();
  }
};

// An in-process /metrics server: "/metrics" counts the scrapes it served in a gauge (so the
// body changes over time) next to a metric no mapping reads; "/fail" answers 503.
class SamplerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    thread_ = std::thread([this] { loop_.Run(); });
    bool listening = false;
    RunOnLoop([&] {
      server_ = std::make_unique<net::HttpServer>(
          loop_, [this](net::HttpRequest&& request, std::shared_ptr<net::HttpResponder> out) {
            if (request.Path() == "/fail") {
              out->Send(503, "text/plain", "overloaded");
              return;
            }
            const int served = ++served_;
            out->Send(200, "text/plain; version=0.0.4",
                      "# TYPE vllm:num_requests_running gauge\n"
                      "vllm:num_requests_running{engine=\"0\"} " +
                          std::to_string(served) + "\nunmapped_metric 1\n");
          });
      const Status status = server_->Listen();
      EXPECT_TRUE(status.ok()) << status.message();
      listening = status.ok();
      port_ = server_->port();
    });
    ASSERT_TRUE(listening);
  }

  void TearDown() override {
    RunOnLoop([&] {
      server_->Close();
      server_.reset();
    });
    loop_.Stop();
    thread_.join();
  }

  void RunOnLoop(const std::function<void()>& fn) {
    net::RunOnLoopAndWait(loop_, fn, std::chrono::seconds(20));
  }


  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  net::EventLoop loop_;
  std::thread thread_;
  std::unique_ptr<net::HttpServer> server_;  // loop thread only
  std::atomic<int> served_{0};
  uint16_t port_ = 0;
};

double RunningValue(const TimedScrape& scrape) {
  return scrape.scrape.Sum("vllm:num_requests_running");
}

TEST_F(SamplerTest, PeriodicScrapesReachTheCallbackAndAreKeptInOrder) {
  Seen seen;
  ScrapeSampler sampler(seen.Callback());
  sampler.Start({Url("/metrics")}, 20 * kMs);
  EXPECT_TRUE(sampler.running());
  ASSERT_TRUE(Eventually([&] { return seen.size() >= 3; })) << "no scrapes arrived";
  sampler.Stop();
  EXPECT_FALSE(sampler.running());

  const std::vector<TimedScrape> kept = sampler.TakeAll();
  ASSERT_GE(kept.size(), 3u);
  EXPECT_EQ(static_cast<int64_t>(kept.size()), sampler.scrape_count());
  EXPECT_EQ(sampler.error_count(), 0);
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_TRUE(kept[i].error.empty()) << kept[i].error;
    EXPECT_EQ(kept[i].url, Url("/metrics"));
    if (i > 0) {
      EXPECT_GE(kept[i].steady_ns, kept[i - 1].steady_ns);
      // The server's body changes every scrape; the kept values follow it.
      EXPECT_GT(RunningValue(kept[i]), RunningValue(kept[i - 1]));
    }
    // Kept scrapes are trimmed to what the mappings read.
    bool found = true;
    kept[i].scrape.Sum("unmapped_metric", {}, &found);
    EXPECT_FALSE(found);
  }
  // The callback saw every scrape whole, with its raw body.
  std::lock_guard<std::mutex> lock(seen.mutex);
  ASSERT_EQ(seen.scrapes.size(), kept.size());
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_NE(seen.bodies[i].find("unmapped_metric 1"), std::string::npos);
    EXPECT_EQ(seen.scrapes[i].scrape.Sum("unmapped_metric"), 1.0);
    EXPECT_EQ(RunningValue(seen.scrapes[i]), RunningValue(kept[i]));
  }
  EXPECT_TRUE(sampler.TakeAll().empty()) << "TakeAll drains";
}

TEST_F(SamplerTest, ScrapeNowAroundAPointAndPromptStopWithALongInterval) {
  ScrapeSampler sampler(nullptr, ScrapeSampler::Retention::kEverything);
  EXPECT_TRUE(sampler.ScrapeNow().empty()) << "no URLs before Start";

  // With an hour between rounds only the first round (at once) happens; Stop must not wait
  // for the next one.
  sampler.Start({Url("/metrics")}, kHour);
  ASSERT_TRUE(Eventually([&] { return sampler.scrape_count() >= 1; }));
  const std::vector<TimedScrape> before = sampler.ScrapeNow();
  ASSERT_EQ(before.size(), 1u);
  EXPECT_TRUE(before[0].error.empty()) << before[0].error;
  sampler.Stop();

  const std::vector<TimedScrape> after = sampler.ScrapeNow();  // still works after Stop
  ASSERT_EQ(after.size(), 1u);
  EXPECT_GT(RunningValue(after[0]), RunningValue(before[0]));

  const std::vector<TimedScrape> kept = sampler.TakeAll();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(RunningValue(kept[1]), RunningValue(before[0]));
  EXPECT_EQ(RunningValue(kept[2]), RunningValue(after[0]));
  EXPECT_EQ(kept[2].scrape.Sum("unmapped_metric"), 1.0) << "kEverything keeps every sample";
}

TEST_F(SamplerTest, FailuresAreKeptCountedAndNeverThrow) {
  Seen seen;
  ScrapeSampler sampler(seen.Callback());
  const std::string refused = "http://127.0.0.1:" + std::to_string(net::ClosedPort()) + "/metrics";
  sampler.Start({Url("/metrics"), Url("/fail"), refused, "not a url"}, kHour);
  ASSERT_TRUE(Eventually([&] { return sampler.scrape_count() >= 4; }));
  sampler.Stop();

  const std::vector<TimedScrape> kept = sampler.TakeAll();
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_TRUE(kept[0].error.empty());
  EXPECT_NE(kept[1].error.find("HTTP 503"), std::string::npos) << kept[1].error;
  EXPECT_NE(kept[1].error.find(Url("/fail")), std::string::npos) << kept[1].error;
  EXPECT_FALSE(kept[2].error.empty());
  EXPECT_FALSE(kept[3].error.empty());
  for (size_t i = 1; i < kept.size(); ++i) EXPECT_TRUE(kept[i].scrape.samples.empty());
  EXPECT_EQ(sampler.error_count(), 3);

  std::lock_guard<std::mutex> lock(seen.mutex);
  ASSERT_EQ(seen.bodies.size(), 4u);
  EXPECT_EQ(seen.bodies[1], "overloaded");  // the body of a bad status still reaches storage
  EXPECT_TRUE(seen.bodies[2].empty());
}

TEST_F(SamplerTest, EveryUrlIsScrapedEachRoundAndSummarised) {
  ScrapeSampler sampler;
  sampler.Start({Url("/metrics"), Url("/metrics?second")}, 10 * kMs);
  ASSERT_TRUE(Eventually([&] { return sampler.scrape_count() >= 6; }));
  sampler.Stop();
  const std::vector<TimedScrape> kept = sampler.TakeAll();
  ASSERT_GE(kept.size(), 6u);
  // Rounds scrape the URLs in the order given.
  for (size_t i = 0; i + 1 < kept.size(); i += 2) {
    EXPECT_EQ(kept[i].url, Url("/metrics"));
    EXPECT_EQ(kept[i + 1].url, Url("/metrics?second"));
  }
  const PointTelemetry summary =
      SummarizePoint(kept, kept.front().steady_ns, kept.back().steady_ns, 0);
  EXPECT_EQ(summary.scrape_count, static_cast<int>(kept.size()));
  ASSERT_TRUE(summary.server_running_max.has_value());
  // Two URLs, each the server's running count at its own scrape: their sum peaks at the last
  // two scrapes.
  EXPECT_DOUBLE_EQ(*summary.server_running_max,
                   RunningValue(kept[kept.size() - 1]) + RunningValue(kept[kept.size() - 2]));
}

TEST_F(SamplerTest, RestartAndDestructionStopTheThread) {
  auto sampler = std::make_unique<ScrapeSampler>();
  sampler->Start({Url("/metrics")}, kHour);
  sampler->Start({Url("/metrics")}, kHour);  // restarts (the first round may be cut short)
  ASSERT_TRUE(Eventually([&] { return sampler->scrape_count() >= 1; }));
  sampler->Start({}, kHour);  // no URLs: stopped
  EXPECT_FALSE(sampler->running());
  sampler->Start({Url("/metrics")}, kHour);
  sampler.reset();  // joins without waiting for the next round
  SUCCEED();
}

}  // namespace
}  // namespace inferbench::telemetry
