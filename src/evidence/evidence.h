// evidence/: what a run leaves behind as raw, immutable evidence (DESIGN.md §7). Start here.
//
//   environment.h       Environment capture: host, GPUs (nvidia-smi), engine /version, image
//                       digests, harness build; the "inferbench.environment/v1" document.
//   external_command.h  Running a helper program (nvidia-smi) with a deadline.
//   object_store.h      ObjectStore: content-addressed, zstd-compressed, write-once objects
//                       (objects/ab/cdef…, named by the SHA-256 of the uncompressed bytes).
//   manifest.h          Manifest: a run's artifacts (name, media type, size, digest), the
//                       artifact_manifest_digest, load/write of manifests/<run_id>.json.
//   signing.h           Ed25519 signing and verification of the manifest digest (PEM keys).
//   store_run.h         StoreRunEvidence: a run directory → objects + (signed) manifest.
//   verify.h            VerifyRun: re-hash every artifact, check digests and the signature.
//
// Namespace: inferbench::evidence. Depends on results/ and core/.
#pragma once

#include "evidence/environment.h"
#include "evidence/external_command.h"
#include "evidence/manifest.h"
#include "evidence/object_store.h"
#include "evidence/signing.h"
#include "evidence/store_run.h"
#include "evidence/verify.h"
