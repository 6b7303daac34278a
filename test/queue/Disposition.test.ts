import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Layer, Logger, References, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as Correlation from "../../src/Correlation.ts"
import * as Fault from "../../src/Fault.ts"
import * as Policy from "../../src/Policy.ts"
import { Consumer, Disposition, Driver, ErrorMessage, Headers, MemoryDriver } from "../../src/queue/index.ts"
import * as Report from "../../src/Report.ts"

describe("Disposition", () => {
  it("the default mapping follows the Helsenorge design", () => {
    const cases: Array<[Fault.Fault, string]> = [
      [
        new Fault.NotWellFormed({ format: "json", direction: "outbound", reason: "x" }),
        "NotifySender transport:not-well-formed-xml"
      ],
      [
        new Fault.SchemaViolation({ direction: "outbound", violations: [] }),
        "NotifySender transport:not-well-formed-xml"
      ],
      [
        new Fault.ContentTooLarge({ direction: "outbound", limitBytes: 1024 }),
        "NotifySender transport:not-well-formed-xml"
      ],
      [
        new Fault.InvalidFieldValue({ field: "f", expectedValue: "a", receivedValue: "b" }),
        "NotifySender transport:invalid-field-value"
      ],
      [new Fault.CertificateExpired({ notAfter: "2026-01-01" }), "NotifySender transport:expired-certificate"],
      [new Fault.SignatureInvalid({}), "NotifySender transport:invalid-certificate"],
      [new Disposition.TellSender({ message: "x" }), "NotifySender transport:internal-error"],
      [new Fault.Unavailable({}), "RetryLater"],
      [new Fault.RateLimited({}), "RetryLater"],
      [new Fault.Timeout({ budget: "overall", afterMs: 1, phase: "MaybeDelivered" }), "RetryLater"],
      [new Fault.NotFound({}), "DeadLetter"],
      [new Fault.Conflict({}), "DeadLetter"],
      [new Fault.InternalError({}), "Leave"],
      // a response we could not read is not the sender's fault
      [new Fault.NotWellFormed({ format: "json", direction: "inbound", reason: "x" }), "RetryLater"],
      // another party's report that our message was bad (FixRequest): ours to fix, not to retry
      [
        Fault.received(new Fault.NotWellFormed({ format: "json", direction: "outbound", reason: "x" })),
        "DeadLetter"
      ],
      [Fault.received(new Fault.SchemaViolation({ direction: "outbound", violations: [] })), "DeadLetter"],
      // a body too large never fits, however long one waits: not retried, whoever it is too large for
      [new Fault.ContentTooLarge({ direction: "inbound" }), "DeadLetter"],
      [Fault.received(new Fault.ContentTooLarge({ direction: "outbound" })), "DeadLetter"]
    ]
    for (const [fault, expected] of cases) {
      const d = Disposition.defaultFor(fault)
      assert.strictEqual(d._tag === "NotifySender" ? `${d._tag} ${d.errorCondition}` : d._tag, expected, fault._tag)
    }
    assert.strictEqual(Disposition.decide(new Error("not a fault"))._tag, "Leave")
    assert.strictEqual(ErrorMessage.conditionOf(new Fault.NotFound({})), "transport:internal-error")
    assert.strictEqual(
      ErrorMessage.conditionOf(new Fault.ContentTooLarge({ direction: "outbound" })),
      "transport:not-well-formed-xml"
    )
  })

  it("a message too large: the sender's error message names ContentTooLarge and its limit, and reads back typed (trust)", () => {
    const fault = new Fault.ContentTooLarge({ direction: "outbound", limitBytes: 262_144 })
    const m = ErrorMessage.make(fault, ErrorMessage.conditionOf(fault), { queue: "gp.in", attempts: 1 })
    const read = ErrorMessage.read(m, { mode: "trust" })
    assert.deepInclude(read.body!, {
      errorCondition: "transport:not-well-formed-xml",
      code: "ContentTooLarge",
      errorDescription: "request body exceeds the limit of 262144 bytes"
    })
    assert.instanceOf(read.failure.fault, Fault.ContentTooLarge)
    assert.deepStrictEqual(
      [
        (read.failure.fault as Fault.ContentTooLarge).direction,
        (read.failure.fault as Fault.ContentTooLarge).limitBytes
      ],
      ["outbound", 262_144]
    )
    assert.strictEqual(read.failure.fault.origin, "remote")
  })

  it("overrides by tag, by code, or by function (undefined falls back)", () => {
    const overrides: Disposition.Overrides = {
      NotFound: Disposition.ack("gone"),
      "Queue.TellSender": Disposition.deadLetter,
      Conflict: (f) => (f as Fault.Conflict).reason === "dup" ? Disposition.ack() : undefined
    }
    assert.strictEqual(Disposition.decide(new Fault.NotFound({}), overrides)._tag, "Ack")
    assert.strictEqual(Disposition.decide(new Disposition.TellSender({}), overrides)._tag, "DeadLetter")
    assert.strictEqual(Disposition.decide(new Fault.Conflict({ reason: "dup" }), overrides)._tag, "Ack")
    assert.strictEqual(Disposition.decide(new Fault.Conflict({ reason: "other" }), overrides)._tag, "DeadLetter")
    // A tag or code that is an `Object.prototype` key finds no inherited override (`Object.hasOwn`).
    class Ctor extends Fault.define<Ctor>()("constructor", {}, { category: "application", expected: "DoNotRetry" }) {}
    class Str extends Fault.define<Str>()("Str", {}, {
      category: "application",
      expected: "DoNotRetry",
      code: "toString"
    }) {}
    assert.strictEqual(Disposition.decide(new Ctor({}), {})._tag, "DeadLetter")
    assert.strictEqual(Disposition.decide(new Str({}), {})._tag, "DeadLetter")
  })

  it.effect("delays: the disposition's, then the fault's retryAfter, then the pacing (Policy.backoff replayed per attempt)", () =>
    Effect.gen(function*() {
      const pacing: Disposition.Pacing = {
        ...Disposition.defaultPacing,
        delay: Disposition.fromSchedule(Policy.backoff({ base: "100 millis", cap: "1 second", jitter: "none" }))
      }
      const f = new Fault.Unavailable({})
      assert.deepStrictEqual(
        yield* Effect.forEach([1, 2, 3, 4, 5], (n) => Disposition.retryDelayMs(Disposition.retryLater(), f, n, pacing)),
        [100, 200, 400, 800, 1000]
      )
      assert.strictEqual(
        yield* Disposition.retryDelayMs(
          Disposition.retryLater(),
          new Fault.RateLimited({ retryAfterMs: 2500 }),
          1,
          pacing
        ),
        2500
      )
      assert.strictEqual(
        yield* Disposition.retryDelayMs(
          Disposition.retryLater(7),
          new Fault.RateLimited({ retryAfterMs: 2500 }),
          1,
          pacing
        ),
        7
      )
      assert.strictEqual(
        yield* Disposition.retryDelayMs(Disposition.leave, f, 1, pacing),
        Duration.toMillis(pacing.leaveDelay)
      )
      // the default pacing jitters (full jitter): within [0, 1 s × 2^(n-1)]
      for (let n = 1; n <= 4; n++) {
        const ms = yield* Disposition.retryDelayMs(Disposition.retryLater(), f, n, Disposition.defaultPacing)
        assert.isTrue(ms >= 0 && ms <= 1000 * 2 ** (n - 1), `attempt ${n}: ${ms}`)
      }
    }))
})

