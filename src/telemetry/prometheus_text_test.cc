#include "telemetry/prometheus_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace inferbench::telemetry {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

const PrometheusSample* Find(const PrometheusScrape& scrape, std::string_view name,
                             const Labels& match = {}) {
  for (const PrometheusSample& sample : scrape.samples) {
    if (sample.name == name && LabelsInclude(sample.labels, match)) return &sample;
  }
  return nullptr;
}

std::string Describe(const PrometheusScrape& scrape) {
  std::string out;
  for (const auto& error : scrape.errors) {
    out += "line " + std::to_string(error.line) + ": " + error.reason + "\n";
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// FormatPrometheusValue: expected strings are what Python's prometheus_client
// (floatToGoString) prints for the same double.

TEST(FormatPrometheusValueTest, MatchesPythonPrometheusClient) {
  const std::vector<std::pair<double, std::string>> cases = {
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {1.0, "1.0"},
      {2.0, "2.0"},
      {1234.0, "1234.0"},
      {0.005, "0.005"},
      {0.1, "0.1"},
      {0.0001, "0.0001"},
      {1e-05, "1e-05"},
      {0.00012, "0.00012"},
      {2560.0, "2560.0"},
      {7680.0, "7680.0"},
      {0.1 + 0.2, "0.30000000000000004"},
      {123456.0, "123456.0"},
      {1234567.0, "1.234567e+06"},
      {1000000.0, "1e+06"},
      {12345678.0, "1.2345678e+07"},
      {444810000.0, "4.4481e+08"},   // seen in vLLM's /metrics
      {1788200000.0, "1.7882e+09"},  // a _created timestamp as vLLM prints it
      {1e10, "1e+010"},              // prometheus_client's own spelling
      {1e15, "1e+015"},
      {1e16, "1e+16"},
      {1.5e16, "1.5e+16"},
      {1e100, "1e+100"},
      {-1234567.0, "-1234567.0"},  // negatives keep Python's repr
      {-2.5, "-2.5"},
      {5e-324, "5e-324"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
  };
  for (const auto& [value, expected] : cases) {
    EXPECT_EQ(FormatPrometheusValue(value), expected) << "value " << value;
  }
}

TEST(FormatPrometheusValueTest, RoundTripsThroughTheParser) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-30.0, 30.0);
  for (int i = 0; i < 2000; ++i) {
    const double value = std::pow(10.0, exponent(rng)) * (i % 3 == 0 ? -1.0 : 1.0);
    const std::string text = "m " + FormatPrometheusValue(value) + "\n";
    const PrometheusScrape scrape = ParsePrometheusText(text);
    ASSERT_EQ(scrape.samples.size(), 1u) << text << Describe(scrape);
    EXPECT_EQ(scrape.samples[0].value, value) << text;
  }
}

// ---------------------------------------------------------------------------------------------
// Writer

TEST(PrometheusWriterTest, WritesFamiliesLikePrometheusClient) {
  PrometheusWriter writer;
  writer.Family("vllm:prompt_tokens_total", MetricType::kCounter,
                "Prefill tokens.\nSecond line with a \\ backslash.");
  writer.Sample("vllm:prompt_tokens_total", {{"engine", "0"}, {"model_name", "m"}}, 1234);
  writer.Family("up", MetricType::kGauge, "Plain.");
  writer.Sample("up", {}, 1);
  EXPECT_EQ(writer.text(),
            "# HELP vllm:prompt_tokens_total Prefill tokens.\\nSecond line with a \\\\ "
            "backslash.\n"
            "# TYPE vllm:prompt_tokens_total counter\n"
            "vllm:prompt_tokens_total{engine=\"0\",model_name=\"m\"} 1234.0\n"
            "# HELP up Plain.\n"
            "# TYPE up gauge\n"
            "up 1.0\n");
}

TEST(PrometheusWriterTest, EscapesLabelValues) {
  PrometheusWriter writer;
  writer.Sample("m", {{"a", "x\\y\"z\nw"}}, 0.5);
  EXPECT_EQ(writer.text(), "m{a=\"x\\\\y\\\"z\\nw\"} 0.5\n");
}

TEST(PrometheusWriterTest, HistogramIsCumulativeWithLeInSortedPlace) {
  PrometheusWriter writer;
  writer.HistogramSamples("h", {{"engine", "0"}, {"model_name", "m"}}, {0.5, 1.0, 2.5},
                          {1, 0, 2, 3}, 17.25);
  EXPECT_EQ(writer.text(),
            "h_bucket{engine=\"0\",le=\"0.5\",model_name=\"m\"} 1.0\n"
            "h_bucket{engine=\"0\",le=\"1.0\",model_name=\"m\"} 1.0\n"
            "h_bucket{engine=\"0\",le=\"2.5\",model_name=\"m\"} 3.0\n"
            "h_bucket{engine=\"0\",le=\"+Inf\",model_name=\"m\"} 6.0\n"
            "h_count{engine=\"0\",model_name=\"m\"} 6.0\n"
            "h_sum{engine=\"0\",model_name=\"m\"} 17.25\n");
}

TEST(PrometheusWriterTest, HistogramWithoutLabels) {
  PrometheusWriter writer;
  writer.HistogramSamples("h", {}, {1.0}, {0, 0}, 0.0);
  EXPECT_EQ(writer.text(),
            "h_bucket{le=\"1.0\"} 0.0\n"
            "h_bucket{le=\"+Inf\"} 0.0\n"
            "h_count 0.0\n"
            "h_sum 0.0\n");
}

TEST(PrometheusWriterTest, TakeEmptiesTheWriter) {
  PrometheusWriter writer;
  writer.Sample("a", {}, 1);
  EXPECT_EQ(writer.Take(), "a 1.0\n");
  writer.Sample("b", {}, 2);
  EXPECT_EQ(writer.text(), "b 2.0\n");
}

// ---------------------------------------------------------------------------------------------
// Writer -> parser round trip

TEST(PrometheusRoundTripTest, NamesLabelsHelpAndValuesSurvive) {
  const Labels tricky = {{"model_name", "org/model \"v2\"\\final\nline"}, {"engine", "0"}};
  PrometheusWriter writer;
  writer.Family("vllm:num_requests_running", MetricType::kGauge, "Running.\nNow \\ here.");
  writer.Sample("vllm:num_requests_running", tricky, 7);
  writer.Family("odd_values", MetricType::kUntyped, "");
  writer.Sample("odd_values", {{"k", "inf"}}, std::numeric_limits<double>::infinity());
  writer.Sample("odd_values", {{"k", "-inf"}}, -std::numeric_limits<double>::infinity());
  writer.Sample("odd_values", {{"k", "nan"}}, std::nan(""));
  writer.Sample("odd_values", {{"k", "big"}}, 12345678901.0);
  writer.Family("s", MetricType::kSummary, "a summary");
  writer.Sample("s", {{"quantile", "0.5"}}, 0.25);

  const PrometheusScrape scrape = ParsePrometheusText(writer.text());
  ASSERT_TRUE(scrape.errors.empty()) << Describe(scrape);
  ASSERT_EQ(scrape.samples.size(), 6u);
  EXPECT_EQ(scrape.samples[0].name, "vllm:num_requests_running");
  EXPECT_EQ(scrape.samples[0].labels, tricky);
  EXPECT_EQ(scrape.samples[0].value, 7.0);
  EXPECT_EQ(scrape.samples[0].Label("model_name"), "org/model \"v2\"\\final\nline");
  EXPECT_EQ(scrape.samples[0].Label("absent"), "");
  EXPECT_EQ(scrape.samples[1].value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(scrape.samples[2].value, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(scrape.samples[3].value));
  EXPECT_EQ(scrape.samples[4].value, 12345678901.0);
  EXPECT_THAT(scrape.types, ElementsAre(Pair("vllm:num_requests_running", MetricType::kGauge),
                                        Pair("odd_values", MetricType::kUntyped),
                                        Pair("s", MetricType::kSummary)));
  ASSERT_EQ(scrape.helps.size(), 3u);
  EXPECT_EQ(scrape.helps[0].second, "Running.\nNow \\ here.");
  EXPECT_EQ(scrape.helps[1].second, "");
}

TEST(PrometheusRoundTripTest, HistogramBucketsAreCumulativeAndInfEqualsCount) {
  const std::vector<double> bounds = {0.001, 0.25, 1.0, 2560.0};
  const std::vector<uint64_t> counts = {3, 0, 4, 1, 2};
  PrometheusWriter writer;
  writer.Family("lat_seconds", MetricType::kHistogram, "latency");
  writer.HistogramSamples("lat_seconds", {{"engine", "0"}}, bounds, counts, 99.5);
  const PrometheusScrape scrape = ParsePrometheusText(writer.text());
  ASSERT_TRUE(scrape.errors.empty()) << Describe(scrape);

  std::vector<double> les;
  std::vector<double> cumulative;
  for (const PrometheusSample& sample : scrape.samples) {
    if (sample.name != "lat_seconds_bucket") continue;
    EXPECT_EQ(sample.Label("engine"), "0");
    les.push_back(ParsePrometheusText("x " + std::string(sample.Label("le"))).samples.at(0).value);
    cumulative.push_back(sample.value);
  }
  EXPECT_EQ(les, (std::vector<double>{0.001, 0.25, 1.0, 2560.0,
                                      std::numeric_limits<double>::infinity()}));
  EXPECT_EQ(cumulative, (std::vector<double>{3, 3, 7, 8, 10}));
  EXPECT_EQ(scrape.Sum("lat_seconds_count"), 10.0);
  EXPECT_EQ(scrape.Sum("lat_seconds_sum"), 99.5);
  EXPECT_EQ(scrape.Sum("lat_seconds_bucket", {{"le", "+Inf"}}), scrape.Sum("lat_seconds_count"));
}

// ---------------------------------------------------------------------------------------------
// Parser on realistic input

// Shaped like vLLM V1's /metrics (prometheus_client 0.0.4 output): sorted labels, float values,
// a `_created` gauge family after each counter and histogram, names with colons, plus the
// python process collectors that precede vLLM's families.
constexpr std::string_view kVllmMetrics =
    R"(# HELP python_gc_objects_collected_total Objects collected during gc
# TYPE python_gc_objects_collected_total counter
python_gc_objects_collected_total{generation="0"} 12041.0
python_gc_objects_collected_total{generation="1"} 1820.0
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.74051338546e+09
# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 12.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 3.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.4231
# HELP vllm:prefix_cache_queries_total Prefix cache queries, in terms of number of queried tokens.
# TYPE vllm:prefix_cache_queries_total counter
vllm:prefix_cache_queries_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.4523e+08
# HELP vllm:prefix_cache_queries_created Prefix cache queries, in terms of number of queried tokens.
# TYPE vllm:prefix_cache_queries_created gauge
vllm:prefix_cache_queries_created{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7882e+09
# HELP vllm:request_success_total Count of successfully processed requests.
# TYPE vllm:request_success_total counter
vllm:request_success_total{engine="0",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 901.0
vllm:request_success_total{engine="0",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 99.0
vllm:request_success_total{engine="0",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.001",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.005",model_name="meta-llama/Llama-3.1-8B-Instruct"} 2.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="1.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 950.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1000.0
vllm:time_to_first_token_seconds_count{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1000.0
vllm:time_to_first_token_seconds_sum{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 187.53918409347534
# HELP vllm:time_to_first_token_seconds_created Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds_created gauge
vllm:time_to_first_token_seconds_created{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7405133951e+09
)";

TEST(PrometheusParserTest, ParsesRealisticVllmMetrics) {
  const PrometheusScrape scrape = ParsePrometheusText(kVllmMetrics);
  ASSERT_TRUE(scrape.errors.empty()) << Describe(scrape);
  EXPECT_EQ(scrape.samples.size(), 18u);
  EXPECT_EQ(scrape.types.size(), 10u);

  const Labels model = {{"model_name", "meta-llama/Llama-3.1-8B-Instruct"}};
  EXPECT_EQ(scrape.Sum("vllm:num_requests_running", model), 12.0);
  EXPECT_EQ(scrape.Sum("vllm:kv_cache_usage_perc"), 0.4231);
  EXPECT_EQ(scrape.Sum("vllm:prefix_cache_queries_total"), 4.4523e+08);
  EXPECT_EQ(scrape.Sum("process_start_time_seconds"), 1.74051338546e+09);
  EXPECT_EQ(scrape.Sum("vllm:request_success_total"), 1000.0);
  EXPECT_EQ(scrape.Sum("vllm:request_success_total", {{"finished_reason", "length"}}), 99.0);
  EXPECT_EQ(scrape.Sum("vllm:time_to_first_token_seconds_bucket", {{"le", "1.0"}}), 950.0);
  EXPECT_DOUBLE_EQ(scrape.Sum("vllm:time_to_first_token_seconds_sum"), 187.53918409347534);

  ASSERT_NE(scrape.FindType("vllm:prefix_cache_queries_total"), nullptr);
  EXPECT_EQ(*scrape.FindType("vllm:prefix_cache_queries_total"), MetricType::kCounter);
  EXPECT_EQ(*scrape.FindType("vllm:prefix_cache_queries_created"), MetricType::kGauge);
  EXPECT_EQ(*scrape.FindType("vllm:time_to_first_token_seconds"), MetricType::kHistogram);
  EXPECT_EQ(scrape.FindType("vllm:time_to_first_token_seconds_bucket"), nullptr);

  const PrometheusSample* bucket =
      Find(scrape, "vllm:time_to_first_token_seconds_bucket", {{"le", "0.005"}});
  ASSERT_NE(bucket, nullptr);
  EXPECT_THAT(bucket->labels, ElementsAre(Pair("engine", "0"), Pair("le", "0.005"),
                                          Pair("model_name", "meta-llama/Llama-3.1-8B-Instruct")));
  EXPECT_EQ(bucket->value, 2.0);
  EXPECT_EQ(bucket->timestamp_ms, 0);
}

TEST(PrometheusParserTest, AcceptsFormatVariations) {
  const std::string text =
      "  # a free comment line\n"
      "#\n"
      "\n"
      "   \t\n"
      "no_labels 3\n"
      "empty_braces{} 4\n"
      "spaced { a = \"1\" , b=\"2\", } 5\n"
      "glued{a=\"x\"}6\n"
      "with_ts{a=\"1\"} 7 1712345678901\n"
      "neg_ts 8 -5\n"
      "sci 1.5e3\n"
      "plus_inf +Inf\n"
      "bare_inf Inf\n"
      "minus_inf -Inf\n"
      "nan NaN\n"
      "signed +2.5\n"
      "tabs\t9\t\n"
      "colon:name:x 10\n"
      "_underscore 11\n"
      "#TYPE glued counter\n"
      "# TYPE unk unknown\n"
      "# HELP no_doc\n"
      "# HELP bs keeps \\t unknown escapes\n";
  const PrometheusScrape scrape = ParsePrometheusText(text);
  ASSERT_TRUE(scrape.errors.empty()) << Describe(scrape);
  EXPECT_EQ(Find(scrape, "no_labels")->value, 3.0);
  EXPECT_TRUE(Find(scrape, "empty_braces")->labels.empty());
  EXPECT_THAT(Find(scrape, "spaced")->labels, ElementsAre(Pair("a", "1"), Pair("b", "2")));
  EXPECT_EQ(Find(scrape, "spaced")->value, 5.0);
  EXPECT_EQ(Find(scrape, "glued")->value, 6.0);
  EXPECT_EQ(Find(scrape, "with_ts")->timestamp_ms, 1712345678901);
  EXPECT_EQ(Find(scrape, "neg_ts")->timestamp_ms, -5);
  EXPECT_EQ(Find(scrape, "sci")->value, 1500.0);
  EXPECT_EQ(Find(scrape, "plus_inf")->value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(Find(scrape, "bare_inf")->value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(Find(scrape, "minus_inf")->value, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(Find(scrape, "nan")->value));
  EXPECT_EQ(Find(scrape, "signed")->value, 2.5);
  EXPECT_EQ(Find(scrape, "tabs")->value, 9.0);
  EXPECT_EQ(Find(scrape, "colon:name:x")->value, 10.0);
  EXPECT_EQ(Find(scrape, "_underscore")->value, 11.0);
  EXPECT_EQ(*scrape.FindType("glued"), MetricType::kCounter);
  EXPECT_EQ(*scrape.FindType("unk"), MetricType::kUntyped);
  EXPECT_THAT(scrape.helps,
              ElementsAre(Pair("no_doc", ""), Pair("bs", "keeps \\t unknown escapes")));
}

TEST(PrometheusParserTest, HandlesCrlfAndMissingFinalNewline) {
  const PrometheusScrape scrape =
      ParsePrometheusText("# TYPE a gauge\r\na{x=\"1\"} 1\r\nb 2\r\nc 3");
  ASSERT_TRUE(scrape.errors.empty()) << Describe(scrape);
  ASSERT_EQ(scrape.samples.size(), 3u);
  EXPECT_EQ(scrape.samples[0].Label("x"), "1");
  EXPECT_EQ(scrape.samples[1].value, 2.0);
  EXPECT_EQ(scrape.samples[2].name, "c");
  EXPECT_EQ(scrape.samples[2].value, 3.0);
  EXPECT_EQ(*scrape.FindType("a"), MetricType::kGauge);
}

TEST(PrometheusParserTest, EmptyInputGivesEmptyScrape) {
  const PrometheusScrape scrape = ParsePrometheusText("");
  EXPECT_TRUE(scrape.samples.empty());
  EXPECT_TRUE(scrape.errors.empty());
}

TEST(PrometheusParserTest, BadLinesAreReportedWithLineNumbersAndSkipped) {
  const std::string text =
      "good_1 1\n"                       // 1
      "missing_value\n"                  // 2
      "missing_value_labels{a=\"b\"}\n"  // 3
      "unterminated{a=\"b 1\n"           // 4
      "good_2{a=\"x\"} 2\n"              // 5
      "bad_number 1.2.3\n"               // 6
      "%%% garbage !!!\n"                // 7
      "bad_ts 1 12.5\n"                  // 8
      "trailing 1 2 3\n"                 // 9
      "noquote{a=b} 1\n"                 // 10
      "noequals{a\"b\"} 1\n"             // 11
      "badescape{a=\"\\q\"} 1\n"         // 12
      "dup{a=\"1\",a=\"2\"} 1\n"         // 13
      "open_set{a=\"1\" 1\n"             // 14
      "bad-name 1\n"                     // 15
      "# TYPE t bogus\n"                 // 16
      "# TYPE 9t counter\n"              // 17
      "# TYPE good_2 gauge\n"            // 18
      "# TYPE good_2 counter\n"          // 19
      "words words\n"                    // 20
      "{a=\"1\"} 1\n"                    // 21
      "good_3 3";                        // 22
  const PrometheusScrape scrape = ParsePrometheusText(text);
  std::vector<int> lines;
  for (const auto& error : scrape.errors) {
    lines.push_back(error.line);
    EXPECT_FALSE(error.reason.empty());
  }
  EXPECT_EQ(lines,
            (std::vector<int>{2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 20, 21}))
      << Describe(scrape);
  ASSERT_EQ(scrape.samples.size(), 3u);
  EXPECT_EQ(scrape.samples[0].name, "good_1");
  EXPECT_EQ(scrape.samples[1].name, "good_2");
  EXPECT_EQ(scrape.samples[2].name, "good_3");
  EXPECT_THAT(scrape.types, ElementsAre(Pair("good_2", MetricType::kGauge)));

  // Reasons name the problem.
  EXPECT_THAT(scrape.errors[0].reason, ::testing::HasSubstr("missing value"));
  EXPECT_THAT(scrape.errors[2].reason, ::testing::HasSubstr("unterminated"));
  EXPECT_THAT(scrape.errors[3].reason, ::testing::HasSubstr("invalid value '1.2.3'"));
  EXPECT_THAT(scrape.errors[5].reason, ::testing::HasSubstr("timestamp"));
}

// Random and mutated input must never crash, hang or produce more errors than lines.
TEST(PrometheusParserTest, SurvivesGarbage) {
  std::mt19937_64 rng(42);
  const std::string alphabet = "ab:_{}=\",\\ \t\n\r#01.e+-InfNaTYPEHELP";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<size_t> length(0, 300);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    if (round % 2 == 0) {
      const size_t n = length(rng);
      for (size_t i = 0; i < n; ++i) text += alphabet[pick(rng)];
    } else {
      text = std::string(kVllmMetrics);
      for (int flips = 0; flips < 5; ++flips) {
        text[rng() % text.size()] = static_cast<char>(byte(rng));
      }
    }
    const PrometheusScrape scrape = ParsePrometheusText(text);
    size_t lines = 1;
    for (char c : text) lines += c == '\n' ? 1 : 0;
    EXPECT_LE(scrape.errors.size() + scrape.samples.size(), lines);
    for (const auto& error : scrape.errors) {
      EXPECT_GE(error.line, 1);
      EXPECT_LE(static_cast<size_t>(error.line), lines);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sum

TEST(PrometheusScrapeTest, SumMatchesLabelSubsets) {
  const PrometheusScrape scrape = ParsePrometheusText(
      "req{engine=\"0\",model_name=\"a\",finished_reason=\"stop\"} 5\n"
      "req{engine=\"1\",model_name=\"a\",finished_reason=\"stop\"} 7\n"
      "req{engine=\"0\",model_name=\"b\",finished_reason=\"length\"} 11\n"
      "other{model_name=\"a\"} 100\n");
  bool found = false;
  EXPECT_EQ(scrape.Sum("req", {}, &found), 23.0);
  EXPECT_TRUE(found);
  EXPECT_EQ(scrape.Sum("req", {{"model_name", "a"}}), 12.0);
  EXPECT_EQ(scrape.Sum("req", {{"finished_reason", "stop"}, {"engine", "0"}}), 5.0);
  EXPECT_EQ(scrape.Sum("req", {{"model_name", "c"}}, &found), 0.0);
  EXPECT_FALSE(found);
  EXPECT_EQ(scrape.Sum("absent", {}, &found), 0.0);
  EXPECT_FALSE(found);
  EXPECT_EQ(scrape.Sum("req", {{"nolabel", ""}}, &found), 0.0);
  EXPECT_FALSE(found);
}

TEST(PrometheusScrapeTest, MetricTypeNames) {
  EXPECT_EQ(MetricTypeName(MetricType::kCounter), "counter");
  EXPECT_EQ(MetricTypeName(MetricType::kGauge), "gauge");
  EXPECT_EQ(MetricTypeName(MetricType::kHistogram), "histogram");
  EXPECT_EQ(MetricTypeName(MetricType::kSummary), "summary");
  EXPECT_EQ(MetricTypeName(MetricType::kUntyped), "untyped");
}

}  // namespace
}  // namespace inferbench::telemetry
