#include "sim/text_generator.h"

#include <cassert>
#include <iterator>

namespace inferbench::sim {
namespace {

// Common lowercase English words, each at most 8 letters, each with its leading space.
constexpr std::string_view kWords[] = {
    " the", " of", " and", " to", " in", " is", " that", " for", " it", " as", " with", " was",
    " on", " be", " at", " by", " this", " had", " not", " are", " but", " from", " or", " have",
    " an", " they", " which", " one", " you", " were", " her", " all", " she", " there", " would",
    " their", " we", " him", " been", " has", " when", " who", " will", " more", " no", " if",
    " out", " so", " said", " what", " up", " its", " about", " into", " than", " them", " can",
    " only", " other", " new", " some", " could", " time", " these", " two", " may", " then",
    " do", " first", " any", " my", " now", " such", " like", " our", " over", " man", " me",
    " even", " most", " made", " after", " also", " did", " many", " before", " must", " through",
    " back", " years", " where", " much", " your", " way", " well", " down", " should",
    " because", " each", " just", " those", " people", " how", " too", " little", " state",
    " good", " very", " make", " world", " still", " own", " see", " men", " work", " long",
    " get", " here", " between", " both", " life", " being", " under", " never", " day", " same",
    " another", " know", " while", " last", " might", " us", " great", " old", " year", " off",
    " come", " since", " against", " go", " came", " right", " used", " take", " three",
    " states", " himself", " few", " house", " use", " during", " without", " again", " place",
    " around", " however", " home", " small", " found", " thought", " went", " say", " part",
    " once", " general", " high", " upon", " school", " every", " early", " model", " token",
    " cache", " server", " answer", " system", " quickly", " river", " garden", " light",
    " stone", " water", " paper", " music", " window", " simple", " number", " common", " plain",
    " question", " reason", " signal", " batch", " memory", " future", " open", " clear",
    " north", " south", " green", " yellow", " silver", " orange", " bridge", " city", " market",
    " letter", " story", " moment", " friend", " family", " summer", " winter", " morning",
    " evening",
};

// SplitMix64's finaliser: a cheap bijective mix, so neighbouring (seed, index) pairs give unrelated
// words.
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::string_view GeneratedToken(uint64_t seed, int index) {
  assert(index >= 0);
  const uint64_t h = Mix(Mix(seed + 0x9e3779b97f4a7c15ULL) ^ static_cast<uint64_t>(index));
  return kWords[h % std::size(kWords)];
}

int GeneratedVocabularySize() { return static_cast<int>(std::size(kWords)); }

}  // namespace inferbench::sim
