#include "telemetry/hot_metrics.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "net/client_connection.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "results/point.h"
#include "telemetry/histogram.h"
#include "telemetry/prometheus_text.h"

namespace inferbench::telemetry {
namespace {

constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr int64_t kMaxPushTimeoutNs = 5'000'000'000;

// Seconds. TTFT spans a cached short prompt (milliseconds) to a long prefill under queueing
// (tens of seconds); TPOT spans fast decode (1 ms) to a saturated server (1 s).
const std::vector<double> kTtftBoundsS = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1,  0.15, 0.2, 0.3,
                                          0.5,   0.75, 1.0,   2.5,  5.0,   10.0, 20.0, 40.0};
const std::vector<double> kTpotBoundsS = {0.001, 0.0025, 0.005, 0.0075, 0.01,  0.015,
                                          0.02,  0.03,   0.04,  0.05,   0.075, 0.1,
                                          0.15,  0.2,    0.3,   0.5,    1.0};

// One time series (or histogram label set) of a point's series block.
enum Slot {
  kRequestsOk,
  kRequestsError,
  kInputTokens,
  kOutputTokens,
  kTtft,
  kTpot,
  kReplicates,
  kSlotCount
};
enum class Admission : uint8_t { kUnset, kAdmitted, kRefused };

int64_t SlotCost(Slot slot) {
  if (slot == kTtft) return static_cast<int64_t>(kTtftBoundsS.size()) + 3;
  if (slot == kTpot) return static_cast<int64_t>(kTpotBoundsS.size()) + 3;
  return 1;
}

// Series of one (benchmark_case_id, concurrency_bucket).
struct CaseSeries {
  Labels labels;  // constant labels + benchmark_case_id + concurrency_bucket, sorted by name
  std::array<Admission, kSlotCount> admission{};
  std::array<double, kSlotCount> value{};  // counters and gauges
  Histogram ttft{kTtftBoundsS};
  Histogram tpot{kTpotBoundsS};
};

// `labels` (sorted by name) plus one more, kept sorted.
Labels WithLabel(const Labels& labels, std::string key, std::string value) {
  Labels out = labels;
  auto at = std::find_if(out.begin(), out.end(), [&](const auto& l) { return l.first > key; });
  out.insert(at, {std::move(key), std::move(value)});
  return out;
}

bool LooksLikePerRequestId(std::string_view key) {
  std::string lower;
  for (char c : key) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view part : {"request", "trace", "span", "session", "user", "prompt", "hash",
                                "uuid", "conversation", "message"}) {
    if (lower.find(part) != std::string::npos) return true;
  }
  return lower == "id" || (lower.size() > 3 && lower.ends_with("_id"));
}

std::string AllowedList() {
  std::string out;
  for (std::string_view key : kHotMetricLabelAllowlist) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

// A Pushgateway grouping-key path segment pair: "/key/value", or "/key@base64/<base64url>" for a
// value that is empty or holds characters outside the unreserved set (the Pushgateway's own
// escape for values such as ones with '/').
std::string GroupingSegment(std::string_view key, std::string_view value) {
  const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '~';
  });
  if (plain) return "/" + std::string(key) + "/" + std::string(value);
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string encoded;
  uint32_t bits = 0;
  int bit_count = 0;
  for (unsigned char c : value) {
    bits = (bits << 8) | c;
    bit_count += 8;
    while (bit_count >= 6) {
      bit_count -= 6;
      encoded += kAlphabet[(bits >> bit_count) & 0x3f];
    }
  }
  if (bit_count > 0) encoded += kAlphabet[(bits << (6 - bit_count)) & 0x3f];
  while (encoded.size() % 4 != 0) encoded += '=';
  if (encoded.empty()) encoded = "=";
  return "/" + std::string(key) + "@base64/" + encoded;
}

}  // namespace

