/**
 * What to do when a call fails, decided by the fault: retry, fall back, time out, break the circuit,
 * stay within a retry budget — layered as global defaults < per-service < per-call options.
 *
 * The fault already says what a caller is expected to do (`fault.expected`) and whether the request
 * may have reached the other side (`Fault.phase`). A policy turns that into behaviour:
 *
 * - **retry** what is worth retrying (`RetryNow`, `RetryLater`, `ReconnectAndRetry`), never
 *   `FixRequest`, `DoNotRetry` or `CallOperator`; `Reauthenticate` runs the `reauthenticate` hook
 *   once, then retries. A fault that may have been delivered is retried only for `idempotent`
 *   calls; one raised before sending, or an answer saying the server did not act (429, 503), always.
 *   Errors that are not faults are not retried.
 * - **backoff** from `Schedule`: exponential from 100 ms, capped at 20 s, full jitter (or
 *   decorrelated, or none). A fault's `retryAfterMs` replaces the computed delay up to
 *   `retryAfterMax` (60 s); longer, the call fails at once with that fault instead of sleeping.
 * - **timeouts**: per attempt (off by default) and overall (30 s), surfacing `Fault.Timeout` with the
 *   budget that ran out (`"attempt"` / `"overall"`), phase `MaybeDelivered`.
 * - **circuit breaking** with Effect's own `CircuitBreaker` (`effect/persistence`), keyed per target:
 *   server-side faults count as failures, client faults are ignored; an open circuit surfaces as
 *   `Fault.Unavailable` with the time left as `retryAfterMs`.
 * - **retry budget** ({@link RetryBudget}): a refused retry fails with `RetryBudgetExhausted`.
 * - **fallback** to alternatives in order, for the faults `fallbackWhen` accepts (by default remote
 *   and server-side faults, never a local client fault such as an outbound schema violation).
 *
 * Every retry, fallback, breaker rejection or transition and budget refusal is logged with the fault
 * code and correlation id, counted in `effect_faults_policy_events_total`, and added as a span event.
 *
 * @since 0.1.0
 */
import type { Metric, Schedule } from "effect"
import { Context, Effect, Function, Layer } from "effect"
import * as CircuitBreaker from "effect/persistence/CircuitBreaker"
import * as Fault from "./Fault.ts"
import * as internal from "./internal/policy.ts"
import * as RetryBudget from "./RetryBudget.ts"

// -----------------------------------------------------------------------------
// Models
// -----------------------------------------------------------------------------

