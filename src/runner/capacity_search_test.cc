#include "runner/capacity_search.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "results/point.h"
#include "runner/spec_config.h"
#include "spec/parse.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace inferbench::runner {
namespace {

// Runs a search to the end against a response curve: attainment as a function of the level.
CapacitySearch RunSearch(SearchOptions options, const std::function<double(double)>& curve) {
  CapacitySearch search(std::move(options));
  for (int guard = 0; guard < 100; ++guard) {
    std::optional<double> level = search.Next();
    if (!level) break;
    search.Record(*level, curve(*level));
  }
  return search;
}

// A server that keeps 99.5 % of requests within the SLO up to `knee`, then degrades linearly.
std::function<double(double)> Knee(double knee) {
  return [knee](double level) {
    return level <= knee ? 0.995 : std::max(0.0, 0.995 - (level - knee) * 0.2);
  };
}

TEST(SweepRatesTest, EvenlyBetweenTheAnchorsExclusive) {
  Result<std::vector<double>> rates = SweepRates(1, 10, 5);
  ASSERT_TRUE(rates.ok()) << rates.status().message();
  EXPECT_THAT(*rates, ::testing::ElementsAre(3.25, 5.5, 7.75));
  Result<std::vector<double>> three = SweepRates(2, 4, 3);
  ASSERT_TRUE(three.ok());
  EXPECT_THAT(*three, ::testing::ElementsAre(3));
}

TEST(SweepRatesTest, RoundedToFourSignificantDigits) {
  Result<std::vector<double>> rates = SweepRates(1.23456, 9.87654, 4);
  ASSERT_TRUE(rates.ok());
  ASSERT_EQ(rates->size(), 2u);
  EXPECT_DOUBLE_EQ((*rates)[0], 4.115);
  EXPECT_DOUBLE_EQ((*rates)[1], 6.996);
  // Each rounds to a canonical point string.
  EXPECT_EQ(results::Point::Rate((*rates)[0]).Format(), "rate=4.115");
}

TEST(SweepRatesTest, RefusesDegenerateAnchors) {
  EXPECT_FALSE(SweepRates(1, 10, 2).ok());
  EXPECT_FALSE(SweepRates(0, 10, 5).ok());
  EXPECT_FALSE(SweepRates(1, NAN, 5).ok());
  Result<std::vector<double>> flat = SweepRates(5, 5, 5);
  ASSERT_FALSE(flat.ok());
  EXPECT_THAT(flat.status().message(), ::testing::HasSubstr("not faster"));
}

TEST(RoundLevelTest, IntegersAndSignificantDigits) {
  EXPECT_EQ(RoundLevel(6.5, true), 7);
  EXPECT_EQ(RoundLevel(0.2, true), 1);
  EXPECT_DOUBLE_EQ(RoundLevel(12.34567, false), 12.35);
  EXPECT_DOUBLE_EQ(RoundLevel(0.0123456, false), 0.01235);
  // The value prints back as its 4 digits (no binary noise in point strings).
  EXPECT_EQ(results::Point::Rate(RoundLevel(105.6 + 1e-12, false)).Format(), "rate=105.6");
  EXPECT_EQ(results::Point::Rate(RoundLevel(60.0 + 45.6 * 1.0000001, false)).Format(),
            "rate=105.6");
}

TEST(CapacitySearchTest, DoublesThenBisectsToTheKneeWithinResolution) {
  SearchOptions o;
  o.start = 1;
  o.resolution = 0.1;
  o.max_points = 20;
  o.attainment_target = 0.95;
  CapacitySearch search = RunSearch(o, Knee(13));
  ASSERT_TRUE(search.knee());
  ASSERT_TRUE(search.bracket_high());
  EXPECT_TRUE(search.converged()) << search.reason();
  const double low = search.knee()->level;
  const double high = *search.bracket_high();
  // The true knee (13, plus the degradation margin: 0.995 − 0.2·d >= 0.95 up to d = 0.225) lies in
  // [low, high], and the bracket is within the resolution.
  EXPECT_LE(low, 13.225);
  EXPECT_GT(high, 13.225);
  EXPECT_LE((high - low) / low, 0.1);
  // 1, 2, 4, 8, 16 then bisection.
  EXPECT_EQ(search.steps()[4].level, 16);
  EXPECT_FALSE(search.steps()[4].pass);
  EXPECT_EQ(search.reason(), "bracket within resolution");
}

TEST(CapacitySearchTest, HalvesWhenTheStartFails) {
  SearchOptions o;
  o.start = 64;
  o.resolution = 0.05;
  o.max_points = 30;
  CapacitySearch search = RunSearch(o, Knee(3));
  ASSERT_TRUE(search.knee());
  EXPECT_TRUE(search.converged());
  EXPECT_EQ(search.steps()[0].level, 64);
  EXPECT_EQ(search.steps()[1].level, 32);
  EXPECT_LE(search.knee()->level, 3.225);
  EXPECT_GE(search.knee()->level, 3.225 / 1.05);
}

TEST(CapacitySearchTest, MeasuresTheGivenBoundsFirst) {
  SearchOptions o;
  o.low = 2;
  o.high = 40;
  o.resolution = 0.1;
  CapacitySearch search = RunSearch(o, Knee(10));
  ASSERT_GE(search.steps().size(), 3u);
  EXPECT_EQ(search.steps()[0].level, 2);
  EXPECT_EQ(search.steps()[1].level, 40);
  EXPECT_EQ(search.steps()[2].level, 21);
  EXPECT_TRUE(search.converged());
}

TEST(CapacitySearchTest, StopsAtMaxPointsUnconverged) {
  SearchOptions o;
  o.start = 1;
  o.resolution = 0.001;
  o.max_points = 6;
  CapacitySearch search = RunSearch(o, Knee(13));
  EXPECT_EQ(search.steps().size(), 6u);
  EXPECT_FALSE(search.converged());
  EXPECT_EQ(search.reason(), "maxPoints (6) reached");
  ASSERT_TRUE(search.knee());  // the best passing level so far is still reported
}

TEST(CapacitySearchTest, NothingPassesOrNothingFails) {
  SearchOptions o;
  o.start = 1;
  o.min_level = 0.25;
  CapacitySearch none = RunSearch(o, [](double) { return 0.1; });
  EXPECT_FALSE(none.knee());
  EXPECT_FALSE(none.converged());
  EXPECT_EQ(none.steps().back().level, 0.25);
  EXPECT_THAT(none.reason(), ::testing::HasSubstr("no passing level"));

  SearchOptions up;
  up.integer_levels = true;
  up.max_level = 16;
  up.max_points = 12;
  CapacitySearch all = RunSearch(up, [](double) { return 1.0; });
  ASSERT_TRUE(all.knee());
  EXPECT_EQ(all.knee()->level, 16);
  EXPECT_FALSE(all.bracket_high());
  EXPECT_THAT(all.reason(), ::testing::HasSubstr("no failing level up to the maximum 16"));
}

TEST(CapacitySearchTest, ConcurrencyBisectsWholeLevels) {
  SearchOptions o;
  o.integer_levels = true;
  o.start = 1;
  o.resolution = 0.01;  // finer than one level: stops when the bracket is adjacent
  o.max_points = 20;
  o.max_level = 256;
  CapacitySearch search = RunSearch(o, [](double c) { return c <= 11 ? 0.99 : 0.5; });
  ASSERT_TRUE(search.knee());
  EXPECT_EQ(search.knee()->level, 11);
  EXPECT_EQ(*search.bracket_high(), 12);
  EXPECT_TRUE(search.converged());
  for (const CapacityStep& s : search.steps()) EXPECT_EQ(s.level, std::round(s.level));
}

TEST(CapacitySearchTest, NoisyCurveStillEndsWithAPassBelowAFail) {
  SearchOptions o;
  o.start = 1;
  o.resolution = 0.05;
  o.max_points = 30;
  int calls = 0;
  // Non-monotone near the knee: 9 fails although 10 passes.
  CapacitySearch search = RunSearch(o, [&](double level) {
    ++calls;
    if (std::fabs(level - 9) < 0.5) return 0.5;
    return level <= 10.5 ? 0.99 : 0.2;
  });
  ASSERT_TRUE(search.knee());
  ASSERT_TRUE(search.bracket_high());
  EXPECT_LT(search.knee()->level, *search.bracket_high());
  EXPECT_LE(calls, 30);
}

// The driver over fake summaries: it turns measured points into the next plans.
load::LoadPlan FakePlan(bool open_loop, double level) {
  return load::LevelPlan(open_loop, level, {}, 0);
}

results::PointSummary Point(const std::string& point, int replicate,
                            std::map<std::string, double> scalars) {
  results::PointSummary p;
  p.point = point;
  p.replicate = replicate;
  p.scalars = std::move(scalars);
  return p;
}

TEST(CapacityDriverTest, SweepAddsRatesBetweenTheAnchorsAchievedRates) {
  CapacityDriver driver = CapacityDriver::Sweep(5, 32, 2, [](bool open, double level) {
    return Result<load::LoadPlan>(FakePlan(open, level));
  });
  Result<std::vector<ScheduledPoint>> first = driver.Initial();
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_EQ(first->size(), 4u);
  EXPECT_EQ((*first)[0].plan->point, "concurrency=1");
  EXPECT_EQ((*first)[1].replicate, 1);
  EXPECT_EQ((*first)[2].plan->point, "concurrency=32");

  results::RunSummary summary;
  summary.points = {Point("concurrency=1", 0, {{"request_throughput_req_s", 0.9}}),
                    Point("concurrency=1", 1, {{"request_throughput_req_s", 1.1}}),
                    Point("concurrency=32", 0, {{"request_throughput_req_s", 9}}),
                    Point("concurrency=32", 1, {{"request_throughput_req_s", 11}})};
  std::vector<ScheduledPoint> rates = driver.Extend(summary);
  ASSERT_EQ(rates.size(), 6u);  // 3 rates × 2 replicates
  EXPECT_EQ(rates[0].plan->point, "rate=3.25");
  EXPECT_EQ(rates[2].plan->point, "rate=5.5");
  EXPECT_EQ(rates[4].plan->point, "rate=7.75");
  EXPECT_TRUE(rates[4].plan->open_loop());
  EXPECT_TRUE(driver.Extend(summary).empty());
  nlohmann::json j = driver.ToJson();
  EXPECT_EQ(j["type"], "sweep");
  EXPECT_EQ(j["synchronous"]["request_rate"], 1.0);
  EXPECT_EQ(j["throughput"]["point"], "concurrency=32");
  EXPECT_EQ(j["rates"].size(), 3u);
}

TEST(CapacityDriverTest, SearchFollowsTheMeasuredAttainment) {
  SearchOptions o;
  o.start = 2;
  o.resolution = 0.2;
  o.attainment_target = 0.9;
  CapacityDriver driver = CapacityDriver::Search(
      o, true, "ttft_ms.p99<=100", 1,
      [](bool open, double level) { return Result<load::LoadPlan>(FakePlan(open, level)); });
  Result<std::vector<ScheduledPoint>> runs = driver.Initial();
  ASSERT_TRUE(runs.ok());
  results::RunSummary summary;
  for (int guard = 0; guard < 20 && !runs->empty(); ++guard) {
    const load::LoadPlan& plan = *runs->front().plan;
    const double attainment = plan.rate_req_s <= 5 ? 0.97 : 0.4;
    summary.points.push_back(Point(plan.point, 0, {{"slo_attainment", attainment}}));
    *runs = driver.Extend(summary);
  }
  nlohmann::json j = driver.ToJson();
  EXPECT_EQ(j["type"], "search");
  EXPECT_EQ(j["over"], "rate");
  EXPECT_EQ(j["converged"], true);
  EXPECT_EQ(j["knee"]["point"], "rate=5");
  EXPECT_EQ(j["bracket"]["high"], 6);
  EXPECT_EQ(j["steps"][0]["point"], "rate=2");
  EXPECT_EQ(j["steps"].size(), summary.points.size());
  EXPECT_THAT(driver.ConsoleLine(), ::testing::StartsWith("knee: rate=5 (attainment 0.970"));
}

TEST(CapacityDriverTest, PlanErrorsEndTheRunWithTheMessage) {
  SearchOptions o;
  CapacityDriver driver = CapacityDriver::Search(o, false, "ttft_ms<=1", 1, [](bool, double level) {
    if (level > 1) return Result<load::LoadPlan>::Error("requestsPerLevel fails at 2");
    return Result<load::LoadPlan>(FakePlan(false, level));
  });
  ASSERT_TRUE(driver.Initial().ok());
  results::RunSummary summary;
  summary.points.push_back(Point("concurrency=1", 0, {{"slo_attainment", 1.0}}));
  EXPECT_TRUE(driver.Extend(summary).empty());
  EXPECT_EQ(driver.error(), "requestsPerLevel fails at 2");
}

// --- spec_config: how a spec's datasets become the run's workload (kept in this test file, the
// runner's capacity-and-workload tests).

class SpecWorkloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ib-spec-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "data");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  // A parsed spec written at dir_/spec.yaml with `workload` lines under spec.workload.
  spec::BenchmarkRun Spec(const std::string& workload) {
    const std::string text =
        "apiVersion: inferbench.dev/v1alpha1\nkind: BenchmarkRun\nmetadata: {name: t}\nspec:\n"
        "  target: {url: http://127.0.0.1:9, model: m}\n  workload:\n" +
        workload;
    const std::string path = Write("spec.yaml", text);
    spec::ParseOutcome outcome = spec::ParseBenchmarkRun(text, path);
    EXPECT_TRUE(outcome.ok()) << (outcome.problems.empty() ? "" : outcome.problems[0].message);
    return outcome.run;
  }

  std::filesystem::path dir_;
};

