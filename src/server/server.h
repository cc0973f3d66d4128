// server/: what people and tools reach stored runs through (issue 7, DESIGN.md §3, §7, §9).
// Start here.
//
//   api.h        The read-only calls over the warehouse (contracts, runs, run, compare, lineage)
//                with their errors ({"error": {"code", "message"}}, HTTP status), the JSON API's
//                routing (HandleApiRequest), RunStore (one short read-only connection per call:
//                WarehouseFileStore; BorrowedStore for tests) and the bearer-token check.
//   dashboard.h  The HTML pages: runs list, run page and compare page (report::RenderRunReport),
//                self-contained, served with a Content-Security-Policy that forbids everything
//                but inline styles and data: images.
//   serve.h      `inferbench serve`: net::HttpServer + SignalWatcher, the loopback/token rule,
//                HandleServeRequest (token, then API or dashboard).
//   mcp.h        `inferbench mcp`: McpServer, JSON-RPC 2.0 over stdio, the five tools with their
//                input schemas; API failures become isError tool results.
//
// Everything answers from pure functions of (store, request), so unit tests run without sockets
// against an in-memory warehouse. Nothing here writes to the warehouse.
#pragma once

#include "server/api.h"
#include "server/dashboard.h"
#include "server/mcp.h"
#include "server/serve.h"
