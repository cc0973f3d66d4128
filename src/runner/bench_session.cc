#include "runner/bench_session.h"

#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/log.h"
#include "load/loop_executor.h"
#include "load/point_metrics.h"
#include "load/point_scheduler.h"
#include "load/self_check.h"
#include "net/client_connection.h"
#include "net/event_loop.h"
#include "net/signal_watcher.h"
#include "runner/run_directory.h"
#include "telemetry/engine_metrics.h"
#include "telemetry/prometheus_text.h"
#include "workload/corpus.h"

namespace inferbench::runner {
namespace {

constexpr int64_t kControlTimeoutNs = 10'000'000'000;  // readiness check, probe, scrapes
constexpr int64_t kBusyTickNs = 100'000'000;
constexpr int kProbeWords = 32;

int64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::optional<telemetry::PrometheusScrape> Scrape(const std::string& url) {
  auto fetched = net::Fetch("GET", url, "", "", kControlTimeoutNs);
  if (!fetched.ok() || fetched->status != 200) return std::nullopt;
  return telemetry::ParsePrometheusText(fetched->body);
}

// Sends one non-streaming chat request with a known number of words and reads
// usage.prompt_tokens: the difference is what the chat template adds to every prompt.
std::optional<int> ProbeChatTemplate(const BenchConfig& config, std::string* note) {
  client::RequestOptions options = config.sender.request;
  options.stream = false;
  options.max_tokens = 1;
  options.min_tokens.reset();
  client::Prompt prompt;
  const auto& words = workload::CorpusWords();
  for (int i = 0; i < kProbeWords; ++i) {
    if (i) prompt.text += ' ';
    prompt.text += words[static_cast<size_t>(i) % words.size()];
  }
  const std::string url = client::EndpointUrl(config.sender.target.url, client::ApiEndpoint::kChat);
  auto fetched = net::Fetch("POST", url, client::RenderRequestBody(options, prompt),
                            "application/json", kControlTimeoutNs, config.sender.target.headers);
  if (!fetched.ok()) {
    *note = "chat-template probe failed (" + fetched.status().message() + "); prompts not adjusted";
    return std::nullopt;
  }
  auto body = nlohmann::json::parse(fetched->body, nullptr, false);
  if (fetched->status != 200 || !body.is_object() || !body.contains("usage") ||
      !body["usage"].contains("prompt_tokens") || !body["usage"]["prompt_tokens"].is_number_integer()) {
    *note = fmt::format("chat-template probe got HTTP {} without usage.prompt_tokens; prompts not adjusted",
                        fetched->status);
    return std::nullopt;
  }
  int prompt_tokens = body["usage"]["prompt_tokens"].get<int>();
  int overhead = std::max(0, prompt_tokens - kProbeWords);
  *note = fmt::format("chat-template probe: {} words gave {} prompt tokens; {} template tokens "
                      "are subtracted from each text prompt",
                      kProbeWords, prompt_tokens, overhead);
  return overhead;
}

// One event loop on its own thread with its own sender, scheduler and self-check. A point's load
// is split across the workers (SplitPlan); everything a worker does runs on its loop thread.
struct Worker {
  explicit Worker(int i) : index(i), executor(loop), monitor(executor) {}
  int index;
  net::EventLoop loop;
  load::LoopExecutor executor;
  load::LoopMonitor monitor;
  std::unique_ptr<load::HttpRequestSender> sender;
  std::unique_ptr<load::PointScheduler> scheduler;
  std::unordered_map<std::string, std::vector<int64_t>> pending_times;  // by request id
  uint64_t tick_generation = 0;
  int64_t last_cpu_ns = 0;
  results::ClientSelfCheck self_check;
  std::thread thread;
};

// Worker w's share of a point: concurrency, requests, warmup, rate and in-flight cap divided as
// evenly as integers allow. Returns false when the worker has nothing to do.
bool SplitPlan(const load::LoadPlan& plan, int workers, int w, load::LoadPlan* out) {
  auto share = [&](int64_t total, int parts) {
    return total / parts + (w < total % parts ? 1 : 0);
  };
  int active = workers;
  if (plan.mode == load::LoadPlan::Mode::kConcurrency) active = std::min<int>(workers, plan.concurrency);
  if (plan.requests >= 0) active = std::min<int64_t>(active, std::max<int64_t>(plan.requests, 1));
  if (w >= active) return false;
  *out = plan;
  if (plan.mode == load::LoadPlan::Mode::kConcurrency) {
    out->concurrency = static_cast<int>(share(plan.concurrency, active));
  } else {
    out->rate_req_s = plan.rate_req_s / active;
    if (plan.max_inflight > 0) out->max_inflight = std::max<int>(1, static_cast<int>(share(plan.max_inflight, active)));
  }
  if (plan.requests >= 0) out->requests = share(plan.requests, active);
  out->warmup_requests = static_cast<int>(share(plan.warmup_requests, active));
  out->schedule_seed = DeriveSeed(plan.schedule_seed, "worker/" + std::to_string(w));
  return true;
}

class Session {
 public:
  Session(const BenchConfig& config, RunDirectory& dir, BenchOutcome& outcome,
          const std::function<void(const results::PointSummary&)>& on_point)
      : config_(config), dir_(dir), outcome_(outcome), on_point_(on_point) {}