/**
 * How delays between attempts grow: `base × factor^(n-1)`, capped at `cap`, with jitter.
 * `full`: a random delay in `[0, capped]` (AWS "full jitter"); `decorrelated`:
 * `min(cap, random(base, previous × 3))`; `none`: the capped exponential itself.
 *
 * @example
 * ```ts
 * import { Policy } from "effect-faults"
 *
 * const b: Policy.Backoff = { base: "200 millis", cap: "5 seconds", jitter: "decorrelated" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Backoff extends internal.Backoff {}

/**
 * What a policy says. Every field is optional: the effective policy is the merge of the global
 * defaults, the service's options and the call's options, later ones winning.
 *
 * | option | default | meaning |
 * |---|---|---|
 * | `attempts` | 3 | attempts in all, first included (capped at {@link maxAttempts}) |
 * | `backoff` | 100 ms × 2ⁿ, cap 20 s, full jitter | a {@link Backoff} or any `Schedule` of delays |
 * | `retryAfterMax` | 60 s | longest `retryAfterMs` honoured; longer fails at once |
 * | `timeout` | 30 s | the whole call, retries and fallbacks included (`false`: none) |
 * | `attemptTimeout` | none | each attempt |
 * | `idempotent` | false | whether a maybe-delivered fault may be retried |
 * | `target` | the service name | key of the breaker and the budget |
 * | `budget` | `RetryBudget.ratio()` | the retry budget (`false`: none) |
 * | `breaker` | true | use the `CircuitBreaker` in context, if any |
 * | `retryWhen` | `Fault.isRetryable` | which faults are worth retrying (never FixRequest, DoNotRetry, CallOperator) |
 * | `fallbackWhen` | remote or server-side faults | which faults move to the next alternative |
 * | `reauthenticate` | none | run once on a `Reauthenticate` fault, then retry |
 *
 * @example
 * ```ts
 * import { Policy } from "effect-faults"
 *
 * const o: Policy.Options = { attempts: 5, idempotent: true, attemptTimeout: "2 seconds" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options extends internal.Options {}

/**
 * The options of one call: {@link Options} plus the `service` whose policy applies and the
 * `alternatives` to fall back to, in order.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Policy } from "effect-faults"
 *
 * const o: Policy.CallOptions<string> = { service: "records", alternatives: [Effect.succeed("cached")] }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface CallOptions<A = never, E = never, R = never> extends internal.CallOptions<A, E, R> {}

/**
 * The faults a policy itself may raise: a timeout, an open circuit (`Unavailable`), a refused retry,
 * a failing breaker store (`InternalError`, only with `onStoreError: "fail"`).
 *
 * @example
 * ```ts
 * import { Policy } from "effect-faults"
 *
 * const describe = (e: Policy.PolicyError) => e.code
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type PolicyError =
  | Fault.Timeout
  | Fault.Unavailable
  | RetryBudget.RetryBudgetExhausted
  | Fault.InternalError

/**
 * What a policy does with one fault.
 *
 * @example
 * ```ts
 * import { Policy } from "effect-faults"
 *
 * const v: Policy.Verdict = "retry"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Verdict = internal.Verdict

/**
 * The effective policy of a call: the merge of global, service and call options, with durations
 * in milliseconds and the backoff as a `Schedule`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Policy } from "effect-faults"
 *
 * const show = Effect.map(Policy.effective({ service: "billing" }), (p: Policy.Effective) => [p.attempts, p.timeoutMs])
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Effective extends internal.Resolved {}

// -----------------------------------------------------------------------------
// Defaults and layering
// -----------------------------------------------------------------------------

/**
 * The hard cap on attempts: whatever a layer or a call asks, no call makes more than 5 attempts.
 *
 * @example
 * ```ts
 * import { Policy } from "effect-faults"
 *
 * console.log(Policy.maxAttempts) // 5
 * ```
 *
 * @category defaults
 * @since 0.1.0
 */
export const maxAttempts: number = internal.hardMaxAttempts

/**
 * The built-in defaults (see {@link Options}).
 *
 * @example
 * ```ts
 * import { Policy } from "effect-faults"
 *
 * console.log(Policy.defaults.attempts, Policy.defaults.timeout) // 3 "30 seconds"
 * ```
 *
 * @category defaults
 * @since 0.1.0
 */
export const defaults: Options = internal.defaultOptions

/**
 * The global defaults in force.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Policy } from "effect-faults"
 *
 * const attempts = Effect.map(Policy.Defaults, (o) => o.attempts)
 * ```
 *
 * @category layering
 * @since 0.1.0
 */
export const Defaults: Context.Reference<Options> = internal.Defaults

/**
 * Sets the global defaults of an application (merged over the built-in ones).
 *
 * @example
 * ```ts
 * import { Policy } from "effect-faults"
 *
 * const AppPolicy = Policy.layer({ attempts: 4, timeout: "10 seconds" })
 * ```
 *
 * @category layering
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<never> =>
  Layer.succeed(internal.Defaults, internal.merge(internal.defaultOptions, options))

/**
 * The options of one service, `undefined` when none were provided.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Policy } from "effect-faults"
 *
 * const billing = Effect.map(Policy.service("billing"), (o) => o?.attempts)
 * ```
 *
 * @category layering
 * @since 0.1.0
 */
export const service = (name: string): Context.Reference<Options | undefined> => internal.serviceRef(name)

/**
 * Sets the options of one service, over the global defaults. Layers for different services merge
 * freely (each service has its own context entry).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Policy } from "effect-faults"
 *
 * const Policies = Layer.mergeAll(
 *   Policy.layerService("billing", { idempotent: false, attempts: 2 }),
 *   Policy.layerService("search", { idempotent: true, attemptTimeout: "500 millis" })
 * )
 * ```
 *
 * @category layering
 * @since 0.1.0
 */
