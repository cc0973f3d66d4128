#include "sim/block_manager.h"

#include <vector>

#include <gtest/gtest.h>

namespace inferbench::sim {
namespace {

BlockHash H(uint64_t n) { return 0x1000 + n; }  // arbitrary distinct hashes for bookkeeping tests

TEST(HashBlockTest, DeterministicAndChained) {
  const std::vector<uint64_t> a = {1, 2, 3, 4};
  const std::vector<uint64_t> b = {1, 2, 3, 5};
  EXPECT_EQ(HashBlock(kRootBlockHash, a), HashBlock(kRootBlockHash, a));
  EXPECT_NE(HashBlock(kRootBlockHash, a), HashBlock(kRootBlockHash, b));
  // Same tokens under a different parent: a different block (the prefix differs).
  const BlockHash first = HashBlock(kRootBlockHash, a);
  EXPECT_NE(HashBlock(first, a), HashBlock(kRootBlockHash, a));
  // Order matters.
  const std::vector<uint64_t> reversed = {4, 3, 2, 1};
  EXPECT_NE(HashBlock(kRootBlockHash, a), HashBlock(kRootBlockHash, reversed));
}

TEST(BlockManagerTest, AllocatesUpToCapacityThenRefuses) {
  BlockManager m(3);
  EXPECT_EQ(m.num_free(), 3);
  std::vector<BlockId> got;
  for (int i = 0; i < 3; ++i) got.push_back(m.Allocate());
  EXPECT_EQ(m.Allocate(), -1);
  EXPECT_EQ(m.num_used(), 3);
  EXPECT_EQ(m.num_free(), 0);
  EXPECT_NE(got[0], got[1]);
  EXPECT_NE(got[1], got[2]);
  m.Release(got[1]);
  EXPECT_EQ(m.num_used(), 2);
  EXPECT_EQ(m.Allocate(), got[1]);  // the released block is reused
}

TEST(BlockManagerTest, ZeroCapacityAllocatesNothing) {
  BlockManager m(0);
  EXPECT_EQ(m.Allocate(), -1);
  EXPECT_EQ(m.num_free(), 0);
}

TEST(BlockManagerTest, CachedPrefixIsMatchedAndShared) {
  BlockManager m(8);
  const BlockId b0 = m.Allocate();
  const BlockId b1 = m.Allocate();
  m.Register(b0, H(0));
  m.Register(b1, H(1));
  EXPECT_EQ(m.num_cached(), 2);

  const std::vector<BlockHash> chain = {H(0), H(1), H(2)};
  BlockManager::PrefixMatch match = m.MatchPrefix(chain);
  EXPECT_EQ(match.blocks, 2);
  EXPECT_EQ(match.evictable, 0);  // both still referenced

  // A miss in the middle ends the prefix even if later hashes are cached.
  const std::vector<BlockHash> gap = {H(0), H(9), H(1)};
  EXPECT_EQ(m.MatchPrefix(gap).blocks, 1);

  EXPECT_EQ(m.AcquireCached(H(0)), b0);
  EXPECT_EQ(m.refcount(b0), 2);
  EXPECT_EQ(m.num_used(), 2);  // sharing takes no extra block
}

TEST(BlockManagerTest, ReleasedCachedBlocksStayCachedAndCountAsEvictable) {
  BlockManager m(4);
  const BlockId b0 = m.Allocate();
  m.Register(b0, H(0));
  m.Release(b0);
  EXPECT_EQ(m.num_used(), 0);
  EXPECT_EQ(m.num_free(), 4);
  EXPECT_TRUE(m.IsCached(H(0)));
  const std::vector<BlockHash> chain = {H(0)};
  EXPECT_EQ(m.MatchPrefix(chain).evictable, 1);
  EXPECT_EQ(m.AcquireCached(H(0)), b0);
  EXPECT_EQ(m.num_used(), 1);
  EXPECT_EQ(m.MatchPrefix(chain).evictable, 0);
}

TEST(BlockManagerTest, NeverCachedFreeBlocksAreUsedBeforeEvicting) {
  BlockManager m(2);
  const BlockId cached = m.Allocate();
  const BlockId plain = m.Allocate();
  m.Register(cached, H(0));
  m.Release(cached);
  m.Release(plain);
  EXPECT_EQ(m.Allocate(), plain);
  EXPECT_TRUE(m.IsCached(H(0)));
  EXPECT_EQ(m.num_evictions(), 0u);
  // Now only the cached block is left: allocating evicts it and forgets its hash.
  EXPECT_EQ(m.Allocate(), cached);
  EXPECT_FALSE(m.IsCached(H(0)));
  EXPECT_EQ(m.num_evictions(), 1u);
  EXPECT_EQ(m.num_cached(), 0);
}

TEST(BlockManagerTest, EvictsLeastRecentlyReleasedFirst) {
  BlockManager m(3);
  const BlockId a = m.Allocate();
  const BlockId b = m.Allocate();
  const BlockId c = m.Allocate();
  m.Register(a, H(0));
  m.Register(b, H(1));
  m.Register(c, H(2));
  m.Release(b);  // least recent
  m.Release(a);
  m.Release(c);  // most recent
  EXPECT_EQ(m.Allocate(), b);
  EXPECT_FALSE(m.IsCached(H(1)));
  EXPECT_TRUE(m.IsCached(H(0)));

  // Re-using `a` from the cache and releasing it again makes it the most recent.
  m.AcquireCached(H(0));
  m.Release(a);
  EXPECT_EQ(m.Allocate(), c);
  EXPECT_EQ(m.Allocate(), a);
  EXPECT_EQ(m.Allocate(), -1);
  EXPECT_EQ(m.num_evictions(), 3u);
}

TEST(BlockManagerTest, AcquiredCachedBlockIsNotEvicted) {
  BlockManager m(2);
  const BlockId a = m.Allocate();
  const BlockId b = m.Allocate();
  m.Register(a, H(0));
  m.Register(b, H(1));
  m.Release(a);
  m.Release(b);
  m.AcquireCached(H(0));  // `a` leaves the LRU although it was released first
  EXPECT_EQ(m.Allocate(), b);
  EXPECT_EQ(m.Allocate(), -1);
  EXPECT_TRUE(m.IsCached(H(0)));
}

TEST(BlockManagerTest, DuplicateContentKeepsFirstBlock) {
  BlockManager m(4);
  const BlockId first = m.Allocate();
  const BlockId second = m.Allocate();
  m.Register(first, H(7));
  m.Register(second, H(7));  // computed the same prefix concurrently
  EXPECT_EQ(m.num_cached(), 1);
  m.Release(second);  // uncached: goes straight back to the free list
  m.Release(first);
  EXPECT_EQ(m.AcquireCached(H(7)), first);
}

TEST(BlockManagerTest, RegisterTwiceKeepsFirstHash) {
  BlockManager m(1);
  const BlockId a = m.Allocate();
  m.Register(a, H(1));
  m.Register(a, H(2));
  EXPECT_TRUE(m.IsCached(H(1)));
  EXPECT_FALSE(m.IsCached(H(2)));
}

TEST(BlockManagerTest, SharedBlockFreedOnlyAfterLastRelease) {
  BlockManager m(1);
  const BlockId a = m.Allocate();
  m.Register(a, H(3));
  m.AcquireCached(H(3));
  m.Release(a);
  EXPECT_EQ(m.num_used(), 1);
  EXPECT_EQ(m.Allocate(), -1);
  m.Release(a);
  EXPECT_EQ(m.num_used(), 0);
  EXPECT_EQ(m.Allocate(), a);
}

}  // namespace
}  // namespace inferbench::sim
