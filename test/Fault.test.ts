import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Effect, Match, Schema } from "effect"
import { Catalog, Exposure, Fault } from "effect-faults"
import { inspect } from "node:util"

const expectedValues: ReadonlyArray<Fault.Expected> = Fault.ExpectedSchema.literals
const categories: ReadonlyArray<Fault.Category> = [
  "transport",
  "protocol",
  "application",
  "security",
  "remote",
  "internal"
]

class InvalidInstanceID_NotFound extends Fault.define<InvalidInstanceID_NotFound>()("InvalidInstanceID_NotFound", {
  instanceId: Schema.String
}, {
  category: "application",
  expected: "FixRequest",
  message: (self) => `The instance ID '${self.instanceId}' does not exist`,
  dialects: { ec2: { code: "InvalidInstanceID.NotFound", status: 400, message: "Instance not found" } }
}) {}

describe("Fault", () => {
  it.effect("every built-in fault is yieldable and caught by its tag", () =>
    Effect.gen(function*() {
      for (const Class of Fault.builtins) {
        const fault = makeSample(Class)
        const caught = yield* Effect.fail(fault).pipe(
          Effect.catchTag(fault._tag as any, (e: any) => Effect.succeed(e)),
          Effect.flip,
          Effect.flip
        )
        assert.strictEqual(caught, fault, Class[Fault.TypeId].tag)
        const yielded = yield* Effect.flip(Effect.gen(function*() {
          return yield* fault
        }))
        assert.strictEqual(yielded, fault)
        assert.instanceOf(fault, Class as any)
        assert.instanceOf(fault, Error)
      }
    }))

  it("every built-in fault carries a stable code, category, side, expected behaviour and status", () => {
    const codes = new Set<string>()
    for (const Class of Fault.builtins) {
      const fault = makeSample(Class)
      assert.isString(fault.code)
      assert.isFalse(codes.has(fault.code), `duplicate code ${fault.code}`)
      codes.add(fault.code)
      assert.include(categories, fault.category)
      assert.include(["client", "server"], fault.side)
      assert.include(expectedValues, fault.expected)
      assert.isTrue(fault.status >= 400 && fault.status < 600, `${fault.code} status ${fault.status}`)
      assert.isTrue(fault.message.length > 0, `${fault.code} has a message`)
      assert.match(fault.eventId, /^[0-9a-f]{8}$/)
    }
    assert.strictEqual(codes.size, Fault.builtins.length)
  })

  it("codes default to the class name with _ turned into ., and dialect overrides are kept apart", () => {
    const fault = new InvalidInstanceID_NotFound({ instanceId: "i-1" })
    assert.strictEqual(fault.code, "InvalidInstanceID.NotFound")
    assert.strictEqual(fault._tag, "InvalidInstanceID_NotFound")
    assert.strictEqual(fault.message, "The instance ID 'i-1' does not exist")
    assert.strictEqual(fault.status, 400)
    assert.strictEqual(fault.side, "client")
    assert.deepStrictEqual(Fault.descriptor(fault).dialects.ec2?.message, "Instance not found")
    assert.strictEqual(Fault.descriptor(InvalidInstanceID_NotFound).title, "Invalid instance ID not found")
  })

  it("an explicit message wins over the derived one, and the derived one follows the fields", () => {
    assert.strictEqual(new Fault.NotFound({ resource: "order", id: "42" }).message, "order '42' not found")
    assert.strictEqual(new Fault.NotFound({ message: "gone" }).message, "gone")
    assert.strictEqual(String(new Fault.NotFound({ id: "1" })), "NotFound: resource '1' not found")
  })

  it("define refuses a field named like a fault property, which would hide it", () => {
    for (const name of ["code", "expected", "status", "origin", "cause"]) {
      assert.throws(
        () =>
          Fault.define<any>()("Shadow", { [name]: Schema.String }, { category: "application", expected: "DoNotRetry" }),
        new RegExp(`field '${name}' would hide`)
      )
    }
  })

  it("API faults are built without a V8 stack capture; internal faults keep theirs", () => {
    const api = new Fault.RateLimited({ retryAfterMs: 10 })
    assert.strictEqual(api.stack, "RateLimited: rate limited, retry after 1s")
    const internal = new Fault.InternalError({ message: "bug" })
    assert.match(internal.stack ?? "", /InternalError: bug\n\s+at /)
    // a received one has no local stack: ours would only show where it was decoded
    const received = new Fault.InternalError({ message: "bug", origin: "remote" })
    assert.strictEqual(received.stack, "InternalError: bug")
    assert.strictEqual(received.origin, "remote")
  })

  it("side, expected and status follow the fields where the class says so", () => {
    assert.strictEqual(new Fault.BadStatus({ statusCode: 404 }).side, "client")
    assert.strictEqual(new Fault.BadStatus({ statusCode: 503 }).expected, "RetryLater")
    assert.strictEqual(new Fault.BadStatus({ statusCode: 500 }).expected, "TryAlternative")
    assert.strictEqual(new Fault.BadStatus({ statusCode: 401 }).expected, "Reauthenticate")
    const out = new Fault.SchemaViolation({ direction: "outbound", violations: [] })
    const inbound = new Fault.SchemaViolation({ direction: "inbound", violations: [] })
    assert.deepStrictEqual([out.side, out.status, out.expected], ["client", 400, "FixRequest"])
    assert.deepStrictEqual([inbound.side, inbound.status, inbound.expected], ["server", 502, "TryAlternative"])
    assert.strictEqual(out.caught, "local")
    assert.strictEqual(Fault.received(out).caught, "remote")
    // RFC 9110 §15.5.14: a request over the receiver's limit is 413, an answer too large for us 502
    const tooLarge = new Fault.ContentTooLarge({ direction: "outbound", limitBytes: 1024 })
    const tooLargeAnswer = new Fault.ContentTooLarge({ direction: "inbound" })
    assert.deepStrictEqual(
      [tooLarge.side, tooLarge.status, tooLarge.expected, tooLarge.category, tooLarge.title],
      ["client", 413, "FixRequest", "protocol", "Content too large"]
    )
    assert.deepStrictEqual([tooLargeAnswer.side, tooLargeAnswer.status, tooLargeAnswer.expected], [
      "server",
      502,
      "TryAlternative"
    ])
    assert.strictEqual(tooLarge.message, "request body exceeds the limit of 1024 bytes")
    assert.strictEqual(tooLargeAnswer.message, "response body is too large")
    const pinned = new Fault.FingerprintMismatch({ expectedFingerprint: "a", presentedFingerprint: "b" })
    assert.deepStrictEqual([pinned.side, pinned.status], ["server", 502])
    const badClientSig = new Fault.SignatureInvalid({ keyId: "k" })
    assert.deepStrictEqual([badClientSig.side, badClientSig.status], ["client", 401])
  })

  it("transport faults say whether the request may have reached the other side", () => {
    assert.strictEqual(Fault.phase(new Fault.Unreachable({ reason: "ECONNREFUSED" })), "BeforeSend")
    assert.strictEqual(Fault.phase(new Fault.TlsRejected({ reason: "CERT_HAS_EXPIRED" })), "BeforeSend")
    const reset = new Fault.ConnectionLost({ reason: "ECONNRESET", phase: "MaybeDelivered" })
    assert.isFalse(Fault.isSafeToRetry(reset, { idempotent: false }))
    assert.isTrue(Fault.isSafeToRetry(reset, { idempotent: true }))
    assert.isTrue(Fault.isSafeToRetry(new Fault.Unreachable({ reason: "ENOTFOUND" }), { idempotent: false }))
    assert.isFalse(Fault.isSafeToRetry(new Fault.NotFound({}), { idempotent: true }))
    assert.strictEqual(Fault.phase(new Fault.NotFound({})), undefined)
  })

  it("the cause is local: kept on the fault, never encoded", () => {
    const secret = new Error("postgres://admin:hunter2@db")
    for (const fault of [new Fault.InternalError({ cause: secret }), new Fault.NotFound({ cause: secret })]) {
      assert.strictEqual(fault.cause, secret)
      const encoded = Schema.encodeUnknownSync(fault.constructor as any)(fault)
      assert.notInclude(JSON.stringify(encoded), "hunter2")
      assert.notInclude(JSON.stringify(fault), "hunter2")
    }
    const viaCombinator = Fault.withCause(new Fault.NotFound({ id: "1" }), secret)
    assert.strictEqual(viaCombinator.cause, secret)
    assert.strictEqual(new Fault.NotFound({ id: "1" }).pipe(Fault.withCause(secret)).cause, secret)
  })

  it("received marks the origin without changing the class; remote faults are always remote", () => {
    const local = new Fault.NotFound({ id: "1" })
    const received = Fault.received(local)
    assert.strictEqual(local.origin, "local")
    assert.strictEqual(received.origin, "remote")
    assert.instanceOf(received, Fault.NotFound)
    assert.strictEqual(received.id, "1")
    assert.strictEqual(new Fault.RemoteFault({ remoteCode: "X" }).origin, "remote")
    assert.strictEqual(Fault.withCorrelationId(local, "c-1").correlationId, "c-1")
    assert.strictEqual(local.correlationId, undefined)
  })

  it("message, cause and origin are carried, never shown as fields, and survive every copy", () => {
    const secret = new Error("postgres://admin:hunter2@db")
    const built = [
      new Fault.NotFound({ id: "1", message: "no such order", cause: secret, origin: "remote" }),
      new Fault.InternalError({ message: "no such order", cause: secret, origin: "remote" }),
      // a local internal fault takes the Error constructor's path (it keeps a V8 stack)
      new Fault.InternalError({ message: "no such order", cause: secret })
    ]
    for (const fault of built) {
      const received = Fault.received(Fault.withCause(fault, secret))
      const copies = [fault, Fault.withCorrelationId(fault, "c-1"), received, Fault.withExpected(fault, "DoNotRetry")]
      for (const copy of copies) {
        const origin = copy === received ? "remote" : fault.origin
        assert.deepStrictEqual([copy.message, copy.cause, copy.origin], ["no such order", secret, origin])
        assert.notInclude(Object.keys(copy), "cause")
        assert.notInclude(Object.keys(copy), "origin")
        assert.notInclude(JSON.stringify(copy), "hunter2")
        assert.deepStrictEqual(Object.getOwnPropertySymbols((copy as any).toJSON()), [])
        assert.notInclude(inspect(copy), "effect-faults/Fault")
      }
    }
    assert.strictEqual(built[2]!.origin, "local")
    assert.include(built[2]!.stack, "Fault.test.ts")
    // a fault's fields are still exactly its fields: the tag and what its class declares
    assert.deepStrictEqual(Object.keys(built[0]!), ["_tag", "id"])
    // the derived message comes back when the explicit one is cleared
    const cleared = new Fault.NotFound({ resource: "order", message: "custom" })
    ;(cleared as { message: string | undefined }).message = undefined
    assert.strictEqual(cleared.message, new Fault.NotFound({ resource: "order" }).message)
  })

  it("withExpected overrides the expectation on a copy, dropping a delay hint that no longer applies", () => {
    const limited = new Fault.RateLimited({ retryAfterMs: 1000, limit: "10/s" })
    const stopped = Fault.withExpected(limited, "DoNotRetry")
    assert.deepStrictEqual([stopped.expected, stopped.retryAfterMs, stopped.limit], ["DoNotRetry", undefined, "10/s"])
    assert.deepStrictEqual([limited.expected, limited.retryAfterMs], ["RetryLater", 1000])
    assert.instanceOf(stopped, Fault.RateLimited)
    const later = limited.pipe(Fault.withExpected("RetryNow"))
    assert.deepStrictEqual([later.expected, later.retryAfterMs], ["RetryNow", 1000])
    const remote = Fault.withExpected(new Fault.RemoteFault({ remoteCode: "E", remoteStatus: 503 }), "DoNotRetry")
    assert.strictEqual(remote.remoteExpected, "DoNotRetry") // what the wire carries
    assert.strictEqual(remote.expected, "DoNotRetry")
    // the override survives later copies and is what the public view (hence the wire) says, even
    // where the catalog has an expectation of its own for the class
    const timeout = new Fault.Timeout({ budget: "overall", afterMs: 5, phase: "MaybeDelivered" })
    const stripped = Fault.withCorrelationId(Fault.withExpected(timeout, "DoNotRetry"), "c-1")
    assert.deepStrictEqual([stripped.expected, Fault.received(stripped).expected], ["DoNotRetry", "DoNotRetry"])
    assert.strictEqual(Exposure.view(stripped, { catalog: Catalog.builtin }).expected, "DoNotRetry")
    assert.strictEqual(Exposure.view(timeout, { catalog: Catalog.builtin }).expected, timeout.expected)
  })

  it("fromUnknown keeps faults and wraps anything else as an internal error", () => {
    const nf = new Fault.NotFound({})
    assert.strictEqual(Fault.fromUnknown(nf), nf)
    const boom = new TypeError("x is undefined")
    const wrapped = Fault.fromUnknown(boom)
    assert.strictEqual(wrapped._tag, "InternalError")
    assert.strictEqual(wrapped.cause, boom)
    assert.isTrue(Fault.isFault(wrapped))
    assert.isFalse(Fault.isFault(boom))
  })

  it("is matched exhaustively with Match", () => {
    const describe = Match.type<Fault.NotFound | Fault.Timeout | Fault.RemoteFault>().pipe(
      Match.tag("NotFound", (e) => `nf:${e.id}`),
      Match.tag("Timeout", (e) => `t:${e.afterMs}`),
      Match.tag("RemoteFault", (e) => `r:${e.remoteCode}`),
      Match.exhaustive
    )
    assert.strictEqual(describe(new Fault.Timeout({ budget: "overall", afterMs: 5, phase: "MaybeDelivered" })), "t:5")
    assert.strictEqual(describe(new Fault.RemoteFault({ remoteCode: "E1" })), "r:E1")
  })

  it("decodes into the union of built-ins and rejects what is not a fault", () => {
    const decoded = Schema.decodeUnknownSync(Fault.BuiltinSchema)({ _tag: "RateLimited", retryAfterMs: 500 })
    assert.instanceOf(decoded, Fault.RateLimited)
    assert.strictEqual(decoded.retryAfterMs, 500)
    assert.throws(() => Schema.decodeUnknownSync(Fault.BuiltinSchema)({ _tag: "RateLimited", retryAfterMs: -1 }))
    assert.throws(() => Schema.decodeUnknownSync(Fault.BuiltinSchema)({ _tag: "Nope" }))
  })

  it.effect("property: every built-in fault, generated from its schema, encodes and decodes back to an equal fault", () =>
    Effect.gen(function*() {
      for (const Class of [...Fault.builtins, InvalidInstanceID_NotFound]) {
        const schema = Class as unknown as Schema.Codec<Fault.Fault, unknown>
        const encode = Schema.encodeUnknownSync(schema)
        const decode = Schema.decodeUnknownSync(schema)
        const result = yield* Arbitrary.checkEffect(Arbitrary.schema(schema), (fault) => {
          const json = JSON.parse(JSON.stringify(encode(fault)))
          const back = decode(json)
          return back instanceof Class && back._tag === fault._tag && back.code === fault.code &&
            back.message === fault.message &&
            JSON.stringify(encode(back)) === JSON.stringify(json)
        }, { runs: 200, seed: 42 })
        assert.strictEqual(result._tag, "Passed", `${Class[Fault.TypeId].tag}: ${Arbitrary.formatCheckFailure(result)}`)
      }
    }))
})

function makeSample(Class: (typeof Fault.builtins)[number]): Fault.Fault {
  const [sample] = Effect.runSync(Arbitrary.sampleEffect(Arbitrary.schema(Class as any), { count: 1, seed: 7 }))
  return sample as Fault.Fault
}
