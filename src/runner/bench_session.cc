#include "runner/bench_session.h"

#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
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
constexpr int64_t kProgressTickNs = 500'000'000;
constexpr int kProbeWords = 32;

int64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string JoinUrl(const std::string& base, std::string_view path) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.size() >= 3 && url.compare(url.size() - 3, 3, "/v1") == 0 && path.rfind("/v1/", 0) == 0) {
    url.resize(url.size() - 3);
  }
  return url + std::string(path);
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
  // EndpointPath already includes the base URL's path.
  const net::Url& base = config.sender.target.url;
  std::string url = fmt::format("{}://{}{}", base.endpoint.tls ? "https" : "http", base.HostHeader(),
                    client::EndpointPath(base, client::ApiEndpoint::kChat));
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

class Session {
 public:
  Session(const BenchConfig& config, RunDirectory& dir, BenchOutcome& outcome,
          const std::function<void(const results::PointSummary&)>& on_point)
      : config_(config),
        dir_(dir),
        outcome_(outcome),
        on_point_(on_point),
        executor_(loop_),
        monitor_(executor_) {}

  void Run(load::HttpSenderOptions sender_options) {
    sender_ = std::make_unique<load::HttpRequestSender>(
        loop_, std::move(sender_options),
        [this](const results::RequestRecord& record, std::vector<int64_t>&& times) {
          pending_times_[record.request_id] = std::move(times);
        });
    signals_ = std::make_unique<net::SignalWatcher>(loop_, [this](int) { Interrupt(); });
    loop_.Post([this] { StartNext(); });
    loop_.Run();
    signals_.reset();
  }

 private:
  void Interrupt() {
    if (interrupted_) return;
    interrupted_ = true;
    if (config_.progress) std::fprintf(stderr, "\ninterrupted: cancelling in-flight requests…\n");
    if (scheduler_) scheduler_->Interrupt();
  }

  void StartNext() {
    if (interrupted_ || run_index_ >= config_.points.size() * static_cast<size_t>(config_.replicates)) {
      return Finish();
    }
    const size_t point_index = run_index_ / static_cast<size_t>(config_.replicates);
    replicate_ = static_cast<int>(run_index_ % static_cast<size_t>(config_.replicates));
    plan_ = config_.points[point_index];
    plan_.replicate = replicate_;
    sender_->SetPoint(plan_.point, replicate_);
    records_.clear();
    token_times_.clear();
    pending_times_.clear();
    before_.clear();
    for (const std::string& url : metrics_urls_) before_.push_back(Scrape(url));

    scheduler_ = std::make_unique<load::PointScheduler>(
        executor_, *sender_, plan_, [this](results::RequestRecord&& record) { OnRecord(std::move(record)); });
    monitor_.Start();
    last_cpu_ns_ = ThreadCpuNs();
    ArmBusyTick();
    if (config_.progress) ArmProgressTick();
    scheduler_->Start([this] { loop_.Post([this] { OnPointDone(); }); });
  }

  void OnRecord(results::RequestRecord&& record) {
    std::vector<int64_t> times;
    auto it = pending_times_.find(record.request_id);
    if (it != pending_times_.end()) {
      times = std::move(it->second);
      pending_times_.erase(it);
    }
    Status written = dir_.AppendRecord(record, times);
    if (!written.ok() && write_error_.empty()) {
      write_error_ = written.message();
      Interrupt();
    }
    if (!record.warmup && record.ok()) ++completed_;
    records_.push_back(std::move(record));
    token_times_.push_back(std::move(times));
  }

  // Busy share of the loop thread from its CPU time, fed to the monitor as one interval per tick.
  void ArmBusyTick() {
    const uint64_t generation = ++tick_generation_;
    executor_.RunAt(executor_.NowNs() + kBusyTickNs, [this, generation] {
      if (generation != tick_generation_) return;
      int64_t now = executor_.NowNs();
      int64_t cpu = ThreadCpuNs();
      int64_t busy = std::min(cpu - last_cpu_ns_, kBusyTickNs);
      last_cpu_ns_ = cpu;
      monitor_.BeginBusy(now - busy);
      monitor_.EndBusy(now);
      ArmBusyTick();
    });
  }

