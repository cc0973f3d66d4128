// evidence/: what a run leaves behind as raw, immutable evidence (DESIGN.md §7). Start here.
//
//   environment.h       Environment capture: host, GPUs (nvidia-smi), engine /version, image
//                       digests, harness build; the "inferbench.environment/v1" document.
//   external_command.h  Running a helper program (nvidia-smi) with a deadline.
//
// The content-addressed artifact store, run manifest and signing arrive in a later issue.
// Namespace: inferbench::evidence. Depends on results/ and core/.
#pragma once

#include "evidence/environment.h"
#include "evidence/external_command.h"
