#include "sim/block_manager.h"

#include <cassert>

namespace inferbench::sim {
namespace {

// splitmix64's finaliser: a full-avalanche 64-bit mix.
uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

BlockHash HashBlock(BlockHash parent, std::span<const uint64_t> tokens) {
  uint64_t h = Mix64(parent ^ 0x9e3779b97f4a7c15ULL);
  for (uint64_t token : tokens) {
    h = Mix64(h ^ token) + 0x9e3779b97f4a7c15ULL;
  }
  return Mix64(h ^ tokens.size());
}

BlockManager::BlockManager(int capacity) : capacity_(capacity) { assert(capacity >= 0); }

BlockManager::PrefixMatch BlockManager::MatchPrefix(std::span<const BlockHash> chain) const {
  PrefixMatch match;
  for (BlockHash hash : chain) {
    auto it = cached_.find(hash);
    if (it == cached_.end()) break;
    ++match.blocks;
    if (refcount_[it->second] == 0) ++match.evictable;
  }
  return match;
}

BlockId BlockManager::AcquireCached(BlockHash hash) {
  auto it = cached_.find(hash);
  assert(it != cached_.end());
  const BlockId block = it->second;
  if (refcount_[block]++ == 0) {
    LruRemove(block);
    ++num_used_;
  }
  return block;
}

BlockId BlockManager::Allocate() {
  BlockId block = -1;
  if (!free_uncached_.empty()) {
    block = free_uncached_.back();
    free_uncached_.pop_back();
  } else if (static_cast<int>(refcount_.size()) < capacity_) {
    block = static_cast<BlockId>(refcount_.size());
    refcount_.push_back(0);
    hash_.push_back(0);
    has_hash_.push_back(0);
    lru_prev_.push_back(-1);
    lru_next_.push_back(-1);
  } else if (lru_head_ >= 0) {
    block = lru_head_;
    LruRemove(block);
    cached_.erase(hash_[block]);
    has_hash_[block] = 0;
    ++evictions_;
  } else {
    return -1;
  }
  refcount_[block] = 1;
  ++num_used_;
  return block;
}

void BlockManager::Release(BlockId block) {
  assert(block >= 0 && block < static_cast<BlockId>(refcount_.size()) && refcount_[block] > 0);
  if (--refcount_[block] > 0) return;
  --num_used_;
  if (has_hash_[block]) {
    LruPushBack(block);
  } else {
    free_uncached_.push_back(block);
  }
}

void BlockManager::Register(BlockId block, BlockHash hash) {
  assert(refcount_[block] > 0);
  if (has_hash_[block]) return;
  if (!cached_.emplace(hash, block).second) return;
  hash_[block] = hash;
  has_hash_[block] = 1;
}

int BlockManager::refcount(BlockId block) const {
  if (block < 0 || block >= static_cast<BlockId>(refcount_.size())) return 0;
  return refcount_[block];
}

void BlockManager::LruRemove(BlockId block) {
  const BlockId prev = lru_prev_[block];
  const BlockId next = lru_next_[block];
  (prev >= 0 ? lru_next_[prev] : lru_head_) = next;
  (next >= 0 ? lru_prev_[next] : lru_tail_) = prev;
  lru_prev_[block] = -1;
  lru_next_[block] = -1;
}

void BlockManager::LruPushBack(BlockId block) {
  lru_prev_[block] = lru_tail_;
  lru_next_[block] = -1;
  (lru_tail_ >= 0 ? lru_next_[lru_tail_] : lru_head_) = block;
  lru_tail_ = block;
}

}  // namespace inferbench::sim
