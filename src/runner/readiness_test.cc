#include "runner/readiness.h"

#include <gtest/gtest.h>

#include <string>

#include "net/client_connection.h"

namespace inferbench::runner {
namespace {

TEST(NonEmptyAnswerTest, AcceptsChatAndCompletionsAnswers) {
  std::string text;
  EXPECT_TRUE(NonEmptyAnswer(R"({"choices":[{"message":{"role":"assistant","content":"Hi"}}]})", &text));
  EXPECT_EQ(text, "Hi");
  EXPECT_TRUE(NonEmptyAnswer(R"({"choices":[{"text":" the"}]})", &text));
  EXPECT_EQ(text, " the");
  EXPECT_TRUE(NonEmptyAnswer(
      R"({"choices":[{"message":{"content":null,"reasoning_content":"think"}}]})", &text));
  EXPECT_EQ(text, "think");
}

TEST(NonEmptyAnswerTest, RejectsEmptyOrMalformedAnswers) {
  EXPECT_FALSE(NonEmptyAnswer(R"({"choices":[{"message":{"content":""}}]})", nullptr));
  EXPECT_FALSE(NonEmptyAnswer(R"({"choices":[]})", nullptr));
  EXPECT_FALSE(NonEmptyAnswer(R"({"error":{"message":"loading"}})", nullptr));
  EXPECT_FALSE(NonEmptyAnswer("not json", nullptr));
  EXPECT_FALSE(NonEmptyAnswer(R"({"choices":[{"text":""}]})", nullptr));
}

TEST(WaitUntilReadyTest, GivesUpWhenNothingListens) {
  ReadinessOptions options;
  // Port 1 on loopback: nothing listens there, connections are refused at once.
  options.target.url = net::ParseUrl("http://127.0.0.1:1").value();
  options.model = "m";
  options.probe_timeout_ns = 200'000'000;
  options.window_ns = 300'000'000;
  options.retry_interval_ns = 100'000'000;
  ReadinessResult result = WaitUntilReady(options);
  EXPECT_FALSE(result.ready);
  EXPECT_GE(result.probes, 1);
  EXPECT_FALSE(result.last_problem.empty());
}

TEST(WaitUntilReadyTest, StopsWhenCancelled) {
  ReadinessOptions options;
  options.target.url = net::ParseUrl("http://127.0.0.1:1").value();
  options.model = "m";
  options.cancelled = [] { return true; };
  ReadinessResult result = WaitUntilReady(options);
  EXPECT_TRUE(result.cancelled);
  EXPECT_FALSE(result.ready);
}

}  // namespace
}  // namespace inferbench::runner
