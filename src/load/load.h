// load/: the load generator's schedulers and the per-point metrics. Start here.
//
//   load_plan.h         LoadPlan: one point's mode (concurrency / rate), arrival process,
//                       warmup and stop condition; ParseArrival("poisson" | "gamma:K" | …).
//   executor.h          Executor: clock + one-shot timers + run queue; VirtualExecutor for tests.
//   request_sender.h    RequestSender: the seam to the wire (client/ implements it in the bench).
//   arrival_schedule.h  ArrivalSchedule: open-loop intended send times from the schedule seed.
//   point_scheduler.h   PointScheduler: warmup, closed loop with ramp-up, open loop with
//                       max in-flight and coordinated-omission-correct t_sched, duration + grace,
//                       Ctrl-C.
//   point_metrics.h     ComputePointSummary: every §4 metric of one point from its records.
//   slo.h               Per-request SLO thresholds (--slo) for goodput and attainment.
//   self_check.h        LoopMonitor: event-loop busy share and timer lag → client saturation.
//
// Namespace: inferbench::load. Depends on stats, workload, results and core. The schedulers know
// nothing of sockets: the bench connects them to net/ and client/ through an Executor adapter
// and a RequestSender, so everything here runs on a virtual clock in unit tests.
#pragma once

#include "load/arrival_schedule.h"
#include "load/executor.h"
#include "load/load_plan.h"
#include "load/point_metrics.h"
#include "load/point_scheduler.h"
#include "load/request_sender.h"
#include "load/self_check.h"
#include "load/slo.h"
