import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Catalog, Fault, Trust } from "effect-faults"
import fc from "fast-check"

const received: Trust.Received = {
  code: "NotFound",
  message: "order '42' not found",
  status: 404,
  fields: { resource: "order", id: "42" },
  correlationId: "c-1"
}

describe("Trust", () => {
  it.effect("distrust: a remote NotFound is a RemoteFault, never caught by a handler for a local NotFound", () =>
    Effect.gen(function*() {
      const fault = Trust.toFault(received, { mode: "distrust", catalog: Catalog.builtin, protocol: "http" })
      assert.instanceOf(fault, Fault.RemoteFault)
      // typed as the union a caller would hold: the local handler must not match the remote failure
      const outcome = yield* Effect.fail(fault as Fault.NotFound | Fault.RemoteFault).pipe(
        Effect.catchTag("NotFound", () => Effect.succeed("caught as local NotFound")),
        Effect.catchTag(
          "RemoteFault",
          (e) => Effect.succeed(`remote ${e.remoteCode} ${e.remoteStatus} via ${e.protocol}`)
        )
      )
      assert.strictEqual(outcome, "remote NotFound 404 via http")
      assert.strictEqual((fault as Fault.RemoteFault).correlationId, "c-1")
      assert.strictEqual(fault.expected, "FixRequest")
    }))

  it("trust: a catalogued code comes back as its typed fault, marked received", () => {
    const fault = Trust.toFault(received, { mode: "trust", catalog: Catalog.builtin, protocol: "http" })
    assert.instanceOf(fault, Fault.NotFound)
    assert.strictEqual(fault.origin, "remote")
    assert.strictEqual((fault as Fault.NotFound).id, "42")
    assert.strictEqual(fault.message, "order '42' not found")
    assert.strictEqual(fault.correlationId, "c-1")
  })

  it("trust falls back to a RemoteFault for unknown codes and for fields that do not decode", () => {
    const options = { mode: "trust", catalog: Catalog.builtin, protocol: "grpc" } as const
    assert.instanceOf(Trust.toFault({ code: "Nope" }, options), Fault.RemoteFault)
    const bad = Trust.toFault({ code: "InvalidFieldValue", fields: { field: 1 } }, options)
    assert.instanceOf(bad, Fault.RemoteFault)
    assert.strictEqual((bad as Fault.RemoteFault).remoteCode, "InvalidFieldValue")
  })

  it("trust takes only the class's own fields: hostile extra keys cannot shadow what the fault says of itself", () => {
    const options = { mode: "trust", catalog: Catalog.builtin, protocol: "http" } as const
    const hostile = JSON.parse(
      `{"id":"42","code":"Hacked","status":200,"expected":"RetryNow","__proto__":{"x":1},"origin":"local"}`
    )
    const fault = Trust.toFault({ code: "NotFound", fields: hostile }, options)
    assert.instanceOf(fault, Fault.NotFound)
    assert.deepStrictEqual([fault.code, fault.status, fault.expected, fault.origin], [
      "NotFound",
      404,
      "DoNotRetry",
      "remote"
    ])
    assert.strictEqual((fault as Fault.NotFound).id, "42")
    assert.isFalse(Object.hasOwn(fault, "code"))
  })

  it("property: trust accepts exactly what the class's whole schema accepts (own fields by schema, common fields by hand)", () => {
    class Bare extends Fault.define<Bare>()("Bare", {}, { category: "application", expected: "DoNotRetry" }) {}
    // string fields optional and required, literal unions, a number with checks (Schema.is kept)
    const classes = [Fault.NotFound, Fault.Unavailable, Fault.ConnectionLost, Fault.ContentTooLarge, Bare]
    const catalog = Catalog.fromFaults(classes)
    const options = { mode: "trust", catalog, protocol: "http" } as const
    const anyValue = fc.oneof(
      fc.constant(undefined),
      fc.string(),
      fc.double(),
      fc.constantFrom(-1, 0, 5, Infinity, -Infinity, Number.NaN),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom("BeforeSend", "MaybeDelivered", "outbound", "inbound", "other"),
      fc.constantFrom(0, 1024, 1.5, -3)
    )
    fc.assert(
      fc.property(
        fc.constantFrom(...classes),
        fc.record({
          resource: anyValue,
          id: anyValue,
          reason: anyValue,
          host: anyValue,
          phase: anyValue,
          direction: anyValue,
          limitBytes: anyValue
        }, { requiredKeys: [] }),
        anyValue,
        anyValue,
        anyValue,
        (faultClass: any, fields: Record<string, unknown>, message, retryAfterMs, correlationId) => {
          const tag = faultClass[Fault.TypeId].tag
          const received = { code: tag, fields, message, retryAfterMs, correlationId } as Trust.Received
          const input: Record<string, unknown> = { _tag: tag }
          for (const name of Object.keys(faultClass.fields)) if (Object.hasOwn(fields, name)) input[name] = fields[name]
          for (const [k, v] of Object.entries({ message, retryAfterMs, correlationId })) {
            if (v !== undefined) input[k] = v
          }
          const accepted = Schema.is(Schema.Struct(faultClass.fields))(input)
          const fault = Trust.toFault(received, options)
          assert.strictEqual(fault instanceof faultClass, accepted)
          assert.strictEqual(fault instanceof Fault.RemoteFault, !accepted)
        }
      ),
      { numRuns: 5000 }
    )
  })

  it("trust decodes user faults with non-JSON fields through their JSON codec", () => {
    class Expired extends Fault.define<Expired>()("Expired", { at: Schema.Date }, {
      category: "application",
      expected: "DoNotRetry",
      status: 410
    }) {}
    const fault = Trust.toFault(
      { code: "Expired", fields: { at: "2026-01-01T00:00:00.000Z" } },
      { mode: "trust", catalog: Catalog.fromFaults([Expired]), protocol: "http" }
    )
    assert.instanceOf(fault, Expired)
    assert.strictEqual((fault as Expired).at.getTime(), Date.parse("2026-01-01T00:00:00.000Z"))
  })

  it.effect("distrust is the default mode", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* Trust.CurrentMode, "distrust")
      assert.strictEqual(yield* Trust.CurrentMode.pipe(Effect.provide(Trust.layer("trust"))), "trust")
    }))
})