TEST_F(SpecWorkloadTest, DatasetSpecMapsKeysAndResolvesPathsAgainstTheSpecFile) {
  spec::BenchmarkRun run = Spec(
      "    dataset: {type: shared-prefix, groups: 2, promptsPerGroup: 3, prefixTokens: 16,\n"
      "              suffixTokens: 4, outputTokens: 8, allowRepeat: true}\n"
      "    load: {type: concurrency, levels: [1]}\n");
  workload::DatasetSpec d = DatasetSpecOf(run);
  EXPECT_EQ(d.kind, workload::DatasetKind::kSharedPrefix);
  EXPECT_EQ(d.options.at("prompts_per_group"), "3");
  EXPECT_EQ(d.options.at("prefix_tokens"), "16");
  EXPECT_EQ(d.options.at("output_tokens"), "8");
  EXPECT_EQ(d.options.at("allow_repeat"), "true");
  EXPECT_EQ(SpecRelativePath(run, "data/x.jsonl"), (dir_ / "data/x.jsonl").string());
  EXPECT_EQ(SpecRelativePath(run, "/abs/x.jsonl"), "/abs/x.jsonl");
}

TEST_F(SpecWorkloadTest, ResolvingAFileDigestsItsContentNotItsPath) {
  const std::string lines =
      "{\"prompt\": \"hello there\", \"output_tokens\": 4}\n"
      "{\"prompt\": \"general kenobi\"}\n";
  Write("data/a.jsonl", lines);
  Write("b.jsonl", lines);
  spec::BenchmarkRun a = Spec(
      "    dataset: {type: jsonl, path: data/a.jsonl}\n"
      "    load: {type: concurrency, levels: [1], requestsPerLevel: 2}\n");
  spec::BenchmarkRun b = Spec(
      "    dataset: {type: jsonl, path: b.jsonl}\n"
      "    load: {type: concurrency, levels: [1], requestsPerLevel: 2}\n");
  ASSERT_TRUE(ResolveWorkloadFiles(a).ok());
  Result<WorkloadFiles> files = ResolveWorkloadFiles(b);
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_EQ(b.workload.dataset_items, 2);
  EXPECT_EQ(b.workload.dataset_digest["content_digest"], files->dataset->content_digest);
  EXPECT_EQ(a.workload.dataset_digest, b.workload.dataset_digest);

  Write("b.jsonl", lines + "{\"prompt\": \"a third\"}\n");
  spec::BenchmarkRun changed = Spec(
      "    dataset: {type: jsonl, path: b.jsonl}\n"
      "    load: {type: concurrency, levels: [1]}\n");
  ASSERT_TRUE(ResolveWorkloadFiles(changed).ok());
  EXPECT_NE(changed.workload.dataset_digest, b.workload.dataset_digest);
}

