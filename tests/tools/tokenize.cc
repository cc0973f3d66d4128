// tokenize: prints workload::Tokenizer's ids for the tokenizer integration test.
//
//   tokenize [--decode] TOKENIZER_JSON < strings.json
//
// stdin is a JSON array of strings. stdout is a JSON array with one entry per string: its token
// ids, or with --decode the text Decode gives back for those ids (invalid UTF-8 replaced by
// U+FFFD). Exit code 2 when the tokenizer or the input cannot be read.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "workload/tokenizer.h"

int main(int argc, char** argv) {
  bool decode = false;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--decode") {
      decode = true;
    } else if (path.empty() && !arg.starts_with("--")) {
      path = arg;
    } else {
      path.clear();
      break;
    }
  }
  if (path.empty()) {
    std::fprintf(stderr, "usage: tokenize [--decode] TOKENIZER_JSON < strings.json\n");
    return 2;
  }
  auto tokenizer = inferbench::workload::Tokenizer::Load(path);
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "tokenize: %s\n", tokenizer.status().message().c_str());
    return 2;
  }
  std::string input{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  nlohmann::json strings = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (!strings.is_array()) {
    std::fprintf(stderr, "tokenize: stdin must be a JSON array of strings\n");
    return 2;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& entry : strings) {
    if (!entry.is_string()) {
      std::fprintf(stderr, "tokenize: stdin must be a JSON array of strings (found %s)\n",
                   entry.type_name());
      return 2;
    }
    std::vector<uint32_t> ids = (*tokenizer)->Encode(entry.get_ref<const std::string&>());
    if (decode) {
      out.push_back((*tokenizer)->Decode(ids));
    } else {
      out.push_back(ids);
    }
  }
  std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}
