// core/: the foundation every other module stands on. Start here.
//
//   status.h          Status and Result<T>: expected failures as values with actionable messages.
//   clock.h           Clock interface, SteadyClock, VirtualClock (tests), ClockAnchor.
//   prng.h            Prng (xoshiro256** seeded by SplitMix64) and DeriveSeed per random dimension.
//   distributions.h   Our own samplers: uniform, normal, lognormal, exponential, gamma.
//   sha256.h          SHA-256 hex digests (OpenSSL EVP), one-shot and incremental.
//   canonical_json.h  RFC 8785 canonical JSON and ECMAScript number formatting, for digests.
//   duration.h        "500ms" / "30s" / "5m" parsing and printing.
//   run_id.h          Time-sortable unique run ids, short content hashes.
//   log.h             Leveled, thread-safe diagnostics on stderr.
//
// Namespace: inferbench. Dependencies: the standard library, fmt, nlohmann_json, OpenSSL (only in
// sha256.cc). Everything here is deterministic except clocks, run ids and logging.
#pragma once

#include "core/canonical_json.h"
#include "core/clock.h"
#include "core/distributions.h"
#include "core/duration.h"
#include "core/log.h"
#include "core/prng.h"
#include "core/run_id.h"
#include "core/sha256.h"
#include "core/status.h"