export const layerService = (name: string, options: Options): Layer.Layer<never> =>
  Layer.succeed(internal.serviceRef(name), options)

/**
 * The effective policy for a service (and optional call options), as {@link apply} resolves it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Policy } from "effect-faults"
 *
 * const attempts = Effect.map(Policy.effective({ service: "billing" }), (p) => p.attempts)
 * ```
 *
 * @category layering
 * @since 0.1.0
 */
export const effective = (options?: CallOptions<any, any, any>): Effect.Effect<Effective> =>
  Effect.withFiber((fiber) =>
    Effect.succeed(
      internal.resolveFor(
        fiber.getRef(internal.Defaults),
        options?.service === undefined ? undefined : fiber.getRef(internal.serviceRef(options.service)),
        options
      )
    )
  )

// -----------------------------------------------------------------------------
// Applying a policy
// -----------------------------------------------------------------------------

const applyImpl = <A, E, R, A2, E2, R2>(
  self: Effect.Effect<A, E, R>,
  prepared: internal.Prepared
): Effect.Effect<A | A2, E | E2 | PolicyError, R | R2> =>
  Effect.withFiber((fiber) =>
    internal.run(fiber, self, internal.resolvePrepared(fiber, prepared), prepared.options?.alternatives)
  )

/**
 * Runs an effect under the effective policy of its service: breaker and attempt timeout around
 * each attempt, retries decided by the fault within the budget, then the alternatives in order,
 * all within the overall timeout. The effective policy is resolved once per (defaults, service)
 * and cached; hoist the pipeable form (`const guard = Policy.apply({...})`) to cache call options too.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault, Policy } from "effect-faults"
 *
 * const fetchRecord = (id: string) => Effect.fail(new Fault.Unreachable({ host: "server1", reason: "ECONNREFUSED" }))
 *
 * const guarded = fetchRecord("42").pipe(
 *   Policy.apply({ service: "records", idempotent: true, alternatives: [Effect.succeed("from server2")] })
 * )
 * const same = Policy.apply(fetchRecord("42"), { service: "records" })
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const apply: {
  <A2 = never, E2 = never, R2 = never>(
    options?: CallOptions<A2, E2, R2>
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A | A2, E | E2 | PolicyError, R | R2>
  <A, E, R, A2 = never, E2 = never, R2 = never>(
    self: Effect.Effect<A, E, R>,
    options?: CallOptions<A2, E2, R2>
  ): Effect.Effect<A | A2, E | E2 | PolicyError, R | R2>
} = function(this: unknown, a: any, b?: any): any {
  // hand-written dual: `Function.dual` with a predicate spreads `arguments` on every pipeable call
  if (Effect.isEffect(a)) return applyImpl(a, internal.prepare(b))
  // the service reference and the last resolution are kept with the guard, not looked up per call
  const prepared = internal.prepare(a)
  return (self: Effect.Effect<any, any, any>) => applyImpl(self, prepared)
}

/**
 * Falls back to alternatives in order, for the faults `when` accepts (default
 * {@link shouldFallback}: remote or server-side faults, never a local client fault). No retry, no
 * timeout: the building block {@link apply} uses. Each fallback is logged, counted and a span event.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault, Policy } from "effect-faults"
 *
 * const server1 = Effect.fail(new Fault.RemoteFault({ remoteCode: "Unavailable", remoteStatus: 503 }))
 * const server2 = Effect.succeed("record")
 * const record = server1.pipe(Policy.fallback([server2]))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const fallback: {
  <A2, E2, R2>(
    alternatives: ReadonlyArray<Effect.Effect<A2, E2, R2>>,
    options?: { readonly when?: ((fault: Fault.Fault) => boolean) | undefined }
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A | A2, E | E2, R | R2>
  <A, E, R, A2, E2, R2>(
    self: Effect.Effect<A, E, R>,
    alternatives: ReadonlyArray<Effect.Effect<A2, E2, R2>>,
    options?: { readonly when?: ((fault: Fault.Fault) => boolean) | undefined }
  ): Effect.Effect<A | A2, E | E2, R | R2>
} = Function.dual(
  (args) => Effect.isEffect(args[0]),
  <A, E, R, A2, E2, R2>(
    self: Effect.Effect<A, E, R>,
    alternatives: ReadonlyArray<Effect.Effect<A2, E2, R2>>,
    options?: { readonly when?: ((fault: Fault.Fault) => boolean) | undefined }
  ): Effect.Effect<A | A2, E | E2, R | R2> =>
    Effect.catch(
      self,
      (error) =>
        internal.fallback(
          error,
          alternatives,
          0,
          options?.when ?? internal.defaultFallbackWhen,
          undefined
        ) as Effect.Effect<
          A2,
          E | E2,
          R2
        >
    )
)

// -----------------------------------------------------------------------------
// Decisions
// -----------------------------------------------------------------------------

/**
 * What a policy does with a fault, before counting attempts, delays and budgets: `retry`,
 * `reauthenticate` (when a hook is available) or `fail`.
 *
 * @example
 * ```ts
 * import { Fault, Policy } from "effect-faults"
 *
 * const reset = new Fault.ConnectionLost({ reason: "ECONNRESET", phase: "MaybeDelivered" })
 * console.log(Policy.decide(reset, { idempotent: false })) // "fail"
 * console.log(Policy.decide(reset, { idempotent: true })) // "retry"
 * console.log(Policy.decide(new Fault.RateLimited({ retryAfterMs: 500 }), { idempotent: false })) // "retry"
 * ```
 *
 * @category decisions
 * @since 0.1.0
 */
