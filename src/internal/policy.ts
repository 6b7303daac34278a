/**
 * The engine behind `Policy`: option resolution (global < service < call, resolved once and cached),
 * the retry loop driven by the fault (built on the first failure only), fallback, a deadline cheaper
 * than `Effect.timeout`'s race, breaker feeding and observability.
 *
 * @internal
 */
import { Cause, Clock, Context, Duration, Effect, Exit, Metric, Random, Schedule } from "effect"
import * as Fiber from "effect/Fiber"
import * as CircuitBreaker from "effect/persistence/CircuitBreaker"
import * as Tracer from "effect/Tracer"
import * as Correlation from "../Correlation.ts"
import * as Fault from "../Fault.ts"
import * as RetryBudget from "../RetryBudget.ts"

// -----------------------------------------------------------------------------
// Options and their resolution
// -----------------------------------------------------------------------------

/** @internal */
export interface Backoff {
  readonly base?: Duration.Input | undefined
  readonly cap?: Duration.Input | undefined
  readonly factor?: number | undefined
  readonly jitter?: "full" | "decorrelated" | "none" | undefined
}

/** @internal */
export interface Options {
  readonly attempts?: number | undefined
  readonly backoff?: Backoff | Schedule.Schedule<unknown, Fault.Fault> | undefined
  readonly retryAfterMax?: Duration.Input | undefined
  readonly timeout?: Duration.Input | false | undefined
  readonly attemptTimeout?: Duration.Input | false | undefined
  readonly idempotent?: boolean | undefined
  readonly target?: string | undefined
  readonly budget?: RetryBudget.Budget | false | undefined
  readonly breaker?: boolean | undefined
  readonly retryWhen?: ((fault: Fault.Fault) => boolean) | undefined
  readonly fallbackWhen?: ((fault: Fault.Fault) => boolean) | undefined
  readonly reauthenticate?: Effect.Effect<void, unknown> | undefined
}

/** @internal */
export const hardMaxAttempts = 5

/** @internal */
export interface Resolved {
  readonly attempts: number
  readonly backoff: Schedule.Schedule<unknown, Fault.Fault>
  readonly retryAfterMaxMs: number
  readonly timeoutMs: number | undefined
  readonly attemptTimeoutMs: number | undefined
  readonly idempotent: boolean
  readonly target: string | undefined
  readonly budget: RetryBudget.Budget | undefined
  readonly breaker: boolean
  readonly retryWhen: ((fault: Fault.Fault) => boolean) | undefined
  readonly fallbackWhen: (fault: Fault.Fault) => boolean
  readonly reauthenticate: Effect.Effect<void, unknown> | undefined
}

const millis = (input: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input))

/** Full jitter, decorrelated jitter or none, over an exponential capped at `cap`. @internal */
export const backoffSchedule = (options: Backoff = {}): Schedule.Schedule<unknown, Fault.Fault> => {
  const baseMs = millis(options.base ?? "100 millis")
  const capMs = millis(options.cap ?? "20 seconds")
  const factor = options.factor ?? 2
  const jitter = options.jitter ?? "full"
  if (jitter === "decorrelated") {
    // AWS "decorrelated jitter": sleep = min(cap, random(base, previous × 3))
    return Schedule.fromStep(Effect.sync(() => {
      let previous = baseMs
      return (_now: number, _input: Fault.Fault) =>
        Effect.map(Random.next, (r): [unknown, Duration.Duration] => {
          previous = Math.min(capMs, baseMs + r * (previous * 3 - baseMs))
          const d = Duration.millis(previous)
          return [d, d]
        })
    }))
  }
  const capped = Schedule.exponential(Duration.millis(baseMs), factor).pipe(Schedule.setInputType<Fault.Fault>())
  return jitter === "none"
    ? Schedule.modifyDelay(capped, ({ duration }) => Effect.succeed(Math.min(capMs, Duration.toMillis(duration))))
    : Schedule.modifyDelay(
      capped,
      ({ duration }) => Effect.map(Random.next, (r) => r * Math.min(capMs, Duration.toMillis(duration)))
    )
}