TEST_F(SpecWorkloadTest, MissingFilesAndShortDatasetsAreErrorsNamingTheKey) {
  spec::BenchmarkRun missing = Spec(
      "    dataset: {type: jsonl, path: nowhere.jsonl}\n"
      "    load: {type: concurrency, levels: [1]}\n");
  Result<WorkloadFiles> none = ResolveWorkloadFiles(missing);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), ::testing::StartsWith("spec.workload.dataset: "));
  EXPECT_THAT(none.status().message(), ::testing::HasSubstr("nowhere.jsonl"));

  Write("two.jsonl", "{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}\n");
  spec::BenchmarkRun run = Spec(
      "    dataset: {type: jsonl, path: two.jsonl}\n"
      "    load: {type: concurrency, levels: [1], requestsPerLevel: 5}\n");
  Result<WorkloadFiles> files = ResolveWorkloadFiles(run);
  ASSERT_TRUE(files.ok()) << files.status().message();
  Result<BenchConfig> config = BenchConfigFromSpec(run, "run-1", *files);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), ::testing::HasSubstr("allow_repeat"));
  EXPECT_THAT(config.status().message(), ::testing::HasSubstr("concurrency=1 needs 5 requests"));

  spec::BenchmarkRun tokenizer = Spec(
      "    tokenizer: no-such-tokenizer.json\n"
      "    load: {type: concurrency, levels: [1]}\n");
  Result<WorkloadFiles> bad = ResolveWorkloadFiles(tokenizer);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::StartsWith("spec.workload.tokenizer: "));
}

