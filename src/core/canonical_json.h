// Canonical JSON (RFC 8785, the JSON Canonicalization Scheme): the byte form that digests are
// taken over (workload_spec_digest, manifests, query_spec_digest), so equal JSON values always
// hash the same regardless of key order, whitespace or number spelling.
//
//  - objects: members sorted by their keys compared as UTF-16 code-unit sequences; no whitespace;
//  - strings: escaped as ECMAScript JSON.stringify does: \" \\ \b \f \n \r \t, other control
//    characters U+0000–U+001F as \u00xx (lower-case hex), everything else as literal UTF-8;
//  - numbers: ECMAScript Number::toString of the double (FormatJsonNumber below).
//    Integers stored as int64/uint64 in the nlohmann value print as plain decimal integers,
//    also beyond 2^53 (where a JavaScript implementation would first round to a double); keep
//    digested integers below 2^53 if other tools must reproduce the digest.
//
// Errors (a programming or input error, not an expected runtime condition): NaN or ±Infinity,
// strings or keys that are not valid UTF-8, and binary values throw std::invalid_argument.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace inferbench {

// The RFC 8785 serialisation of value. Throws std::invalid_argument (see above).
std::string CanonicalJson(const nlohmann::json& value);

// ECMAScript Number::toString(value): the shortest digits that round-trip, written without an
// exponent for 1e-6 <= |value| < 1e21 ("4.5", "0.002", "100") and with one otherwise ("1e+21",
// "1.5e-7"); -0 gives "0". Throws std::invalid_argument for NaN and ±Infinity.
std::string FormatJsonNumber(double value);

}  // namespace inferbench