  // Runs every point × replicate; returns when done or interrupted.
  void Run(const load::HttpSenderOptions& sender_options) {
    const int count = std::max(1, config_.workers);
    for (int w = 0; w < count; ++w) {
      auto worker = std::make_unique<Worker>(w);
      Worker* raw = worker.get();
      worker->sender = std::make_unique<load::HttpRequestSender>(
          worker->loop, sender_options,
          [raw](const results::RequestRecord& record, std::vector<int64_t>&& times) {
            raw->pending_times[record.request_id] = std::move(times);
          });
      workers_.push_back(std::move(worker));
    }
    signals_ = std::make_unique<net::SignalWatcher>(workers_[0]->loop, [this](int) { Interrupt(); });
    for (auto& worker : workers_) {
      Worker* raw = worker.get();
      worker->thread = std::thread([raw] { raw->loop.Run(); });
    }
    std::vector<ScheduledPoint> schedule = config_.schedule;
    if (schedule.empty()) {
      for (size_t p = 0; p < config_.points.size(); ++p) {
        for (int r = 0; r < config_.replicates; ++r) schedule.push_back({p, r, std::nullopt});
      }
    }
    while (!schedule.empty() && !interrupted_ && !target_lost_) {
      for (const ScheduledPoint& run : schedule) {
        if (interrupted_ || target_lost_) break;
        RunPoint(run.plan ? *run.plan : config_.points.at(run.point_index), run.replicate);
      }
      schedule.clear();
      if (config_.extend && !interrupted_ && !target_lost_) schedule = config_.extend(outcome_.summary);
    }
    // Stop every loop from its own thread, then join.
    for (auto& worker : workers_) {
      Worker* raw = worker.get();
      raw->loop.Post([raw] { raw->loop.Stop(); });
    }
    for (auto& worker : workers_) worker->thread.join();
    signals_.reset();
    if (interrupted_ || target_lost_) {
      outcome_.summary.status = "partial";
      Status written = dir_.WriteSummary(outcome_.summary);
      if (!written.ok() && write_error_.empty()) write_error_ = written.message();
    }
  }

  std::vector<std::string> metrics_urls_;
  std::atomic<bool> interrupted_{false};
  bool target_lost_ = false;
  std::string target_lost_message_;
  std::string write_error_;

 private:
  void Interrupt() {
    if (interrupted_.exchange(true)) return;
    if (config_.progress) std::fprintf(stderr, "\ninterrupted: cancelling in-flight requests…\n");
    for (auto& worker : workers_) {
      Worker* raw = worker.get();
      raw->loop.Post([raw] {
        if (raw->scheduler) raw->scheduler->Interrupt();
      });
    }
  }

  void RunPoint(const load::LoadPlan& point_plan, int replicate) {
    load::LoadPlan plan = point_plan;
    plan.replicate = replicate;
    if (config_.before_point) config_.before_point(plan);
    std::vector<std::optional<telemetry::PrometheusScrape>> before;
    for (const std::string& url : metrics_urls_) before.push_back(Scrape(url));
    const int count = static_cast<int>(workers_.size());
    std::vector<std::pair<Worker*, load::LoadPlan>> active;
    for (auto& worker : workers_) {
      load::LoadPlan share;
      if (SplitPlan(plan, count, worker->index, &share)) active.emplace_back(worker.get(), share);
    }
    completed_ = 0;
    {
      // The workers are idle between points; nothing else touches these now.
      std::lock_guard<std::mutex> lock(mutex_);
      records_.clear();
      token_times_.clear();
      remaining_ = static_cast<int>(active.size());
    }
    for (auto& [worker, share] : active) {
      // The loops are idle between points; the Post below orders this before their next send.
      worker->sender->SetIndexStride(active.size(), static_cast<uint64_t>(worker->index));
      // Constant arrivals: stagger the workers' phases so their sends interleave evenly.
      const int64_t phase_ns = plan.open_loop() && plan.arrival == load::LoadPlan::Arrival::kConstant
                                   ? static_cast<int64_t>(1e9 / plan.rate_req_s * worker->index)
                                   : 0;
      worker->loop.Post([this, worker = worker, share = share, phase_ns] {
        StartWorker(*worker, share, phase_ns);
      });
    }
    std::unique_lock<std::mutex> lock(mutex_);
    if (config_.progress) {
      while (!done_cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return remaining_ == 0; })) {
        std::fprintf(stderr, "\r%s replicate %d: %lld completed   ", plan.point.c_str(), replicate,
                     static_cast<long long>(completed_.load()));
        std::fflush(stderr);
      }
      std::fprintf(stderr, "\r\033[K");
    } else {
      done_cv_.wait(lock, [this] { return remaining_ == 0; });
    }
    lock.unlock();

