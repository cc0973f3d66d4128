// WriteFileAtomically: replace a file's content all at once — the bytes go to a temporary file
// beside it (PATH.tmp.PID), are flushed, then renamed over PATH — so a reader (or a crash) sees
// either the old file or the whole new one, never a torn write. Used for summary.json, run.json,
// CTRF reports and every other file that is rewritten rather than appended.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace inferbench {

// Creates missing parent directories. On failure the temporary file is removed and the error
// names `path` and what failed (open, write, rename).
Status WriteFileAtomically(const std::string& path, std::string_view content);

}  // namespace inferbench