export const decide: (
  fault: Fault.Fault,
  options: {
    readonly idempotent: boolean
    readonly retryWhen?: ((fault: Fault.Fault) => boolean) | undefined
    readonly canReauthenticate?: boolean | undefined
  }
) => Verdict = internal.decide

/**
 * The default fallback predicate: the fault came from the other party (`origin` or category
 * `remote`), or it is a server-side fault that is not our own bug (transport, timeouts, open
 * circuits, bad answers), or the retry budget refused. A local client fault (an outbound schema
 * violation, a missing field) never moves to an alternative: it would fail there too.
 *
 * @example
 * ```ts
 * import { Fault, Policy } from "effect-faults"
 *
 * console.log(Policy.shouldFallback(new Fault.RemoteFault({ remoteCode: "Boom" }))) // true
 * console.log(Policy.shouldFallback(new Fault.SchemaViolation({ direction: "outbound", violations: [] }))) // false
 * ```
 *
 * @category decisions
 * @since 0.1.0
 */
export const shouldFallback: (fault: Fault.Fault) => boolean = internal.defaultFallbackWhen

/**
 * {@link shouldFallback} for any error (non-faults never fall back): the `while` of an
 * `ExecutionPlan` step, when the alternatives are layers rather than effects.
 *
 * @example
 * ```ts
 * import { Context, Effect, ExecutionPlan, Layer } from "effect"
 * import { Fault, Policy } from "effect-faults"
 *
 * class Records extends Context.Service<Records, { readonly get: Effect.Effect<string, Fault.Fault> }>()("Records") {}
 * const plan = ExecutionPlan.make(
 *   { provide: Layer.succeed(Records, { get: Effect.fail(new Fault.RemoteFault({ remoteCode: "Down" })) }) },
 *   { provide: Layer.succeed(Records, { get: Effect.succeed("from server2") }), while: Policy.whileFallback }
 * )
 * const record = Records.use((r) => r.get).pipe(Effect.withExecutionPlan(plan))
 * ```
 *
 * @category decisions
 * @since 0.1.0
 */
export const whileFallback = (error: unknown): boolean => Fault.isFault(error) && internal.defaultFallbackWhen(error)

/**
 * Fallback predicate: only faults received from the other party.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Policy } from "effect-faults"
 *
 * const o: Policy.Options = { fallbackWhen: Policy.remoteOnly }
 * ```
 *
 * @category decisions
 * @since 0.1.0
 */
export const remoteOnly: (fault: Fault.Fault) => boolean = internal.fromRemote

