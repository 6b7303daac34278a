/**
 * Retry budgets: how many retries a caller may add on top of its calls to one upstream, so a fleet
 * under a failing upstream does not multiply its load.
 *
 * Two budgets, as the systems that invented them define them:
 * - **ratio** (Finagle `RetryBudget`, Envoy `retry_budget`): retries in a sliding window may not exceed
 *   `floor + ratio × calls` in that window. Preset: 20 % of calls plus a floor of 10 retries per 10 s.
 * - **token bucket** (gRPC retry throttling): 10 tokens, +0.1 per success, −1 per failure; retries are
 *   allowed while more than half the tokens remain.
 *
 * The state lives in a {@link Store}: in memory by default, or in Redis shared by every instance of a
 * service ({@link layerStoreRedis}) — one budget per upstream key for the whole fleet. The Redis store
 * never holds a call longer than its timeout (50 ms by default) and falls back to local state, logging
 * once, while Redis is unreachable.
 *
 * A refused retry is a typed fault, {@link RetryBudgetExhausted}, and a count in the
 * `effect_faults_retry_budget_refusals_total` metric.
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Layer, Metric, Schema } from "effect"
import * as Redis from "effect/persistence/Redis"
import * as Fault from "./Fault.ts"
import * as internal from "./internal/budget.ts"

// -----------------------------------------------------------------------------
// Models
// -----------------------------------------------------------------------------

/**
 * A ratio-of-calls budget (Finagle, Envoy): in a sliding `windowMs`, retries may not exceed
 * `floor + ratio × calls`.
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * const b: RetryBudget.Ratio = RetryBudget.ratio({ ratio: 0.1 })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Ratio extends internal.RatioConfig {}

/**
 * A token bucket (gRPC retry throttling): starts full at `maxTokens`; a success adds `tokenRatio`, a
 * failure removes `failureCost`; retries are allowed while tokens exceed half of `maxTokens`.
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * const b: RetryBudget.TokenBucket = RetryBudget.tokenBucket()
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface TokenBucket extends internal.TokenBucketConfig {}

/**
 * A retry budget.
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * const budgets: ReadonlyArray<RetryBudget.Budget> = [RetryBudget.ratio(), RetryBudget.tokenBucket()]
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Budget = Ratio | TokenBucket

/**
 * What a call reports to its budget: a `request` (a call's first attempt), and the `success` or
 * `failure` of each attempt (the token bucket uses these).
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * const e: RetryBudget.Event = "request"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Event = internal.Event

/**
 * What a budget holds now.
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * const s: RetryBudget.Snapshot = { _tag: "Ratio", requests: 100, retries: 12 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Snapshot =
  | { readonly _tag: "Ratio"; readonly requests: number; readonly retries: number }
  | { readonly _tag: "TokenBucket"; readonly tokens: number }

// -----------------------------------------------------------------------------
// Constructors
// -----------------------------------------------------------------------------

/**
 * A ratio-of-calls budget. Defaults (Finagle's and Envoy's preset): `ratio` 0.2, `floor` 10 retries
 * per window, `window` 10 seconds (cut in 10 slots).
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * const strict = RetryBudget.ratio({ ratio: 0.1, floor: 3, window: "30 seconds" })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const ratio = (options?: {
  readonly ratio?: number | undefined
  readonly floor?: number | undefined
  readonly window?: Duration.Input | undefined
  readonly slots?: number | undefined
}): Ratio => {
  const r = options?.ratio ?? 0.2
  const floor = options?.floor ?? 10
  const windowMs = Duration.toMillis(Duration.fromInputUnsafe(options?.window ?? "10 seconds"))
  const slots = options?.slots ?? 10
  if (!(r >= 0) || !(floor >= 0) || !(windowMs > 0) || !Number.isInteger(slots) || slots < 1) {
    throw new RangeError(`RetryBudget.ratio: invalid options ${JSON.stringify({ r, floor, windowMs, slots })}`)
  }
  return { _tag: "Ratio", ratio: r, floor, windowMs, slots }
}

/**
 * A token bucket. Defaults (gRPC's retry throttling): `maxTokens` 10, `tokenRatio` 0.1,
 * `failureCost` 1.
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * const bucket = RetryBudget.tokenBucket({ maxTokens: 20 })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const tokenBucket = (options?: {
  readonly maxTokens?: number | undefined
  readonly tokenRatio?: number | undefined
  readonly failureCost?: number | undefined
}): TokenBucket => {
  const maxTokens = options?.maxTokens ?? 10
  const tokenRatio = options?.tokenRatio ?? 0.1
  const failureCost = options?.failureCost ?? 1
  if (!(maxTokens > 0) || !(tokenRatio >= 0) || !(failureCost >= 0)) {
    throw new RangeError(`RetryBudget.tokenBucket: invalid options`)
  }
  return { _tag: "TokenBucket", maxTokens, tokenRatio, failureCost }
}

/**
 * The default budget of a policy: {@link ratio} with its preset (20 % + 10 per 10 s).
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * console.log(RetryBudget.defaultBudget.ratio) // 0.2
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const defaultBudget: Ratio = ratio()

// -----------------------------------------------------------------------------
// The refusal
// -----------------------------------------------------------------------------

/**
 * A retry the budget refused: the upstream is failing more than the budget allows retrying, so the
 * call fails now instead of adding load. Carries the upstream key and the code of the fault whose
 * retry was refused; that fault is its local `cause`. Expected (no stack), `DoNotRetry`, 503.
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * const f = new RetryBudget.RetryBudgetExhausted({ upstream: "billing", refused: "Timeout" })
 * console.log(f.expected, f.status) // "DoNotRetry" 503
 * ```
 *
 * @category faults
 * @since 0.1.0
 */
