import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { Catalog, Exposure, Fault, Trust } from "effect-faults"
import { CodeMessage, Ec2, Middleware, Negotiate, Problem } from "effect-faults/http"
import { ProblemDetails } from "effect/http"
import * as fc from "fast-check"

const dialects = [Problem.dialect, CodeMessage.dialect, Ec2.dialect, Ec2.make({ prefix: true })] as const
const trust: Trust.Options = { mode: "trust", catalog: Catalog.builtin, protocol: "http" }

// Text with the characters every wire format has to escape, plus non-ASCII.
const text = fc.string({
  unit: fc.oneof(
    fc.constantFrom("<", ">", "&", "\"", "'", "]]>", "é", "漢", "🙂", " ", "\n", "\t", "\\", "/", "{", "}"),
    fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 })
  ),
  maxLength: 24
})
const opt = <A>(a: fc.Arbitrary<A>) => fc.option(a, { nil: undefined })
const common = fc.record({
  correlationId: fc.uuid(),
  message: opt(text)
}, { requiredKeys: ["correlationId"] })

const violation = fc.record({ field: text, message: text, expected: text, received: text }, {
  requiredKeys: ["field", "message"]
})

// Public built-in faults: their code, message and fields cross the wire, so they must come back equal.
const publicFault: fc.Arbitrary<Fault.Fault> = fc.oneof(
  fc.tuple(common, fc.record({ resource: opt(text), id: opt(text) })).map(([c, f]) =>
    new Fault.NotFound({ ...c, ...f })
  ),
  fc.tuple(common, fc.record({ field: text, expectedValue: text, receivedValue: text })).map(([c, f]) =>
    new Fault.InvalidFieldValue({ ...c, ...f })
  ),
  fc.tuple(common, fc.record({ resource: opt(text), reason: opt(text) })).map(([c, f]) =>
    new Fault.Conflict({ ...c, ...f })
  ),
  fc.tuple(common, fc.record({ limit: opt(text), retryAfterMs: fc.integer({ min: 0, max: 86_400_000 }) })).map((
    [c, f]
  ) => new Fault.RateLimited({ ...c, ...f })),
  fc.tuple(common, fc.record({ scheme: opt(text), realm: opt(text) })).map(([c, f]) =>
    new Fault.Unauthenticated({ ...c, ...f })
  ),
  fc.tuple(common, fc.record({ action: opt(text), resource: opt(text) })).map(([c, f]) =>
    new Fault.Forbidden({ ...c, ...f })
  ),
  fc.tuple(common, fc.record({ reason: opt(text), retryAfterMs: opt(fc.integer({ min: 0, max: 1_000_000 })) })).map((
    [c, f]
  ) => new Fault.Unavailable({ ...c, ...f })),
  fc.tuple(common, fc.record({ violations: fc.array(violation, { maxLength: 4 }), schema: opt(text) })).map(([c, f]) =>
    new Fault.SchemaViolation({ ...c, ...f, direction: "outbound" })
  ),
  fc.tuple(common, fc.record({ format: text, reason: text, excerpt: opt(text) })).map(([c, f]) =>
    new Fault.NotWellFormed({ ...c, ...f, direction: "outbound" })
  ),
  fc.tuple(common, fc.record({ limitBytes: opt(fc.maxSafeNat()) })).map(([c, f]) =>
    new Fault.ContentTooLarge({ ...c, ...f, direction: "outbound" })
  ),
  fc.tuple(common, fc.record({ missing: fc.array(text, { maxLength: 3 }) })).map(([c, f]) =>
    new Fault.SignatureMissing({ ...c, ...f, presentedBy: "client" })
  ),
  fc.tuple(common, fc.record({ keyId: opt(text), algorithm: opt(text) })).map(([c, f]) =>
    new Fault.SignatureInvalid({ ...c, ...f, presentedBy: "client" })
  )
)