/** The fault came from the other party: received (`origin`) or a copy of its failure. @internal */
export const fromRemote = (fault: Fault.Fault): boolean => fault.origin === "remote" || fault.category === "remote"

/** @internal */
export const defaultFallbackWhen = (fault: Fault.Fault): boolean =>
  fromRemote(fault) ||
  (fault.side === "server" && fault.category !== "internal") ||
  fault._tag === "RetryBudgetExhausted"

/** @internal */
export const defaultOptions = {
  attempts: 3,
  backoff: { base: "100 millis", cap: "20 seconds", factor: 2, jitter: "full" },
  retryAfterMax: "60 seconds",
  timeout: "30 seconds",
  attemptTimeout: false,
  idempotent: false,
  budget: RetryBudget.defaultBudget,
  breaker: true,
  fallbackWhen: defaultFallbackWhen
} as const satisfies Options

/** Later options win; a partial `backoff` object merges over the earlier one. @internal */
export const merge = (base: Options, override: Options | undefined): Options => {
  if (override === undefined) return base
  const merged: Record<string, unknown> = { ...base }
  for (const key in override) {
    const value = (override as Record<string, unknown>)[key]
    if (value === undefined) continue
    const prev = merged[key]
    merged[key] = key === "backoff" && isBackoffObject(value) && isBackoffObject(prev) ? { ...prev, ...value } : value
  }
  return merged as Options
}

const isBackoffObject = (u: unknown): u is Backoff => typeof u === "object" && u !== null && !Schedule.isSchedule(u)

/** @internal */
export const resolve = (options: Options, service: string | undefined): Resolved => {
  const asked = options.attempts ?? defaultOptions.attempts
  const attempts = Number.isFinite(asked) ? Math.max(1, Math.min(hardMaxAttempts, Math.floor(asked))) : hardMaxAttempts
  const backoff = options.backoff === undefined
    ? backoffSchedule()
    : Schedule.isSchedule(options.backoff)
    ? options.backoff
    : backoffSchedule(options.backoff as Backoff)
  return {
    attempts,
    backoff,
    retryAfterMaxMs: millis(options.retryAfterMax ?? defaultOptions.retryAfterMax),
    timeoutMs: options.timeout === false || options.timeout === undefined ? undefined : millis(options.timeout),
    attemptTimeoutMs: options.attemptTimeout === false || options.attemptTimeout === undefined
      ? undefined
      : millis(options.attemptTimeout),
    idempotent: options.idempotent ?? defaultOptions.idempotent,
    target: options.target ?? service,
    budget: options.budget === false ? undefined : options.budget ?? defaultOptions.budget,
    breaker: options.breaker ?? defaultOptions.breaker,
    retryWhen: options.retryWhen,
    fallbackWhen: options.fallbackWhen ?? defaultFallbackWhen,
    reauthenticate: options.reauthenticate
  }
}

/** @internal */
export const Defaults: Context.Reference<Options> = Context.Reference<Options>("effect-faults/Policy/Defaults", {
  defaultValue: () => defaultOptions
})

const serviceRefs = new Map<string, Context.Reference<Options | undefined>>()

/** One reference per service name: layers for different services merge freely. @internal */
export const serviceRef = (name: string): Context.Reference<Options | undefined> => {
  let ref = serviceRefs.get(name)
  if (ref === undefined) {
    ref = Context.Reference<Options | undefined>(`effect-faults/Policy/Service/${name}`, {
      defaultValue: () => undefined
    })
    serviceRefs.set(name, ref)
  }
  return ref
}