export class RetryBudgetExhausted extends Fault.define<RetryBudgetExhausted>()("RetryBudgetExhausted", {
  upstream: Schema.String,
  refused: Schema.String
}, {
  // a local resilience decision, not a bug: internal category, but expected and without a stack
  category: "internal",
  expected: "DoNotRetry",
  side: "server",
  status: 503,
  stack: false,
  title: "Retry budget exhausted",
  message: (self) => `retry of ${self.refused} to ${self.upstream} refused: retry budget exhausted`
}) {}

/**
 * Counts refused retries, by upstream key.
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { RetryBudget } from "effect-faults"
 *
 * const refused = Metric.value(RetryBudget.refusals)
 * ```
 *
 * @category metrics
 * @since 0.1.0
 */
export const refusals: Metric.Counter<number> = Metric.counter("effect_faults_retry_budget_refusals_total", {
  description: "retries refused by a retry budget",
  incremental: true
})

// -----------------------------------------------------------------------------
// Store
// -----------------------------------------------------------------------------

/**
 * Where budgets keep their state, one per upstream key.
 *
 * - `record` never blocks and never fails: implementations count locally and flush when they
 *   share state (it runs on the success path of every call).
 * - `acquire` asks for one retry and records it when allowed; a shared store answers within its
 *   timeout or from local state.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RetryBudget } from "effect-faults"
 *
 * const allowed = Effect.flatMap(RetryBudget.CurrentStore, (store) => store.acquire("billing", RetryBudget.defaultBudget))
 * ```
 *
 * @category store
 * @since 0.1.0
 */
export interface Store {
  readonly record: (key: string, budget: Budget, event: Event, now: number) => void
  readonly acquire: (key: string, budget: Budget) => Effect.Effect<boolean>
  readonly snapshot: (key: string, budget: Budget) => Effect.Effect<Snapshot>
}

/** The memory store, plus what the Redis store needs of it as its local fallback. */
interface MemoryStore extends Store {
  /** Records a retry the shared store granted, so the local window holds retries too. */
  readonly retried: (key: string, budget: Budget, now: number) => void
}

const makeMemory = (): MemoryStore => {
  const states = new Map<string, { readonly budget: Budget; readonly state: internal.State }>()
  const entry = (key: string, budget: Budget): internal.State => {
    const found = states.get(key)
    // by value, not identity: a budget written inline per call is a new but equal object each time
    if (found !== undefined && internal.sameConfig(found.budget, budget)) return found.state
    // a key used with another budget starts over: one budget per key, as with breakers
    const state = internal.makeState(budget)
    states.set(key, { budget, state })
    return state
  }
  return {
    record: (key, budget, event, now) => internal.record(budget, entry(key, budget), event, now),
    retried: (key, budget, now) => internal.retried(budget, entry(key, budget), now),
    acquire: (key, budget) =>
      Effect.clockWith((clock) =>
        Effect.sync(() => internal.acquire(budget, entry(key, budget), clock.currentTimeMillisUnsafe()))
      ),
    snapshot: (key, budget) =>
      Effect.clockWith((clock) =>
        Effect.sync(() => internal.snapshot(budget, entry(key, budget), clock.currentTimeMillisUnsafe()))
      )
  }
}

