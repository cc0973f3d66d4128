#include "load/arrival_schedule.h"

#include <cassert>
#include <cmath>

#include "core/distributions.h"

namespace inferbench::load {

ArrivalSchedule::ArrivalSchedule(LoadPlan::Arrival arrival, double rate_req_s, double gamma_shape,
                                 uint64_t seed)
    : arrival_(arrival), rate_req_s_(rate_req_s), gamma_shape_(gamma_shape), prng_(seed) {
  assert(rate_req_s > 0);
  assert(arrival != LoadPlan::Arrival::kGamma || gamma_shape > 0);
}

int64_t ArrivalSchedule::NextOffsetNs() {
  const int64_t k = count_++;
  if (arrival_ == LoadPlan::Arrival::kConstant) {
    return std::llround(static_cast<double>(k) * 1e9 / rate_req_s_);
  }
  if (k > 0) {
    offset_s_ += arrival_ == LoadPlan::Arrival::kGamma
                     ? SampleGamma(prng_, gamma_shape_, 1.0 / (gamma_shape_ * rate_req_s_))
                     : SampleExponential(prng_, rate_req_s_);
  }
  return std::llround(offset_s_ * 1e9);
}

}  // namespace inferbench::load
