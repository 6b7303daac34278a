import { assert, describe, it } from "@effect/vitest"
import {
  Clock,
  Context,
  Deferred,
  Duration,
  Effect,
  ExecutionPlan,
  Exit,
  Fiber,
  Layer,
  Logger,
  Metric,
  Random,
  Ref,
  References
} from "effect"
import * as CircuitBreaker from "effect/persistence/CircuitBreaker"
import { TestClock } from "effect/testing"
import * as Correlation from "../src/Correlation.ts"
import * as Fault from "../src/Fault.ts"
import * as Policy from "../src/Policy.ts"
import * as RetryBudget from "../src/RetryBudget.ts"

// A call that fails with the given faults in turn, then succeeds; it records when each attempt ran.
const scripted = (outcomes: ReadonlyArray<unknown>) =>
  Effect.sync(() => {
    const times: Array<number> = []
    const call = Effect.gen(function*() {
      const n = times.length
      times.push(yield* Clock.currentTimeMillis)
      const outcome = outcomes[Math.min(n, outcomes.length - 1)]
      if (outcome === "ok") return n + 1
      return yield* Effect.fail(outcome)
    })
    return { times, call }
  })

const deltas = (times: ReadonlyArray<number>) => times.slice(1).map((t, i) => t - times[i]!)
const exact: Policy.Options = { backoff: { jitter: "none" }, budget: false }
const unreachable = () => new Fault.Unreachable({ host: "server1", reason: "ECONNREFUSED" })
const reset = () => new Fault.ConnectionLost({ host: "server1", reason: "ECONNRESET", phase: "MaybeDelivered" })

// Runs the effect in a child fiber and moves the TestClock until it is done (bounded).
const drive = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    for (let i = 0; i < 200 && fiber.pollUnsafe() === undefined; i++) yield* TestClock.adjust("100 millis")
    return yield* Fiber.await(fiber)
  })

const failureOf = <A, E>(exit: Exit.Exit<A, E>): any => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  const e = (exit as Exit.Failure<A, E>).cause.reasons.find((r) => r._tag === "Fail")
  assert.isDefined(e)
  return (e as any).error
}

const captureLogs = () => {
  const lines: Array<{ level: string; message: string; annotations: Record<string, unknown> }> = []
  const logger = Logger.make((o) => {
    lines.push({
      level: o.logLevel,
      message: Array.isArray(o.message) ? o.message.join(" ") : String(o.message),
      annotations: { ...o.fiber.getRef(References.CurrentLogAnnotations) }
    })
  })
  return { lines, layer: Logger.layer([logger]) }
}