const NONE = {}
// defaults object -> service options object (or NONE) -> resolved. Both come from context and are
// stable, so the effective policy of a service is computed once.
const byDefaults = new WeakMap<Options, WeakMap<object, Map<string | undefined, Resolved>>>()
// call options object -> the resolution made for it, with the context objects it was made from
const byCall = new WeakMap<object, { d: Options; s: object; r: Resolved }>()

const isCallOverride = (options: CallOptions<any, any, any>): boolean => {
  for (const key in options) {
    if (key !== "service" && key !== "alternatives" && (options as any)[key] !== undefined) return true
  }
  return false
}

/** @internal */
export interface CallOptions<A, E, R> extends Options {
  readonly service?: string | undefined
  readonly alternatives?: ReadonlyArray<Effect.Effect<A, E, R>> | undefined
}

/** @internal */
export const resolveFor = (
  defaults: Options,
  serviceOptions: Options | undefined,
  call: CallOptions<any, any, any> | undefined
): Resolved => {
  const service = call?.service
  const s: object = serviceOptions ?? NONE
  if (call !== undefined) {
    const cached = byCall.get(call)
    if (cached !== undefined && cached.d === defaults && cached.s === s) return cached.r
    if (isCallOverride(call)) {
      const r = resolve(merge(merge(defaults, serviceOptions), call), service)
      byCall.set(call, { d: defaults, s, r })
      return r
    }
  }
  let bySvc = byDefaults.get(defaults)
  if (bySvc === undefined) byDefaults.set(defaults, bySvc = new WeakMap())
  let byName = bySvc.get(s)
  if (byName === undefined) bySvc.set(s, byName = new Map())
  let r = byName.get(service)
  if (r === undefined) byName.set(service, r = resolve(merge(defaults, serviceOptions), service))
  if (call !== undefined) byCall.set(call, { d: defaults, s, r })
  return r
}

/**
 * Call options made ready once, when the pipeable `Policy.apply(options)` is built: the service's
 * reference is looked up then, and the last resolution is kept right here, so a hoisted guard
 * resolves its policy with two reference reads and two comparisons per call.
 *
 * @internal
 */
export interface Prepared {
  readonly options: CallOptions<any, any, any> | undefined
  readonly ref: Context.Reference<Options | undefined> | undefined
  d: Options | undefined
  s: Options | undefined
  r: Resolved | undefined
}

/** @internal */
export const prepare = (options: CallOptions<any, any, any> | undefined): Prepared => ({
  options,
  ref: options?.service === undefined ? undefined : serviceRef(options.service),
  d: undefined,
  s: undefined,
  r: undefined
})

/** @internal */
export const resolvePrepared = (fiber: Fiber.Fiber<unknown, unknown>, prepared: Prepared): Resolved => {
  const d = fiber.getRef(Defaults)
  const s = prepared.ref === undefined ? undefined : fiber.getRef(prepared.ref)
  if (prepared.r !== undefined && prepared.d === d && prepared.s === s) return prepared.r
  prepared.d = d
  prepared.s = s
  return prepared.r = resolveFor(d, s, prepared.options)
}

// -----------------------------------------------------------------------------
// Decisions
// -----------------------------------------------------------------------------

/** An answer that says the server did not act on the request (429, 503): safe to send again. @internal */
export const notActedUpon = (fault: Fault.Fault): boolean =>
  Fault.phase(fault) === undefined &&
  (fault._tag === "RateLimited" || fault._tag === "Unavailable" ||
    (fault._tag === "RemoteFault" && (fault as Fault.RemoteFault).remoteStatus === 429))

/** Client faults (and our own bugs) say nothing about the target's health. @internal */
export const countsAgainstTarget = (fault: Fault.Fault): boolean =>
  fault.side === "server" && fault.category !== "internal"

const circuitRejections = new WeakSet<object>()

/** @internal */
export const isCircuitRejection = (u: unknown): boolean =>
  typeof u === "object" && u !== null && circuitRejections.has(u)

/** @internal */
export type Verdict = "retry" | "reauthenticate" | "fail"

