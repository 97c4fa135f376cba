/*
 * cpu_memory.c - the CPU algorithms' state in a context (its thread team, cpu_threads.c, and
 * its scratch memory) and that memory: 64-byte aligned blocks kept in a pool per context and
 * reused by later calls, so that a model's repeated layers do not map, fault
 * in and zero fresh pages on every call (megabytes of packed weights and padded inputs).
 * Only the thread calling into the context allocates (workers never do), and a context is
 * used by one thread at a time, so the pool needs no lock. tconv_context_destroy() releases
 * both; the test hook makes a chosen allocation fail.
 */
#include "cpu_impl.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define ALIGNMENT 64

typedef cpu_pool_slot pool_slot;
#define POOL_SLOTS CPU_POOL_SLOTS

static atomic_llong alloc_countdown = 0; /* test hook: the allocation that fails */

/* Best fit among the free blocks, or NULL. */
static pool_slot *reuse(tconv_cpu_state *pool, size_t bytes) {
  pool_slot *best = NULL;
  for (int i = 0; i < POOL_SLOTS; ++i) {
    pool_slot *s = &pool->slot[i];
    if (s->block != NULL && !s->used && s->bytes >= bytes && (!best || s->bytes < best->bytes))
      best = s;
  }
  return best;
}

/* A slot for a new block: an empty one, else the free block most like the new one's role
 * (the largest smaller one), which is released. NULL when every slot holds a block in use. */
static pool_slot *make_room(tconv_cpu_state *pool, size_t bytes) {
  pool_slot *victim = NULL;
  for (int i = 0; i < POOL_SLOTS; ++i) {
    pool_slot *s = &pool->slot[i];
    if (s->block == NULL)
      return s;
    if (!s->used && s->bytes < bytes && (!victim || s->bytes > victim->bytes))
      victim = s;
  }
  if (victim != NULL) {
    free(victim->block);
    memset(victim, 0, sizeof *victim);
  }
  return victim;
}

tconv_cpu_state *tconv_cpu_state_of(tconv_context *ctx) {
  if (ctx->cpu == NULL)
    ctx->cpu = calloc(1, sizeof *ctx->cpu);
  return ctx->cpu;
}

void *tconv_cpu_alloc(tconv_context *ctx, int64_t count, size_t elem) {
  if (atomic_load(&alloc_countdown) > 0 && atomic_fetch_sub(&alloc_countdown, 1) == 1)
    return NULL;
  if (count < 0 || elem == 0 || (uint64_t)count > (SIZE_MAX - ALIGNMENT) / elem)
    return NULL;
  const size_t bytes = ((size_t)count * elem + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  tconv_cpu_state *pool = tconv_cpu_state_of(ctx); /* without one, blocks are not kept */
  pool_slot *slot = pool != NULL ? reuse(pool, bytes) : NULL;
  if (slot != NULL) {
    slot->used = 1;
    return slot->block;
  }
  void *block = NULL;
  if (posix_memalign(&block, ALIGNMENT, bytes > 0 ? bytes : ALIGNMENT) != 0)
    return NULL;
  if (pool != NULL && (slot = make_room(pool, bytes)) != NULL)
    *slot = (pool_slot){block, bytes > 0 ? bytes : ALIGNMENT, 1};
  return block;
}

void tconv_cpu_free(tconv_context *ctx, void *block) {
  if (block == NULL)
    return;
  for (int i = 0; ctx->cpu != NULL && i < POOL_SLOTS; ++i)
    if (ctx->cpu->slot[i].block == block) {
      ctx->cpu->slot[i].used = 0;
      return;
    }
  free(block);
}

void tconv_cpu_release(tconv_context *ctx) {
  if (ctx->cpu == NULL)
    return;
  tconv_cpu_team_release(ctx->cpu->team);
  for (int i = 0; i < POOL_SLOTS; ++i)
    free(ctx->cpu->slot[i].block);
  free(ctx->cpu);
  ctx->cpu = NULL;
}

void tconv_test_cpu_fail_alloc(int64_t count) { atomic_store(&alloc_countdown, count); }
