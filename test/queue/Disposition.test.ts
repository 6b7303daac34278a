import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as Fault from "../../src/Fault.ts"
import * as Policy from "../../src/Policy.ts"
import { Disposition, ErrorMessage } from "../../src/queue/index.ts"

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
      [new Fault.NotWellFormed({ format: "json", direction: "inbound", reason: "x" }), "RetryLater"]
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
    assert.strictEqual(
      Disposition.decide(new Fault.Unavailable({}), { toString: Disposition.ack() } as any)._tag,
      "RetryLater"
    )
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
