import { NodeRedis } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Logger, Queue } from "effect"
import * as CircuitBreaker from "effect/persistence/CircuitBreaker"
import * as Redis from "effect/persistence/Redis"
import { TestClock } from "effect/testing"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Fault from "../src/Fault.ts"
import * as Policy from "../src/Policy.ts"
import * as RetryBudget from "../src/RetryBudget.ts"
import { get, startUpstream } from "./support/policy-upstream.ts"
import { requireService } from "./support/services.ts"
import { tcpProxy } from "./support/tcpProxy.ts"

const redisUp = await requireService("redis")
const redisUrl = "redis://127.0.0.1:6379"
const uniquePrefix = (name: string) => `effect-faults-test:${name}:${process.pid}:${Date.now()}:`

describe("RetryBudget: in memory", () => {
  it.effect("ratio: floor + ratio × requests in the window", () =>
    Effect.gen(function*() {
      const store = RetryBudget.makeMemoryStore()
      const budget = RetryBudget.ratio({ ratio: 0.2, floor: 2, window: "10 seconds" })
      for (let i = 0; i < 10; i++) store.record("k", budget, "request", 0)
      const answers: Array<boolean> = []
      for (let i = 0; i < 6; i++) answers.push(yield* store.acquire("k", budget))
      // 2 + 0.2 × 10 = 4 retries
      assert.deepStrictEqual(answers, [true, true, true, true, false, false])
      assert.deepStrictEqual(yield* store.snapshot("k", budget), { _tag: "Ratio", requests: 10, retries: 4 })
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* store.snapshot("k", budget), { _tag: "Ratio", requests: 0, retries: 0 })
      assert.isTrue(yield* store.acquire("k", budget))
    }))

  it.effect("token bucket: 10 tokens, +0.1 per success, −1 per failure, retries while > 5", () =>
    Effect.gen(function*() {
      const store = RetryBudget.makeMemoryStore()
      const budget = RetryBudget.tokenBucket()
      for (let i = 0; i < 5; i++) store.record("g", budget, "failure", 0)
      assert.isFalse(yield* store.acquire("g", budget)) // exactly 5: not above half
      store.record("g", budget, "success", 0)
      assert.isTrue(yield* store.acquire("g", budget)) // 5.1
      for (let i = 0; i < 100; i++) store.record("g", budget, "success", 0)
      assert.deepStrictEqual(yield* store.snapshot("g", budget), { _tag: "TokenBucket", tokens: 10 })
    }))

  it("rejects nonsense options", () => {
    assert.throws(() => RetryBudget.ratio({ ratio: -1 }))
    assert.throws(() => RetryBudget.tokenBucket({ maxTokens: 0 }))
  })
})

// A Redis service whose commands never answer: what a client sees while Redis is unreachable.
const hangingRedis = Layer.effect(
  Redis.Redis,
  Redis.make({
    send: () => Effect.never,
    subscribe: () => Effect.never,
    connect: Effect.never
  })
)

describe("RetryBudget: Redis store survives Redis being down", () => {
  it.live("never holds a call longer than its timeout, answers from local state, logs once", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Logger.layer([Logger.make((o) => lines.push(String(o.message)))])
      const budget = RetryBudget.ratio({ ratio: 0, floor: 2 })
      const result = yield* Effect.gen(function*() {
        const store = yield* RetryBudget.CurrentStore
        const started = Date.now()
        const answers: Array<boolean> = []
        for (let i = 0; i < 3; i++) answers.push(yield* store.acquire("down", budget))
        return { answers, elapsed: Date.now() - started }
      }).pipe(
        Effect.provide(RetryBudget.layerStoreRedis({ timeout: "30 millis" }).pipe(Layer.provide(hangingRedis))),
        Effect.provide(logger)
      )
      assert.deepStrictEqual(result.answers, [true, true, false]) // the local floor of 2
      assert.isBelow(result.elapsed, 2_000) // three bounded waits of 30 ms, not a hang
      assert.strictEqual(lines.filter((l) => l.includes("Redis unavailable")).length, 1)
    }))
})