/** @internal */
export const decide = (
  fault: Fault.Fault,
  options: {
    readonly idempotent: boolean
    readonly retryWhen?: ((fault: Fault.Fault) => boolean) | undefined
    readonly canReauthenticate?: boolean | undefined
  }
): Verdict => {
  // an open circuit's Unavailable says RetryLater, but not within this call
  if (isCircuitRejection(fault)) return "fail"
  const expected = fault.expected
  if (expected === "Reauthenticate") return options.canReauthenticate ? "reauthenticate" : "fail"
  // no option retries what says it must not be retried as is (RetryBudgetExhausted: DoNotRetry)
  if (expected === "FixRequest" || expected === "DoNotRetry" || expected === "CallOperator") return "fail"
  const wanted = options.retryWhen !== undefined ? options.retryWhen(fault) : Fault.isRetryable(fault)
  if (!wanted) return "fail"
  return options.idempotent || Fault.phase(fault) === "BeforeSend" || notActedUpon(fault) ? "retry" : "fail"
}

// -----------------------------------------------------------------------------
// Observability
// -----------------------------------------------------------------------------

/** @internal */
export type EventName =
  | "retry"
  | "fallback"
  | "breaker.rejected"
  | "breaker.transition"
  | "budget.refused"
  | "retry.declined"
  | "continued"

/** @internal */
export const events: Metric.Counter<number> = Metric.counter("effect_faults_policy_events_total", {
  description: "retries, fallbacks, breaker rejections and transitions, budget refusals, log-and-continue",
  incremental: true
})

/** Logs, counts and adds a span event, all with the fault code and the correlation id. @internal */
export const observe = (
  event: EventName,
  level: "Debug" | "Info" | "Warn",
  message: string,
  fault: Fault.Fault | undefined,
  detail: Record<string, string | number | undefined>
): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const correlationId = fault?.correlationId ?? fiber.getRef(Correlation.CorrelationId)
    const attributes: Record<string, string | number> = { "policy.event": event }
    if (fault !== undefined) {
      attributes.faultCode = fault.code
      attributes.eventId = fault.eventId
      if (fault._tag === "RemoteFault") attributes.remoteCode = (fault as Fault.RemoteFault).remoteCode
    }
    if (correlationId !== undefined) attributes.correlationId = correlationId
    for (const key in detail) {
      const value = detail[key]
      if (value !== undefined) attributes[key] = value
    }
    // Read the span straight from the context: `Effect.currentSpan` builds (and throws away) a
    // NoSuchElementError with a stack trace whenever there is none, on every event.
    const span = Context.getOrUndefined(fiber.context, Tracer.ParentSpan)
    if (span?._tag === "Span") {
      span.event(`policy.${event}`, fiber.getRef(Clock.Clock).currentTimeNanosUnsafe(), attributes)
    }
    const metricAttributes: Record<string, string> = { event }
    if (fault !== undefined) metricAttributes.code = fault.code
    if (typeof detail.target === "string") metricAttributes.target = detail.target
    return Metric.update(Metric.withAttributes(events, metricAttributes), 1).pipe(
      Effect.andThen(Effect.logWithLevel(level)(message).pipe(Effect.annotateLogs(attributes)))
    )
  })

// -----------------------------------------------------------------------------
// Breaker feeding
// -----------------------------------------------------------------------------

const lastFaultCode = new Map<string, string>()

const classifiers = new Map<string, (exit: Exit.Exit<unknown, unknown>) => CircuitBreaker.Outcome>()

/** One classifier per key, made once. @internal */
export const classifierFor = (key: string) => {
  let f = classifiers.get(key)
  if (f === undefined) classifiers.set(key, f = classify(key))
  return f
}