// Strip the keys an optional-field arbitrary left undefined: the constructor keeps them out anyway.
const encoded = (f: Fault.Fault) => Schema.encodeUnknownSync(f.constructor as any)(f)

const roundTrip = (dialect: Middleware.Writer, fault: Fault.Fault) => {
  const res = dialect.encode(Exposure.view(fault, { dialect: dialect.name }))
  const received = dialect.decode({
    status: res.status,
    headers: { "content-type": res.contentType },
    body: res.body,
    truncated: false
  })
  assert.isDefined(received, `${dialect.name} did not recognise its own body: ${res.body}`)
  return Trust.toFault(received!, trust)
}

describe("dialects: round trip", () => {
  for (const dialect of dialects) {
    it(`${dialect.name}${dialect === dialects[3] ? " (Client./Server. prefix)" : ""}: encode → decode → Trust.toFault gives back an equal public fault`, () => {
      fc.assert(
        fc.property(publicFault, (fault) => {
          const back = roundTrip(dialect, fault)
          assert.strictEqual(back.constructor, fault.constructor)
          assert.strictEqual(back.origin, "remote")
          assert.deepStrictEqual(encoded(back), encoded(fault))
        }),
        { numRuns: 300 }
      )
    })

    it(`${dialect.name}: a non-public fault comes back as the redacted InternalError, with its correlation id`, () => {
      for (
        const fault of [
          new Fault.Timeout({ budget: "overall", afterMs: 5, phase: "MaybeDelivered", correlationId: "c-9" }),
          new Fault.Unreachable({ host: "db", reason: "ECONNREFUSED", correlationId: "c-9" }),
          new Fault.InternalError({ message: "x", correlationId: "c-9" })
        ]
      ) {
        const back = roundTrip(dialect, fault)
        assert.strictEqual(back._tag, "InternalError")
        assert.strictEqual(back.message, "Internal error")
        assert.strictEqual(back.correlationId, "c-9")
      }
    })
  }
})