describe("Policy: retry decided by the fault", () => {
  it.effect("retries a transport fault: 3 attempts in all, 100 ms then 200 ms apart", () =>
    Effect.gen(function*() {
      const { times, call } = yield* scripted([unreachable()])
      const exit = yield* drive(call.pipe(Policy.apply({ ...exact })))
      assert.strictEqual(failureOf(exit)._tag, "Unreachable")
      assert.deepStrictEqual(times, [0, 100, 300])
    }))

  it.effect("succeeds on the third attempt", () =>
    Effect.gen(function*() {
      const { times, call } = yield* scripted([unreachable(), unreachable(), "ok"])
      const exit = yield* drive(call.pipe(Policy.apply(exact)))
      assert.deepStrictEqual(exit, Exit.succeed(3))
      assert.deepStrictEqual(times, [0, 100, 300])
    }))

  it.effect("caps attempts at 5 whatever is asked, backoff capped", () =>
    Effect.gen(function*() {
      const { times, call } = yield* scripted([unreachable()])
      yield* drive(
        call.pipe(Policy.apply({ attempts: 10, backoff: { jitter: "none", cap: "300 millis" }, budget: false }))
      )
      assert.deepStrictEqual(times, [0, 100, 300, 600, 900])
    }))

  it.effect("never retries client faults (FixRequest, DoNotRetry, CallOperator)", () =>
    Effect.gen(function*() {
      const faults = [
        new Fault.NotFound({ resource: "record", id: "1" }),
        new Fault.Forbidden({}),
        new Fault.SchemaViolation({ direction: "outbound", violations: [] }),
        new Fault.Conflict({}),
        new Fault.TlsRejected({ reason: "self-signed" }),
        new Fault.InternalError({})
      ]
      for (const f of faults) {
        const { times, call } = yield* scripted([f])
        const exit = yield* drive(call.pipe(Policy.apply({ ...exact, idempotent: true })))
        assert.strictEqual(failureOf(exit), f)
        assert.strictEqual(times.length, 1, f._tag)
      }
    }))

  it.effect("does not retry errors that are not faults, nor fall back on them", () =>
    Effect.gen(function*() {
      const { times, call } = yield* scripted([new Error("plain")])
      let fellBack = false
      const alternative = Effect.sync(() => (fellBack = true))
      const exit = yield* drive(call.pipe(Policy.apply({ ...exact, idempotent: true, alternatives: [alternative] })))
      assert.strictEqual((failureOf(exit) as Error).message, "plain")
      assert.strictEqual(times.length, 1)
      assert.isFalse(fellBack)
    }))

  it.effect("no retry of a non-idempotent call after a maybe-delivered fault; idempotent retries", () =>
    Effect.gen(function*() {
      const once = yield* scripted([reset()])
      yield* drive(once.call.pipe(Policy.apply(exact)))
      assert.strictEqual(once.times.length, 1)
      const again = yield* scripted([reset()])
      yield* drive(again.call.pipe(Policy.apply({ ...exact, idempotent: true })))
      assert.deepStrictEqual(deltas(again.times), [100, 200])
      // BeforeSend: nothing reached the other side, so a non-idempotent call is retried too
      const before = yield* scripted([unreachable()])
      yield* drive(before.call.pipe(Policy.apply(exact)))
      assert.strictEqual(before.times.length, 3)
    }))

  it.effect("honours Retry-After exactly, instead of the backoff", () =>
    Effect.gen(function*() {
      const { times, call } = yield* scripted([new Fault.RateLimited({ retryAfterMs: 5_000 }), "ok"])
      const fiber = yield* Effect.forkChild(call.pipe(Policy.apply(exact)))
      yield* TestClock.adjust("4999 millis")
      assert.deepStrictEqual(times, [0])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(yield* Fiber.join(fiber), 2)
      assert.deepStrictEqual(times, [0, 5_000])
    }))

  it.effect("a Retry-After beyond the cap fails at once with the rate-limited fault, no sleep", () =>
    Effect.gen(function*() {
      const limited = new Fault.RateLimited({ retryAfterMs: 61_000 })
      const { times, call } = yield* scripted([limited, "ok"])
      const exit = yield* Effect.exit(call.pipe(Policy.apply(exact))) // no clock adjustment needed
      assert.strictEqual(failureOf(exit), limited)
      assert.deepStrictEqual(times, [0])
      // the cap is an option
      const lower = yield* scripted([new Fault.RateLimited({ retryAfterMs: 2_000 }), "ok"])
      const e2 = yield* Effect.exit(lower.call.pipe(Policy.apply({ ...exact, retryAfterMax: "1 second" })))
      assert.strictEqual(failureOf(e2)._tag, "RateLimited")
      assert.deepStrictEqual(lower.times, [0])
    }))

  it.effect("a wait that would outlast the overall timeout is not taken", () =>
    Effect.gen(function*() {
      const { times, call } = yield* scripted([new Fault.Unavailable({ retryAfterMs: 20_000 }), "ok"])
      const exit = yield* Effect.exit(call.pipe(Policy.apply({ ...exact, timeout: "10 seconds" })))
      assert.strictEqual(failureOf(exit)._tag, "Unavailable")
      assert.deepStrictEqual(times, [0])
    }))

  it.effect("reauthenticates once, then retries; a second Unauthenticated fails", () =>
    Effect.gen(function*() {
      const refreshed = yield* Ref.make(0)
      const reauthenticate = Ref.update(refreshed, (n) => n + 1)
      const ok = yield* scripted([new Fault.Unauthenticated({}), "ok"])
      assert.strictEqual(yield* ok.call.pipe(Policy.apply({ ...exact, reauthenticate })), 2)
      assert.deepStrictEqual(ok.times, [0, 0])
      const twice = yield* scripted([new Fault.Unauthenticated({})])
      const exit = yield* drive(twice.call.pipe(Policy.apply({ ...exact, reauthenticate })))
      assert.strictEqual(failureOf(exit)._tag, "Unauthenticated")
      assert.strictEqual(twice.times.length, 2)
      assert.strictEqual(yield* Ref.get(refreshed), 2)
      // without a hook, no retry
      const none = yield* scripted([new Fault.Unauthenticated({})])
      yield* drive(none.call.pipe(Policy.apply(exact)))
      assert.strictEqual(none.times.length, 1)
    }))

  it.effect("full jitter draws in [0, capped exponential]; decorrelated from (base, 3 × previous)", () =>
    Effect.gen(function*() {
      const half = { nextDoubleUnsafe: () => 0.5, nextIntUnsafe: () => 0 }
      const full = yield* scripted([unreachable()])
      yield* drive(full.call.pipe(Policy.apply({ budget: false }), Effect.provideService(Random.Random, half)))
      assert.deepStrictEqual(deltas(full.times), [50, 100]) // 0.5 × 100, 0.5 × 200
      const deco = yield* scripted([unreachable()])
      yield* drive(
        deco.call.pipe(
          Policy.apply({ budget: false, attempts: 4, backoff: { jitter: "decorrelated" } }),
          Effect.provideService(Random.Random, half)
        )
      )
      // 100 + 0.5 × (300 − 100) = 200; 100 + 0.5 × (600 − 100) = 350; 100 + 0.5 × (1050 − 100) = 575
      assert.deepStrictEqual(deltas(deco.times), [200, 350, 575])
    }))
})

describe("Policy: timeouts", () => {
  it.effect("the overall timeout surfaces Fault.Timeout with budget overall after exactly 30 s", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.never.pipe(Policy.apply({ budget: false })))
      yield* TestClock.adjust("29999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const f = failureOf(yield* Fiber.await(fiber)) as Fault.Timeout
      assert.strictEqual(f._tag, "Timeout")
      assert.strictEqual(f.budget, "overall")
      assert.strictEqual(f.afterMs, 30_000)
      assert.strictEqual(f.phase, "MaybeDelivered")
    }))

  it.effect("an attempt timeout is retried for idempotent calls only", () =>
    Effect.gen(function*() {
      const starts: Array<number> = []
      const hang = Effect.flatMap(Clock.currentTimeMillis, (t) => {
        starts.push(t)
        return Effect.never
      })
      const exit = yield* drive(hang.pipe(Policy.apply({ ...exact, attemptTimeout: "1 second", idempotent: true })))
      const f = failureOf(exit) as Fault.Timeout
      assert.strictEqual(f.budget, "attempt")
      assert.strictEqual(f.afterMs, 1_000)
      assert.deepStrictEqual(starts, [0, 1_100, 2_300])
      starts.length = 0
      const exit2 = yield* drive(hang.pipe(Policy.apply({ ...exact, attemptTimeout: "1 second" })))
      assert.strictEqual((failureOf(exit2) as Fault.Timeout).budget, "attempt")
      assert.strictEqual(starts.length, 1)
    }))
})