describe.skipIf(!redisUp)("RetryBudget: Redis store (real Redis)", () => {
  const RedisLive = NodeRedis.layer({ url: redisUrl })

  it.live("two stores (two connections) share one budget per upstream key", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix("shared")
      const budget = RetryBudget.ratio({ ratio: 0.5, floor: 1 })
      const redis = yield* Layer.build(RedisLive) // one client per store, alive for the test's scope
      const redis2 = yield* Layer.build(RedisLive)
      const makeStore = RetryBudget.makeRedisStore({ prefix })
      const a = yield* makeStore.pipe(Effect.provideContext(redis))
      const b = yield* makeStore.pipe(Effect.provideContext(redis2))
      for (let i = 0; i < 4; i++) a.record("up", budget, "request", Date.now())
      for (let i = 0; i < 4; i++) b.record("up", budget, "request", Date.now())
      // pending requests travel with acquire: 1 + 0.5 × 8 = 5 retries for both together
      const answers: Array<boolean> = []
      for (let i = 0; i < 4; i++) answers.push(yield* a.acquire("up", budget), yield* b.acquire("up", budget))
      assert.deepStrictEqual(answers, [true, true, true, true, true, false, false, false])
      // another key is another budget
      assert.isTrue(yield* a.acquire("other", budget))
    }).pipe(Effect.scoped))

  it.live("token bucket shared in Redis", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix("bucket")
      const budget = RetryBudget.tokenBucket()
      const redis = yield* Layer.build(RedisLive) // one client per store, alive for the test's scope
      const redis2 = yield* Layer.build(RedisLive)
      const makeStore = RetryBudget.makeRedisStore({ prefix })
      const a = yield* makeStore.pipe(Effect.provideContext(redis))
      const b = yield* makeStore.pipe(Effect.provideContext(redis2))
      for (let i = 0; i < 3; i++) a.record("g", budget, "failure", Date.now())
      assert.isTrue(yield* a.acquire("g", budget)) // 7
      for (let i = 0; i < 2; i++) b.record("g", budget, "failure", Date.now())
      assert.isFalse(yield* b.acquire("g", budget)) // 5, seen by b
      assert.isFalse(yield* a.acquire("g", budget)) // and by a
    }).pipe(Effect.scoped))

  it.live(
    "falls back to local state when Redis goes away, and uses Redis again when it is back",
    () =>
      Effect.gen(function*() {
        // a TCP proxy in front of Redis that the test can cut
        const proxy = yield* tcpProxy(6379)
        const port = proxy.port
        const lines: Array<string> = []
        const logger = Logger.layer([Logger.make((o) => lines.push(String(o.message)))])
        const prefix = uniquePrefix("proxy")
        const budget = RetryBudget.ratio({ ratio: 0, floor: 3 })
        const redis = yield* Layer.build(
          NodeRedis.layer({ url: `redis://127.0.0.1:${port}`, socket: { connectTimeout: 200 } })
        ).pipe(Effect.provide(logger))
        const store = yield* RetryBudget.makeRedisStore({ prefix, timeout: "100 millis" }).pipe(
          Effect.provideContext(redis),
          Effect.provide(logger)
        )
        assert.isTrue(yield* store.acquire("k", budget).pipe(Effect.provide(logger))) // Redis: 1 of 3
        // cut: stop accepting and drop every connection
        yield* proxy.stop
        const started = Date.now()
        const local = [
          yield* store.acquire("k", budget).pipe(Effect.provide(logger)),
          yield* store.acquire("k", budget).pipe(Effect.provide(logger)),
          yield* store.acquire("k", budget).pipe(Effect.provide(logger))
        ]
        const elapsed = Date.now() - started
        const outages = lines.filter((l) => l.includes("Redis unavailable")).length
        // back: listen again on the same port; node-redis reconnects
        yield* proxy.restart
        let back = false
        for (let i = 0; i < 50 && !back; i++) {
          yield* Effect.sleep("100 millis")
          yield* store.acquire("k", budget).pipe(Effect.provide(logger))
          back = lines.some((l) => l.includes("Redis available again"))
        }
        assert.isTrue(back)
        // asserted once Redis is back, so a failure does not leave the client closing against a dead
        // Redis until the test times out
        assert.isBelow(elapsed, 1_000)
        // the local window was kept warm: it holds the retry Redis granted, so 2 of the floor of 3 remain
        assert.deepStrictEqual(local, [true, true, false])
        assert.strictEqual(outages, 1)
      }).pipe(Effect.scoped),
    20_000
  )

  it.live(
    "half-open lets exactly one probe through with 100 concurrent callers (Redis breaker store)",
    () =>
      Effect.gen(function*() {
        const cb = yield* CircuitBreaker.CircuitBreaker
        const once = { service: "probe", attempts: 1, budget: false } as const
        for (let i = 0; i < 2; i++) {
          yield* Effect.exit(Effect.fail(new Fault.Unreachable({ reason: "x" })).pipe(Policy.apply(once)))
        }
        assert.strictEqual((yield* cb.state("probe"))._tag, "Open")
        yield* Effect.sleep("250 millis")
        const gate = yield* Queue.unbounded<void>()
        let started = 0
        const call = Effect.suspend(() => {
          started++
          return Effect.as(Queue.take(gate), "answer")
        })
        const fibers: Array<Fiber.Fiber<string, unknown>> = []
        for (let i = 0; i < 100; i++) fibers.push(yield* Effect.forkChild(call.pipe(Policy.apply(once))))
        const done = () => fibers.filter((f) => f.pollUnsafe() !== undefined).length
        for (let i = 0; i < 250 && done() < 99; i++) yield* Effect.sleep("20 millis") // bounded
        assert.strictEqual(done(), 99) // everyone but the probe has been answered while it runs
        assert.strictEqual(started, 1)
        yield* Queue.offer(gate, undefined)
        const all = yield* Effect.forEach(fibers, Fiber.await)
        const ok = all.filter(Exit.isSuccess).length
        const rejected = all.filter((e) =>
          Exit.isFailure(e) && e.cause.reasons.some((r) => r._tag === "Fail" && Policy.isCircuitRejection(r.error))
        ).length
        assert.deepStrictEqual([started, ok, rejected], [1, 1, 99])
        assert.strictEqual((yield* cb.state("probe"))._tag, "Closed")
      }).pipe(
        Effect.provide(
          Policy.layerBreaker({ tripPolicy: CircuitBreaker.consecutive(2), openDuration: "200 millis" }).pipe(
            Layer.provide(CircuitBreaker.layerStoreRedis({ prefix: uniquePrefix("cb") })),
            Layer.provide(NodeRedis.layer({ url: redisUrl }))
          )
        )
      ),
    20_000
  )
})

