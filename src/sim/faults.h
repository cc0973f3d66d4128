// Injected faults of the simulator (`--fault`, repeatable; DESIGN.md §8):
//   error:STATUS:RATE   answer the request with HTTP STATUS (400..599) and vLLM's error body
//   abort:RATE          close the connection mid-stream, after at least one token
//   stall:MS:RATE       pause MS milliseconds mid-stream before the next token
//   malformed:RATE      insert a corrupt SSE frame mid-stream
//   drip:RATE           send the response a few bytes per write
// RATE is the probability in [0, 1] that the fault hits a request.
//
// FaultPlan draws every spec independently for each request, in request arrival order, from one
// Prng per spec seeded from (seed, spec position, spec text): the same seed, specs and arrival
// order give the same faults, and adding a spec does not change the draws of the others.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/prng.h"
#include "core/status.h"

namespace inferbench::sim {

struct FaultSpec {
  enum class Kind { kError, kAbort, kStall, kMalformed, kDrip };
  Kind kind = Kind::kError;
  int status = 0;        // kError: the HTTP status
  int64_t stall_ns = 0;  // kStall: the pause
  double rate = 0;       // probability per request, [0, 1]
};

// Parses one `--fault` value; errors quote the text and list the accepted forms.
Result<FaultSpec> ParseFaultSpec(std::string_view text);
// The canonical text of a spec ("stall:250:0.1"), as ParseFaultSpec accepts it.
std::string FormatFaultSpec(const FaultSpec& spec);

class FaultPlan {
 public:
  // The faults of one request. Token positions count tokens already sent: "after k tokens" means
  // the fault happens between token k-1 and token k (k >= 1, so it is mid-stream).
  struct Draw {
    std::optional<int> error_status;  // the first error spec that hit
    bool abort = false;
    int abort_after_tokens = 0;       // close the connection after sending this many tokens
    bool stall = false;
    int64_t stall_ns = 0;             // summed over the stall specs that hit
    int stall_after_tokens = 0;       // pause once this many tokens were sent
    bool malformed = false;
    int malformed_after_tokens = 0;   // corrupt frame once this many tokens were sent
    bool drip = false;

    bool any() const { return error_status || abort || stall || malformed || drip; }
  };

  FaultPlan(std::vector<FaultSpec> specs, uint64_t seed);

  // The next request's faults. `expected_tokens` is the output length the request will get if
  // nothing goes wrong; positions are drawn uniformly in [1, max(1, expected_tokens - 1)].
  // Call once per request, in arrival order.
  Draw Next(int expected_tokens);

  const std::vector<FaultSpec>& specs() const { return specs_; }
  bool empty() const { return specs_.empty(); }

 private:
  std::vector<FaultSpec> specs_;
  std::vector<Prng> prngs_;  // one per spec
};

}  // namespace inferbench::sim