/**
 * An in-memory store (one process). Time is the Effect `Clock`, so `TestClock` drives the windows.
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * const store = RetryBudget.makeMemoryStore()
 * ```
 *
 * @category store
 * @since 0.1.0
 */
export const makeMemoryStore = (): Store => makeMemory()

/**
 * The store in force: a process-wide in-memory store unless a layer provides another.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RetryBudget } from "effect-faults"
 *
 * const snapshot = Effect.flatMap(RetryBudget.CurrentStore, (s) => s.snapshot("billing", RetryBudget.defaultBudget))
 * ```
 *
 * @category store
 * @since 0.1.0
 */
export const CurrentStore: Context.Reference<Store> = Context.Reference<Store>(
  "effect-faults/RetryBudget/CurrentStore",
  { defaultValue: makeMemoryStore }
)

/**
 * A fresh in-memory store.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RetryBudget } from "effect-faults"
 *
 * const program = Effect.void.pipe(Effect.provide(RetryBudget.layerStoreMemory))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerStoreMemory: Layer.Layer<never> = Layer.sync(CurrentStore, makeMemoryStore)

/**
 * Options of the Redis store.
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * const o: RetryBudget.RedisOptions = { prefix: "billing-svc:budget:", timeout: "25 millis" }
 * ```
 *
 * @category store
 * @since 0.1.0
 */
export interface RedisOptions {
  /** Key prefix (default `effect-faults:budget:`). */
  readonly prefix?: string | undefined
  /** Longest a call waits on Redis before using local state (default 50 ms). */
  readonly timeout?: Duration.Input | undefined
  /** How often locally counted events are flushed to Redis (default 100 ms). */
  readonly flushInterval?: Duration.Input | undefined
}

interface Pending {
  readonly budget: Budget
  requests: number
  successes: number
  failures: number
}

const script = Redis.script(
  (key: string, budget: Budget, pending: Pending | undefined, ask: boolean) => [
    key,
    budget._tag,
    ...(budget._tag === "Ratio"
      ? [budget.ratio, budget.floor, budget.windowMs, budget.slots]
      : [budget.maxTokens, budget.tokenRatio, budget.failureCost, 1]),
    pending?.requests ?? 0,
    pending?.successes ?? 0,
    pending?.failures ?? 0,
    ask ? 1 : 0
  ],
  { numberOfKeys: 1, lua: internal.lua }
).withReturnType<number>()

/**
 * A store shared through Redis: every process using the same key prefix shares one budget per
 * upstream key. Built on Effect's `Redis` service (provide `NodeRedis.layer` from
 * `@effect/platform-node`, which uses the `redis` client), like `CircuitBreaker.layerStoreRedis`.
 *
 * Events are counted locally and flushed every `flushInterval` (and with every `acquire`), so the
 * success path never waits on Redis. `acquire` is one atomic Lua script, bounded by `timeout`. While
 * Redis fails or is slow the store answers from local state (kept warm all along), logs one warning
 * per outage and one line when Redis answers again.
 *
 * @example
 * ```ts
 * import { NodeRedis } from "@effect/platform-node"
 * import { Layer } from "effect"
 * import { RetryBudget } from "effect-faults"
 *
 * const Budgets = RetryBudget.layerStoreRedis({ prefix: "orders:budget:" }).pipe(
 *   Layer.provide(NodeRedis.layer({ url: "redis://127.0.0.1:6379" }))
 * )
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerStoreRedis = (options?: RedisOptions): Layer.Layer<never, never, Redis.Redis> =>
  Layer.effect(CurrentStore, makeRedisStore(options))

/**
 * Builds the Redis store (see {@link layerStoreRedis}); the flusher runs in the current scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RetryBudget } from "effect-faults"
 *
 * const store = RetryBudget.makeRedisStore({ timeout: "20 millis" }) // needs Redis.Redis and a Scope
 * ```
 *
 * @category store
 * @since 0.1.0
 */