describe("Consumer settlement", () => {
  const logged: Array<unknown> = []
  const capture = Logger.make((o) => {
    if (Array.isArray(o.message) && o.message[0] === "could not settle message") {
      logged.push(o.fiber.getRef(References.CurrentLogAnnotations).correlationId)
    }
  })

  it.effect("a settlement that fails is logged under the handler's correlation id, generated once", () =>
    Effect.gen(function*() {
      // One delivery with no correlation id (so one is generated), whose ack fails: the broker went away.
      let taken = false
      const delivery: Driver.Delivery = {
        queue: "q",
        body: new TextEncoder().encode("{}"),
        headers: {},
        correlationId: undefined,
        contentType: "application/json",
        messageId: "m-1",
        replyTo: undefined,
        redelivered: false,
        ack: Effect.fail(new Fault.Unavailable({})),
        redeliver: () => Effect.void,
        deadLetter: () => Effect.void
      }
      const driver: Driver.Shape = {
        name: "fake",
        publish: () => Effect.void,
        subscribe: () =>
          Effect.succeed({
            take: Effect.suspend(() => {
              if (taken) return Effect.never
              taken = true
              return Effect.succeed(delivery)
            }),
            stop: Effect.void
          }),
        declare: () => Effect.void,
        remove: () => Effect.void,
        depth: () => Effect.succeed(0)
      }
      const seen: Array<string | undefined> = []
      yield* Consumer.consume({
        queue: "q",
        schema: Schema.Unknown,
        concurrency: 1,
        handler: () => Effect.map(Correlation.CorrelationId, (id) => void seen.push(id))
      }).pipe(Effect.provideService(Driver.Driver, driver))
      for (let i = 0; i < 100 && logged.length === 0; i++) yield* Effect.yieldNow
      assert.strictEqual(seen.length, 1)
      assert.isString(seen[0])
      assert.deepStrictEqual(logged, [seen[0]])
    }).pipe(Effect.provide(Logger.layer([capture]))))
})