    std::vector<results::ClientSelfCheck> checks;
    for (auto& entry : active) checks.push_back(entry.first->self_check);
    load::PointMetricsOptions options;
    options.plan = plan;
    options.slo = config_.slo;
    options.client = load::CombineSelfChecks(checks);
    options.ignore_eos = config_.sender.request.ignore_eos;
    options.anchor_steady_ns = outcome_.summary.anchor.steady_ns;
    // Every endpoint is scraped; the first that yields a prefix-cache rate gives the metric
    // (an engine's /metrics, not e.g. a GPU exporter listed before it).
    for (size_t i = 0; i < metrics_urls_.size(); ++i) {
      if (!before[i]) continue;
      auto after = Scrape(metrics_urls_[i]);
      if (!after) continue;
      if (!options.prefix_cache_hit_rate) {
        options.prefix_cache_hit_rate = telemetry::PrefixCacheHitRate(*before[i], *after);
      }
    }
    results::PointSummary point = load::ComputePointSummary(records_, token_times_, options);
    if (config_.after_point) config_.after_point(plan, point);
    if (config_.expect_cold) {
      auto hit = point.scalars.find("prefix_cache_hit_rate");
      if (hit != point.scalars.end() && hit->second > kColdHitRateWarning) {
        point.warnings.push_back(fmt::format(
            "supposedly cold run shows prefix-cache hit rate {:.1f} % (cache-bust {}): the server "
            "reused cached prompt prefixes, so TTFT is optimistic",
            hit->second * 100, load::CacheBustName(config_.sender.cache_bust)));
      }
    }
    if (interrupted_) point.warnings.push_back("interrupted: the point is partial");
    if (config_.stop_when_target_lost && !interrupted_ && point.requests.errored > 0 && !TargetAnswers()) {
      target_lost_ = true;
      target_lost_message_ = fmt::format(
          "the target {} stopped answering during {} replicate {} ({} of {} requests errored)",
          config_.base_url, plan.point, replicate, point.requests.errored,
          point.requests.errored + point.requests.completed);
      point.warnings.push_back("target lost: " + target_lost_message_);
    }
    if (target_lost_) outcome_.summary.status = "partial";
    outcome_.summary.points.push_back(point);
    if (interrupted_) outcome_.summary.status = "partial";
    Status written = dir_.WriteSummary(outcome_.summary);
    if (!written.ok() && write_error_.empty()) write_error_ = written.message();
    on_point_(point);
  }

  bool TargetAnswers() const {
    auto models = net::Fetch("GET", TargetUrl(config_.base_url, "/v1/models"), "", "",
                             kControlTimeoutNs, config_.sender.target.headers);
    return models.ok();
  }

  // On the worker's loop thread.
  void StartWorker(Worker& worker, const load::LoadPlan& plan, int64_t phase_ns) {
    worker.sender->SetPoint(plan.point, plan.replicate);
    worker.pending_times.clear();
    worker.scheduler = std::make_unique<load::PointScheduler>(
        worker.executor, *worker.sender, plan,
        [this, &worker](results::RequestRecord&& record) { OnRecord(worker, std::move(record)); });
    worker.monitor.Start();
    worker.last_cpu_ns = ThreadCpuNs();
    ArmBusyTick(worker);
    auto start = [this, &worker] {
      if (interrupted_) worker.scheduler->Interrupt();
      worker.scheduler->Start([this, &worker] {
        worker.loop.Post([this, &worker] { OnWorkerDone(worker); });
      });
    };
    if (phase_ns > 0) {
      worker.executor.RunAt(worker.executor.NowNs() + phase_ns, start);
    } else {
      start();
    }
  }

