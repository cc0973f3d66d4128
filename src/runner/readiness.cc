#include "runner/readiness.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "net/client_connection.h"

namespace inferbench::runner {
namespace {

// The answer text of one choice of a non-streaming chat or completions body.
std::string ChoiceText(const nlohmann::json& choice) {
  if (!choice.is_object()) return "";
  if (auto text = choice.find("text"); text != choice.end() && text->is_string()) {
    return text->get<std::string>();
  }
  auto message = choice.find("message");
  if (message == choice.end() || !message->is_object()) return "";
  for (const char* key : {"content", "reasoning_content", "reasoning"}) {
    auto value = message->find(key);
    if (value != message->end() && value->is_string() && !value->get<std::string>().empty()) {
      return value->get<std::string>();
    }
  }
  if (auto calls = message->find("tool_calls"); calls != message->end() && calls->is_array() &&
                                                !calls->empty()) {
    return calls->dump();
  }
  return "";
}

}  // namespace

bool NonEmptyAnswer(const std::string& body, std::string* text) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) return false;
  auto choices = json.find("choices");
  if (choices == json.end() || !choices->is_array()) return false;
  for (const nlohmann::json& choice : *choices) {
    std::string answer = ChoiceText(choice);
    if (!answer.empty()) {
      if (text) *text = answer;
      return true;
    }
  }
  return false;
}

ReadinessResult WaitUntilReady(const ReadinessOptions& options) {
  ReadinessResult result;
  client::RequestOptions request;
  request.endpoint = options.endpoint;
  request.model = options.model;
  request.stream = false;
  request.max_tokens = 1;
  request.ignore_eos = true;
  request.temperature = 0;
  client::Prompt prompt;
  prompt.text = "Say hello.";
  const std::string body = client::RenderRequestBody(request, prompt);
  const std::string url = client::EndpointUrl(options.target.url, options.endpoint);
  const int64_t start = SteadyNowNs();
  const int64_t deadline = start + options.window_ns;
  while (true) {
    if (options.cancelled && options.cancelled()) {
      result.cancelled = true;
      return result;
    }
    const int64_t now = SteadyNowNs();
    if (now >= deadline) return result;
    const int64_t timeout = std::min(options.probe_timeout_ns, deadline - now);
    ++result.probes;
    auto fetched = net::Fetch("POST", url, body, "application/json", timeout, options.target.headers);
    if (!fetched.ok()) {
      result.last_problem = fetched.status().message();
    } else if (fetched->status != 200) {
      std::string excerpt = fetched->body.substr(0, 200);
      result.last_problem = fmt::format("HTTP {} from {}: {}", fetched->status, url, excerpt);
    } else if (!NonEmptyAnswer(fetched->body, &result.answer)) {
      result.last_problem = "HTTP 200 from " + url + " without a non-empty answer";
    } else {
      result.ready = true;
      result.cold_start_ns = SteadyNowNs() - start;
      return result;
    }
    // Pause before the next probe, in short steps so Ctrl-C is noticed.
    const int64_t resume = std::min(deadline, SteadyNowNs() + options.retry_interval_ns);
    while (SteadyNowNs() < resume) {
      if (options.cancelled && options.cancelled()) {
        result.cancelled = true;
        return result;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace inferbench::runner