// The fiber's clock, counting the sleeps asked of it (and whether each one ended: woke or was stopped).
const countingClock = Effect.clockWith((clock) => {
  const sleeps: Array<{ readonly ms: number; ended: boolean }> = []
  const counted: Clock.Clock = Object.assign(Object.create(clock) as Clock.Clock, {
    sleep: (duration: Duration.Duration) => {
      const entry = { ms: Duration.toMillis(duration), ended: false }
      sleeps.push(entry)
      return Effect.ensuring(clock.sleep(duration), Effect.sync(() => (entry.ended = true)))
    }
  })
  return Effect.succeed({ sleeps, clock: counted })
})

const activeTimers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length

describe("Policy: the overall deadline", () => {
  it.effect("a call that completes without suspending asks the clock for no timer", () =>
    Effect.gen(function*() {
      const { sleeps, clock } = yield* countingClock
      const ok = yield* Effect.succeed(1).pipe(
        Policy.apply({ budget: false }),
        Effect.provideService(Clock.Clock, clock)
      )
      assert.strictEqual(ok, 1)
      const { call } = yield* scripted([reset(), "ok"])
      const retried = yield* drive(
        call.pipe(Policy.apply({ ...exact, idempotent: true }), Effect.provideService(Clock.Clock, clock))
      )
      assert.deepStrictEqual(retried, Exit.succeed(2))
      // only the 100 ms backoff wait (the retry suspends), then the 30 s deadline, stopped at once
      assert.deepStrictEqual(sleeps.map((s) => [s.ms, s.ended]), [[100, true], [30_000, true]])
    }))

  it.effect("a call that suspends gets a timer from the fiber's clock, stopped when it answers", () =>
    Effect.gen(function*() {
      const { sleeps, clock } = yield* countingClock
      const fiber = yield* Effect.forkChild(
        Effect.sleep("1 second").pipe(
          Effect.as("late but in time"),
          Policy.apply({ budget: false, timeout: "2 seconds" }),
          Effect.provideService(Clock.Clock, clock)
        )
      )
      yield* TestClock.adjust("999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      assert.deepStrictEqual(sleeps.map((s) => [s.ms, s.ended]), [[1_000, false], [2_000, false]])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(yield* Fiber.await(fiber), Exit.succeed("late but in time"))
      assert.deepStrictEqual(sleeps.map((s) => [s.ms, s.ended]), [[1_000, true], [2_000, true]])
    }))

  it.effect("it covers retries and their waits, counted from the start of the call", () =>
    Effect.gen(function*() {
      const starts: Array<number> = []
      const slowFailure = Effect.flatMap(Clock.currentTimeMillis, (t) => {
        starts.push(t)
        return Effect.andThen(Effect.sleep("300 millis"), Effect.fail(reset()))
      })
      const fiber = yield* Effect.forkChild(
        slowFailure.pipe(Policy.apply({ ...exact, idempotent: true, timeout: "1 second" }))
      )
      yield* TestClock.adjust("999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const f = failureOf(yield* Fiber.await(fiber)) as Fault.Timeout
      // attempts at 0, 300 + 100, 700 + 200; the third is cut at exactly 1 000 ms
      assert.deepStrictEqual(starts, [0, 400, 900])
      assert.strictEqual(f._tag, "Timeout")
      assert.strictEqual(f.budget, "overall")
      assert.strictEqual(f.afterMs, 1_000)
    }))

  it.effect("on expiry the attempt is interrupted and its finalizers awaited before the fault", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const stubborn = Effect.never.pipe(
        Effect.onInterrupt(() =>
          Effect.andThen(Effect.sleep("500 millis"), Effect.sync(() => events.push("attempt cleaned up")))
        )
      )
      const fiber = yield* Effect.forkChild(
        stubborn.pipe(
          Policy.apply({ budget: false, timeout: "1 second" }),
          Effect.tapError(() => Effect.sync(() => events.push("timeout seen")))
        )
      )
      yield* TestClock.adjust("1 second")
      assert.isUndefined(fiber.pollUnsafe()) // the finalizer still runs
      yield* TestClock.adjust("500 millis")
      assert.strictEqual((failureOf(yield* Fiber.await(fiber)) as Fault.Timeout).budget, "overall")
      assert.deepStrictEqual(events, ["attempt cleaned up", "timeout seen"])
    }))

  it.effect("interrupting the caller interrupts the attempt and stops the timer", () =>
    Effect.gen(function*() {
      const { sleeps, clock } = yield* countingClock
      let cleaned = false
      const fiber = yield* Effect.forkChild(
        Effect.never.pipe(
          Effect.onInterrupt(() => Effect.sync(() => (cleaned = true))),
          Policy.apply({ budget: false }),
          Effect.provideService(Clock.Clock, clock)
        )
      )
      yield* TestClock.adjust("10 millis")
      yield* Fiber.interrupt(fiber)
      assert.isTrue(cleaned)
      assert.deepStrictEqual(sleeps.map((s) => [s.ms, s.ended]), [[30_000, true]])

      // the same while a retry runs (after a first attempt that suspended, then failed)
      let retryCleaned = false
      let n = 0
      const failsThenHangs = Effect.suspend(() =>
        n++ === 0
          ? Effect.andThen(Effect.sleep("50 millis"), Effect.fail(reset()))
          : Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (retryCleaned = true))))
      )
      const second = yield* Effect.forkChild(failsThenHangs.pipe(Policy.apply({ ...exact, idempotent: true })))
      yield* TestClock.adjust("200 millis")
      assert.strictEqual(n, 2)
      yield* Fiber.interrupt(second)
      assert.isTrue(retryCleaned)
    }))

  it.effect("a first attempt that suspends, then fails remotely, falls back within the deadline", () =>
    Effect.gen(function*() {
      const remote = new Fault.RemoteFault({ remoteCode: "Unavailable", remoteStatus: 503 })
      const primary = Effect.andThen(Effect.sleep("100 millis"), Effect.fail(remote))
      const slowAlternative = Effect.as(Effect.sleep("10 seconds"), "from server2")
      const ok = yield* drive(
        primary.pipe(
          Policy.apply({ ...exact, attempts: 1, timeout: "1 second", alternatives: [Effect.succeed("server2")] })
        )
      )
      assert.deepStrictEqual(ok, Exit.succeed("server2"))
      const late = yield* drive(
        primary.pipe(Policy.apply({ ...exact, attempts: 1, timeout: "1 second", alternatives: [slowAlternative] }))
      )
      const f = failureOf(late) as Fault.Timeout
      assert.strictEqual(f.budget, "overall")
    }))

  it.effect("defects and errors that are not faults pass through the deadline untouched", () =>
    Effect.gen(function*() {
      const died = yield* Effect.exit(Effect.die("boom").pipe(Policy.apply({ service: "deadline" })))
      assert.isTrue(Exit.isFailure(died) && died.cause.reasons.some((r) => r._tag === "Die" && r.defect === "boom"))
      const late = yield* drive(
        Effect.andThen(Effect.sleep("1 second"), Effect.fail("not a fault")).pipe(Policy.apply({ service: "deadline" }))
      )
      assert.strictEqual(failureOf(late), "not a fault")
    }))

  // The one place a real timer runs: with Effect's own clock a deadline is a `setTimeout`, not a
  // sleeping fiber. Only outcomes are asserted, never how long anything took.
  it.live("with Effect's own clock the timer fires, and is cleared when the call answers first", () =>
    Effect.gen(function*() {
      // Effect's scheduler may hold a timer of its own right after a sleep: compare like with like
      yield* Effect.sleep("1 millis")
      const afterPlainSleep = activeTimers()
      const answered = yield* Effect.sleep("1 millis").pipe(
        Effect.as("answered"),
        Policy.apply({ budget: false, timeout: "1 minute" })
      )
      assert.strictEqual(answered, "answered")
      assert.strictEqual(activeTimers(), afterPlainSleep) // the minute-long timer is gone
      let cleaned = false
      const exit = yield* Effect.exit(
        Effect.never.pipe(
          Effect.onInterrupt(() => Effect.sync(() => (cleaned = true))),
          Policy.apply({ budget: false, timeout: "20 millis" })
        )
      )
      const f = failureOf(exit) as Fault.Timeout
      assert.strictEqual(f.budget, "overall")
      assert.strictEqual(f.afterMs, 20)
      assert.isTrue(cleaned)
    }))
})