  void OnRecord(Worker& worker, results::RequestRecord&& record) {
    std::vector<int64_t> times;
    auto it = worker.pending_times.find(record.request_id);
    if (it != worker.pending_times.end()) {
      times = std::move(it->second);
      worker.pending_times.erase(it);
    }
    if (!record.warmup && record.ok()) ++completed_;
    bool failed = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      Status written = dir_.AppendRecord(record, times);
      if (config_.on_record) config_.on_record(record);
      if (!written.ok() && write_error_.empty()) {
        write_error_ = written.message();
        failed = true;
      }
      records_.push_back(std::move(record));
      token_times_.push_back(std::move(times));
    }
    if (failed) Interrupt();
  }

  // Busy share of the loop thread from its CPU time, fed to the monitor as one interval per tick.
  void ArmBusyTick(Worker& worker) {
    const uint64_t generation = ++worker.tick_generation;
    worker.executor.RunAt(worker.executor.NowNs() + kBusyTickNs, [this, &worker, generation] {
      if (generation != worker.tick_generation) return;
      int64_t now = worker.executor.NowNs();
      int64_t cpu = ThreadCpuNs();
      int64_t busy = std::min(cpu - worker.last_cpu_ns, kBusyTickNs);
      worker.last_cpu_ns = cpu;
      worker.monitor.BeginBusy(now - busy);
      worker.monitor.EndBusy(now);
      ArmBusyTick(worker);
    });
  }

  void OnWorkerDone(Worker& worker) {
    ++worker.tick_generation;  // stops the ticks
    worker.monitor.Stop();
    worker.self_check = worker.monitor.SelfCheck();
    worker.scheduler.reset();
    std::lock_guard<std::mutex> lock(mutex_);
    --remaining_;
    done_cv_.notify_all();
  }

  const BenchConfig& config_;
  RunDirectory& dir_;
  BenchOutcome& outcome_;
  const std::function<void(const results::PointSummary&)>& on_point_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<net::SignalWatcher> signals_;
  std::mutex mutex_;  // guards records_, token_times_, dir_ appends, remaining_
  std::condition_variable done_cv_;
  int remaining_ = 0;
  std::vector<results::RequestRecord> records_;
  std::vector<std::vector<int64_t>> token_times_;
  std::atomic<int64_t> completed_{0};
};

}  // namespace

std::string TargetUrl(const std::string& base, std::string_view path) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.size() >= 3 && url.compare(url.size() - 3, 3, "/v1") == 0) url.resize(url.size() - 3);
  return url + std::string(path);
}

int DefaultWorkerCount(const net::Url& url) {
  const std::string& host = url.endpoint.host;
  const bool loopback = host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
  return loopback ? 1 : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

BenchOutcome RunBench(const BenchConfig& config,
                      const std::function<void(const results::PointSummary&)>& on_point) {
  BenchOutcome outcome;
  outcome.summary.run_id = config.run_id;
  auto fail = [&outcome](std::string message) {
    outcome.exit_code = 2;
    outcome.error = std::move(message);
    return outcome;
  };

  // Reachability: any HTTP answer will do; a refused or silent target is not a measurement.
  auto models = net::Fetch("GET", TargetUrl(config.base_url, "/v1/models"), "", "", kControlTimeoutNs,
                           config.sender.target.headers);
  if (!models.ok()) {
    return fail("cannot reach the target " + config.base_url + ": " + models.status().message() +
                " (is the server running? check --url)");
  }

  load::HttpSenderOptions sender_options = config.sender;
  if (config.probe_chat_template && sender_options.request.endpoint == client::ApiEndpoint::kChat &&
      !sender_options.workload.token_ids) {
    std::string note;
    if (auto overhead = ProbeChatTemplate(config, &note)) sender_options.prompt_overhead_tokens = *overhead;
    outcome.notes.push_back(note);
  }

  auto dir = RunDirectory::Create(config.output_dir);
  if (!dir.ok()) return fail(dir.status().message());
  Status spec = (*dir)->WriteText("spec.yaml", config.effective_spec_yaml);
  if (!spec.ok()) return fail(spec.message());

  outcome.summary.anchor = ClockAnchor::Now();
  outcome.summary.status = "ok";
  Session session(config, **dir, outcome, on_point);
  if (!config.metrics_urls.empty()) {
    session.metrics_urls_ = config.metrics_urls;
  } else if (config.metrics_auto) {
    std::string url = TargetUrl(config.base_url, "/metrics");
    if (auto scrape = Scrape(url); scrape && !scrape->samples.empty()) {
      session.metrics_urls_.push_back(url);
      outcome.notes.push_back("server metrics: " + url);
    }
  }
  Status written = (*dir)->WriteSummary(outcome.summary);
  if (!written.ok()) return fail(written.message());
  session.Run(sender_options);
  outcome.metrics_urls = session.metrics_urls_;
  if (!session.write_error_.empty()) return fail(session.write_error_);
  if (session.target_lost_) {
    outcome.target_lost = true;
    outcome.summary.status = "partial";
    outcome.exit_code = 2;
    outcome.error = session.target_lost_message_ + "; the run is partial, every completed record is kept in " +
                    config.output_dir;
    return outcome;
  }
  if (session.interrupted_) {
    outcome.summary.status = "partial";
    outcome.exit_code = 130;
  }
  return outcome;
}

}  // namespace inferbench::runner
