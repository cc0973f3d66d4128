// ArrivalSchedule: the intended send times of an open-loop point (DESIGN.md §2.9). Arrival 0 is at
// offset 0; each later arrival adds one inter-arrival gap with mean 1/rate:
//   poisson    Exponential(rate)                          (one SampleExponential per gap)
//   gamma:k    Gamma(shape k, scale 1/(k·rate))           (squared CV 1/k; k = 1 is Poisson)
//   constant   exactly 1/rate; arrival i is at round(i · 1e9 / rate) ns, free of accumulated
//              rounding
// All draws come from one Prng seeded with the schedule seed through core/distributions.h, so a
// seed gives the same schedule on every machine, whatever the server or the client's timing did.
#pragma once

#include <cstdint>

#include "core/prng.h"
#include "load/load_plan.h"

namespace inferbench::load {

class ArrivalSchedule {
 public:
  // REQUIRES: rate_req_s > 0; gamma_shape > 0 for kGamma.
  ArrivalSchedule(LoadPlan::Arrival arrival, double rate_req_s, double gamma_shape, uint64_t seed);

  // The offset from the point's start of the next arrival, in ns: 0 first, then non-decreasing.
  int64_t NextOffsetNs();
  // Arrivals returned so far.
  int64_t count() const { return count_; }

 private:
  LoadPlan::Arrival arrival_;
  double rate_req_s_;
  double gamma_shape_;
  Prng prng_;
  int64_t count_ = 0;
  double offset_s_ = 0;  // random processes: the running sum of gaps
};

}  // namespace inferbench::load