describe("Disposition.CurrentPacing", () => {
  // Fixed, recognisable numbers: nothing in the default pacing is 7 s, 11 s or 3 attempts.
  const custom: Disposition.Pacing = {
    maxAttempts: 3,
    delay: (attempt) => Effect.succeed(Duration.seconds(7 * attempt)),
    leaveDelay: Duration.seconds(11),
    maxDeliveries: 2
  }
  const encoder = new TextEncoder()
  let counter = 0

  /** Lets forked fibers (the consumer's workers, the driver's delayed redeliveries) run. */
  const settle = Effect.forEach(Array.from({ length: 50 }), () => Effect.yieldNow, { discard: true })
  const advance = (ms: number) => Effect.andThen(TestClock.adjust(ms), settle)

  /** A consumer on a fresh in-memory queue whose handler always fails with `failure`; records (attempt, time). */
  const failing = (failure: Effect.Effect<never, Fault.Fault>, pacing?: Partial<Disposition.Pacing>) =>
    Effect.gen(function*() {
      const queue = `pacing-${++counter}`
      const seen: Array<readonly [number, number]> = []
      yield* Consumer.consume({
        queue,
        schema: Schema.Unknown,
        concurrency: 1,
        ...(pacing === undefined ? {} : { pacing }),
        handler: (_, message) =>
          Effect.andThen(
            Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => seen.push([message.attempt, now]))),
            failure
          )
      })
      const driver = yield* Driver.Driver
      yield* driver.publish(queue, { body: encoder.encode("{}"), headers: {} })
      yield* settle
      return { seen, errorDepth: driver.depth(`${queue}.error`), errors: `${queue}.error` }
    })

  const unavailable = Effect.fail(new Fault.Unavailable({ reason: "db down" }))
  const unexpected = Effect.fail(new Fault.InternalError({}))

  it.effect("without it, retries follow the default pacing (full jitter from 1 s: the 2nd attempt within 1 s)", () =>
    Effect.gen(function*() {
      const { seen } = yield* failing(unavailable)
      assert.deepStrictEqual(seen.map(([a]) => a), [1])
      yield* advance(1000)
      // attempt 2 came within 1 s (the delays are random: later attempts may have come too)
      assert.isAtLeast(seen.length, 2)
      assert.strictEqual(seen[1]![0], 2)
      assert.isAtMost(seen[1]![1], 1000)
    }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent), Effect.provide(MemoryDriver.layer)))

  it.effect("provided, it paces every consumer's retries: its delays, its attempts, then dead letter", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* Disposition.CurrentPacing, custom)
      const retried = yield* failing(unavailable)
      const left = yield* failing(unexpected)
      assert.deepStrictEqual(retried.seen, [[1, 0]])
      assert.deepStrictEqual(left.seen, [[1, 0]])
      yield* advance(6_999) // retry later: 7 s before attempt 2 (the default would have retried within 1 s)
      assert.deepStrictEqual(retried.seen, [[1, 0]])
      yield* advance(1)
      assert.deepStrictEqual(retried.seen, [[1, 0], [2, 7_000]])
      yield* advance(3_999) // leave: 11 s lock delay
      assert.deepStrictEqual(left.seen, [[1, 0]])
      yield* advance(1)
      assert.deepStrictEqual(left.seen, [[1, 0], [2, 11_000]])
      // left twice = its maxDeliveries: dead-lettered, no third delivery
      assert.strictEqual(yield* left.errorDepth, 1)
      yield* advance(9_999) // 14 s (7 s × attempt 2) after attempt 2 comes attempt 3, at 21 s
      assert.deepStrictEqual(retried.seen.map(([a]) => a), [1, 2])
      assert.strictEqual(yield* retried.errorDepth, 0)
      yield* advance(1)
      assert.deepStrictEqual(retried.seen, [[1, 0], [2, 7_000], [3, 21_000]])
      // attempt 3 = its maxAttempts: dead-lettered with the attempts in a header
      assert.strictEqual(yield* retried.errorDepth, 1)
      const driver = yield* Driver.Driver
      const sub = yield* driver.subscribe(retried.errors, { prefetch: 1 })
      const dead = yield* sub.take
      assert.strictEqual(Headers.attempts(dead.headers), 3)
      yield* advance(60_000)
      assert.strictEqual(retried.seen.length, 3)
      assert.strictEqual(left.seen.length, 2)
    }).pipe(
      Effect.provideService(Disposition.CurrentPacing, custom),
      Effect.provideService(Report.CurrentHooks, Report.silent),
      Effect.provide(MemoryDriver.layer)
    ))

  it.effect("provided as a layer, it is the base a consumer's own partial pacing overrides field by field", () =>
    Effect.gen(function*() {
      const { seen, errorDepth } = yield* failing(unavailable, { maxAttempts: 2 })
      yield* advance(6_999)
      assert.deepStrictEqual(seen, [[1, 0]])
      yield* advance(1) // the provided delay (7 s) still applies
      assert.deepStrictEqual(seen, [[1, 0], [2, 7_000]])
      assert.strictEqual(yield* errorDepth, 1) // the consumer's maxAttempts (2), not the provided 3
      yield* advance(60_000)
      assert.strictEqual(seen.length, 2)
    }).pipe(
      Effect.provide(Layer.succeed(Disposition.CurrentPacing, custom)),
      Effect.provideService(Report.CurrentHooks, Report.silent),
      Effect.provide(MemoryDriver.layer)
    ))

  it.effect("the fault's retryAfterMs and the disposition's own delay still win over the provided pacing", () =>
    Effect.gen(function*() {
      const after = yield* failing(Effect.fail(new Fault.Unavailable({ retryAfterMs: 2_500 })))
      yield* advance(2_499)
      assert.strictEqual(after.seen.length, 1)
      yield* advance(1)
      assert.deepStrictEqual(after.seen, [[1, 0], [2, 2_500]])
      assert.strictEqual(yield* Disposition.retryDelayMs(Disposition.retryLater(), undefined, 2, custom), 14_000)
      assert.strictEqual(yield* Disposition.retryDelayMs(Disposition.retryLater(5), undefined, 2, custom), 5)
      assert.strictEqual(yield* Disposition.retryDelayMs(Disposition.leave, undefined, 1, custom), 11_000)
    }).pipe(
      Effect.provideService(Disposition.CurrentPacing, custom),
      Effect.provideService(Report.CurrentHooks, Report.silent),
      Effect.provide(MemoryDriver.layer)
    ))
})
