#include "runner/capacity_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace inferbench::runner {
namespace {

// Levels within this relative distance are the same level (rounding noise).
constexpr double kSameLevel = 1e-9;

bool Same(double a, double b) {
  return std::fabs(a - b) <= kSameLevel * std::max(1.0, std::fabs(b));
}

nlohmann::json OrNull(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

double RoundLevel(double level, bool integer_levels) {
  if (integer_levels) return std::max(1.0, std::round(level));
  if (!(level > 0) || !std::isfinite(level)) return level;
  // Through its decimal text, so the value is the double nearest "105.6" and prints as such.
  return std::strtod(fmt::format("{:.4g}", level).c_str(), nullptr);
}

Result<std::vector<double>> SweepRates(double synchronous_rate, double throughput_rate,
                                       int points) {
  using R = Result<std::vector<double>>;
  if (points < 3) return R::Error(fmt::format("a sweep needs at least 3 points, got {}", points));
  if (!(synchronous_rate > 0) || !std::isfinite(synchronous_rate) || !(throughput_rate > 0) ||
      !std::isfinite(throughput_rate)) {
    return R::Error(fmt::format(
        "the sweep's anchors have no request rate (synchronous {}, throughput {} req/s): did "
        "their requests fail?",
        synchronous_rate, throughput_rate));
  }
  if (!(throughput_rate > synchronous_rate * 1.001)) {
    return R::Error(fmt::format(
        "the throughput point ({:.4g} req/s) is not faster than the synchronous point ({:.4g} "
        "req/s): the server does not gain from concurrency, so there are no rates between them",
        throughput_rate, synchronous_rate));
  }
  std::vector<double> rates;
  for (int i = 1; i <= points - 2; ++i) {
    const double r = synchronous_rate + (throughput_rate - synchronous_rate) * i / (points - 1);
    const double rounded = RoundLevel(r, false);
    if (rates.empty() || !Same(rates.back(), rounded)) rates.push_back(rounded);
  }
  return rates;
}

CapacitySearch::CapacitySearch(SearchOptions options) : options_(std::move(options)) {
  if (options_.integer_levels) options_.min_level = std::max(1.0, options_.min_level);
}

std::optional<CapacityStep> CapacitySearch::knee() const {
  std::optional<CapacityStep> best;
  for (const CapacityStep& s : steps_) {
    if (s.pass && (!best || s.level > best->level)) best = s;
  }
  return best;
}

std::optional<double> CapacitySearch::bracket_high() const {
  const std::optional<CapacityStep> pass = knee();
  std::optional<double> fail;
  for (const CapacityStep& s : steps_) {
    if (s.pass || (pass && s.level <= pass->level)) continue;
    if (!fail || s.level < *fail) fail = s.level;
  }
  return fail;
}

namespace {

// The lowest failing level measured (no passing level known yet).
std::optional<double> LowestFail(const std::vector<CapacityStep>& steps) {
  std::optional<double> fail;
  for (const CapacityStep& s : steps) {
    if (!s.pass && (!fail || s.level < *fail)) fail = s.level;
  }
  return fail;
}

bool Measured(const std::vector<CapacityStep>& steps, double level) {
  return std::any_of(steps.begin(), steps.end(),
                     [&](const CapacityStep& s) { return Same(s.level, level); });
}

}  // namespace

bool CapacitySearch::converged() const {
  const std::optional<CapacityStep> pass = knee();
  const std::optional<double> fail = bracket_high();
  if (!pass || !fail) return false;
  if ((*fail - pass->level) / pass->level <= options_.resolution + 1e-12) return true;
  return options_.integer_levels && *fail - pass->level <= 1;
}

std::optional<double> CapacitySearch::Next() const {
  const bool integer = options_.integer_levels;
  if (steps_.empty()) {
    return RoundLevel(options_.low.value_or(options_.high.value_or(options_.start)), integer);
  }
  if (converged()) return std::nullopt;
  if (static_cast<int>(steps_.size()) >= options_.max_points) return std::nullopt;
  const std::optional<CapacityStep> pass = knee();
  const std::optional<double> fail = pass ? bracket_high() : LowestFail(steps_);
  std::optional<double> next;
  if (pass && fail) {
    next = RoundLevel((pass->level + *fail) / 2, false);
    if (integer) next = std::floor((pass->level + *fail) / 2);
  } else if (pass) {
    // Find a failing level: the given high first, else twice the best so far.
    if (options_.high && *options_.high > pass->level && !Measured(steps_, *options_.high)) {
      next = RoundLevel(*options_.high, integer);
    } else if (pass->level >= options_.max_level) {
      return std::nullopt;
    } else {
      next = RoundLevel(std::min(pass->level * 2, options_.max_level), integer);
    }
  } else {
    // Find a passing level: the given low first, else half the lowest failure.
    if (options_.low && *options_.low < *fail && !Measured(steps_, *options_.low)) {
      next = RoundLevel(*options_.low, integer);
    } else if (*fail <= options_.min_level) {
      return std::nullopt;
    } else {
      next = RoundLevel(std::max(*fail / 2, options_.min_level), integer);
      if (integer) next = std::max(options_.min_level, std::floor(*fail / 2));
    }
  }
  if (!next || Measured(steps_, *next)) return std::nullopt;  // nothing new left between them
  return next;
}

void CapacitySearch::Record(double level, double attainment, std::string point) {
  CapacityStep step;
  step.point = std::move(point);
  step.level = level;
  step.attainment = attainment;
  step.pass = std::isfinite(attainment) && attainment >= options_.attainment_target;
  steps_.push_back(std::move(step));
}

std::string CapacitySearch::reason() const {
  if (converged()) return "bracket within resolution";
  if (Next()) return "running";
  if (static_cast<int>(steps_.size()) >= options_.max_points) {
    return fmt::format("maxPoints ({}) reached", options_.max_points);
  }
  if (!knee()) return fmt::format("no passing level down to {:.4g}", options_.min_level);
  if (!bracket_high())
    return fmt::format("no failing level up to the maximum {:.4g}", options_.max_level);
  return "no level left between the bracket's ends";
}

CapacityDriver CapacityDriver::Sweep(int points, int64_t throughput_concurrency, int replicates,
                                     PlanFactory factory) {
  CapacityDriver driver(Kind::kSweep, std::max(1, replicates), std::move(factory));
  driver.sweep_points_ = points;
  driver.throughput_concurrency_ = throughput_concurrency;
  return driver;
}

CapacityDriver CapacityDriver::Search(SearchOptions options, bool over_rate, std::string slo,
                                      int replicates, PlanFactory factory) {
  CapacityDriver driver(Kind::kSearch, std::max(1, replicates), std::move(factory));
  options.integer_levels = !over_rate;
  driver.search_.emplace(std::move(options));
  driver.over_rate_ = over_rate;
  driver.slo_ = std::move(slo);
  return driver;
}

std::vector<ScheduledPoint> CapacityDriver::Replicates(const load::LoadPlan& plan) const {
  std::vector<ScheduledPoint> out;
  for (int r = 0; r < replicates_; ++r) {
    ScheduledPoint run;
    run.replicate = r;
    run.plan = plan;
    out.push_back(std::move(run));
  }
  return out;
}

Result<std::vector<ScheduledPoint>> CapacityDriver::Initial() {
  std::vector<ScheduledPoint> runs;
  if (kind_ == Kind::kSweep) {
    if (sweep_points_ < 3) {
      return Status::Error(fmt::format("a sweep needs at least 3 points, got {}", sweep_points_));
    }
    for (double level : {1.0, static_cast<double>(std::max<int64_t>(1, throughput_concurrency_))}) {
      Result<load::LoadPlan> plan = factory_(false, level);
      if (!plan.ok()) return plan.status();
      anchor_points_.push_back(plan->point);
      for (ScheduledPoint& run : Replicates(*plan)) runs.push_back(std::move(run));
    }
    if (anchor_points_[0] == anchor_points_[1]) {
      return Status::Error(
          "the sweep's throughput point is concurrency=1, the same as its synchronous point: give "
          "each point more than one request (requestsPerLevel / --requests)");
    }
    return runs;
  }
  const std::optional<double> level = search_->Next();
  if (!level) return runs;
  Result<load::LoadPlan> plan = factory_(over_rate_, *level);
  if (!plan.ok()) return plan.status();
  pending_level_ = *level;
  pending_point_ = plan->point;
  return Replicates(*plan);
}

std::optional<double> CapacityDriver::MeanScalar(const results::RunSummary& summary,
                                                 const std::string& point,
                                                 const std::string& name) {
  double sum = 0;
  int n = 0;
  for (const results::PointSummary& p : summary.points) {
    if (p.point != point) continue;
    auto it = p.scalars.find(name);
    if (it == p.scalars.end() || !std::isfinite(it->second)) continue;
    sum += it->second;
    ++n;
  }
  if (n == 0) return std::nullopt;
  return sum / n;
}

std::vector<ScheduledPoint> CapacityDriver::Extend(const results::RunSummary& so_far) {
  if (!error_.empty()) return {};
  if (kind_ == Kind::kSweep) {
    if (sweep_extended_ || anchor_points_.size() != 2) return {};
    sweep_extended_ = true;
    synchronous_rate_ = MeanScalar(so_far, anchor_points_[0], "request_throughput_req_s");
    throughput_rate_ = MeanScalar(so_far, anchor_points_[1], "request_throughput_req_s");
    Result<std::vector<double>> rates =
        SweepRates(synchronous_rate_.value_or(0), throughput_rate_.value_or(0), sweep_points_);
    if (!rates.ok()) {
      sweep_note_ = rates.status().message();
      return {};
    }
    rates_ = *rates;
    std::vector<ScheduledPoint> runs;
    for (double rate : rates_) {
      Result<load::LoadPlan> plan = factory_(true, rate);
      if (!plan.ok()) {
        error_ = plan.status().message();
        return {};
      }
      for (ScheduledPoint& run : Replicates(*plan)) runs.push_back(std::move(run));
    }
    return runs;
  }
  if (!pending_level_) return {};
  const double level = *pending_level_;
  pending_level_.reset();
  const std::optional<double> attainment = MeanScalar(so_far, pending_point_, "slo_attainment");
  // A level none of whose requests could be judged (nothing completed or errored) fails.
  search_->Record(level, attainment.value_or(0), pending_point_);
  const std::optional<double> next = search_->Next();
  if (!next) return {};
  Result<load::LoadPlan> plan = factory_(over_rate_, *next);
  if (!plan.ok()) {
    error_ = plan.status().message();
    return {};
  }
  pending_level_ = *next;
  pending_point_ = plan->point;
  return Replicates(*plan);
}

nlohmann::json CapacityDriver::ToJson() const {
  using nlohmann::json;
  if (kind_ == Kind::kSweep) {
    json steps = json::array();
    auto anchor = [&](size_t i, const std::optional<double>& rate) {
      return i < anchor_points_.size()
                 ? json{{"point", anchor_points_[i]}, {"request_rate", OrNull(rate)}}
                 : json(nullptr);
    };
    json rates = json::array();
    for (double r : rates_) rates.push_back(r);
    json out = {{"type", "sweep"},
                {"points", sweep_points_},
                {"synchronous", anchor(0, synchronous_rate_)},
                {"throughput", anchor(1, throughput_rate_)},
                {"rates", rates}};
    if (!sweep_note_.empty()) out["note"] = sweep_note_;
    if (!error_.empty()) out["error"] = error_;
    return out;
  }
  const SearchOptions& o = search_->options();
  json steps = json::array();
  for (const CapacityStep& s : search_->steps()) {
    steps.push_back(
        {{"point", s.point}, {"level", s.level}, {"attainment", s.attainment}, {"pass", s.pass}});
  }
  const std::optional<CapacityStep> knee = search_->knee();
  json out = {
      {"type", "search"},
      {"over", over_rate_ ? "rate" : "concurrency"},
      {"slo", slo_},
      {"attainment_target", o.attainment_target},
      {"resolution", o.resolution},
      {"knee",
       knee ? json{{"point", knee->point}, {"level", knee->level}, {"attainment", knee->attainment}}
            : json(nullptr)},
      {"bracket",
       {{"low", knee ? json(knee->level) : json(nullptr)},
        {"high", OrNull(search_->bracket_high())}}},
      {"steps", steps},
      {"converged", search_->converged()},
      {"reason", search_->reason()}};
  if (!error_.empty()) out["error"] = error_;
  return out;
}

std::string CapacityDriver::ConsoleLine() const {
  if (kind_ == Kind::kSweep) {
    if (!sweep_note_.empty()) return "sweep: " + sweep_note_;
    if (!synchronous_rate_ || !throughput_rate_) return "sweep: the anchors were not measured";
    std::vector<std::string> rates;
    for (double r : rates_) rates.push_back(fmt::format("{}", r));
    return fmt::format("sweep: synchronous {:.4g} req/s, throughput {:.4g} req/s; rates {}",
                       *synchronous_rate_, *throughput_rate_, fmt::join(rates, ", "));
  }
  const std::optional<CapacityStep> knee = search_->knee();
  const std::optional<double> high = search_->bracket_high();
  const double target = search_->options().attainment_target;
  if (!knee) {
    return fmt::format(
        "knee: none — no level met {} with attainment >= {} ({}; {} levels measured)", slo_, target,
        search_->reason(), search_->steps().size());
  }
  return fmt::format(
      "knee: {} (attainment {:.3f} >= {}; bracket {}..{}, {}; {} levels measured)", knee->point,
      knee->attainment, target, knee->level, high ? fmt::format("{}", *high) : std::string("?"),
      search_->converged() ? "converged" : search_->reason(), search_->steps().size());
}

}  // namespace inferbench::runner
