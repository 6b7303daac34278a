import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { Catalog, Exposure, Fault } from "effect-faults"

// Secrets planted in every place a careless encoder could pick them up from.
const secrets = [
  "hunter2",
  "postgres://admin:s3cr3t@db.internal:5432/app",
  "Bearer eyJhbGciOiJIUzI1NiJ9.secret-token",
  "AKIAIOSFODNN7EXAMPLE"
]
const planted = secrets.join(" | ")
const leaks = (view: Exposure.PublicView) => secrets.filter((s) => JSON.stringify(view).includes(s))

describe("Exposure", () => {
  it("4xx faults are public: code, message and fields go out", () => {
    const view = Exposure.view(
      new Fault.InvalidFieldValue({ field: "amount", expectedValue: "a number", receivedValue: "ten" })
    )
    assert.strictEqual(view.code, "InvalidFieldValue")
    assert.strictEqual(view.status, 400)
    assert.strictEqual(view.message, "invalid value for amount: expected a number, received ten")
    assert.deepStrictEqual(view.fields, { field: "amount", expectedValue: "a number", receivedValue: "ten" })
    assert.isFalse(view.redacted)
  })

  it("a catalog entry's publicFields limit which fields go out", () => {
    const entry = { ...Catalog.entryOf(Fault.InvalidFieldValue), publicFields: ["field"] }
    const fault = new Fault.InvalidFieldValue({ field: "pin", expectedValue: "4 digits", receivedValue: "123456" })
    assert.deepStrictEqual(Exposure.view(fault, { catalog: Catalog.make([entry]) }).fields, { field: "pin" })
    // without the restriction every field goes out
    assert.deepStrictEqual(
      Object.keys(Exposure.view(fault, { catalog: Catalog.make([Catalog.entryOf(Fault.InvalidFieldValue)]) }).fields!),
      ["field", "expectedValue", "receivedValue"]
    )
  })

  it("5xx and internal faults go out as InternalError with the generic message, keeping status and retry hints", () => {
    const fault = new Fault.Timeout({
      operation: `GET ${planted}`,
      budget: "overall",
      afterMs: 5,
      phase: "MaybeDelivered",
      retryAfterMs: 100
    })
    const view = Exposure.view(fault)
    // the event id the original is logged under, so an operator can find it from the answer
    assert.strictEqual(view.eventId, fault.eventId)
    assert.strictEqual(view.code, "InternalError")
    assert.strictEqual(view.message, "Internal error")
    assert.strictEqual(view.status, 504)
    assert.strictEqual(view.retryAfterMs, 100)
    assert.strictEqual(view.fields, undefined)
    assert.isTrue(view.redacted)
    assert.deepStrictEqual(leaks(view), [])
  })

  it("genericMessage answers for faults no catalog in force names; a catalog title answers for the ones it names", () => {
    const config = { ...Exposure.defaultConfig, genericMessage: "Something went wrong" }
    const internal = new Fault.InternalError({ message: "db password=hunter2" })
    assert.strictEqual(Exposure.view(internal, { config }).message, "Something went wrong")
    assert.strictEqual(Exposure.view(new TypeError("x"), { config }).message, "Something went wrong")
    // the built-in catalog names InternalError: its title answers, whatever the generic message
    assert.strictEqual(Exposure.view(internal, { config, catalog: Catalog.builtin }).message, "Internal error")
    const own = Catalog.make([{ ...Catalog.get(Catalog.builtin, "InternalError")!, title: "Try again later" }])
    const view = Exposure.view(internal, { config, catalog: own })
    assert.deepStrictEqual([view.code, view.message, view.redacted], ["InternalError", "Try again later", true])
  })

  it("a fault marked public, or with an override for the dialect in use, is public even at 5xx", () => {
    assert.strictEqual(
      Exposure.view(new Fault.Unavailable({ reason: "maintenance" })).message,
      "service unavailable (maintenance)"
    )
    class DbDown extends Fault.define<DbDown>()("DbDown", {}, {
      category: "internal",
      expected: "RetryLater",
      status: 503,
      dialects: { ec2: { code: "ServiceUnavailable", message: "The service is unavailable" } }
    }) {}
    assert.strictEqual(Exposure.view(new DbDown({ message: planted })).code, "InternalError")
    const ec2 = Exposure.view(new DbDown({ message: planted }), { dialect: "ec2" })
    assert.strictEqual(ec2.code, "ServiceUnavailable")
    assert.strictEqual(ec2.message, "The service is unavailable")
    assert.deepStrictEqual(leaks(ec2), [])
  })

  it("a catalogued 5xx answer keeps the catalog's code and fixed message, never the fault's", () => {
    const view = Exposure.view(new Fault.Unreachable({ host: "10.1.2.3", reason: planted }), {
      catalog: Catalog.gateway
    })
    assert.strictEqual(view.code, "UpstreamNotResponding")
    assert.strictEqual(view.status, 532)
    assert.strictEqual(view.message, "Bad Gateway. Upstream server not responding.")
    assert.notInclude(JSON.stringify(view), "10.1.2.3")
    assert.deepStrictEqual(leaks(view), [])
  })

  it("planted secrets in messages, causes, stacks and fields of non-public faults never reach the view", () => {
    const failures: Array<unknown> = [
      new Fault.InternalError({ message: planted, cause: new Error(planted) }),
      new Fault.Unreachable({ host: planted, reason: planted }),
      new Fault.ConnectionLost({ reason: planted, phase: "MaybeDelivered", cause: { password: "hunter2" } }),
      new Fault.RemoteFault({
        remoteCode: "E",
        remoteMessage: planted,
        failure: { type: "E", message: planted, parents: [], trace: planted }
      }),
      new Fault.SchemaViolation({ direction: "inbound", violations: [{ field: "x", message: planted }] }),
      new Fault.BadStatus({ statusCode: 500, excerpt: planted }),
      new Error(planted),
      planted,
      { message: planted, stack: planted },
      Object.assign(new TypeError(planted), { config: { password: "hunter2" } })
    ]
    for (const failure of failures) {
      for (const catalog of [undefined, Catalog.builtin, Catalog.gateway]) {
        const view = Exposure.view(failure, { catalog })
        assert.deepStrictEqual(leaks(view), [], `${String((failure as any)?._tag ?? failure)} leaked`)
      }
    }
  })

  it("4xx faults carry what the caller sent, but never their local cause", () => {
    const view = Exposure.view(new Fault.NotFound({ id: "42", cause: new Error(planted) }))
    assert.deepStrictEqual(leaks(view), [])
    assert.strictEqual(view.fields?.id, "42")
  })

  it("stack traces go out only with unsafeTracebacks, truncated to the byte budget keeping head and tail", () => {
    const fault = new Fault.InternalError({ message: "bug" })
    assert.strictEqual(Exposure.view(fault).trace, undefined)
    const config = { ...Exposure.defaultConfig, unsafeTracebacks: true }
    const trace = Exposure.view(fault, { config }).trace
    assert.match(trace ?? "", /^InternalError: bug\n\s+at /)
    const long = `HEAD${"é".repeat(5000)}TAIL`
    const cut = Exposure.truncate(long, 2000)
    assert.isTrue(Buffer.byteLength(cut) <= 2000, `${Buffer.byteLength(cut)} bytes`)
    assert.isTrue(cut.startsWith("HEAD") && cut.endsWith("TAIL"))
    assert.include(cut, "truncated")
    assert.notInclude(cut, "\uFFFD")
    assert.strictEqual(Exposure.truncate("short", 2000), "short")
  })

  it("with the built-in catalog, classes whose status follows the instance keep the instance's status", () => {
    const out = Exposure.view(
      new Fault.SchemaViolation({ direction: "outbound", violations: [{ field: "a", message: "m" }] }),
      { catalog: Catalog.builtin }
    )
    assert.deepStrictEqual([out.status, out.code, out.redacted], [400, "SchemaViolation", false])
    const sig = Exposure.view(new Fault.SignatureMissing({ missing: [] }), { catalog: Catalog.builtin })
    assert.deepStrictEqual([sig.status, sig.code], [401, "SignatureMissing"])
    const inbound = Exposure.view(new Fault.SchemaViolation({ direction: "inbound", violations: [] }), {
      catalog: Catalog.builtin
    })
    assert.deepStrictEqual([inbound.status, inbound.code, inbound.redacted], [502, "SchemaViolation", true])
  })

  it("fields whose encoding differs from their value go through the class encoder", () => {
    class Expired extends Fault.define<Expired>()("Expired", { at: Schema.Date }, {
      category: "application",
      expected: "DoNotRetry",
      status: 410
    }) {}
    const view = Exposure.view(new Expired({ at: new Date("2026-01-01T00:00:00.000Z") }))
    assert.deepStrictEqual(view.fields, { at: "2026-01-01T00:00:00.000Z" })
  })

  it("carries the correlation id: the fault's own, else the one given", () => {
    assert.strictEqual(Exposure.view(new Fault.NotFound({}), { correlationId: "c-1" }).correlationId, "c-1")
    assert.strictEqual(
      Exposure.view(new Fault.NotFound({ correlationId: "c-0" }), { correlationId: "c-1" }).correlationId,
      "c-0"
    )
    assert.strictEqual(Exposure.view(new Error("x"), { correlationId: "c-2" }).correlationId, "c-2")
  })
})
