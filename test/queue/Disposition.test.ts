import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Logger, References, Schema } from "effect"
import * as Correlation from "../../src/Correlation.ts"
import * as Fault from "../../src/Fault.ts"
import * as Policy from "../../src/Policy.ts"
import { Consumer, Disposition, Driver, ErrorMessage } from "../../src/queue/index.ts"

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
      [Fault.received(new Fault.SchemaViolation({ direction: "outbound", violations: [] })), "DeadLetter"]
    ]
    for (const [fault, expected] of cases) {
      const d = Disposition.defaultFor(fault)
      assert.strictEqual(d._tag === "NotifySender" ? `${d._tag} ${d.errorCondition}` : d._tag, expected, fault._tag)
    }
    assert.strictEqual(Disposition.decide(new Error("not a fault"))._tag, "Leave")
    assert.strictEqual(ErrorMessage.conditionOf(new Fault.NotFound({})), "transport:internal-error")
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
