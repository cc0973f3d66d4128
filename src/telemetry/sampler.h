// ScrapeSampler: scrapes /metrics URLs (an engine, a DCGM exporter, …) every `interval_ns` on a
// background thread, plus one-off scrapes on demand before and after a point, and keeps the
// parsed scrapes until the runner takes them for SummarizePoint (point_telemetry.h).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "telemetry/point_telemetry.h"

namespace inferbench::telemetry {

class ScrapeSampler {
 public:
  static constexpr int64_t kDefaultIntervalNs = 1'000'000'000;

  // Receives every scrape (failed ones too, with `error` set) and the body as received (empty
  // when the fetch failed), e.g. to store it. Called on the sampler thread for periodic scrapes
  // and on the caller's thread for ScrapeNow, never two calls at once. The scrape it sees holds
  // every sample. REQUIRES: does not throw and does not call back into this sampler.
  using Callback = std::function<void(const TimedScrape& scrape, std::string_view raw_text)>;

  // What the kept scrapes (TakeAll) hold.
  enum class Retention {
    kMappedMetrics,  // only samples IsMappedMetric (engine_mapping.h) names: what
                     // SummarizePoint reads, a small fraction of an engine's /metrics
    kEverything,
  };

  explicit ScrapeSampler(Callback on_scrape = nullptr,
                         Retention retention = Retention::kMappedMetrics);
  // Stops the sampler.
  ~ScrapeSampler();
  ScrapeSampler(const ScrapeSampler&) = delete;
  ScrapeSampler& operator=(const ScrapeSampler&) = delete;

  // Starts scraping every URL once per `interval_ns` (the first round at once), one URL after
  // another, each GET with a timeout of `interval_ns`. A failed scrape (unreachable, timeout, a
  // status other than 200) is kept with `error` set and counted; nothing throws. A sampler that
  // is already running is stopped first. With no URLs no thread is started. REQUIRES:
  // interval_ns > 0.
  void Start(std::vector<std::string> urls, int64_t interval_ns = kDefaultIntervalNs);
  // Stops the background thread and joins it: returns once an in-flight GET ends (at most the
  // timeout); a sampler waiting for its next round stops at once. Idempotent. Kept scrapes stay.
  void Stop();
  // Scrapes every URL of the last Start once, now, on the calling thread (waiting for a
  // periodic round in progress to finish), keeps the results like periodic ones and returns
  // them (whole, whatever the retention). Empty before the first Start. Works after Stop.
  std::vector<TimedScrape> ScrapeNow();
  // Every kept scrape since the last TakeAll, in the order they completed, and forgets them.
  std::vector<TimedScrape> TakeAll();

  // Scrapes attempted and failed since construction.
  int64_t scrape_count() const;
  int64_t error_count() const;
  bool running() const;

  // Every method may be called from any thread, except that Start, Stop and the destructor must
  // not be called from the callback.

 private:
  // Scrapes `urls` in turn; stops early when the sampler is asked to stop and `stoppable`.
  std::vector<TimedScrape> ScrapeRound(const std::vector<std::string>& urls, int64_t timeout_ns,
                                       bool stoppable);
  TimedScrape ScrapeOne(const std::string& url, int64_t timeout_ns);
  void RunLoop(std::vector<std::string> urls, int64_t interval_ns);

  const Callback on_scrape_;
  const Retention retention_;

  std::mutex round_mutex_;  // one round at a time; serialises the callback

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  bool stop_requested_ = false;
  bool running_ = false;
  std::vector<std::string> urls_;
  int64_t interval_ns_ = kDefaultIntervalNs;
  std::vector<TimedScrape> kept_;
  int64_t scrape_count_ = 0;
  int64_t error_count_ = 0;

  std::mutex lifecycle_mutex_;  // serialises Start and Stop
  std::thread thread_;
};

}  // namespace inferbench::telemetry