describe("Load: an upstream failing 100 % (loopback)", () => {
  it.live(
    "attempts stay within (1 + ratio) × calls + floor; the breaker opens, then closes once healed",
    () =>
      Effect.gen(function*() {
        const upstream = yield* Effect.acquireRelease(Effect.promise(startUpstream), (u) => Effect.promise(u.close))
        const budget = RetryBudget.ratio({ ratio: 0.2, floor: 10, window: "60 seconds" })
        const calls = 200
        const run = (options: Policy.CallOptions) =>
          Effect.forEach(
            Array.from({ length: calls }),
            () => get(upstream.url).pipe(Policy.apply(options), Effect.exit),
            { concurrency: 10 }
          )
        // budget alone (no breaker in context)
        const base = {
          service: "loopback",
          idempotent: true,
          backoff: { base: "1 millis", cap: "5 millis" },
          budget
        } as const
        const exits = yield* run(base).pipe(Effect.provide(RetryBudget.layerStoreMemory))
        const attempts = upstream.requests()
        assert.isTrue(exits.every(Exit.isFailure))
        assert.isAtMost(attempts, (1 + 0.2) * calls + 10)
        assert.isAbove(attempts, calls + 10) // retries did happen, up to the budget
        console.log(
          `${calls} calls to an upstream failing 100 %: ${attempts} attempts (bound ${(1 + 0.2) * calls + 10})`
        )
        // with a breaker: it opens, rejected calls never reach the upstream
        const breakerLayer = Policy.layerBreaker({
          tripPolicy: CircuitBreaker.consecutive(5),
          openDuration: "300 millis"
        }).pipe(Layer.provideMerge(CircuitBreaker.layerStoreMemory()))
        yield* Effect.gen(function*() {
          const cb = yield* CircuitBreaker.CircuitBreaker
          const before = upstream.requests()
          yield* run({ ...base, target: "loopback-breaker" })
          const reached = upstream.requests() - before
          assert.isAtMost(reached, (1 + 0.2) * calls + 10)
          assert.isBelow(reached, 50) // most calls were rejected by the open circuit
          assert.strictEqual((yield* cb.state("loopback-breaker"))._tag, "Open")
          upstream.heal()
          yield* Effect.sleep("350 millis")
          const answer = yield* get(upstream.url).pipe(Policy.apply({ ...base, target: "loopback-breaker" }))
          assert.strictEqual(answer, "ok")
          assert.strictEqual((yield* cb.state("loopback-breaker"))._tag, "Closed")
        }).pipe(Effect.provide(Layer.mergeAll(breakerLayer, RetryBudget.layerStoreMemory)))
      }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))),
    30_000
  )
})

