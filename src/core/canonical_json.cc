#include "core/canonical_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace inferbench {
namespace {

// Decodes UTF-8 to UTF-16 code units; throws on malformed input (overlong forms, surrogates,
// code points above U+10FFFF, truncated sequences).
std::u16string Utf8ToUtf16(std::string_view text) {
  std::u16string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    uint32_t cp = 0;
    size_t extra = 0;
    uint32_t min_cp = 0;
    if (lead < 0x80) {
      cp = lead;
    } else if ((lead & 0xe0) == 0xc0) {
      cp = lead & 0x1f;
      extra = 1;
      min_cp = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
      cp = lead & 0x0f;
      extra = 2;
      min_cp = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
      cp = lead & 0x07;
      extra = 3;
      min_cp = 0x10000;
    } else {
      throw std::invalid_argument("canonical JSON: string is not valid UTF-8");
    }
    if (i + extra >= text.size()) {
      throw std::invalid_argument("canonical JSON: string is not valid UTF-8 (truncated)");
    }
    for (size_t k = 1; k <= extra; ++k) {
      const unsigned char cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xc0) != 0x80) {
        throw std::invalid_argument("canonical JSON: string is not valid UTF-8");
      }
      cp = (cp << 6) | (cont & 0x3f);
    }
    if (cp < min_cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw std::invalid_argument("canonical JSON: string is not valid UTF-8");
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += extra + 1;
  }
  return out;
}

void AppendString(std::string_view text, std::string& out) {
  Utf8ToUtf16(text);  // validates
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out.push_back(kHex[(c >> 4) & 0x0f]);
          out.push_back(kHex[c & 0x0f]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendValue(const nlohmann::json& value, std::string& out) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::null:
      out += "null";
      return;
    case Type::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case Type::number_integer:
      out += std::to_string(value.get<int64_t>());
      return;
    case Type::number_unsigned:
      out += std::to_string(value.get<uint64_t>());
      return;
    case Type::number_float:
      out += FormatJsonNumber(value.get<double>());
      return;
    case Type::string:
      AppendString(value.get_ref<const std::string&>(), out);
      return;
    case Type::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& element : value) {
        if (!first) out.push_back(',');
        first = false;
        AppendValue(element, out);
      }
      out.push_back(']');
      return;
    }
    case Type::object: {
      struct Member {
        std::u16string sort_key;
        const std::string* key;
        const nlohmann::json* value;
      };
      std::vector<Member> members;
      members.reserve(value.size());
      for (auto it = value.begin(); it != value.end(); ++it) {
        members.push_back({Utf8ToUtf16(it.key()), &it.key(), &it.value()});
      }
      std::sort(members.begin(), members.end(),
                [](const Member& a, const Member& b) { return a.sort_key < b.sort_key; });
      out.push_back('{');
      bool first = true;
      for (const Member& member : members) {
        if (!first) out.push_back(',');
        first = false;
        AppendString(*member.key, out);
        out.push_back(':');
        AppendValue(*member.value, out);
      }
      out.push_back('}');
      return;
    }
    case Type::binary:
    case Type::discarded:
      break;
  }
  throw std::invalid_argument("canonical JSON: binary or discarded values have no JSON form");
}

}  // namespace

std::string FormatJsonNumber(double value) {
  if (!std::isfinite(value)) {
    throw std::invalid_argument("canonical JSON: NaN and Infinity have no JSON form");
  }
  if (value == 0.0) return "0";  // also -0
  std::string out;
  if (value < 0) {
    out.push_back('-');
    value = -value;
  }
  // Shortest round-trip digits in scientific form: "d[.ddd]e±XX".
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(end - buf));
  const size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  const int exponent = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
  // ECMAScript's names: value = digits × 10^(n − k), k = number of digits.
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<size_t>(n));
    out.push_back('.');
    out.append(digits, static_cast<size_t>(n), std::string::npos);
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

std::string CanonicalJson(const nlohmann::json& value) {
  std::string out;
  AppendValue(value, out);
  return out;
}

}  // namespace inferbench
