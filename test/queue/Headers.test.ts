import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import fc from "fast-check"
import * as Catalog from "../../src/Catalog.ts"
import * as Exposure from "../../src/Exposure.ts"
import * as Fault from "../../src/Fault.ts"
import { ErrorMessage, Headers } from "../../src/queue/index.ts"

const names = Object.values(Headers.names)

// Values of every type a header table can hold (amqplib: strings, numbers, Buffers, booleans,
// nested tables, arrays, bigints), plus hostile ones.
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 3000 }),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  fc.constantFrom("NotFound", "RetryLater", "Bogus", "999", "-1", "1e400", "__proto__", "{\"a\":1}", "[1]", "null"),
  fc.json(),
  fc.array(
    fc.dictionary(
      fc.constantFrom("queue", "reason", "count", "exchange", "time"),
      fc.oneof(fc.string(), fc.integer(), fc.constant(null))
    )
  ),
  fc.dictionary(fc.string(), fc.anything(), { maxKeys: 4 })
)

const generated = fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.string(), fc.constant("__proto__")), value, {
  maxKeys: 10
})

const valid = fc.constantFrom<Fault.Fault>(
  new Fault.NotFound({ resource: "order", id: "7" }),
  new Fault.InvalidFieldValue({ field: "nin", expectedValue: "11 digits", receivedValue: "12" }),
  new Fault.Unavailable({ reason: "down", retryAfterMs: 1000 }),
  new Fault.InternalError({ cause: new Error("secret") }),
  new Fault.RateLimited({ retryAfterMs: 5 })
).map((f) =>
  Headers.encode(f, { attempts: 2, originalQueue: "q", failedAt: new Date(0), correlationId: "c-1" }) as Record<
    string,
    unknown
  >
)

const mutated = fc.tuple(valid, fc.array(fc.tuple(fc.constantFrom(...names), value), { minLength: 1, maxLength: 4 }))
  .map(([h, edits]) => {
    const out: Record<string, unknown> = { ...h }
    for (const [k, v] of edits) out[k] = v
    return out
  })

const check = (headers: unknown) => {
  const failure = Headers.decode(headers)
  if (failure === undefined) return
  assert.isTrue(Fault.isFault(failure.fault))
  assert.isTrue(Number.isInteger(failure.attempts) && failure.attempts >= 0)
  assert.strictEqual(failure.fault.origin, "remote")
  // Both readings must also be safe in trust mode.
  const trusted = Headers.decode(headers, { mode: "trust" })
  assert.isTrue(trusted !== undefined && Fault.isFault(trusted.fault))
  void failure.fault.message
}

