#include "core/canonical_json.h"

#include <bit>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include <gtest/gtest.h>

namespace inferbench {
namespace {

using nlohmann::json;

double FromBits(uint64_t bits) { return std::bit_cast<double>(bits); }

// RFC 8785 Appendix B: IEEE 754 bit patterns and their required serialisation.
TEST(CanonicalJsonTest, Rfc8785AppendixBNumbers) {
  struct Case {
    uint64_t bits;
    const char* expected;
  };
  const Case cases[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FormatJsonNumber(FromBits(c.bits)), c.expected) << std::hex << c.bits;
  }
}

TEST(CanonicalJsonTest, EcmaScriptNumberForms) {
  EXPECT_EQ(FormatJsonNumber(1e30), "1e+30");
  EXPECT_EQ(FormatJsonNumber(4.50), "4.5");
  EXPECT_EQ(FormatJsonNumber(0.002), "0.002");
  EXPECT_EQ(FormatJsonNumber(1e-7), "1e-7");
  EXPECT_EQ(FormatJsonNumber(1.5e-7), "1.5e-7");
  EXPECT_EQ(FormatJsonNumber(333333333.33333329), "333333333.3333333");
  EXPECT_EQ(FormatJsonNumber(-0.0), "0");
  EXPECT_EQ(FormatJsonNumber(1.0), "1");
  EXPECT_EQ(FormatJsonNumber(-1.0), "-1");
  EXPECT_EQ(FormatJsonNumber(100.0), "100");
  EXPECT_EQ(FormatJsonNumber(1e20), "100000000000000000000");
  EXPECT_EQ(FormatJsonNumber(1e21), "1e+21");
  EXPECT_EQ(FormatJsonNumber(123e-20), "1.23e-18");
  EXPECT_EQ(FormatJsonNumber(0.1), "0.1");
  EXPECT_EQ(FormatJsonNumber(0.1 + 0.2), "0.30000000000000004");
}

TEST(CanonicalJsonTest, NonFiniteNumbersAreErrors) {
  EXPECT_THROW(FormatJsonNumber(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  EXPECT_THROW(FormatJsonNumber(std::numeric_limits<double>::infinity()), std::invalid_argument);
  EXPECT_THROW(FormatJsonNumber(-std::numeric_limits<double>::infinity()), std::invalid_argument);
  EXPECT_THROW(CanonicalJson(json::array({1.0, std::numeric_limits<double>::quiet_NaN()})),
               std::invalid_argument);
}

// The example of RFC 8785 §3.2.2, written out by value.
TEST(CanonicalJsonTest, Rfc8785Sample) {
  json value = {
      {"numbers", {333333333.33333329, 1e30, 4.50, 2e-3, 1e-27}},
      {"string", "\u20ac$\x0f\nA'B\"\\\\\"/"},
      {"literals", {nullptr, true, false}},
  };
  EXPECT_EQ(CanonicalJson(value),
            "{\"literals\":[null,true,false],"
            "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

// RFC 8785 §3.2.3: keys are sorted by UTF-16 code units, which puts U+1F600 (surrogates
// D83D DE00) before U+FB33, unlike a UTF-8 byte order.
TEST(CanonicalJsonTest, SortsKeysByUtf16CodeUnits) {
  json value = json::object();
  value["\u20ac"] = "Euro Sign";
  value["\r"] = "Carriage Return";
  value["\xef\xac\xb3"] = "Hebrew Letter Dalet With Dagesh";  // U+FB33
  value["1"] = "One";
  value["\xf0\x9f\x98\x80"] = "Emoji: Grinning Face";  // U+1F600
  value["\u0080"] = "Control";
  value["\u00f6"] = "Latin Small Letter O With Diaeresis";
  EXPECT_EQ(CanonicalJson(value),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
            "\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\","
            "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
            "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

TEST(CanonicalJsonTest, NestedStructuresAndIntegers) {
  json value = json::parse(R"({"b": [3, {"z": 1, "a": [true, null]}, []], "a": {}, "c": -7,
                               "u": 18446744073709551615, "f": 2.0})");
  EXPECT_EQ(CanonicalJson(value), R"({"a":{},"b":[3,{"a":[true,null],"z":1},[]],"c":-7,"f":2,)"
                                  R"("u":18446744073709551615})");
}

TEST(CanonicalJsonTest, EscapesOnlyWhatJcsRequires) {
  json value = std::string("\b\f\n\r\t\x01\x1f\x7f/<>\u00e9");
  EXPECT_EQ(CanonicalJson(value), "\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/<>\u00e9\"");
}

TEST(CanonicalJsonTest, EscapesNul) {
  EXPECT_EQ(CanonicalJson(json(std::string("a\0b", 3))), "\"a\\u0000b\"");
}

TEST(CanonicalJsonTest, InvalidUtf8IsAnError) {
  EXPECT_THROW(CanonicalJson(json("\xff")), std::invalid_argument);
  EXPECT_THROW(CanonicalJson(json("\xc3")), std::invalid_argument);          // truncated
  EXPECT_THROW(CanonicalJson(json("\xc0\xaf")), std::invalid_argument);      // overlong '/'
  EXPECT_THROW(CanonicalJson(json("\xed\xa0\x80")), std::invalid_argument);  // surrogate
  json bad_key = json::object();
  bad_key["\xfe"] = 1;
  EXPECT_THROW(CanonicalJson(bad_key), std::invalid_argument);
}

TEST(CanonicalJsonTest, WhitespaceAndOrderDoNotChangeTheResult) {
  json a = json::parse(R"({ "x" : 1.50, "y" : [ 1, 2 ] })");
  json b = json::parse(R"({"y":[1,2],"x":1.5})");
  EXPECT_EQ(CanonicalJson(a), CanonicalJson(b));
  EXPECT_EQ(CanonicalJson(a), R"({"x":1.5,"y":[1,2]})");
}

}  // namespace
}  // namespace inferbench
