// workload/: what the load generator sends. Start here.
//
//   synthetic.h   SyntheticWorkload: deterministic prompts of requested input/output lengths
//                 (text from the word corpus, or token ids), item i computable alone; cache-bust
//                 salts per (point, replicate) or per request.
//   corpus.h      The built-in English word list for text prompts.
//
// Namespace: inferbench::workload. Depends on core/ only (Prng, samplers, DeriveSeed).
// Still to come: datasets, trace replay, multi-turn conversations, tokenizers.
#pragma once

#include "workload/corpus.h"
#include "workload/synthetic.h"
