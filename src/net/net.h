// net/: the only home of Asio and Beast (DESIGN.md §3). Start here.
//
//   event_loop.h   EventLoop — one single-threaded loop (an io_context run by one thread);
//                  Post() from any thread; Timer — a one-shot steady-clock timer whose callback
//                  never runs once it is cancelled, re-armed or destroyed.
//   http_server.h  HttpServer — HTTP/1.1 keep-alive server on one EventLoop (simulator and
//                  dashboard). HttpRequest in, HttpResponder out: Send() a whole response, or
//                  BeginStream/Write/EndStream a chunked one (SSE), Abort(), SetDrip(), OnClose().
//                  RaiseFileDescriptorLimit() for servers with many connections.
//   client_connection.h  ClientConnection (outgoing TCP/TLS for the load generator), Fetch(),
//                  ParseUrl().
//
// Internal (never include from outside net/, they pull in Asio/Beast):
//   http_connection.h  one accepted connection: continuous reading, request queue, coalesced
//                      writes (one flush per loop turn), drip, graceful close; the responder.
//   tls_client.h       outgoing TLS shared by ClientConnection and Fetch: process-wide client
//                      contexts, SNI and host checks, readable handshake errors.
//
// Threading: everything except EventLoop::Post/Stop/stopped runs on the loop's thread.
// Lifetime: destroy servers and timers before their EventLoop.
#pragma once

#include "net/event_loop.h"
#include "net/http_server.h"