describe("Headers.decode under fuzzing", () => {
  it("50 000 generated header sets: no defect, every failure a typed fault", () => {
    fc.assert(fc.property(generated, check), { numRuns: 50_000 })
  })

  it("50 000 mutated encodings of real faults: no defect, every failure a typed fault", () => {
    fc.assert(fc.property(mutated, check), { numRuns: 50_000 })
  })

  it("non-table input and hostile objects are NotWellFormed, never a crash", () => {
    for (const input of [42, "x", [1, 2], Buffer.from("x"), true]) {
      assert.strictEqual(Headers.decode(input)?.fault._tag, "NotWellFormed")
    }
    const hostile = new Proxy({}, {
      get: () => {
        throw new Error("boom")
      },
      has: () => {
        throw new Error("boom")
      },
      getOwnPropertyDescriptor: () => {
        throw new Error("boom")
      }
    })
    assert.strictEqual(Headers.decode(hostile)?.fault._tag, "NotWellFormed")
    assert.strictEqual(Headers.decode({ "x-fault-code": "bad code with spaces" })?.fault._tag, "NotWellFormed")
    assert.strictEqual(
      Headers.decode({ "x-fault-code": "NotFound", "x-fault-fields": "{" })?.fault._tag,
      "NotWellFormed"
    )
    assert.strictEqual(Headers.decode({ "x-fault-code": "NotFound", "x-attempts": -3 })?.fault._tag, "NotWellFormed")
    assert.isUndefined(Headers.decode({ "content-type": "x" }))
  })

  it("round trip: encoded faults decode back, trusted to their class, distrusted to RemoteFault", () => {
    const f = new Fault.InvalidFieldValue({ field: "nin", expectedValue: "11 digits", receivedValue: "12" })
    const h = Headers.encode(f, { attempts: 3, originalQueue: "in", failedAt: new Date(0), correlationId: "c-9" })
    const trusted = Headers.decode(h, { mode: "trust" })!
    assert.strictEqual(trusted.fault._tag, "InvalidFieldValue")
    assert.strictEqual((trusted.fault as any).receivedValue, "12")
    assert.strictEqual(trusted.fault.correlationId, "c-9")
    assert.strictEqual(trusted.attempts, 3)
    const distrusted = Headers.decode(h)!
    assert.strictEqual(distrusted.fault._tag, "RemoteFault")
    assert.strictEqual((distrusted.fault as Fault.RemoteFault).remoteCode, "InvalidFieldValue")
    // the error message sent to the sender carries the very headers encode writes, catalog and
    // exposure settings included (it builds its view once and writes them from it)
    const catalog = Catalog.gateway
    const config = { ...Exposure.defaultConfig, genericMessage: "unavailable" }
    for (const failure of [f, new Fault.InternalError({ message: "db password wrong" })]) {
      const sent = ErrorMessage.make(failure, "transport:invalid-field-value", {
        queue: "in",
        correlationId: "c-9",
        attempts: 3
      }, { now: new Date(0), catalog, config })
      assert.deepStrictEqual(
        sent.headers,
        Headers.encode(failure, {
          attempts: 3,
          originalQueue: "in",
          failedAt: new Date(0),
          correlationId: "c-9",
          errorCondition: "transport:invalid-field-value",
          catalog,
          config
        })
      )
    }
  })

  it("an internal fault is encoded without its detail", () => {
    const h = Headers.encode(new Fault.InternalError({ message: "db password wrong", cause: new Error("secret") }), {
      attempts: 1,
      originalQueue: "q",
      failedAt: new Date(0)
    })
    assert.strictEqual(h["x-fault-code"], "InternalError")
    assert.notInclude(JSON.stringify(h), "password")
    assert.notInclude(JSON.stringify(h), "secret")
  })

  it("fields with no JSON form (a bigint, a cycle) are dropped, never thrown: the message is still dead-lettered", () => {
    class Overdrawn extends Fault.define<Overdrawn>()("Overdrawn", { amount: Schema.BigInt, note: Schema.Unknown }, {
      category: "application",
      expected: "FixRequest",
      status: 422
    }) {}
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    for (const f of [new Overdrawn({ amount: 5n, note: "n" }), new Overdrawn({ amount: 1n, note: cycle })]) {
      const h = Headers.encode(f, { attempts: 2, originalQueue: "q", failedAt: new Date(0) })
      assert.strictEqual(h["x-fault-code"], "Overdrawn")
      assert.strictEqual(h["x-attempts"], 2)
      assert.isUndefined(h["x-fault-fields"])
    }
  })

  it("public fields are written as JSON up to 4 KiB and dropped whole beyond it, the rest of the headers kept", () => {
    const encode = (receivedValue: string) =>
      Headers.encode(new Fault.InvalidFieldValue({ field: "nin", expectedValue: "11 digits", receivedValue }), {
        attempts: 1,
        originalQueue: "q",
        failedAt: new Date(0)
      })
    const fits = encode("x".repeat(3900))
    assert.isAtMost(Buffer.byteLength(fits["x-fault-fields"] as string), 4096)
    assert.strictEqual(JSON.parse(fits["x-fault-fields"] as string).receivedValue, "x".repeat(3900))
    const tooLarge = encode("x".repeat(5000))
    assert.isUndefined(tooLarge["x-fault-fields"])
    assert.strictEqual(tooLarge["x-fault-code"], "InvalidFieldValue")
  })

  it("RabbitMQ's x-death alone decodes to a remote fault with the broker's reason and count", () => {
    const d = Headers.decode({
      "x-death": [{ count: 4, reason: "rejected", queue: "orders", exchange: "", "routing-keys": ["orders"], time: 1 }]
    }, { mode: "trust" })!
    assert.strictEqual(d.fault._tag, "RemoteFault")
    assert.strictEqual((d.fault as Fault.RemoteFault).remoteCode, "amqp.rejected")
    assert.strictEqual(d.attempts, 4)
    assert.strictEqual(d.originalQueue, "orders")
    assert.strictEqual(d.deaths[0]!.reason, "rejected")
  })
})