export const makeRedisStore = Effect.fnUntraced(function*(options?: RedisOptions) {
  const redis = yield* Redis.Redis
  const prefix = options?.prefix ?? "effect-faults:budget:"
  const timeout = Duration.fromInputUnsafe(options?.timeout ?? "50 millis")
  const flushInterval = Duration.fromInputUnsafe(options?.flushInterval ?? "100 millis")
  const local = makeMemory()
  const run = redis.eval(script)
  let pending = new Map<string, Pending>()
  let down = false

  const onDown = (cause: unknown) =>
    Effect.suspend(() => {
      if (down) return Effect.void
      down = true
      return Effect.logWarning("retry budget store: Redis unavailable, using local state", String(cause))
    })
  const onUp = Effect.suspend(() => {
    if (!down) return Effect.void
    down = false
    return Effect.logInfo("retry budget store: Redis available again")
  })
  // One Redis call, bounded; `undefined` when Redis failed or was too slow.
  const call = (key: string, budget: Budget, events: Pending | undefined, ask: boolean) =>
    run(prefix + key, budget, events, ask).pipe(
      Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail("timed out" as const) }),
      Effect.matchEffect({
        onFailure: (e) => Effect.as(onDown(typeof e === "string" ? e : e.cause), undefined),
        onSuccess: (n) => Effect.as(onUp, n)
      })
    )
  const take = (key: string): Pending | undefined => {
    const p = pending.get(key)
    if (p !== undefined) pending.delete(key)
    return p
  }
  const flush = Effect.suspend(() => {
    if (pending.size === 0) return Effect.void
    const batch = pending
    pending = new Map()
    return Effect.forEach(batch, ([key, p]) => call(key, p.budget, p, false), { discard: true, concurrency: 4 })
  })
  yield* flush.pipe(Effect.andThen(Effect.sleep(flushInterval)), Effect.forever, Effect.forkScoped)
  yield* Effect.addFinalizer(() => flush)

  return {
    record: (key, budget, event, now) => {
      local.record(key, budget, event, now)
      let p = pending.get(key)
      if (p === undefined || !internal.sameConfig(p.budget, budget)) {
        p = { budget, requests: 0, successes: 0, failures: 0 }
        pending.set(key, p)
      }
      if (event === "request") p.requests++
      else if (event === "success") p.successes++
      else p.failures++
    },
    acquire: (key, budget) =>
      Effect.flatMap(
        Effect.suspend(() => call(key, budget, take(key), true)),
        (n) => {
          if (n === undefined) return local.acquire(key, budget)
          if (n !== 1) return Effect.succeed(false)
          // the local window holds granted retries too, so a fallback starts from what was spent
          return Effect.clockWith((clock) =>
            Effect.sync(() => {
              local.retried(key, budget, clock.currentTimeMillisUnsafe())
              return true
            })
          )
        }
      ),
    snapshot: (key, budget) => local.snapshot(key, budget)
  } satisfies Store
})

// -----------------------------------------------------------------------------
// Use
// -----------------------------------------------------------------------------

/**
 * Records an event in the current store (the clock is the Effect clock).
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * const onCall = RetryBudget.record("billing", RetryBudget.defaultBudget, "request")
 * ```
 *
 * @category use
 * @since 0.1.0
 */
export const record = (key: string, budget: Budget, event: Event): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    fiber.getRef(CurrentStore).record(key, budget, event, fiber.getRef(Clock.Clock).currentTimeMillisUnsafe())
    return Effect.void
  })

/**
 * Asks the current store for one retry to `key`.
 *
 * @example
 * ```ts
 * import { RetryBudget } from "effect-faults"
 *
 * const mayRetry = RetryBudget.acquire("billing", RetryBudget.defaultBudget)
 * ```
 *
 * @category use
 * @since 0.1.0
 */
export const acquire = (key: string, budget: Budget): Effect.Effect<boolean> =>
  Effect.flatMap(CurrentStore, (store) => store.acquire(key, budget))