Status ValidateLabels(const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : labels) {
    if (key == "benchmark_case_id" || key == "concurrency_bucket") {
      return Status::Error(key +
                           ": set per point by inferbench, it cannot be a constant label "
                           "of the run (drop it)");
    }
    const bool allowed = std::find(kHotMetricLabelAllowlist.begin(), kHotMetricLabelAllowlist.end(),
                                   key) != kHotMetricLabelAllowlist.end();
    if (!allowed && LooksLikePerRequestId(key)) {
      return Status::Error(key +
                           ": refused as a hot-metrics label: per-request ids, trace ids "
                           "and prompt hashes have unbounded cardinality and belong in the "
                           "warehouse's request_fact table (allowed labels: " +
                           AllowedList() + ")");
    }
    if (!allowed) {
      return Status::Error(
          key + ": not an allowed hot-metrics label (allowed labels: " + AllowedList() + ")");
    }
    if (value.empty()) return Status::Error(key + ": empty value (write KEY=VALUE)");
  }
  return Status::Ok();
}

std::string ConcurrencyBucket(std::string_view point) {
  Result<results::Point> parsed = results::Point::Parse(point);
  if (!parsed.ok()) return "unknown";
  switch (parsed->kind()) {
    case results::PointKind::kRate:
      return "rate";
    case results::PointKind::kTrace:
      return "trace";
    case results::PointKind::kConcurrency:
    case results::PointKind::kSessions:
      break;
  }
  const uint64_t n = static_cast<uint64_t>(std::max<int64_t>(parsed->count(), 1));
  const uint64_t low = std::bit_floor(n);
  if (low == 1) return "1";
  const uint64_t high = low + (low - 1);
  return std::to_string(low) + "-" + std::to_string(high);
}

// --- the series ---------------------------------------------------------------------------------

struct HotMetrics::State {
  mutable std::mutex mutex;
  Labels constant;  // sorted by name
  int64_t budget = 1000;
  std::function<std::string(std::string_view)> case_id_for_point;

  std::vector<CaseSeries> cases;                             // in order of first use
  std::map<std::string, int, std::less<>> case_by_key;       // case id + '\n' + bucket → index
  std::map<std::string, int, std::less<>> case_by_point;     // point → index, -1 refused
  std::map<std::string, std::string, std::less<>> declared;  // SetPoint
  std::string last_point;                                    // fast path for OnRecord
  int last_case = -1;
  int64_t series = 2;  // inferbench_run_info and inferbench_hot_series_dropped_total
  int64_t dropped = 0;

  // Entries remembered per map: a run has a handful of points; this only matters for callers
  // that invent points, and keeps memory bounded for them.
  size_t MaxRemembered() const {
    return static_cast<size_t>(std::max<int64_t>(budget, 1)) * 2 + 16;
  }

  // REQUIRES: mutex held.
  bool Admit(CaseSeries& c, Slot slot) {
    Admission& a = c.admission[slot];
    if (a == Admission::kAdmitted) return true;
    if (a == Admission::kRefused) return false;
    const int64_t cost = SlotCost(slot);
    if (series + cost <= budget) {
      a = Admission::kAdmitted;
      series += cost;
      return true;
    }
    a = Admission::kRefused;
    ++dropped;
    return false;
  }

  // The case of a point string, or -1 when the budget refused it. REQUIRES: mutex held.
  int CaseFor(std::string_view point) {
    if (last_case >= 0 && point == last_point) return last_case;
    if (auto it = case_by_point.find(point); it != case_by_point.end()) {
      if (it->second < 0) return -1;
      last_point = point;
      last_case = it->second;
      return last_case;
    }
    std::string case_id;
    if (auto it = declared.find(point); it != declared.end()) {
      case_id = it->second;
    } else if (case_id_for_point) {
      case_id = case_id_for_point(point);
    }
    std::string bucket = ConcurrencyBucket(point);
    const std::string key = case_id + '\n' + bucket;
    int index = -1;
    if (auto it = case_by_key.find(key); it != case_by_key.end()) {
      index = it->second;
    } else if (series < budget && cases.size() < MaxRemembered()) {
      // A case block costs nothing until its first series is admitted; creating one only
      // while some budget is left keeps their number bounded.
      CaseSeries c;
      c.labels = WithLabel(WithLabel(constant, "benchmark_case_id", std::move(case_id)),
                           "concurrency_bucket", std::move(bucket));
      cases.push_back(std::move(c));
      index = static_cast<int>(cases.size()) - 1;
      case_by_key.emplace(key, index);
    } else {
      ++dropped;
    }
    if (case_by_point.size() < MaxRemembered()) case_by_point.emplace(std::string(point), index);
    if (index >= 0) {
      last_point = point;
      last_case = index;
    }
    return index;
  }
};