describe("Policy: fallback", () => {
  it.effect("falls back in order on remote faults; the first answer wins", () =>
    Effect.gen(function*() {
      const order: Array<string> = []
      const server = (name: string, result: Effect.Effect<string, Fault.Fault>) =>
        Effect.suspend(() => {
          order.push(name)
          return result
        })
      const server1 = server("server1", Effect.fail(new Fault.RemoteFault({ remoteCode: "Boom", remoteStatus: 500 })))
      const server2 = server("server2", Effect.fail(unreachable()))
      const server3 = server("server3", Effect.succeed("record from server3"))
      const result = yield* server1.pipe(Policy.apply({ ...exact, attempts: 1, alternatives: [server2, server3] }))
      assert.strictEqual(result, "record from server3")
      assert.deepStrictEqual(order, ["server1", "server2", "server3"])
    }))

  it.effect("a local failure does not trigger the fallback", () =>
    Effect.gen(function*() {
      let called = false
      const local = new Fault.SchemaViolation({
        direction: "outbound",
        violations: [{ field: "id", message: "required" }]
      })
      const exit = yield* Effect.exit(
        Effect.fail(local).pipe(Policy.apply({ ...exact, alternatives: [Effect.sync(() => (called = true))] }))
      )
      assert.strictEqual(failureOf(exit), local)
      assert.isFalse(called)
    }))

  it.effect("fallbackWhen chooses: remote only", () =>
    Effect.gen(function*() {
      const alt = Effect.succeed("alt")
      const transport = yield* Effect.exit(
        Effect.fail(unreachable()).pipe(Policy.fallback([alt], { when: Policy.remoteOnly }))
      )
      assert.strictEqual(failureOf(transport)._tag, "Unreachable")
      const remote = yield* Effect.fail(Fault.received(new Fault.Unavailable({}))).pipe(
        Policy.fallback([alt], { when: Policy.remoteOnly })
      )
      assert.strictEqual(remote, "alt")
    }))
})

describe("Policy: fallback with ExecutionPlan", () => {
  class Records
    extends Context.Service<Records, { readonly get: Effect.Effect<string, Fault.Fault> }>()("test/Records")
  {}
  const server = (get: Effect.Effect<string, Fault.Fault>) => Layer.succeed(Records, { get })

  it.effect("whileFallback moves a plan to the next provider on remote faults, not on local ones", () =>
    Effect.gen(function*() {
      const plan = (first: Effect.Effect<string, Fault.Fault>) =>
        ExecutionPlan.make(
          { provide: server(first) },
          { provide: server(Effect.succeed("from server2")), while: Policy.whileFallback }
        )
      const remote = Effect.fail(new Fault.RemoteFault({ remoteCode: "Down", remoteStatus: 500 }))
      assert.strictEqual(yield* Records.use((r) => r.get).pipe(Effect.withExecutionPlan(plan(remote))), "from server2")
      const local = Effect.fail(new Fault.SchemaViolation({ direction: "outbound", violations: [] }))
      const e = yield* Effect.flip(Records.use((r) => r.get).pipe(Effect.withExecutionPlan(plan(local))))
      assert.strictEqual(e._tag, "SchemaViolation")
    }))
})