/**
 * Whether a fault counts against the target's health (breaker, token bucket): server-side faults
 * that are not our own bug. Client faults — a bad request, a missing credential, a 404 — never trip
 * a breaker.
 *
 * @example
 * ```ts
 * import { Fault, Policy } from "effect-faults"
 *
 * console.log(Policy.countsAgainstTarget(new Fault.NotFound({}))) // false
 * console.log(Policy.countsAgainstTarget(new Fault.Unreachable({ reason: "ECONNREFUSED" }))) // true
 * ```
 *
 * @category decisions
 * @since 0.1.0
 */
export const countsAgainstTarget: (fault: Fault.Fault) => boolean = internal.countsAgainstTarget

/**
 * Whether a fault is a policy's rejection by an open (or probing) circuit.
 *
 * @example
 * ```ts
 * import { Fault, Policy } from "effect-faults"
 *
 * console.log(Policy.isCircuitRejection(new Fault.Unavailable({}))) // false
 * ```
 *
 * @category decisions
 * @since 0.1.0
 */
export const isCircuitRejection: (u: unknown) => boolean = internal.isCircuitRejection

// -----------------------------------------------------------------------------
// Building blocks
// -----------------------------------------------------------------------------

/**
 * The backoff schedule of a policy (delays only; attempts, Retry-After and budgets are the
 * policy's). Usable on its own with `Effect.retry`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Policy } from "effect-faults"
 *
 * const schedule = Policy.backoff({ base: "50 millis", cap: "2 seconds", jitter: "full" })
 * ```
 *
 * @category building blocks
 * @since 0.1.0
 */
export const backoff = (options?: Backoff): Schedule.Schedule<unknown, Fault.Fault> => internal.backoffSchedule(options)

/**
 * A `CircuitBreaker` (Effect's own) whose transitions are logged, counted and span events, from the
 * fiber of the call that caused them (so with its correlation id and the code of the fault that
 * tripped it). {@link apply} uses the breaker in context under the key `target` (default: the
 * service name).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { CircuitBreaker } from "effect/persistence"
 * import { Policy } from "effect-faults"
 *
 * const Breaker = Policy.layerBreaker({ tripPolicy: CircuitBreaker.consecutive(5), openDuration: "10 seconds" }).pipe(
 *   Layer.provide(CircuitBreaker.layerStoreMemory())
 * )
 * ```
 *
 * @category building blocks
 * @since 0.1.0
 */
export const layerBreaker = (
  options: Parameters<typeof CircuitBreaker.make>[0]
): Layer.Layer<CircuitBreaker.CircuitBreaker, never, CircuitBreaker.CircuitBreakerStore> =>
  Layer.effect(
    CircuitBreaker.CircuitBreaker,
    Effect.flatMap(CircuitBreaker.CircuitBreakerStore, (store) =>
      CircuitBreaker.make(options).pipe(
        Effect.provideService(CircuitBreaker.CircuitBreakerStore, internal.observedStore(store))
      ))
  )

/**
 * Counts what policies do, by `event` (`retry`, `retry.declined`, `fallback`, `breaker.rejected`,
 * `breaker.transition`, `budget.refused`, `continued`), fault `code` and `target`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Policy } from "effect-faults"
 *
 * const retries = Metric.value(Metric.withAttributes(Policy.events, { event: "retry", code: "Timeout", target: "billing" }))
 * ```
 *
 * @category observability
 * @since 0.1.0
 */
export const events: Metric.Counter<number> = internal.events

// -----------------------------------------------------------------------------
// Upstream hints stop here
// -----------------------------------------------------------------------------

/**
 * Whether faults re-emitted to our own caller keep the retry hints of the upstream they came from:
 * `"strip"` (default, as Finagle does: our own request may already have had side effects, and
 * retries at every tier multiply) or `"keep"`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Policy } from "effect-faults"
 *
 * const keep = Effect.provideService(Policy.UpstreamHints, "keep")
 * ```
 *
 * @category upstream hints
 * @since 0.1.0
 */
export const UpstreamHints: Context.Reference<"strip" | "keep"> = Context.Reference<"strip" | "keep">(
  "effect-faults/Policy/UpstreamHints",
  { defaultValue: () => "strip" }
)

const retryHints = new Set<Fault.Expected>(["RetryNow", "RetryLater", "ReconnectAndRetry", "TryAlternative"])

