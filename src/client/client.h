// Start here: the client module — the load generator's side of the wire (DESIGN.md §3, §4).
//
// Bytes read from a connection flow through three stages, each incremental and allocation-free
// per event in steady state, each fed whatever slices the socket produced:
//
//   socket bytes ──► HttpResponseParser ──OnBody(view)──► SseParser ──OnEvent(view)──►
//                    (status line, headers,               (lines, data:, [DONE])
//                     chunked decoding)
//                ──► ChunkDecoder::ParseStreamChunk ──► StreamChunk
//                    (simdjson: token-carrying?, text, finish_reason, usage, error frames)
//
//   http_response_parser.h  HttpResponseParser, HttpResponseHead, HttpResponseSink
//   sse_parser.h            SseParser, SseEvent, SseEventSink
//   stream_chunk.h          ChunkDecoder, StreamChunk, ChoiceUpdate, TokenUsage
//                           (also ParseResponseBody for --no-stream)
//
// Views handed from one stage to the next point into the caller's read buffer (zero copy);
// a stage copies only what spans two reads. Timestamps are not taken here: the caller stamps
// each read once and attributes every event parsed from it to that stamp (DESIGN.md §4).
//
// Above the parsers:
//   openai_adapter.h  request bodies (chat, completions, token-id prompts) and HTTP bytes
//   exchange.h        ResponseExchange: one response -> RequestRecord fields + token times,
//                     output tokens by precedence usage > token-carrying events (a tokenizer
//                     step comes with the workload tokenizer)
//   http_client.h     HttpClient: keep-alive pool over net::ClientConnection, the one allowed
//                     retry (keep-alive race), timeouts, cancellation
#pragma once

#include "client/exchange.h"
#include "client/http_client.h"
#include "client/http_response_parser.h"
#include "client/openai_adapter.h"
#include "client/sse_parser.h"
#include "client/stream_chunk.h"