const worker = fileURLToPath(new URL("./support/policy-worker.ts", import.meta.url))
const runWorker = (args: ReadonlyArray<string>) =>
  Effect.callback<{ tally: Record<string, number>; storeWarnings: number }, Error>((resume) => {
    execFile(process.execPath, [worker, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) resume(Effect.fail(new Error(`worker failed: ${error.message}\n${stderr}`)))
      else resume(Effect.succeed(JSON.parse(stdout.trim().split("\n").pop()!)))
    })
  })

describe.skipIf(!redisUp)("Load: two processes share the Redis retry budget", () => {
  it.live("the budget holds for the fleet, not per process", () =>
    Effect.gen(function*() {
      const upstream = yield* Effect.acquireRelease(Effect.promise(startUpstream), (u) => Effect.promise(u.close))
      const calls = 100
      const ratio = 0.1
      const floor = 20
      const fleetBound = (1 + ratio) * 2 * calls + floor // 240
      // shared in Redis: the two processes together stay within one budget
      const prefix = uniquePrefix("fleet")
      const shared = yield* Effect.all([
        runWorker([upstream.url, String(calls), prefix, "redis", String(ratio), String(floor)]),
        runWorker([upstream.url, String(calls), prefix, "redis", String(ratio), String(floor)])
      ], { concurrency: 2 })
      const sharedAttempts = upstream.requests()
      assert.deepStrictEqual(shared.map((s) => s.storeWarnings), [0, 0]) // Redis answered throughout
      assert.isAtMost(sharedAttempts, fleetBound)
      assert.isAbove(sharedAttempts, 2 * calls + floor / 2) // the budget was used, not just refused
      // control: each process with its own in-memory budget exceeds the fleet bound
      const before = upstream.requests()
      yield* Effect.all([
        runWorker([upstream.url, String(calls), "unused", "memory", String(ratio), String(floor)]),
        runWorker([upstream.url, String(calls), "unused", "memory", String(ratio), String(floor)])
      ], { concurrency: 2 })
      const separateAttempts = upstream.requests() - before
      console.log(
        `fleet of 2 × ${calls} calls: ${sharedAttempts} attempts with the Redis budget (bound ${fleetBound}), ${separateAttempts} with per-process budgets`
      )
      assert.isAbove(separateAttempts, fleetBound)
      assert.isAtMost(separateAttempts, 2 * ((1 + ratio) * calls + floor))
    }).pipe(Effect.scoped), 120_000)
})