namespace {

std::string RenderSnapshot(const Labels& constant, const std::vector<CaseSeries>& cases,
                           int64_t dropped) {
  PrometheusWriter w;
  auto admitted = [](const CaseSeries& c, Slot s) {
    return c.admission[s] == Admission::kAdmitted;
  };
  w.Family("inferbench_run_info", MetricType::kGauge,
           "Constant labels of the inferbench run in progress (value 1).");
  w.Sample("inferbench_run_info", constant, 1);

  w.Family("inferbench_requests_total", MetricType::kCounter,
           "Measured requests finished, by outcome (warmup excluded).");
  for (const CaseSeries& c : cases) {
    if (admitted(c, kRequestsOk)) {
      w.Sample("inferbench_requests_total", WithLabel(c.labels, "outcome", "ok"),
               c.value[kRequestsOk]);
    }
    if (admitted(c, kRequestsError)) {
      w.Sample("inferbench_requests_total", WithLabel(c.labels, "outcome", "error"),
               c.value[kRequestsError]);
    }
  }
  struct Scalar {
    const char* name;
    MetricType type;
    const char* help;
    Slot slot;
  };
  const Scalar tokens[] = {
      {"inferbench_input_tokens_total", MetricType::kCounter,
       "Input (prompt) tokens of measured requests.", kInputTokens},
      {"inferbench_output_tokens_total", MetricType::kCounter,
       "Output tokens of measured requests.", kOutputTokens},
  };
  for (const Scalar& s : tokens) {
    w.Family(s.name, s.type, s.help);
    for (const CaseSeries& c : cases) {
      if (admitted(c, s.slot)) w.Sample(s.name, c.labels, c.value[s.slot]);
    }
  }
  w.Family("inferbench_ttft_seconds", MetricType::kHistogram,
           "Time to first token of successful measured requests, in seconds.");
  for (const CaseSeries& c : cases) {
    if (admitted(c, kTtft)) {
      w.HistogramSamples("inferbench_ttft_seconds", c.labels, c.ttft.bounds(),
                         c.ttft.bucket_counts(), c.ttft.sum());
    }
  }
  w.Family("inferbench_tpot_seconds", MetricType::kHistogram,
           "Time per output token after the first of successful measured requests, in seconds.");
  for (const CaseSeries& c : cases) {
    if (admitted(c, kTpot)) {
      w.HistogramSamples("inferbench_tpot_seconds", c.labels, c.tpot.bounds(),
                         c.tpot.bucket_counts(), c.tpot.sum());
    }
  }
  w.Family("inferbench_point_replicates_completed", MetricType::kGauge,
           "Replicates of the point finished so far.");
  for (const CaseSeries& c : cases) {
    if (admitted(c, kReplicates)) {
      w.Sample("inferbench_point_replicates_completed", c.labels, c.value[kReplicates]);
    }
  }
  w.Family("inferbench_hot_series_dropped_total", MetricType::kCounter,
           "Label sets refused because the hot metrics series budget was reached.");
  w.Sample("inferbench_hot_series_dropped_total", constant, static_cast<double>(dropped));
  return w.Take();
}

}  // namespace

// --- serving and pushing ------------------------------------------------------------------------

struct HotMetrics::Server {
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<net::HttpServer> http;
  std::thread loop_thread;
  uint16_t port = 0;
  std::string url;

  std::string push_url;
  int64_t push_interval_ns = 0;
  std::function<void(const std::string&)> on_note;
  std::thread push_thread;
  std::mutex push_mutex;
  std::condition_variable push_wake;
  bool push_stopping = false;
  int64_t pushes = 0;
  int64_t push_failures = 0;
  bool failing = false;  // the last push failed (notes only on changes)
  std::string last_error;
  bool pushing = false;  // the push thread was started
  bool stopped = false;

  void Note(const std::string& text) {
    if (on_note) on_note(text);
  }