/** The breaker sees our faults: server-side ones count, client faults are ignored. @internal */
export const classify = (key: string) => (exit: Exit.Exit<unknown, unknown>): CircuitBreaker.Outcome => {
  if (Exit.isSuccess(exit)) return CircuitBreaker.success
  const error = Cause.findErrorOption(exit.cause)
  if (error._tag === "Some") {
    const e = error.value
    if (!Fault.isFault(e) || !countsAgainstTarget(e)) return CircuitBreaker.ignored
    lastFaultCode.set(key, e.code)
    return CircuitBreaker.failure(
      e.retryAfterMs === undefined ? undefined : { retryAfter: Duration.millis(e.retryAfterMs) }
    )
  }
  // a rejected promise surfaces as a defect: count it, as Effect's breaker does by default
  return Cause.hasDies(exit.cause) ? CircuitBreaker.failure() : CircuitBreaker.ignored
}

/** Turns the breaker's rejection into our fault. @internal */
export const fromBreakerError = (error: CircuitBreaker.CircuitBreakerError, key: string): Fault.Fault => {
  const reason = error.reason
  switch (reason._tag) {
    case "CircuitOpen": {
      const f = new Fault.Unavailable({
        reason: `circuit open: ${key}`,
        retryAfterMs: Math.max(0, Math.ceil(Duration.toMillis(reason.retryAfter)))
      })
      circuitRejections.add(f)
      return f
    }
    case "CircuitHalfOpen": {
      const f = new Fault.Unavailable({ reason: `circuit half-open, probe in flight: ${key}` })
      circuitRejections.add(f)
      return f
    }
    default:
      return new Fault.InternalError({ message: `circuit breaker store failed: ${reason.message}`, cause: reason })
  }
}

/** A store that reports each transition from the fiber of the call that caused it. @internal */
export const observedStore = (
  store: CircuitBreaker.CircuitBreakerStore["Service"]
): CircuitBreaker.CircuitBreakerStore["Service"] => {
  const report = (t: CircuitBreaker.Transition | undefined) =>
    t === undefined ? Effect.void : observe(
      "breaker.transition",
      t.to === "Open" ? "Warn" : "Info",
      `circuit ${t.key}: ${t.from} -> ${t.to}`,
      undefined,
      {
        target: t.key,
        from: t.from,
        to: t.to,
        faultCode: t.to === "Open" ? lastFaultCode.get(t.key) : undefined,
        retryAfterMs: t.to === "Open" ? Duration.toMillis(t.retryAfter) : undefined
      }
    )
  return {
    admit: (key) => Effect.tap(store.admit(key), (a) => report(a.transition)),
    record: (options) => Effect.tap(store.record(options), report),
    state: store.state
  }
}

// -----------------------------------------------------------------------------
// Running a call under a resolved policy
// -----------------------------------------------------------------------------

/** @internal */
export const timeoutFault = (budget: "attempt" | "overall", afterMs: number, correlationId: string | undefined) =>
  new Fault.Timeout({
    budget,
    afterMs,
    phase: "MaybeDelivered",
    ...(correlationId === undefined ? {} : { correlationId })
  })

// Effect's own clock, the one a fiber reads when no other `Clock` is provided: its `sleep` is a
// `setTimeout`, so for it a deadline can set the timer itself instead of running a sleeping fiber.
const liveClock: Clock.Clock = Context.get(Context.empty(), Clock.Clock)
// beyond this, `setTimeout` fires at once; Effect's clock then sleeps in steps, so let it
const maxTimerMs = 2 ** 31 - 1

