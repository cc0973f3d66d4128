// workload/: what the load generator sends. Start here.
//
//   synthetic.h   SyntheticWorkload: deterministic prompts of requested input/output lengths
//                 (text from the word corpus, or token ids), item i computable alone; cache-bust
//                 salts per (point, replicate) or per request.
//   dataset.h     Datasets (`--dataset KIND:PATH[,k=v…]`): jsonl prompts, ShareGPT, timed traces
//                 (mooncake hash_ids or plain), multi-turn conversations, shared-prefix groups;
//                 validated with file/line/field errors and content-digested.
//   token_text.h  Text of an exact token length (trace blocks, shared prefixes, history).
//   tokenizer.h   A Hugging Face tokenizer.json byte-level BPE tokenizer (PCRE2, utf8proc).
//   corpus.h      The built-in English word list for text prompts.
//
// Namespace: inferbench::workload. Depends on core/ only (Prng, samplers, DeriveSeed), plus
// nlohmann_json, PCRE2 and utf8proc.
#pragma once

#include "workload/corpus.h"
#include "workload/dataset.h"
#include "workload/synthetic.h"
#include "workload/token_text.h"
#include "workload/tokenizer.h"