/**
 * Strips the retry hint of a fault about to be re-emitted to our own caller: a `RemoteFault` gets
 * `remoteExpected: "DoNotRetry"`; any other fault keeps its class (typed handlers still catch it)
 * with `expected` overridden to `DoNotRetry` on the instance. `retryAfterMs` is dropped. Faults
 * that ask for no retry come back unchanged.
 *
 * @example
 * ```ts
 * import { Fault, Policy } from "effect-faults"
 *
 * const upstream = new Fault.RemoteFault({ remoteCode: "Unavailable", remoteStatus: 503, retryAfterMs: 1000 })
 * const ours = Policy.stripUpstreamHints(upstream)
 * console.log(ours.expected, ours.retryAfterMs) // "DoNotRetry" undefined
 * ```
 *
 * @category upstream hints
 * @since 0.1.0
 */
export const stripUpstreamHints = <F extends Fault.Fault>(fault: F): F => {
  if (!retryHints.has(fault.expected) && fault.retryAfterMs === undefined) return fault
  return Fault.withExpected(fault, "DoNotRetry")
}

/**
 * Applies {@link stripUpstreamHints} to the faults an effect fails with (a server handler that
 * calls other services), unless {@link UpstreamHints} is `"keep"`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault, Policy } from "effect-faults"
 *
 * const handler = Effect.fail(new Fault.Timeout({ budget: "response", afterMs: 500, phase: "MaybeDelivered" })).pipe(
 *   Policy.hintsStopHere
 * )
 * ```
 *
 * @category upstream hints
 * @since 0.1.0
 */
export const hintsStopHere = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.catch(
    self,
    (error) =>
      Effect.flatMap(UpstreamHints, (mode) =>
        Effect.fail(mode === "strip" && Fault.isFault(error) ? stripUpstreamHints(error) as E : error))
  )

// -----------------------------------------------------------------------------
// Log and continue
// -----------------------------------------------------------------------------

/**
 * The default predicate of {@link logAndContinue}: a network fault — transport, or a server-side
 * fault received from the other party.
 *
 * @example
 * ```ts
 * import { Fault, Policy } from "effect-faults"
 *
 * console.log(Policy.isNetworkFault(new Fault.Unreachable({ reason: "ECONNREFUSED" }))) // true
 * console.log(Policy.isNetworkFault(new Fault.NotFound({}))) // false
 * ```
 *
 * @category log and continue
 * @since 0.1.0
 */
export const isNetworkFault = (fault: Fault.Fault): boolean =>
  fault.category === "transport" ||
  (internal.fromRemote(fault) && fault.side === "server") ||
  internal.isCircuitRejection(fault)

/**
 * Logs a network fault as a warning (fault code, event id, correlation id) and returns the value the
 * caller chose instead of failing (the OpenADR client's "log and continue"). Other failures pass
 * through. `when` chooses the faults (default {@link isNetworkFault}).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault, Policy } from "effect-faults"
 *
 * const report = Effect.fail(new Fault.Unreachable({ host: "vtn", reason: "ECONNREFUSED" }))
 * const sent = report.pipe(Policy.logAndContinue(false)) // Effect<boolean>: false when the VTN is down
 * ```
 *
 * @category log and continue
 * @since 0.1.0
 */
export const logAndContinue: {
  <B>(
    value: B,
    options?: { readonly when?: ((fault: Fault.Fault) => boolean) | undefined }
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A | B, E, R>
  <A, E, R, B>(
    self: Effect.Effect<A, E, R>,
    value: B,
    options?: { readonly when?: ((fault: Fault.Fault) => boolean) | undefined }
  ): Effect.Effect<A | B, E, R>
} = Function.dual(
  (args) => Effect.isEffect(args[0]),
  <A, E, R, B>(
    self: Effect.Effect<A, E, R>,
    value: B,
    options?: { readonly when?: ((fault: Fault.Fault) => boolean) | undefined }
  ): Effect.Effect<A | B, E, R> =>
    Effect.catch(self, (error): Effect.Effect<B, E> => {
      if (!Fault.isFault(error) || !(options?.when ?? isNetworkFault)(error)) return Effect.fail(error)
      return Effect.as(
        internal.observe("continued", "Warn", `${error.code}: ${error.message}; continuing`, error, {}),
        value
      )
    })
)
