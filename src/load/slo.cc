#include "load/slo.h"

#include <charconv>
#include <cmath>
#include <optional>

#include "results/metric_names.h"

namespace inferbench::load {
namespace {

constexpr std::string_view kSloMetrics[] = {"ttft_ms", "ttft_sched_ms",  "ttst_ms",
                                            "tpot_ms", "e2e_latency_ms", "per_user_tok_s"};

std::string AcceptedList() {
  std::string out;
  for (std::string_view name : kSloMetrics) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

Status CheckEntry(std::string_view name, double value) {
  if (!IsSloMetric(name)) {
    std::string message = "unknown SLO metric \"" + std::string(name) + "\"";
    const std::string_view closest = results::ClosestMetricName(name);
    if (IsSloMetric(closest)) message += " (did you mean " + std::string(closest) + "?)";
    return Status::Error(message + "; an SLO bounds one of " + AcceptedList());
  }
  if (!std::isfinite(value) || value <= 0) {
    return Status::Error("SLO threshold for " + std::string(name) + " must be a number > 0");
  }
  return Status::Ok();
}

std::optional<double> Value(const results::RequestRecord& r, std::string_view name,
                            bool open_loop) {
  if (name == "ttft_ms") return open_loop ? r.TtftSchedMs() : r.TtftMs();
  if (name == "ttft_sched_ms") return r.TtftSchedMs();
  if (name == "ttst_ms") return r.TtstMs();
  if (name == "tpot_ms") return r.TpotMs();
  if (name == "e2e_latency_ms") return r.E2eLatencyMs();
  if (name == "per_user_tok_s") return r.PerUserTokS();
  return std::nullopt;
}

// Metrics of the decode phase, undefined for a request that produced a first token but no
// second event (or all its tokens in one read).
bool IsDecodeMetric(std::string_view name) {
  return name == "ttst_ms" || name == "tpot_ms" || name == "per_user_tok_s";
}

}  // namespace

bool IsSloMetric(std::string_view name) {
  for (std::string_view known : kSloMetrics) {
    if (known == name) return true;
  }
  return false;
}

Result<SloThresholds> ParseSlo(std::string_view text) {
  SloThresholds slo;
  const auto fail = [&](const std::string& why) {
    return Result<SloThresholds>::Error("invalid --slo \"" + std::string(text) + "\": " + why);
  };
  if (text.empty()) return fail("expected name=value[,name=value…], e.g. ttft_ms=2000,tpot_ms=100");
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view entry = text.substr(pos, comma - pos);
    const size_t equals = entry.find('=');
    if (equals == std::string_view::npos) {
      return fail("\"" + std::string(entry) + "\" is not name=value, e.g. ttft_ms=2000");
    }
    const std::string_view name = entry.substr(0, equals);
    const std::string_view number = entry.substr(equals + 1);
    double value = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || error != std::errc() || end != number.data() + number.size()) {
      return fail("threshold \"" + std::string(number) + "\" of " + std::string(name) +
                  " is not a number");
    }
    if (Status status = CheckEntry(name, value); !status.ok()) return fail(status.message());
    if (!slo.emplace(std::string(name), value).second) {
      return fail(std::string(name) + " is given twice");
    }
    pos = comma + 1;
  }
  return slo;
}

Status ValidateSlo(const SloThresholds& slo) {
  for (const auto& [name, value] : slo) {
    if (Status status = CheckEntry(name, value); !status.ok()) return status;
  }
  return Status::Ok();
}

bool MeetsSlo(const results::RequestRecord& record, const SloThresholds& slo, bool open_loop) {
  for (const auto& [name, threshold] : slo) {
    const std::optional<double> value = Value(record, name, open_loop);
    if (!value) {
      if (IsDecodeMetric(name) && record.t_first_ns >= 0) continue;
      return false;
    }
    const results::MetricInfo* info = results::FindMetric(name);
    const bool higher_is_better =
        info != nullptr && info->direction == results::Direction::kHigherIsBetter;
    if (higher_is_better ? *value < threshold : *value > threshold) return false;
  }
  return true;
}

}  // namespace inferbench::load