describe("Policy: layering", () => {
  it.effect("global < service < call", () =>
    Effect.gen(function*() {
      const count = (options: Policy.CallOptions) =>
        Effect.gen(function*() {
          const { times, call } = yield* scripted([unreachable()])
          yield* drive(call.pipe(Policy.apply(options)))
          return times.length
        })
      const layers = Layer.mergeAll(
        Policy.layer({ attempts: 2, budget: false, backoff: { jitter: "none" } }),
        Policy.layerService("records", { attempts: 4 }),
        Policy.layerService("other", { attempts: 5 })
      )
      const [global, service, call, other] = yield* Effect.all([
        count({}),
        count({ service: "records" }),
        count({ service: "records", attempts: 1 }),
        count({ service: "other" })
      ]).pipe(Effect.provide(layers))
      assert.deepStrictEqual([global, service, call, other], [2, 4, 1, 5])
      // resolved once per (defaults, service): the same object every time, no per-call merge
      const options = { service: "records" }
      const [p, again] = yield* Effect.all([Policy.effective(options), Policy.effective(options)]).pipe(
        Effect.provide(layers)
      )
      assert.strictEqual(p, again)
      assert.strictEqual(
        yield* Policy.effective({ service: "records" }),
        yield* Policy.effective({ service: "records" })
      )
      assert.strictEqual(p.target, "records")
      assert.strictEqual(p.timeoutMs, 30_000)
    }))
})

describe("Policy: retry budget", () => {
  it.effect("a ratio budget refuses retries beyond floor + ratio × calls: RetryBudgetExhausted + metric", () =>
    Effect.gen(function*() {
      const budget = RetryBudget.ratio({ ratio: 0, floor: 2 })
      const policy = Policy.apply({ service: "billing", backoff: { jitter: "none" }, budget, breaker: false })
      const first = yield* scripted([unreachable()])
      yield* drive(first.call.pipe(policy)) // uses the 2 retries of the floor
      assert.strictEqual(first.times.length, 3)
      const second = yield* scripted([unreachable()])
      const logs = captureLogs()
      const exit = yield* drive(second.call.pipe(policy, Correlation.withId("cid-budget"), Effect.provide(logs.layer)))
      const line = logs.lines.find((l) => l.annotations["policy.event"] === "budget.refused")
      assert.strictEqual(line?.level, "Warn")
      assert.strictEqual(line?.annotations.faultCode, "Unreachable")
      assert.strictEqual(line?.annotations.correlationId, "cid-budget")
      const refused = failureOf(exit) as RetryBudget.RetryBudgetExhausted
      assert.strictEqual(refused._tag, "RetryBudgetExhausted")
      assert.strictEqual(refused.upstream, "billing")
      assert.strictEqual(refused.refused, "Unreachable")
      assert.strictEqual(second.times.length, 1)
      const refusals = yield* Metric.value(Metric.withAttributes(RetryBudget.refusals, { upstream: "billing" }))
      assert.strictEqual(refusals.count, 1)
    }).pipe(Effect.provide(RetryBudget.layerStoreMemory), Effect.provideService(Metric.MetricRegistry, new Map())))

  it.effect("a budget written inline per call is one budget: equal budgets share the key's state", () =>
    Effect.gen(function*() {
      // a fresh but equal budget object on every call, as `Policy.apply({ budget: ratio(...) })` inline
      const call = (s: Effect.Effect<number, unknown>) =>
        s.pipe(Policy.apply({
          service: "inline",
          backoff: { jitter: "none" },
          attempts: 2,
          breaker: false,
          budget: RetryBudget.ratio({ ratio: 0, floor: 1 })
        }))
      const first = yield* scripted([unreachable()])
      yield* drive(call(first.call)) // uses the one retry of the floor
      const second = yield* scripted([unreachable()])
      const exit = yield* drive(call(second.call))
      assert.deepStrictEqual([first.times.length, second.times.length], [2, 1])
      assert.strictEqual(failureOf(exit)._tag, "RetryBudgetExhausted")
    }).pipe(Effect.provide(RetryBudget.layerStoreMemory)))

  it.effect("the budget window slides: retries come back after the window", () =>
    Effect.gen(function*() {
      const budget = RetryBudget.ratio({ ratio: 0, floor: 1, window: "10 seconds" })
      const policy = Policy.apply({ service: "w", backoff: { jitter: "none" }, budget, attempts: 2 })
      const a = yield* scripted([unreachable()])
      yield* drive(a.call.pipe(policy))
      const b = yield* scripted([unreachable()])
      yield* drive(b.call.pipe(policy))
      assert.deepStrictEqual([a.times.length, b.times.length], [2, 1])
      yield* TestClock.adjust("11 seconds")
      const c = yield* scripted([unreachable()])
      yield* drive(c.call.pipe(policy))
      assert.strictEqual(c.times.length, 2)
    }).pipe(Effect.provide(RetryBudget.layerStoreMemory)))

  it.effect("a token bucket refuses retries once half the tokens are gone", () =>
    Effect.gen(function*() {
      const budget = RetryBudget.tokenBucket() // 10 tokens, −1 per failure, retry while > 5
      const policy = Policy.apply({ service: "grpc", backoff: { jitter: "none" }, budget, attempts: 2 })
      const attempts: Array<number> = []
      for (let i = 0; i < 5; i++) {
        const s = yield* scripted([unreachable()])
        yield* drive(s.call.pipe(policy))
        attempts.push(s.times.length)
      }
      // tokens: 10 → 9 → 8 (call 1, retried) → 7 → 6 (call 2) → 5 (call 3: 5 is not > 5, refused)
      assert.deepStrictEqual(attempts, [2, 2, 1, 1, 1])
      const snapshot = yield* Effect.flatMap(RetryBudget.CurrentStore, (s) => s.snapshot("grpc", budget))
      assert.deepStrictEqual(snapshot, { _tag: "TokenBucket", tokens: 3 })
    }).pipe(Effect.provide(RetryBudget.layerStoreMemory)))
})