  // One PUT of `body`; notes the first failure and the recovery, not every repeat.
  void Push(const std::string& body) {
    const int64_t timeout = std::min(push_interval_ns, kMaxPushTimeoutNs);
    Result<net::FetchResult> put = net::Fetch("PUT", push_url, body, kContentType, timeout);
    std::string error;
    if (!put.ok()) {
      error = put.status().message();
    } else if (put->status < 200 || put->status > 299) {
      error = "PUT " + push_url + ": HTTP " + std::to_string(put->status) + ": " +
              put->body.substr(0, 200);
    }
    ++pushes;
    if (error.empty()) {
      if (failing) Note("pushgateway: pushing works again (" + push_url + ")");
      failing = false;
      return;
    }
    ++push_failures;
    last_error = error;
    if (!failing) Note("pushgateway: " + error + " (the run goes on; retrying every interval)");
    failing = true;
  }
};

HotMetrics::HotMetrics() : state_(std::make_unique<State>()), server_(std::make_unique<Server>()) {}

HotMetrics::~HotMetrics() { Stop(); }

Status HotMetrics::Start(HotMetricsOptions options) {
  Status valid = ValidateLabels(options.labels);
  if (!valid.ok()) return valid;
  if (options.series_budget < 2) {
    return Status::Error("hot metrics series budget " + std::to_string(options.series_budget) +
                         " is below 2 (the run info and dropped-series counter)");
  }
  if (options.port < -1 || options.port > 65535) {
    return Status::Error("metrics port " + std::to_string(options.port) +
                         " is out of range (0..65535, 0 = any free port)");
  }
  Server& s = *server_;
  if (!options.pushgateway_url.empty()) {
    std::string base = options.pushgateway_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (base.find_first_of("?#") != std::string::npos) {
      return Status::Error("pushgateway URL " + options.pushgateway_url +
                           " has a query or fragment; give http://host:port[/prefix]");
    }
    Result<net::Url> parsed = net::ParseUrl(base);
    if (!parsed.ok()) return Status::Error("pushgateway: " + parsed.status().message());
    if (options.push_interval_ns <= 0) {
      return Status::Error("pushgateway push interval must be positive");
    }
    std::string path = GroupingSegment("job", options.job);
    if (auto it = options.labels.find("run_id"); it != options.labels.end()) {
      path += GroupingSegment("run_id", it->second);
    }
    s.push_url = base + "/metrics" + path;
    s.push_interval_ns = options.push_interval_ns;
  }
  s.on_note = options.on_note;

  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    for (const auto& [key, value] : options.labels) state_->constant.emplace_back(key, value);
    // std::map already iterates in key order: the constant labels are sorted.
    state_->budget = options.series_budget;
    state_->case_id_for_point = std::move(options.case_id_for_point);
  }

  if (options.port >= 0) {
    s.loop = std::make_unique<net::EventLoop>();
    net::HttpServerOptions http;
    http.bind_address = options.bind;
    http.port = static_cast<uint16_t>(options.port);
    http.max_body_bytes = 64 << 10;
    s.http = std::make_unique<net::HttpServer>(
        *s.loop,
        [this](net::HttpRequest&& request, std::shared_ptr<net::HttpResponder> responder) {
          if (request.Path() != "/metrics") {
            responder->Send(404, "text/plain", "not found: hot metrics are at /metrics\n");
            return;
          }
          if (request.method != "GET") {
            responder->Send(405, "text/plain", "only GET /metrics\n", {{"Allow", "GET"}});
            return;
          }
          responder->Send(200, kContentType, Render());
        },
        http);
    Status listening = s.http->Listen();
    if (!listening.ok()) {
      s.http.reset();
      s.loop.reset();
      return Status::Error("hot metrics: " + listening.message() +
                           " (choose another --metrics-port, or 0 for any free port)");
    }
    s.port = s.http->port();
    s.url = "http://" + net::FormatHostPort(options.bind, s.port) + "/metrics";
    s.loop_thread = std::thread([loop = s.loop.get()] { loop->Run(); });
  }

  if (!s.push_url.empty()) {
    s.pushing = true;
    s.push_thread = std::thread([this] {
      Server& srv = *server_;
      std::unique_lock<std::mutex> lock(srv.push_mutex);
      for (;;) {
        srv.push_wake.wait_for(lock, std::chrono::nanoseconds(srv.push_interval_ns),
                               [&] { return srv.push_stopping; });
        if (srv.push_stopping) return;
        lock.unlock();
        srv.Push(Render());
        lock.lock();
      }
    });
  }
  return Status::Ok();
}

