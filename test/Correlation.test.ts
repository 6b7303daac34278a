import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Logger, References } from "effect"
import { Correlation } from "effect-faults"

const uuid = "550e8400-e29b-11d4-a716-446655440000"

describe("Correlation", () => {
  it("reads headers in priority order: x-correlator, x-correlation-id, x-request-id, traceparent", () => {
    const trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert.strictEqual(Correlation.fromHeaders({ "x-correlator": uuid, "x-request-id": "r-1" }).id, uuid)
    assert.strictEqual(Correlation.fromHeaders({ "x-correlation-id": "c-1", "x-request-id": "r-1" }).id, "c-1")
    assert.strictEqual(Correlation.fromHeaders({ "x-request-id": "r-1", traceparent: trace }).id, "r-1")
    const fromTrace = Correlation.fromHeaders({ traceparent: trace })
    assert.deepStrictEqual([fromTrace.id, fromTrace.source], ["4bf92f3577b34da6a3ce929d0e0e4736", "traceparent"])
  })

  it("validates incoming ids and replaces bad ones, keeping only the header, length and reason", () => {
    const hostile = "x\r\nSet-Cookie: session=stolen"
    const r = Correlation.fromHeaders({ "x-correlator": "not-a-uuid", "x-request-id": hostile })
    assert.strictEqual(r.source, "generated")
    assert.match(r.id, Correlation.uuidPattern)
    assert.deepStrictEqual(r.rejected, [
      { header: "x-correlator", length: 10, reason: "not a UUID" },
      { header: "x-request-id", length: hostile.length, reason: "invalid characters" }
    ])
    assert.notInclude(JSON.stringify(r), "stolen")
    assert.strictEqual(Correlation.validate("x-request-id", "a".repeat(129)).constructor, Object)
    assert.deepStrictEqual(Correlation.validate("x-request-id", ""), {
      header: "x-request-id",
      length: 0,
      reason: "empty"
    })
    assert.deepStrictEqual(Correlation.validate("traceparent", "00-zz"), {
      header: "traceparent",
      length: 5,
      reason: "malformed traceparent"
    })
  })

  it("rejects the traceparent values W3C Trace Context calls invalid (all-zero ids, version ff)", () => {
    const ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert.strictEqual(Correlation.validate("traceparent", ok), "4bf92f3577b34da6a3ce929d0e0e4736")
    for (
      const bad of [
        `00-${"0".repeat(32)}-00f067aa0ba902b7-01`,
        `00-4bf92f3577b34da6a3ce929d0e0e4736-${"0".repeat(16)}-01`,
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
      ]
    ) {
      assert.deepStrictEqual(Correlation.validate("traceparent", bad), {
        header: "traceparent",
        length: 55,
        reason: "malformed traceparent"
      })
    }
    // two requests with an all-zero trace-id do not share a correlation id
    assert.strictEqual(
      Correlation.fromHeaders({ traceparent: `00-${"0".repeat(32)}-00f067aa0ba902b7-01` }).source,
      "generated"
    )
  })

  it.effect("accept logs a warning for a rejected header without its value, and puts the id on every log line", () =>
    Effect.gen(function*() {
      const lines: Array<{ message: string; annotations: Record<string, unknown> }> = []
      const capture = Logger.make((o) => {
        lines.push({
          message: JSON.stringify(o.message),
          annotations: { ...o.fiber.getRef(References.CurrentLogAnnotations) }
        })
      })
      const id = yield* Effect.gen(function*() {
        yield* Effect.log("handling")
        return yield* Correlation.CorrelationId
      }).pipe(Correlation.accept({ "x-correlator": "evil\nvalue" }), Effect.provide(Logger.layer([capture])))
      assert.strictEqual(lines.length, 2)
      assert.include(lines[0]!.message, "x-correlator (10 chars): not a UUID")
      assert.notInclude(lines[0]!.message, "evil")
      for (const line of lines) assert.strictEqual(line.annotations.correlationId, id)
    }))

  it.effect("is inherited by forked fibers and does not leak out of its scope", () =>
    Effect.gen(function*() {
      const [inner, child, daemon] = yield* Effect.gen(function*() {
        const c = yield* Effect.forkChild(Effect.andThen(Effect.yieldNow, Correlation.CorrelationId))
        const d = yield* Effect.forkDetach(Correlation.CorrelationId)
        return [yield* Correlation.CorrelationId, yield* Fiber.join(c), yield* Fiber.join(d)]
      }).pipe(Correlation.withId("c-1"))
      assert.deepStrictEqual([inner, child, daemon], ["c-1", "c-1", "c-1"])
      assert.strictEqual(yield* Correlation.CorrelationId, undefined)
    }))

  it.effect("10 000 concurrent units of work with distinct ids: zero cross-talk in context and log lines", () =>
    Effect.gen(function*() {
      const n = 10_000
      let logged = 0
      let crossTalk = 0
      const capture = Logger.make((o) => {
        logged++
        const fromLog = o.fiber.getRef(References.CurrentLogAnnotations).correlationId
        if (fromLog !== o.fiber.getRef(Correlation.CorrelationId) || String(o.message) !== String([fromLog])) {
          crossTalk++
        }
      })
      const unit = (i: number) => {
        const id = `unit-${i}`
        return Effect.gen(function*() {
          yield* Effect.yieldNow
          yield* Effect.log(id)
          const child = yield* Effect.forkChild(Effect.andThen(Effect.yieldNow, Correlation.CorrelationId))
          yield* Effect.sleep(0)
          const seen = [yield* Correlation.CorrelationId, yield* Fiber.join(child)]
          yield* Effect.log(id)
          return seen.every((s) => s === id)
        }).pipe(Correlation.withId(id))
      }
      const results = yield* Effect.forEach(Array.from({ length: n }, (_, i) => i), unit, { concurrency: "unbounded" })
        .pipe(Effect.provide(Logger.layer([capture])))
      assert.strictEqual(results.filter((ok) => !ok).length, 0)
      assert.strictEqual(logged, 2 * n)
      assert.strictEqual(crossTalk, 0)
    }))

  it.effect("currentOrGenerate gives the current id, or a fresh UUID outside any unit of work", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* Correlation.currentOrGenerate.pipe(Correlation.withId("c-9")), "c-9")
      assert.match(yield* Correlation.currentOrGenerate, Correlation.uuidPattern)
      const custom = yield* Correlation.currentOrGenerate.pipe(
        Effect.provide(Correlation.layerConfig({ generate: () => "fixed" }))
      )
      assert.strictEqual(custom, "fixed")
    }))
})