/**
 * Runs `self` within `ms` of `startMs` (by the fiber's `Clock`), failing with the `Timeout` fault
 * of `budget` when the time runs out. What `Effect.timeout` does, made cheap for the common case:
 * `self` starts at once in its own fiber, and an effect that completes without suspending (nothing
 * could have interrupted it anyway: no timer fires while JavaScript runs) costs that fiber and
 * nothing else: no race, no second fiber, no timer. Only when it suspends is a timer started: a
 * `setTimeout` with Effect's own clock, otherwise a fiber sleeping on the fiber's `Clock` (so
 * `TestClock` drives it exactly as it drives `Effect.timeout`). Whichever ends first settles the
 * call; on expiry the running fiber is interrupted and its finalizers awaited before the fault is
 * returned, as `Effect.timeout` does.
 *
 * `next`, when given, is what follows a failure of `self` (retries, alternatives): it runs in a
 * fiber of its own, started only on that failure, within the same deadline. So the success path
 * needs no catch frame: the exit of `self`'s fiber already tells success from failure.
 *
 * @internal
 */
export const deadline = <A, E, R>(
  parent: Fiber.Fiber<unknown, unknown>,
  self: Effect.Effect<A, E, R>,
  clock: Clock.Clock,
  startMs: number,
  ms: number,
  budget: "attempt" | "overall",
  next?: (failed: Exit.Exit<A, E>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | Fault.Timeout, R> => {
  const context = parent.context as Context.Context<R>
  const child = Effect.runForkWith(context)(self)
  const exit = child.pollUnsafe()
  if (exit !== undefined) {
    return next === undefined || Exit.isSuccess(exit)
      ? exit
      : deadline(parent, next(exit), clock, startMs, ms, budget)
  }
  // a one-argument register: Effect then allocates no AbortController
  return Effect.callback<A, E | Fault.Timeout, R>((resume) => {
    const remaining = Math.max(0, ms - (clock.currentTimeMillisUnsafe() - startMs))
    let running: Fiber.Fiber<A, E> = child
    let then = next
    let settled = false
    let stop: () => void
    const onExit = (exit: Exit.Exit<A, E>) => {
      if (settled) return
      if (then !== undefined && Exit.isFailure(exit)) {
        const rest = then(exit)
        then = undefined
        running = Effect.runForkWith(context)(rest)
        running.addObserver(onExit)
        return
      }
      settled = true
      stop()
      resume(exit)
    }
    const expire = () => {
      if (settled) return
      settled = true
      const fault = timeoutFault(budget, ms, parent.getRef(Correlation.CorrelationId))
      const fiber = running
      fiber.interruptUnsafe(parent.id)
      fiber.addObserver(() => resume(Effect.fail(fault)))
    }
    if (clock === liveClock && remaining <= maxTimerMs) {
      const handle = setTimeout(expire, remaining)
      stop = () => clearTimeout(handle)
    } else {
      const timer = Effect.runForkWith(parent.context)(clock.sleep(Duration.millis(remaining)))
      stop = () => timer.interruptUnsafe(parent.id)
      timer.addObserver((exit) => {
        if (Exit.isSuccess(exit)) expire()
      })
    }
    child.addObserver(onExit)
    // the caller was interrupted: stop the timer and the running fiber, and await its finalizers
    return Effect.suspend(() => {
      settled = true
      stop()
      running.interruptUnsafe(parent.id)
      return Effect.asVoid(Fiber.await(running))
    })
  })
}

/** @internal */
export const run = <A, E, R, A2, E2, R2>(
  fiber: Fiber.Fiber<unknown, unknown>,
  self: Effect.Effect<A, E, R>,
  p: Resolved,
  alternatives: ReadonlyArray<Effect.Effect<A2, E2, R2>> | undefined
): Effect.Effect<A | A2, any, R | R2> => {
  const key = p.target
  const clock = fiber.getRef(Clock.Clock)
  const budget = key === undefined ? undefined : p.budget
  const store = budget === undefined ? undefined : fiber.getRef(RetryBudget.CurrentStore)
  const tokens = budget !== undefined && budget._tag === "TokenBucket"
  const startMs = store !== undefined || p.timeoutMs !== undefined ? clock.currentTimeMillisUnsafe() : 0
  if (store !== undefined) store.record(key!, budget!, "request", startMs)

  let attempt: Effect.Effect<A, any, R> = self
  if (p.attemptTimeoutMs !== undefined) {
    const ms = p.attemptTimeoutMs
    const inner = attempt
    attempt = Effect.withFiber((f) => deadline(f, inner, clock, clock.currentTimeMillisUnsafe(), ms, "attempt"))
  }
  if (tokens) {
    attempt = Effect.tap(attempt, () => {
      store!.record(key!, budget!, "success", clock.currentTimeMillisUnsafe())
      return Effect.void
    })
  }
  const breaker = p.breaker && key !== undefined
    ? Context.getOrUndefined(fiber.context, CircuitBreaker.CircuitBreaker)
    : undefined
  if (breaker !== undefined) attempt = breaker.execute(attempt, { key: key!, classify: classifierFor(key!) })

  // A failure needs handling only when it can be retried, counted by a token bucket, be the
  // breaker's rejection or lead to an alternative; otherwise it leaves as it is.
  const handled = p.attempts > 1 || tokens || breaker !== undefined
  const fallsBack = alternatives !== undefined && alternatives.length > 0
  // What follows the first attempt's outcome: retries, then alternatives. It is built on the first
  // failure only: the retry state, its closures and `Effect.catch` (which tells typed failures from
  // defects) cost nothing on the success path.
  const after = (first: Effect.Effect<A | A2, any, R | R2>): Effect.Effect<A | A2, any, R | R2> => {
    let guarded: Effect.Effect<A | A2, any, R | R2> = first
    if (handled) {
      guarded = Effect.catch(
        first,
        retrying(
          clock,
          attempt,
          p,
          key,
          budget,
          store,
          tokens,
          p.timeoutMs === undefined
            ? undefined
            : startMs + p.timeoutMs
        )
      )
    }
    if (fallsBack) {
      guarded = Effect.catch(guarded, (error) => fallback(error, alternatives!, 0, p.fallbackWhen, key))
    }
    return guarded
  }
  if (p.timeoutMs === undefined) {
    // one `catchCause` frame on the success path
    return handled || fallsBack ? Effect.catchCause(attempt, (cause) => after(Effect.failCause(cause))) : attempt
  }
  return deadline<A | A2, any, R | R2>(
    fiber,
    attempt,
    clock,
    startMs,
    p.timeoutMs,
    "overall",
    handled || fallsBack ? after : undefined
  )
}

interface Loop {
  attempt: number
  reauthenticated: boolean
  step: ((now: number, input: Fault.Fault) => Effect.Effect<[unknown, Duration.Duration], unknown>) | undefined
}

/** The failure handler of one call: decides, waits and runs the next attempt. @internal */
const retrying = <A, R>(
  clock: Clock.Clock,
  attempt: Effect.Effect<A, any, R>,
  p: Resolved,
  key: string | undefined,
  budget: RetryBudget.Budget | undefined,
  store: RetryBudget.Store | undefined,
  tokens: boolean,
  deadlineMs: number | undefined
): (error: unknown) => Effect.Effect<A, unknown, R> => {
  const loop: Loop = { attempt: 1, reauthenticated: false, step: undefined }
  const onFailure = (error: unknown): Effect.Effect<A, unknown, R> =>
    Effect.suspend(() => {
      if (error instanceof CircuitBreaker.CircuitBreakerError) {
        const fault = fromBreakerError(error, key!)
        return Effect.andThen(
          observe("breaker.rejected", "Warn", `call to ${key} rejected: ${fault.message}`, fault, { target: key }),
          Effect.fail(fault)
        )
      }
      if (!Fault.isFault(error)) return Effect.fail(error)
      const fault = error
      const now = clock.currentTimeMillisUnsafe()
      if (tokens && countsAgainstTarget(fault)) store!.record(key!, budget!, "failure", now)
      if (loop.attempt >= p.attempts) return Effect.fail(fault)
      const verdict = decide(fault, {
        idempotent: p.idempotent,
        retryWhen: p.retryWhen,
        canReauthenticate: p.reauthenticate !== undefined && !loop.reauthenticated
      })
      if (verdict === "fail") return Effect.fail(fault)
      if (verdict === "reauthenticate") {
        loop.reauthenticated = true
        loop.attempt++
        return p.reauthenticate!.pipe(
          Effect.catchCause(() => Effect.fail(fault)),
          Effect.andThen(observe("retry", "Info", `reauthenticated, retrying ${fault.code}`, fault, {
            target: key,
            attempt: loop.attempt,
            delayMs: 0,
            reason: "reauthenticate"
          })),
          Effect.andThen(Effect.catch(attempt, onFailure))
        )
      }
      return Effect.gen(function*() {
        let delayMs: number
        let reason: string
        if (fault.retryAfterMs !== undefined) {
          if (fault.retryAfterMs > p.retryAfterMaxMs) {
            yield* observe(
              "retry.declined",
              "Info",
              `not retrying ${fault.code}: retry-after ${fault.retryAfterMs}ms exceeds ${p.retryAfterMaxMs}ms`,
              fault,
              { target: key, retryAfterMs: fault.retryAfterMs }
            )
            return yield* Effect.fail(fault)
          }
          delayMs = fault.retryAfterMs
          reason = "retry-after"
        } else {
          if (loop.step === undefined) loop.step = (yield* Schedule.toStep(p.backoff)) as any
          const next = yield* Effect.exit(loop.step!(now, fault))
          if (Exit.isFailure(next)) return yield* Effect.fail(fault)
          delayMs = Duration.toMillis(next.value[1])
          reason = "backoff"
        }
        if (deadlineMs !== undefined && now + delayMs >= deadlineMs) {
          yield* observe(
            "retry.declined",
            "Info",
            `not retrying ${fault.code}: a ${delayMs}ms wait would outlast the overall timeout`,
            fault,
            { target: key, delayMs }
          )
          return yield* Effect.fail(fault)
        }
        if (store !== undefined && !(yield* store.acquire(key!, budget!))) {
          yield* observe(
            "budget.refused",
            "Warn",
            `retry of ${fault.code} to ${key} refused by the retry budget`,
            fault,
            {
              target: key,
              attempt: loop.attempt + 1
            }
          )
          yield* Metric.update(Metric.withAttributes(RetryBudget.refusals, { upstream: key! }), 1)
          return yield* Effect.fail(
            new RetryBudget.RetryBudgetExhausted({
              upstream: key!,
              refused: fault.code,
              cause: fault,
              ...(fault.correlationId === undefined ? {} : { correlationId: fault.correlationId })
            })
          )
        }
        loop.attempt++
        yield* observe("retry", "Info", `retrying ${fault.code} in ${Math.round(delayMs)}ms`, fault, {
          target: key,
          attempt: loop.attempt,
          delayMs: Math.round(delayMs),
          reason
        })
        if (delayMs > 0) yield* Effect.sleep(Duration.millis(delayMs))
        return yield* Effect.catch(attempt, onFailure)
      })
    })
  return onFailure
}

/** @internal */
export const fallback = <A, E, R>(
  error: unknown,
  alternatives: ReadonlyArray<Effect.Effect<A, E, R>>,
  index: number,
  when: (fault: Fault.Fault) => boolean,
  from: string | undefined
): Effect.Effect<A, unknown, R> => {
  if (!Fault.isFault(error) || !when(error) || index >= alternatives.length) return Effect.fail(error)
  return Effect.andThen(
    observe(
      "fallback",
      "Warn",
      `${error.code} from ${from ?? "primary"}: falling back to alternative ${index + 1}`,
      error,
      {
        target: from,
        alternative: index + 1
      }
    ),
    Effect.catch(
      alternatives[index]!,
      (next) => fallback(next, alternatives, index + 1, when, `alternative ${index + 1}`)
    )
  )
}
