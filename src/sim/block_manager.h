// BlockManager: the simulated KV cache. A fixed number of blocks (each holds the KV of
// `block_size` tokens), reference counted by the sequences using them, plus the prefix cache:
// a block whose content is known is registered under its chain hash (hash of the parent block's
// hash and the block's token ids), so a later sequence with the same prefix reuses it. A cached
// block nobody references stays cached until an allocation needs it; such blocks are evicted
// least recently released first, and only when no never-cached free block is left.
//
// Pure bookkeeping: no KV data, no threads. Per-block state is grown lazily up to the
// high-water mark, so a huge capacity (the `instant` profile) costs nothing until used.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace inferbench::sim {

using BlockId = int32_t;
using BlockHash = uint64_t;

// Chain hash of one full block: `parent` is the previous block's hash (kRootBlockHash for the
// first block), `tokens` the block's token ids (64-bit so callers can feed synthetic ids that
// never equal a real 32-bit token id).
inline constexpr BlockHash kRootBlockHash = 0x6a09e667f3bcc909ULL;
BlockHash HashBlock(BlockHash parent, std::span<const uint64_t> tokens);

class BlockManager {
 public:
  // REQUIRES: capacity >= 0.
  explicit BlockManager(int capacity);

  int capacity() const { return capacity_; }
  int num_used() const { return num_used_; }              // referenced by at least one sequence
  int num_free() const { return capacity_ - num_used_; }  // allocatable: free or evictable
  int num_cached() const { return static_cast<int>(cached_.size()); }  // registered hashes
  uint64_t num_evictions() const { return evictions_; }

  struct PrefixMatch {
    int blocks = 0;     // length of the longest fully cached prefix of the hash chain
    int evictable = 0;  // how many of those are unreferenced (acquiring them uses free blocks)
  };
  // Looks up `chain` (consecutive block hashes from the first block on); no side effects.
  PrefixMatch MatchPrefix(std::span<const BlockHash> chain) const;

  // Takes a reference on the block cached under `hash`. REQUIRES: the hash is cached.
  BlockId AcquireCached(BlockHash hash);
  // Takes a free block with refcount 1: a never-cached one if any, else evicts the least recently
  // released cached block (forgetting its hash). Returns -1 when every block is referenced.
  BlockId Allocate();
  // Drops one reference. At zero a cached block joins the eviction LRU (most recent end), an
  // uncached one the free list. REQUIRES: the block is referenced.
  void Release(BlockId block);
  // Records that referenced `block` now holds the content identified by `hash`. No effect when
  // another block already holds that hash (two sequences computed the same prefix at once) or
  // the block is already registered.
  void Register(BlockId block, BlockHash hash);

  int refcount(BlockId block) const;
  bool IsCached(BlockHash hash) const { return cached_.contains(hash); }

 private:
  void LruRemove(BlockId block);
  void LruPushBack(BlockId block);

  int capacity_;
  int num_used_ = 0;
  uint64_t evictions_ = 0;
  // Per-block state for ids below the high-water mark (refcount_.size()).
  std::vector<int32_t> refcount_;
  std::vector<BlockHash> hash_;
  std::vector<uint8_t> has_hash_;
  std::vector<BlockId> lru_prev_;
  std::vector<BlockId> lru_next_;
  BlockId lru_head_ = -1;  // least recently released unreferenced cached block
  BlockId lru_tail_ = -1;
  std::vector<BlockId> free_uncached_;  // unreferenced, never-cached blocks below the mark
  std::unordered_map<BlockHash, BlockId> cached_;
};

}  // namespace inferbench::sim
