#include "telemetry/sampler.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <utility>

#include "core/clock.h"
#include "net/client_connection.h"
#include "telemetry/engine_mapping.h"

namespace {
constexpr int kSamplerNice = 10;
}  // namespace

namespace inferbench::telemetry {
namespace {

PrometheusScrape MappedOnly(const PrometheusScrape& whole) {
  PrometheusScrape kept;
  for (const PrometheusSample& sample : whole.samples) {
    if (IsMappedMetric(sample.name)) kept.samples.push_back(sample);
  }
  for (const auto& type : whole.types) {
    if (IsMappedMetric(type.first)) kept.types.push_back(type);
  }
  kept.errors = whole.errors;
  return kept;
}

}  // namespace

ScrapeSampler::ScrapeSampler(Callback on_scrape, Retention retention)
    : on_scrape_(std::move(on_scrape)), retention_(retention) {}

ScrapeSampler::~ScrapeSampler() { Stop(); }

void ScrapeSampler::Start(std::vector<std::string> urls, int64_t interval_ns) {
  assert(interval_ns > 0);
  std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_requested_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_requested_ = false;
    urls_ = urls;
    interval_ns_ = interval_ns;
    running_ = !urls.empty();
  }
  if (urls.empty()) return;
  thread_ = std::thread(&ScrapeSampler::RunLoop, this, std::move(urls), interval_ns);
}

void ScrapeSampler::Stop() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_requested_ = true;
    running_ = false;
  }
  wake_.notify_all();
  thread_.join();
}

bool ScrapeSampler::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

void ScrapeSampler::RunLoop(std::vector<std::string> urls, int64_t interval_ns) {
  // Telemetry must not disturb the measurement (DESIGN.md §2.8): on a machine with few cores a
  // scrape (fetch + parse of a large exposition) competing with the load generator's event loop
  // delays its timers. SCHED_IDLE (no privileges needed) makes any normal thread that wakes up
  // preempt this one at once; the scrape still runs on any idle core within the interval. Where
  // SCHED_IDLE is refused, a lower nice value is the fallback.
  sched_param param{};
  if (::sched_setscheduler(0, SCHED_IDLE, &param) != 0) {
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), kSamplerNice);
  }
  int64_t next_round_ns = SteadyNowNs();
  while (true) {
    ScrapeRound(urls, interval_ns, /*stoppable=*/true);
    next_round_ns += interval_ns;
    // A round that overran (slow or dead servers) is followed by the next one at once, without
    // trying to catch up on the rounds it missed.
    next_round_ns = std::max(next_round_ns, SteadyNowNs());
    std::unique_lock<std::mutex> lock(mutex_);
    const auto wait = std::chrono::nanoseconds(next_round_ns - SteadyNowNs());
    if (wake_.wait_for(lock, wait, [this] { return stop_requested_; })) return;
  }
}

std::vector<TimedScrape> ScrapeSampler::ScrapeNow() {
  std::vector<std::string> urls;
  int64_t timeout_ns = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    urls = urls_;
    timeout_ns = interval_ns_;
  }
  return ScrapeRound(urls, timeout_ns, /*stoppable=*/false);
}

std::vector<TimedScrape> ScrapeSampler::ScrapeRound(const std::vector<std::string>& urls,
                                                    int64_t timeout_ns, bool stoppable) {
  std::lock_guard<std::mutex> round(round_mutex_);
  std::vector<TimedScrape> done;
  for (const std::string& url : urls) {
    if (stoppable) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_requested_) break;
    }
    done.push_back(ScrapeOne(url, timeout_ns));
  }
  return done;
}

TimedScrape ScrapeSampler::ScrapeOne(const std::string& url, int64_t timeout_ns) {
  TimedScrape scrape;
  scrape.url = url;
  std::string body;
  Result<net::FetchResult> fetched = net::Fetch("GET", url, "", "", timeout_ns);
  scrape.steady_ns = SteadyNowNs();
  if (!fetched.ok()) {
    scrape.error = fetched.status().message();
  } else if (fetched->status != 200) {
    scrape.error = "GET " + url + ": HTTP " + std::to_string(fetched->status) +
                   " (expected 200 with Prometheus text; check the metricsUrls entry)";
    body = std::move(fetched->body);
  } else {
    body = std::move(fetched->body);
    scrape.scrape = ParsePrometheusText(body);
  }
  if (on_scrape_) on_scrape_(scrape, body);

  TimedScrape kept;
  kept.steady_ns = scrape.steady_ns;
  kept.url = scrape.url;
  kept.error = scrape.error;
  kept.scrape = retention_ == Retention::kEverything ? scrape.scrape : MappedOnly(scrape.scrape);
  std::lock_guard<std::mutex> lock(mutex_);
  ++scrape_count_;
  if (!scrape.error.empty()) ++error_count_;
  kept_.push_back(std::move(kept));
  return scrape;
}

std::vector<TimedScrape> ScrapeSampler::TakeAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<TimedScrape> taken = std::move(kept_);
  kept_.clear();
  return taken;
}

int64_t ScrapeSampler::scrape_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return scrape_count_;
}

int64_t ScrapeSampler::error_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_count_;
}

}  // namespace inferbench::telemetry