describe("Policy: circuit breaker as our faults see it", () => {
  const breaker = Policy.layerBreaker({ tripPolicy: CircuitBreaker.consecutive(3), openDuration: "10 seconds" }).pipe(
    Layer.provideMerge(CircuitBreaker.layerStoreMemory())
  )

  it.effect("server faults open it, client faults do not; open → Unavailable with retryAfterMs; probe closes", () =>
    Effect.gen(function*() {
      const cb = yield* CircuitBreaker.CircuitBreaker
      const once = { service: "records", attempts: 1, budget: false } as const
      // client faults: never trip
      for (let i = 0; i < 5; i++) yield* Effect.exit(Effect.fail(new Fault.NotFound({})).pipe(Policy.apply(once)))
      assert.strictEqual((yield* cb.state("records"))._tag, "Closed")
      for (let i = 0; i < 3; i++) yield* Effect.exit(Effect.fail(unreachable()).pipe(Policy.apply(once)))
      assert.strictEqual((yield* cb.state("records"))._tag, "Open")
      let ran = false
      const exit = yield* Effect.exit(Effect.sync(() => (ran = true)).pipe(Policy.apply(once)))
      const rejected = failureOf(exit) as Fault.Unavailable
      assert.isFalse(ran)
      assert.strictEqual(rejected._tag, "Unavailable")
      assert.strictEqual(rejected.retryAfterMs, 10_000)
      assert.isTrue(Policy.isCircuitRejection(rejected))
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* Effect.succeed("ok").pipe(Policy.apply(once)), "ok") // the probe
      assert.strictEqual((yield* cb.state("records"))._tag, "Closed")
    }).pipe(Effect.provide(breaker)))

  it.effect("a failed probe reopens it", () =>
    Effect.gen(function*() {
      const cb = yield* CircuitBreaker.CircuitBreaker
      const once = { service: "flaky", attempts: 1, budget: false } as const
      for (let i = 0; i < 3; i++) yield* Effect.exit(Effect.fail(unreachable()).pipe(Policy.apply(once)))
      yield* TestClock.adjust("10 seconds")
      yield* Effect.exit(Effect.fail(unreachable()).pipe(Policy.apply(once)))
      assert.strictEqual((yield* cb.state("flaky"))._tag, "Open")
    }).pipe(Effect.provide(breaker)))

  it.effect("half-open lets exactly one probe through with 100 concurrent callers", () =>
    Effect.gen(function*() {
      const cb = yield* CircuitBreaker.CircuitBreaker
      const options = { service: "probe", budget: false, idempotent: true, backoff: { jitter: "none" } } as const
      for (let i = 0; i < 3; i++) {
        yield* Effect.exit(Effect.fail(unreachable()).pipe(Policy.apply({ ...options, attempts: 1 })))
      }
      yield* TestClock.adjust("10 seconds")
      const release = yield* Deferred.make<void>()
      let started = 0
      const call = Effect.suspend(() => {
        started++
        return Effect.as(Deferred.await(release), "answer")
      })
      const fibers: Array<Fiber.Fiber<string, unknown>> = []
      for (let i = 0; i < 100; i++) fibers.push(yield* Effect.forkChild(call.pipe(Policy.apply(options))))
      // bounded: let every caller reach the breaker; 99 are rejected while the probe waits
      for (let i = 0; i < 1000 && fibers.filter((f) => f.pollUnsafe() !== undefined).length < 99; i++) {
        yield* Effect.yieldNow
      }
      assert.strictEqual(fibers.filter((f) => f.pollUnsafe() !== undefined).length, 99)
      assert.strictEqual(started, 1)
      const state = yield* cb.state("probe")
      assert.deepStrictEqual(state._tag === "HalfOpen" && state.probing, true)
      yield* Deferred.succeed(release, undefined)
      const exits = yield* Effect.forEach(fibers, Fiber.await)
      const ok = exits.filter(Exit.isSuccess).length
      const rejected = exits.filter((e) => Exit.isFailure(e) && Policy.isCircuitRejection(failureOf(e))).length
      assert.deepStrictEqual([ok, rejected, started], [1, 99, 1])
      assert.strictEqual((yield* cb.state("probe"))._tag, "Closed")
    }).pipe(Effect.provide(breaker)))

  it.effect("a rejection is not retried but moves to an alternative", () =>
    Effect.gen(function*() {
      const cb = yield* CircuitBreaker.CircuitBreaker
      const options = { service: "moved", budget: false, idempotent: true, backoff: { jitter: "none" } } as const
      for (let i = 0; i < 3; i++) {
        yield* Effect.exit(Effect.fail(unreachable()).pipe(Policy.apply({ ...options, attempts: 1 })))
      }
      assert.strictEqual((yield* cb.state("moved"))._tag, "Open")
      let ran = 0
      const exit = yield* drive(
        Effect.sync(() => ++ran).pipe(Policy.apply({ ...options, alternatives: [Effect.succeed(-1)] }))
      )
      assert.deepStrictEqual(exit, Exit.succeed(-1))
      assert.strictEqual(ran, 0)
      const count = (event: string) =>
        Effect.map(
          Metric.value(Metric.withAttributes(Policy.events, { event, code: "Unavailable", target: "moved" })),
          (s) => s.count
        )
      assert.strictEqual(yield* count("breaker.rejected"), 1) // a retry would have been rejected again
      assert.strictEqual(yield* count("fallback"), 1)
    }).pipe(Effect.provide(breaker), Effect.provideService(Metric.MetricRegistry, new Map())))

  it.effect("defects count as failures and are not retried; a call without a service has no breaker", () =>
    Effect.gen(function*() {
      const cb = yield* CircuitBreaker.CircuitBreaker
      let runs = 0
      const dies = Effect.suspend(() => {
        runs++
        return Effect.die("boom")
      })
      const options = { service: "defects", budget: false, idempotent: true } as const
      for (let i = 0; i < 3; i++) yield* Effect.exit(dies.pipe(Policy.apply(options)))
      assert.strictEqual(runs, 3)
      assert.strictEqual((yield* cb.state("defects"))._tag, "Open")
      // no service, no target: no breaker (an anonymous shared key would be open by now)
      const anonymous = { budget: false, attempts: 1 } as const
      for (let i = 0; i < 5; i++) yield* Effect.exit(Effect.fail(unreachable()).pipe(Policy.apply(anonymous)))
      assert.strictEqual(yield* Effect.succeed("ran").pipe(Policy.apply(anonymous)), "ran")
    }).pipe(Effect.provide(breaker)))

  it.effect("transitions are logged with the fault code and correlation id, and counted", () =>
    Effect.gen(function*() {
      const logs = captureLogs()
      const once = { service: "logged", attempts: 1, budget: false } as const
      yield* Effect.gen(function*() {
        for (let i = 0; i < 3; i++) yield* Effect.exit(Effect.fail(unreachable()).pipe(Policy.apply(once)))
        yield* Effect.exit(Effect.void.pipe(Policy.apply(once)))
      }).pipe(Correlation.withId("cid-breaker"), Effect.provide(logs.layer))
      const opened = logs.lines.find((l) => l.message.includes("Closed -> Open"))
      assert.isDefined(opened)
      assert.strictEqual(opened!.annotations.correlationId, "cid-breaker")
      assert.strictEqual(opened!.annotations.faultCode, "Unreachable")
      const rejected = logs.lines.find((l) => l.annotations["policy.event"] === "breaker.rejected")
      assert.strictEqual(rejected?.annotations.faultCode, "Unavailable")
      const count = yield* Metric.value(
        Metric.withAttributes(Policy.events, { event: "breaker.transition", target: "logged" })
      )
      assert.strictEqual(count.count, 1)
    }).pipe(Effect.provide(breaker), Effect.provideService(Metric.MetricRegistry, new Map())))
})