describe("dialects: wire shapes", () => {
  const fault = new Fault.RateLimited({
    limit: "10/s",
    retryAfterMs: 2500,
    correlationId: "3fa85f64-5717-4562-b3fc-2c963f66afa6"
  })

  it("problem+json is an RFC 9457 problem: Effect's ProblemDetails.Schema reads it with every extension kept", () => {
    const res = Problem.dialect.encode(Exposure.view(fault))
    assert.strictEqual(res.contentType, "application/problem+json")
    const body = JSON.parse(res.body)
    const pd = Schema.decodeUnknownSync(ProblemDetails.Schema)(body)
    assert.deepStrictEqual(pd, body)
    assert.deepStrictEqual(body, {
      type: "urn:fault:RateLimited",
      title: "Too many requests",
      status: 429,
      detail: "rate limited, retry after 3s",
      instance: "urn:uuid:3fa85f64-5717-4562-b3fc-2c963f66afa6",
      code: "RateLimited",
      correlationId: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
      expected: "RetryLater",
      retryAfter: 2.5,
      fields: { limit: "10/s" }
    })
  })

  it("the hand-written encoders agree with the documented Schemas (decode then encode is the identity)", () => {
    fc.assert(
      fc.property(publicFault, (f) => {
        const problem = JSON.parse(Problem.dialect.encode(Exposure.view(f)).body)
        assert.deepStrictEqual(
          Schema.encodeSync(Problem.Body)(Schema.decodeUnknownSync(Problem.Body)(problem)),
          problem
        )
        const cm = JSON.parse(CodeMessage.dialect.encode(Exposure.view(f, { catalog: Catalog.gateway })).body)
        assert.deepStrictEqual(Schema.encodeSync(CodeMessage.Body)(Schema.decodeUnknownSync(CodeMessage.Body)(cm)), cm)
      }),
      { numRuns: 200 }
    )
  })

  it("{code, message}: the status as code, the catalog's fixed message, the expectation to the client", () => {
    const gateway = Catalog.make(
      Catalog.gateway.entries.map((e) =>
        e.code === "UpstreamNotResponding" ? { ...e, expectation: "Please try again later" } : e
      )
    )
    const view = Exposure.view(new Fault.Unreachable({ host: "device-7", reason: "ECONNREFUSED" }), {
      catalog: gateway
    })
    assert.deepStrictEqual(JSON.parse(CodeMessage.make({ details: false }).encode(view).body), {
      code: 532,
      message: "Bad Gateway. Upstream server not responding.",
      "expectation-to-the-client": "Please try again later"
    })
    // the bare guide body still decodes, the code found through the catalog by status and message
    const r = CodeMessage.dialect.decode({
      status: 532,
      headers: { "content-type": "application/json" },
      body: `{"code":532,"message":"Bad Gateway. Upstream server not responding."}`,
      truncated: false
    })
    assert.strictEqual(r?.code, "UpstreamNotResponding")
  })

  it("EC2 XML: Response/Errors/Error/Code+Message, RequestID = correlation id, escaped, prefix from the side", () => {
    const f = new Fault.NotFound({ resource: "<instance>", id: "i-1&2", correlationId: "req-1" })
    const xml = Ec2.make({ prefix: true, details: false }).encode(Exposure.view(f, { dialect: "ec2" })).body
    assert.strictEqual(
      xml,
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>Client.NotFound</Code><Message>&lt;instance&gt; 'i-1&amp;2' not found</Message></Error></Errors><RequestID>req-1</RequestID></Response>`
    )
    const server =
      Ec2.make({ prefix: true }).encode(Exposure.view(new Fault.InternalError({}), { correlationId: "r" })).body
    assert.include(server, "<Code>Server.InternalError</Code>")
    // characters XML 1.0 cannot carry are dropped rather than breaking the document
    const ctl = Ec2.dialect.encode(Exposure.view(new Fault.NotFound({ message: "a\u0000b\u0007c\uD800" }))).body
    assert.include(ctl, "<Message>abc</Message>")
  })

  it("EC2 overrides: a user fault with the _ → . code rule and an ec2 dialect override", () => {
    class InvalidInstanceID_Malformed
      extends Fault.define<InvalidInstanceID_Malformed>()("InvalidInstanceID_Malformed", {
        instanceId: Schema.String
      }, {
        category: "application",
        expected: "FixRequest",
        message: (self) => `Invalid id: "${self.instanceId}"`,
        dialects: { ec2: { status: 400, message: "The instance ID is malformed" } }
      })
    {}
    const view = Exposure.view(new InvalidInstanceID_Malformed({ instanceId: "x" }), { dialect: "ec2" })
    const res = Ec2.dialect.encode(view)
    assert.strictEqual(res.status, 400)
    assert.include(res.body, "<Code>InvalidInstanceID.Malformed</Code><Message>The instance ID is malformed</Message>")
  })
})

describe("dialects: decoding never throws", () => {
  it("arbitrary and mutated bodies under any content type give a Received or undefined", () => {
    const samples = dialects.map((d) =>
      d.encode(
        Exposure.view(
          new Fault.SchemaViolation({
            direction: "outbound",
            violations: [{ field: "a", message: "b" }],
            correlationId: "c"
          })
        )
      ).body
    )
    const body = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json(),
      fc.tuple(fc.constantFrom(...samples), fc.nat(), fc.nat(), fc.string({ maxLength: 8 })).map(([s, a, b, ins]) => {
        const i = a % (s.length + 1)
        return s.slice(0, i) + ins + s.slice(Math.min(s.length, i + (b % 16)))
      })
    )
    const contentType = fc.constantFrom(
      "application/problem+json",
      "application/json",
      "application/xml",
      "text/html",
      "",
      "application/json; charset=utf-8"
    )
    fc.assert(
      fc.property(body, contentType, fc.integer({ min: 100, max: 599 }), (b, ct, status) => {
        for (const d of dialects) {
          const r = d.decode({ status, headers: { "content-type": ct, "retry-after": "x" }, body: b, truncated: false })
          if (r !== undefined) {
            assert.isString(r.code)
            Trust.toFault(r, trust)
          }
        }
      }),
      { numRuns: 3000 }
    )
  })

  it("a retryAfter that overflows to Infinity milliseconds is ignored", () => {
    const cm = CodeMessage.dialect.decode({
      status: 429,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: 429, message: "slow down", retryAfter: 1e306 }),
      truncated: false
    })
    assert.isUndefined(cm?.retryAfterMs)
    const problem = Problem.dialect.decode({
      status: 429,
      headers: { "content-type": "application/problem+json" },
      body: JSON.stringify({ type: "about:blank", title: "slow", status: 429, retryAfter: 1e306 }),
      truncated: false
    })
    assert.isUndefined(problem?.retryAfterMs)
  })

  it("a dialect does not claim the others' bodies", () => {
    const view = Exposure.view(new Fault.NotFound({ id: "1" }))
    const problem = Problem.dialect.encode(view)
    const cm = CodeMessage.dialect.encode(view)
    const xml = Ec2.dialect.encode(view)
    const incoming = (r: { status: number; contentType: string; body: string }) => ({
      status: r.status,
      headers: { "content-type": r.contentType },
      body: r.body,
      truncated: false
    })
    assert.isUndefined(CodeMessage.dialect.decode(incoming(problem)))
    assert.isUndefined(Ec2.dialect.decode(incoming(problem)))
    assert.isUndefined(Problem.dialect.decode(incoming(cm)))
    assert.isUndefined(Problem.dialect.decode(incoming(xml)))
    assert.isUndefined(CodeMessage.dialect.decode(incoming(xml)))
  })
})

describe("no planted secret reaches any dialect", () => {
  const secrets = [
    "hunter2",
    "postgres://admin:s3cr3t@db.internal:5432/app",
    "eyJhbGciOiJIUzI1NiJ9.secret-token",
    "AKIAIOSFODNN7EXAMPLE"
  ]
  const planted = `password=${secrets[0]} url=${secrets[1]} token=Bearer ${secrets[2]} key=${secrets[3]}`
  class VaultDown extends Fault.define<VaultDown>()("VaultDown", { connection: Schema.String }, {
    category: "internal",
    expected: "CallOperator"
  }) {}
  const failures: Array<unknown> = [
    new Fault.InternalError({ message: planted, cause: new Error(planted) }),
    new Fault.Timeout({ operation: planted, budget: "overall", afterMs: 1, phase: "MaybeDelivered" }),
    new Fault.Unreachable({ host: planted, reason: planted }),
    new Fault.RemoteFault({ remoteCode: planted, remoteMessage: planted }),
    new VaultDown({ connection: planted, message: planted }),
    Object.assign(new Error(planted), { stack: `Error: ${planted}\n    at ${planted}` }),
    planted,
    { password: secrets[0], connection: secrets[1] }
  ]
  for (const dialect of dialects) {
    it(`${dialect.name}: bodies and headers of internal faults and defects carry none of them`, () => {
      for (const failure of failures) {
        const view = Exposure.view(Fault.isFault(failure) ? failure : Fault.fromUnknown(failure), {
          dialect: dialect.name,
          correlationId: "c-1"
        })
        const res = Middleware.toResponse(view, dialect)
        const wire = `${res.status} ${JSON.stringify(res.headers)} ${dialect.encode(view).body}`
        for (const secret of secrets) assert.notInclude(wire, secret)
      }
    })
  }
})

describe("negotiation by Accept", () => {
  const all = [Problem.dialect, CodeMessage.dialect, Ec2.dialect] as const
  it("picks by media range, q weights and specificity; falls back to the app's first dialect", () => {
    assert.strictEqual(Negotiate.choose(all, undefined).name, "problem")
    assert.strictEqual(Negotiate.choose(all, "application/json").name, "code-message")
    assert.strictEqual(Negotiate.choose(all, "text/xml").name, "ec2")
    assert.strictEqual(Negotiate.choose(all, "application/xml;q=0.5, application/json;q=0.9").name, "code-message")
    assert.strictEqual(Negotiate.choose(all, "application/json;q=0, application/xml").name, "ec2")
    assert.strictEqual(Negotiate.choose(all, "text/html, */*;q=0.1").name, "problem")
    assert.strictEqual(Negotiate.choose(all, "image/png").name, "problem")
    assert.strictEqual(Negotiate.choose([CodeMessage.dialect, Problem.dialect], "application/*").name, "code-message")
    const pick = Negotiate.make(all)
    assert.strictEqual(pick("application/problem+json, application/json;q=0.5").name, "problem")
  })
})

describe("response headers", () => {
  it("Retry-After in whole seconds, WWW-Authenticate on 401; values from fault fields cannot inject headers", () => {
    const res = Middleware.toResponse(
      Exposure.view(
        new Fault.Unauthenticated({
          scheme: "Bearer\r\nSet-Cookie: a=b",
          realm: "api\"\r\nx: y",
          retryAfterMs: 1001,
          correlationId: "c-1\r\nx-evil: 1"
        })
      ),
      Problem.dialect
    )
    assert.strictEqual(res.status, 401)
    assert.strictEqual(res.headers["www-authenticate"], `BearerSet-Cookieab realm="apix: y"`)
    assert.strictEqual(res.headers["retry-after"], "2")
    assert.isUndefined(res.headers["x-correlator"])
    for (const value of Object.values(res.headers)) assert.notMatch(value, /[\r\n]/)
  })
})

describe("negotiation never fails", () => {
  // The rule (Negotiate.choose): Accept parts without a `type/subtype` are ignored; of the others,
  // the highest-weighted one that names a dialect picks it; nothing usable means the app's first
  // (default) dialect — garbage yields an error response, never a 406 nor an exception.
  const all = [Problem.dialect, CodeMessage.dialect, Ec2.dialect] as const
  const mediaTypes: ReadonlyArray<readonly [number, string]> = [
    [0, "application/problem+json"],
    [1, "application/json"],
    [2, "application/xml"],
    [2, "text/xml"]
  ]
  // Accept parts that are no media range (no "/"), so choose skips them
  const garbagePart = fc.oneof(
    fc.string({ maxLength: 40 }).map((x) => x.replaceAll("/", "").replaceAll(",", "")),
    fc.constantFrom("*", ";q=", "0.5", "q=0", "application", "json", ";q=abc", " ", "")
  )

  it("an Accept header without a media range (garbage) yields the app's first dialect", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }).map((x) => x.replaceAll("/", "")),
          fc.array(garbagePart, { maxLength: 12 }).map((a) => a.join(","))
        ),
        (accept) => {
          assert.strictEqual(Negotiate.choose(all, accept), all[0])
        }
      ),
      { numRuns: 2000 }
    )
  })

  it("an Accept header naming one dialect's media type among garbage yields that dialect", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...mediaTypes),
        fc.boolean(),
        fc.constantFrom("", ";q=1", ";q=0.5", ";q=0.001", ";level=1", "; q=abc"),
        fc.array(garbagePart, { maxLength: 6 }),
        fc.nat(),
        ([index, media], upper, param, garbage, at) => {
          const parts = [...garbage]
          parts.splice(at % (parts.length + 1), 0, ` ${upper ? media.toUpperCase() : media}${param} `)
          assert.strictEqual(Negotiate.choose(all, parts.join(",")), all[index])
        }
      ),
      { numRuns: 2000 }
    )
  })
})