TEST_F(SpecWorkloadTest, TraceAndSessionsPlansComeFromTheDataset) {
  Write("trace.jsonl",
        "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 2}\n"
        "{\"timestamp\": 500, \"input_length\": 10, \"output_length\": 2}\n"
        "{\"timestamp\": 1000, \"input_length\": 10, \"output_length\": 2}\n");
  spec::BenchmarkRun trace = Spec(
      "    dataset: {type: trace, path: trace.jsonl, speedup: 2}\n"
      "    load: {type: trace}\n");
  Result<WorkloadFiles> files = ResolveWorkloadFiles(trace);
  ASSERT_TRUE(files.ok()) << files.status().message();
  Result<BenchConfig> config = BenchConfigFromSpec(trace, "run-1", *files);
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->points.size(), 1u);
  const load::LoadPlan& plan = config->points[0];
  EXPECT_EQ(plan.mode, load::LoadPlan::Mode::kTrace);
  EXPECT_EQ(plan.point, "trace");
  EXPECT_EQ(plan.requests, 3);
  ASSERT_TRUE(plan.trace_offsets_ns);
  EXPECT_THAT(*plan.trace_offsets_ns, ::testing::ElementsAre(0, 250'000'000, 500'000'000));
  EXPECT_EQ(config->schedule.size(), 3u);  // 3 replicates of the one point
  EXPECT_TRUE(config->expect_cold);

  // Repeating the trace: a second pass follows one mean gap after the last entry.
  load::LoadPlan again = plan;
  Write("trace.jsonl", "");  // the loaded dataset is already in memory
  workload::Dataset repeated = *files->dataset;
  repeated.allow_repeat = true;
  ASSERT_TRUE(FillDatasetPlan(repeated, 5, again).ok());
  EXPECT_THAT(*again.trace_offsets_ns,
              ::testing::ElementsAre(0, 250'000'000, 500'000'000, 750'000'000, 1'000'000'000));
  EXPECT_FALSE(FillDatasetPlan(*files->dataset, 5, again).ok());

  Write("chats.jsonl",
        "{\"session_id\": \"a\", \"turns\": [{\"prompt\": \"hi\", \"output_tokens\": 3}, "
        "{\"prompt\": \"more\", \"output_tokens\": 3}]}\n"
        "{\"session_id\": \"b\", \"turns\": [{\"prompt\": \"yo\", \"output_tokens\": 3}]}\n");
  spec::BenchmarkRun chats = Spec(
      "    dataset: {type: conversations, path: chats.jsonl, sessions: 2}\n"
      "    cacheBust: per-replicate\n    load: {type: sessions}\n");
  Result<WorkloadFiles> chat_files = ResolveWorkloadFiles(chats);
  ASSERT_TRUE(chat_files.ok()) << chat_files.status().message();
  EXPECT_FALSE(chats.workload.dataset_digest["options"].contains("sessions"));
  Result<BenchConfig> sessions = BenchConfigFromSpec(chats, "run-1", *chat_files);
  ASSERT_TRUE(sessions.ok()) << sessions.status().message();
  ASSERT_EQ(sessions->points.size(), 1u);
  EXPECT_EQ(sessions->points[0].point, "sessions=2");
  EXPECT_EQ(sessions->points[0].mode, load::LoadPlan::Mode::kSessions);
  EXPECT_EQ(sessions->points[0].concurrency, 2);
  EXPECT_THAT(*sessions->points[0].session_turns, ::testing::ElementsAre(2, 1));
  EXPECT_FALSE(sessions->expect_cold);  // turns share their history on purpose
}

TEST_F(SpecWorkloadTest, SessionPlansCarryEachTurnsDelay) {
  Write("delayed.jsonl",
        "{\"session_id\": \"a\", \"turns\": [{\"prompt\": \"hi\", \"output_tokens\": 3}, "
        "{\"prompt\": \"more\", \"output_tokens\": 3, \"delay_ms\": 150}]}\n"
        "{\"session_id\": \"b\", \"turns\": [{\"prompt\": \"yo\", \"output_tokens\": 3}]}\n");
  spec::BenchmarkRun chats = Spec(
      "    dataset: {type: conversations, path: delayed.jsonl, sessions: 1}\n"
      "    load: {type: sessions}\n");
  Result<WorkloadFiles> files = ResolveWorkloadFiles(chats);
  ASSERT_TRUE(files.ok()) << files.status().message();
  load::LoadPlan plan;
  plan.mode = load::LoadPlan::Mode::kSessions;
  Status ok = FillDatasetPlan(*files->dataset, 3, plan);
  EXPECT_FALSE(ok.ok());  // two conversations, no allow_repeat
  ASSERT_TRUE(FillDatasetPlan(*files->dataset, 2, plan).ok());
  ASSERT_TRUE(plan.session_delays_ns);
  ASSERT_EQ(plan.session_delays_ns->size(), 2u);
  EXPECT_THAT((*plan.session_delays_ns)[0], ::testing::ElementsAre(0, 150'000'000));
  EXPECT_THAT((*plan.session_delays_ns)[1], ::testing::ElementsAre(0));
}

TEST_F(SpecWorkloadTest, SweepAndSearchSpecsBuildTheirDriver) {
  spec::BenchmarkRun sweep = Spec(
      "    dataset: {type: synthetic, inputTokens: 32, outputTokens: 8}\n"
      "    load: {type: sweep, points: 4, requestsPerLevel: \"16\"}\n");
  Result<WorkloadFiles> files = ResolveWorkloadFiles(sweep);
  ASSERT_TRUE(files.ok());
  Result<BenchConfig> config = BenchConfigFromSpec(sweep, "run-1", *files);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_TRUE(config->points.empty());
  Result<CapacityDriver> driver = CapacityDriverFromSpec(sweep, *files);
  ASSERT_TRUE(driver.ok()) << driver.status().message();
  Result<std::vector<ScheduledPoint>> initial = driver->Initial();
  ASSERT_TRUE(initial.ok());
  ASSERT_EQ(initial->size(), 6u);  // 2 anchors × 3 replicates
  EXPECT_EQ(initial->back().plan->point, "concurrency=16");
  EXPECT_EQ(initial->back().plan->requests, 16);

  spec::BenchmarkRun search = Spec(
      "    load: {type: search, over: concurrency, slo: \"ttft_ms.p99<=50\", start: 4, "
      "maxConcurrency: 32, requestsPerLevel: \"4x\"}\n");
  Result<CapacityDriver> searching = CapacityDriverFromSpec(search, {});
  ASSERT_TRUE(searching.ok()) << searching.status().message();
  Result<std::vector<ScheduledPoint>> first = searching->Initial();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->front().plan->point, "concurrency=4");
  EXPECT_EQ(first->front().plan->requests, 16);
  EXPECT_EQ(searching->ToJson()["attainment_target"], 0.99);
  // The search's bounds are the run's SLO, so every level reports slo_attainment.
  Result<BenchConfig> search_config = BenchConfigFromSpec(search, "run-1", {});
  ASSERT_TRUE(search_config.ok()) << search_config.status().message();
  EXPECT_EQ(search_config->slo, (load::SloThresholds{{"ttft_ms", 50}}));
}

}  // namespace
}  // namespace inferbench::runner