describe("Policy: observability", () => {
  it.effect("each retry is logged with fault code and correlation id, counted, and a span event", () =>
    Effect.gen(function*() {
      const logs = captureLogs()
      const spanEvents: Array<[string, Record<string, unknown> | undefined]> = []
      const { call } = yield* scripted([unreachable(), "ok"])
      const fiber = yield* Effect.forkChild(
        Effect.gen(function*() {
          const span = yield* Effect.currentSpan
          const original = span.event.bind(span)
          span.event = (name, time, attributes) => {
            spanEvents.push([name, attributes])
            original(name, time, attributes)
          }
          return yield* call.pipe(Policy.apply({ ...exact, service: "records" }))
        }).pipe(Effect.withSpan("get-record"), Correlation.withId("cid-1"), Effect.provide(logs.layer))
      )
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(fiber), 2)
      const retry = logs.lines.find((l) => l.annotations["policy.event"] === "retry")
      assert.isDefined(retry)
      assert.strictEqual(retry!.level, "Info")
      assert.strictEqual(retry!.annotations.faultCode, "Unreachable")
      assert.strictEqual(retry!.annotations.correlationId, "cid-1")
      assert.strictEqual(retry!.annotations.delayMs, 100)
      assert.deepStrictEqual(spanEvents.map(([n]) => n), ["policy.retry"])
      assert.strictEqual(spanEvents[0]![1]!.faultCode, "Unreachable")
      const count = yield* Metric.value(
        Metric.withAttributes(Policy.events, { event: "retry", code: "Unreachable", target: "records" })
      )
      assert.strictEqual(count.count, 1)
    }).pipe(Effect.provideService(Metric.MetricRegistry, new Map())))

  it.effect("fallbacks are logged and counted", () =>
    Effect.gen(function*() {
      const logs = captureLogs()
      yield* Effect.fail(new Fault.RemoteFault({ remoteCode: "Down" })).pipe(
        Policy.fallback([Effect.succeed(1)]),
        Correlation.withId("cid-2"),
        Effect.provide(logs.layer)
      )
      const line = logs.lines.find((l) => l.annotations["policy.event"] === "fallback")
      assert.strictEqual(line?.level, "Warn")
      assert.strictEqual(line?.annotations.correlationId, "cid-2")
      assert.strictEqual(line?.annotations.faultCode, "RemoteFault")
    }))
})