  void ArmProgressTick() {
    const uint64_t generation = tick_generation_;
    executor_.RunAt(executor_.NowNs() + kProgressTickNs, [this, generation] {
      if (generation != tick_generation_) return;
      std::fprintf(stderr, "\r%s replicate %d: %lld completed, %lld in flight   ", plan_.point.c_str(),
                   replicate_, static_cast<long long>(completed_),
                   static_cast<long long>(sender_->in_flight()));
      std::fflush(stderr);
      ArmProgressTick();
    });
  }

  void OnPointDone() {
    ++tick_generation_;  // stops the ticks
    monitor_.Stop();
    if (config_.progress) std::fprintf(stderr, "\r\033[K");
    load::PointMetricsOptions options;
    options.plan = plan_;
    options.slo = config_.slo;
    options.client = monitor_.SelfCheck();
    options.ignore_eos = config_.sender.request.ignore_eos;
    options.anchor_steady_ns = outcome_.summary.anchor.steady_ns;
    // Every endpoint is scraped; the first that yields a prefix-cache rate gives the metric
    // (an engine's /metrics, not e.g. a GPU exporter listed before it).
    for (size_t i = 0; i < metrics_urls_.size(); ++i) {
      if (!before_[i]) continue;
      auto after = Scrape(metrics_urls_[i]);
      if (!after) continue;
      if (!options.prefix_cache_hit_rate) {
        options.prefix_cache_hit_rate = telemetry::PrefixCacheHitRate(*before_[i], *after);
      }
    }
    results::PointSummary point = load::ComputePointSummary(records_, token_times_, options);
    if (scheduler_->interrupted()) point.warnings.push_back("interrupted: the point is partial");
    outcome_.summary.points.push_back(point);
    if (interrupted_) outcome_.summary.status = "partial";
    Status written = dir_.WriteSummary(outcome_.summary);
    if (!written.ok() && write_error_.empty()) write_error_ = written.message();
    on_point_(point);
    scheduler_.reset();
    completed_ = 0;
    ++run_index_;
    StartNext();
  }

  void Finish() {
    if (interrupted_) {
      outcome_.summary.status = "partial";
      Status written = dir_.WriteSummary(outcome_.summary);
      if (!written.ok() && write_error_.empty()) write_error_ = written.message();
    }
    loop_.Stop();
  }

 public:
  std::vector<std::string> metrics_urls_;
  bool interrupted_ = false;
  std::string write_error_;

 private:
  const BenchConfig& config_;
  RunDirectory& dir_;
  BenchOutcome& outcome_;
  const std::function<void(const results::PointSummary&)>& on_point_;
  net::EventLoop loop_;
  load::LoopExecutor executor_;
  load::LoopMonitor monitor_;
  std::unique_ptr<load::HttpRequestSender> sender_;
  std::unique_ptr<net::SignalWatcher> signals_;
  std::unique_ptr<load::PointScheduler> scheduler_;
  size_t run_index_ = 0;
  int replicate_ = 0;
  load::LoadPlan plan_;
  std::vector<results::RequestRecord> records_;
  std::vector<std::vector<int64_t>> token_times_;
  std::unordered_map<std::string, std::vector<int64_t>> pending_times_;
  std::vector<std::optional<telemetry::PrometheusScrape>> before_;  // per metrics URL
  uint64_t tick_generation_ = 0;
  int64_t last_cpu_ns_ = 0;
  int64_t completed_ = 0;
};

}  // namespace

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
  auto models = net::Fetch("GET", JoinUrl(config.base_url, "/v1/models"), "", "", kControlTimeoutNs,
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
    std::string url = JoinUrl(config.base_url, "/metrics");
    if (auto scrape = Scrape(url); scrape && !scrape->samples.empty()) {
      session.metrics_urls_.push_back(url);
      outcome.notes.push_back("server metrics: " + url);
    }
  }
  Status written = (*dir)->WriteSummary(outcome.summary);
  if (!written.ok()) return fail(written.message());
  session.Run(std::move(sender_options));
  if (!session.write_error_.empty()) return fail(session.write_error_);
  if (session.interrupted_) {
    outcome.summary.status = "partial";
    outcome.exit_code = 130;
  }
  return outcome;
}

}  // namespace inferbench::runner