uint16_t HotMetrics::port() const { return server_->port; }

std::string HotMetrics::url() const { return server_->url; }

void HotMetrics::SetPoint(std::string_view point, std::string_view benchmark_case_id) {
  State& st = *state_;
  std::lock_guard<std::mutex> lock(st.mutex);
  auto it = st.declared.find(point);
  if (it != st.declared.end()) {
    if (it->second == benchmark_case_id) return;
    it->second = std::string(benchmark_case_id);
  } else if (st.declared.size() < st.MaxRemembered()) {
    st.declared.emplace(std::string(point), std::string(benchmark_case_id));
  } else {
    return;
  }
  // A point seen before under another id is looked up again on its next record.
  st.case_by_point.erase(std::string(point));
  st.last_case = -1;
  st.last_point.clear();
}

void HotMetrics::OnRecord(const results::RequestRecord& record) {
  if (record.warmup || record.error_class == results::ErrorClass::kCancelled) return;
  const bool ok = record.ok();
  const std::optional<double> ttft_ms = ok ? record.TtftMs() : std::nullopt;
  const std::optional<double> tpot_ms = ok ? record.TpotMs() : std::nullopt;
  State& st = *state_;
  std::lock_guard<std::mutex> lock(st.mutex);
  const int index = st.CaseFor(record.point);
  if (index < 0) return;
  CaseSeries& c = st.cases[static_cast<size_t>(index)];
  const Slot outcome = ok ? kRequestsOk : kRequestsError;
  if (st.Admit(c, outcome)) c.value[outcome] += 1;
  if (st.Admit(c, kInputTokens)) c.value[kInputTokens] += static_cast<double>(record.input_tokens);
  if (st.Admit(c, kOutputTokens)) {
    c.value[kOutputTokens] += static_cast<double>(record.output_tokens);
  }
  if (ttft_ms && st.Admit(c, kTtft)) c.ttft.Observe(*ttft_ms / 1000.0);
  if (tpot_ms && st.Admit(c, kTpot)) c.tpot.Observe(*tpot_ms / 1000.0);
}

void HotMetrics::OnPoint(const results::PointSummary& point) {
  State& st = *state_;
  std::lock_guard<std::mutex> lock(st.mutex);
  const int index = st.CaseFor(point.point);
  if (index < 0) return;
  CaseSeries& c = st.cases[static_cast<size_t>(index)];
  if (st.Admit(c, kReplicates)) c.value[kReplicates] += 1;
}

std::string HotMetrics::Render() const {
  Labels constant;
  std::vector<CaseSeries> cases;
  int64_t dropped = 0;
  {
    // Copy under the lock, format outside it, so a scrape never holds up the load workers.
    std::lock_guard<std::mutex> lock(state_->mutex);
    constant = state_->constant;
    cases = state_->cases;
    dropped = state_->dropped;
  }
  return RenderSnapshot(constant, cases, dropped);
}

int64_t HotMetrics::series_count() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->series;
}

int64_t HotMetrics::dropped_series() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->dropped;
}

void HotMetrics::Stop() {
  Server& s = *server_;
  if (s.stopped) return;
  s.stopped = true;
  if (s.push_thread.joinable()) {
    {
      std::lock_guard<std::mutex> lock(s.push_mutex);
      s.push_stopping = true;
    }
    s.push_wake.notify_all();
    s.push_thread.join();
  }
  if (s.pushing) {
    s.Push(Render());  // the final numbers
    if (s.push_failures > 0) {
      s.Note("pushgateway: " + std::to_string(s.push_failures) + " of " + std::to_string(s.pushes) +
             " pushes failed; last error: " + s.last_error);
    }
  }
  if (s.loop) {
    net::EventLoop* loop = s.loop.get();
    net::HttpServer* http = s.http.get();
    loop->Post([loop, http] {
      http->Close();
      loop->Stop();
    });
    if (s.loop_thread.joinable()) s.loop_thread.join();
    s.http.reset();
    s.loop.reset();
  }
}

}  // namespace inferbench::telemetry
