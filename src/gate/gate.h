// gate/: the release gate (DESIGN.md §6). Start here.
//
//   evaluate.h     EvaluateConstraints: spec constraints × the run's points → GateReport
//                  (outcomes with CTRF statuses, overall status, warnings); GateExitCode (the
//                  exit-code table of §6); RecordGate into run.json; the `gate --json` document.
//   ctrf.h         CtrfReport: the report as a CTRF document; WriteCtrf (atomic).
//   gate_table.h   FormatGateTable: the console table.
//   gate_numbers.h (internal) number spelling shared by names, messages and the table.
//
// Namespace: inferbench::gate. Depends on spec/ (constraints), results/ (run.json), core/.
// Pure functions apart from the clock read for the report's start/stop and WriteCtrf's file I/O.
#pragma once

#include "gate/ctrf.h"
#include "gate/evaluate.h"
#include "gate/gate_table.h"