describe("Policy: upstream hints stop here", () => {
  it("strips the retry hint of a remote fault and of a local one, keeping the class", () => {
    const remote = new Fault.RemoteFault({ remoteCode: "Unavailable", remoteStatus: 503, retryAfterMs: 1_000 })
    assert.strictEqual(remote.expected, "RetryLater")
    const stripped = Policy.stripUpstreamHints(remote)
    assert.strictEqual(stripped.expected, "DoNotRetry")
    assert.strictEqual(stripped.remoteExpected, "DoNotRetry")
    assert.isUndefined(stripped.retryAfterMs)
    assert.strictEqual(stripped.remoteCode, "Unavailable")
    const timeout = new Fault.Timeout({ budget: "response", afterMs: 500, phase: "MaybeDelivered" })
    const t = Policy.stripUpstreamHints(timeout)
    assert.instanceOf(t, Fault.Timeout)
    assert.strictEqual(t.expected, "DoNotRetry")
    assert.strictEqual(timeout.expected, "RetryLater") // the original is untouched
    const notFound = new Fault.NotFound({})
    assert.strictEqual(Policy.stripUpstreamHints(notFound), notFound)
  })

  it.effect("hintsStopHere strips by default; UpstreamHints keep opts out", () =>
    Effect.gen(function*() {
      const failing = Effect.fail(new Fault.Unavailable({ retryAfterMs: 100 }))
      const stripped = yield* Effect.flip(Policy.hintsStopHere(failing))
      assert.strictEqual(stripped.expected, "DoNotRetry")
      const kept = yield* Effect.flip(Policy.hintsStopHere(failing)).pipe(
        Effect.provideService(Policy.UpstreamHints, "keep")
      )
      assert.strictEqual(kept.expected, "RetryLater")
    }))
})

describe("Policy: log and continue", () => {
  it.effect("a network fault logs a warning with code and correlation id and returns the value", () =>
    Effect.gen(function*() {
      const logs = captureLogs()
      const sent = yield* Effect.fail(unreachable()).pipe(
        Policy.logAndContinue(false),
        Correlation.withId("cid-3"),
        Effect.provide(logs.layer)
      )
      assert.isFalse(sent)
      const line = logs.lines.find((l) => l.annotations["policy.event"] === "continued")
      assert.strictEqual(line?.level, "Warn")
      assert.strictEqual(line?.annotations.faultCode, "Unreachable")
      assert.strictEqual(line?.annotations.correlationId, "cid-3")
    }))

  it.effect("other faults and errors pass through", () =>
    Effect.gen(function*() {
      const nf = new Fault.NotFound({})
      assert.strictEqual(yield* Effect.flip(Effect.fail(nf).pipe(Policy.logAndContinue(0))), nf)
      const e = new Error("x")
      assert.strictEqual(yield* Effect.flip(Effect.fail(e).pipe(Policy.logAndContinue(0))), e)
      assert.strictEqual(yield* Effect.succeed(1).pipe(Policy.logAndContinue(0)), 1)
    }))
})

describe("Policy: decisions", () => {
  it("decide reads expected, phase and idempotency", () => {
    assert.strictEqual(Policy.decide(unreachable(), { idempotent: false }), "retry")
    assert.strictEqual(Policy.decide(reset(), { idempotent: false }), "fail")
    assert.strictEqual(Policy.decide(reset(), { idempotent: true }), "retry")
    assert.strictEqual(Policy.decide(new Fault.RateLimited({}), { idempotent: false }), "retry")
    // the server did not act (429, 503 Unavailable): safe to send again; a remote 5xx only when idempotent
    assert.strictEqual(Policy.decide(new Fault.Unavailable({}), { idempotent: false }), "retry")
    const remote429 = new Fault.RemoteFault({ remoteCode: "TooMany", remoteStatus: 429 })
    assert.strictEqual(Policy.decide(remote429, { idempotent: false }), "retry")
    const remote503 = new Fault.RemoteFault({ remoteCode: "Busy", remoteStatus: 503 })
    assert.strictEqual(Policy.decide(remote503, { idempotent: false }), "fail")
    assert.strictEqual(Policy.decide(remote503, { idempotent: true }), "retry")
    assert.strictEqual(Policy.decide(new Fault.NotFound({}), { idempotent: true }), "fail")
    assert.strictEqual(Policy.decide(new Fault.Unauthenticated({}), { idempotent: true }), "fail")
    assert.strictEqual(
      Policy.decide(new Fault.Unauthenticated({}), { idempotent: true, canReauthenticate: true }),
      "reauthenticate"
    )
    assert.strictEqual(
      Policy.decide(new Fault.RemoteFault({ remoteCode: "X", remoteExpected: "RetryNow" }), { idempotent: false }),
      "fail"
    )
  })

  it("retryWhen may widen to TryAlternative, never to FixRequest / DoNotRetry / CallOperator", () => {
    const always = () => true
    const remote500 = new Fault.RemoteFault({ remoteCode: "Boom", remoteStatus: 500 }) // TryAlternative
    assert.strictEqual(Policy.decide(remote500, { idempotent: true }), "fail")
    assert.strictEqual(Policy.decide(remote500, { idempotent: true, retryWhen: always }), "retry")
    for (
      const f of [
        new Fault.NotFound({}),
        new Fault.SchemaViolation({ direction: "outbound", violations: [] }),
        new Fault.InternalError({}),
        new RetryBudget.RetryBudgetExhausted({ upstream: "billing", refused: "Timeout" })
      ]
    ) {
      assert.strictEqual(Policy.decide(f, { idempotent: true, retryWhen: always }), "fail", f._tag)
    }
    assert.strictEqual(Policy.decide(unreachable(), { idempotent: true, retryWhen: () => false }), "fail")
  })

  it("countsAgainstTarget: client faults never trip a breaker", () => {
    assert.isFalse(Policy.countsAgainstTarget(new Fault.NotFound({})))
    assert.isFalse(Policy.countsAgainstTarget(new Fault.RateLimited({})))
    assert.isFalse(Policy.countsAgainstTarget(new Fault.InternalError({})))
    assert.isTrue(Policy.countsAgainstTarget(reset()))
    assert.isTrue(Policy.countsAgainstTarget(new Fault.RemoteFault({ remoteCode: "X", remoteStatus: 503 })))
    assert.isFalse(Policy.countsAgainstTarget(new Fault.RemoteFault({ remoteCode: "X", remoteStatus: 400 })))
  })
})
