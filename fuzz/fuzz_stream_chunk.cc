// libFuzzer target: ChunkDecoder on arbitrary bytes, as both a streaming event payload and a
// non-streaming body. Malformed JSON must come back as a Status; views must stay inside what
// the input could have produced.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "client/stream_chunk.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckChunk(const inferbench::client::StreamChunk& chunk, size_t input_size) {
  for (const auto& choice : chunk.choices) {
    Check(choice.content.size() <= input_size);
    Check(choice.reasoning.size() <= input_size);
    Check(choice.tool_call_bytes <= input_size);
    Check(choice.token_carrying ==
          (!choice.content.empty() || !choice.reasoning.empty() || choice.tool_calls > 0));
  }
  Check(chunk.error_message.size() <= input_size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static inferbench::client::ChunkDecoder decoder;  // reused, as on a real stream
  inferbench::client::StreamChunk chunk;
  // A fresh copy per call so that reads past the input are caught.
  std::string json(reinterpret_cast<const char*>(data), size);
  inferbench::Status status = decoder.ParseStreamChunk(json, &chunk);
  if (status.ok()) {
    CheckChunk(chunk, size);
  } else {
    Check(chunk.choices.empty() && !chunk.is_error && !chunk.usage.present);
  }
  status = decoder.ParseResponseBody(json, &chunk);
  if (status.ok()) CheckChunk(chunk, size);
  return 0;
}
