import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { Catalog, Correlation, Fault } from "../../src/index.ts"
import * as Grpc from "../../src/rpc/Grpc.ts"
import * as proto from "../../src/rpc/internal/protobuf.ts"
import { any, P } from "./grpc-support.ts"

const bytes = (u: Uint8Array) => Array.from(u)

// Well-formed strings only: protobuf strings are UTF-8, and a lone surrogate has no UTF-8 form.
const text = fc.string({ unit: "grapheme", maxLength: 40 })
const key = fc.string({ unit: "grapheme-ascii", maxLength: 12 })

describe("google.rpc codec against protobufjs", () => {
  it("Status with ErrorInfo, RetryInfo, BadRequest, DebugInfo: ours → protobufjs", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2147483648, max: 2147483647 }),
        text,
        text,
        text,
        fc.dictionary(key, text, { maxKeys: 6 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(fc.record({ field: text, description: text }), { maxLength: 5 }),
        fc.array(text, { maxLength: 5 }),
        (code, message, reason, domain, metadata, delayMs, fieldViolations, stackEntries) => {
          const encoded = proto.encodeStatus({
            code,
            message,
            details: [
              { typeUrl: proto.TypeUrl.ErrorInfo, value: proto.encodeErrorInfo({ reason, domain, metadata }) },
              { typeUrl: proto.TypeUrl.RetryInfo, value: proto.encodeRetryInfo({ retryDelayMs: delayMs }) },
              { typeUrl: proto.TypeUrl.BadRequest, value: proto.encodeBadRequest({ fieldViolations }) },
              { typeUrl: proto.TypeUrl.DebugInfo, value: proto.encodeDebugInfo({ stackEntries, detail: message }) }
            ]
          })
          const s = P.Status.toObject(P.Status.decode(encoded), { defaults: true }) as any
          assert.strictEqual(s.code, code)
          assert.strictEqual(s.message, message)
          assert.deepStrictEqual(s.details.map((d: any) => d.type_url), Object.values(proto.TypeUrl))
          const info = P.ErrorInfo.toObject(P.ErrorInfo.decode(s.details[0].value), {
            defaults: true,
            objects: true
          }) as any
          assert.deepStrictEqual({ reason: info.reason, domain: info.domain, metadata: { ...info.metadata } }, {
            reason,
            domain,
            metadata: { ...metadata }
          })
          const retry = P.RetryInfo.toObject(P.RetryInfo.decode(s.details[1].value), {
            longs: Number,
            defaults: true
          }) as any
          assert.strictEqual(retry.retry_delay.seconds * 1000 + retry.retry_delay.nanos / 1e6, delayMs)
          const bad = P.BadRequest.toObject(P.BadRequest.decode(s.details[2].value), { defaults: true }) as any
          assert.deepStrictEqual(
            bad.field_violations.map((v: any) => ({ field: v.field, description: v.description })),
            fieldViolations
          )
          const debug = P.DebugInfo.toObject(P.DebugInfo.decode(s.details[3].value), { defaults: true }) as any
          assert.deepStrictEqual(debug.stack_entries, stackEntries)
        }
      ),
      { numRuns: 1000 }
    )
  })

  it("protobufjs → ours, including fields and types we do not read", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2147483648, max: 2147483647 }),
        text,
        text,
        fc.dictionary(key, text, { maxKeys: 6 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.array(fc.record({ field: text, description: text, reason: text }), { maxLength: 5 }),
        (code, message, reason, metadata, seconds, nanos, violations) => {
          const status = P.Status.encode(P.Status.fromObject({
            code,
            message,
            details: [
              { type_url: "type.googleapis.com/google.rpc.LocalizedMessage", value: new Uint8Array([10, 1, 65]) },
              any(P.ErrorInfo, { reason, domain: "d", metadata }),
              any(P.RetryInfo, { retry_delay: { seconds, nanos } }),
              any(P.BadRequest, { field_violations: violations })
            ]
          })).finish()
          const d = Grpc.decodeDetails(status)!
          assert.strictEqual(d.code, code)
          assert.strictEqual(d.message, message)
          assert.deepStrictEqual(d.unknown, ["type.googleapis.com/google.rpc.LocalizedMessage"])
          assert.deepStrictEqual({ ...d.errorInfo!.metadata }, { ...metadata })
          assert.strictEqual(d.errorInfo!.reason, reason)
          assert.closeTo(d.retryDelayMs!, seconds * 1000 + nanos / 1e6, 1e-6)
          assert.deepStrictEqual(
            d.fieldViolations,
            violations.map((v) => ({ field: v.field, description: v.description }))
          )
        }
      ),
      { numRuns: 1000 }
    )
  })

  it("rejects malformed input: truncated lengths, bad varints, groups, field 0", () => {
    assert.isUndefined(proto.decodeStatus(new Uint8Array([0x12, 0x05, 0x61]))) // length past the end
    assert.isUndefined(
      proto.decodeStatus(new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))
    ) // 11-byte varint
    assert.isUndefined(proto.decodeStatus(new Uint8Array([0x0b]))) // start group
    assert.isUndefined(proto.decodeStatus(new Uint8Array([0x00, 0x00]))) // field 0
    assert.isUndefined(proto.decodeStatus(new Uint8Array([0x0a, 0x01]))) // code as bytes: wrong wire type
    assert.isUndefined(proto.decodeStatus(new Uint8Array(proto.limits.maxBytes + 1)))
    const many = new proto.Writer()
    for (let i = 0; i <= proto.limits.maxDetails; i++) many.bytes(3, new Uint8Array(0))
    assert.isUndefined(proto.decodeStatus(many.finish()))
    const entries = (n: number) =>
      proto.encodeErrorInfo({
        reason: "r",
        domain: "d",
        metadata: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]))
      })
    assert.strictEqual(
      Object.keys(proto.decodeErrorInfo(entries(proto.limits.maxMetadata))!.metadata).length,
      proto.limits.maxMetadata
    )
    assert.isUndefined(proto.decodeErrorInfo(entries(proto.limits.maxMetadata + 1)))
    assert.deepStrictEqual(proto.decodeStatus(new Uint8Array(0)), { code: 0, message: "", details: [] })
    assert.isUndefined(proto.decodeDurationMs(new proto.Writer().int32(1, -5).finish())) // negative seconds
    assert.deepStrictEqual(bytes(new proto.Writer().int32(1, -1).finish()), [
      8,
      255,
      255,
      255,
      255,
      255,
      255,
      255,
      255,
      255,
      1
    ])
  })
})

// -----------------------------------------------------------------------------
// Fuzz: 100 000 generated and mutated inputs, zero defects
// -----------------------------------------------------------------------------

const safe = Correlation.safePattern

/**
 * Decodes as the client does, in both modes; any exception or broken invariant is a defect. It throws
 * rather than returning false, so fast-check reports the defect itself with its shrunk counterexample.
 */
const check = (incoming: Grpc.Incoming): void => {
  const d = incoming.metadata instanceof Object && Grpc.DetailsKey in incoming.metadata
    ? (incoming.metadata as Record<string, unknown>)[Grpc.DetailsKey]
    : undefined
  if (d instanceof Uint8Array) Grpc.decodeDetails(d)
  for (const mode of ["distrust", "trust"] as const) {
    const f = Grpc.toFault(incoming, { mode, catalog: Catalog.builtin })
    if (!Fault.isFault(f)) throw new Error("not a fault")
    if (typeof f.code !== "string" || typeof f.message !== "string") throw new Error("no code or message")
    if (f.retryAfterMs !== undefined && !(Number.isFinite(f.retryAfterMs) && f.retryAfterMs >= 0)) {
      throw new Error(`retryAfterMs ${f.retryAfterMs}`)
    }
    if (f.correlationId !== undefined && !(safe.test(f.correlationId) && f.correlationId.length <= 128)) {
      throw new Error(`correlation id ${JSON.stringify(f.correlationId)}`)
    }
    if (mode === "distrust" && f._tag !== "RemoteFault" && f._tag !== "SchemaViolation" && f.origin === "remote") {
      throw new Error(`distrust let ${f._tag} through`)
    }
  }
  if (({} as any).polluted !== undefined) throw new Error("prototype polluted")
}

/** Runs {@link check} on `numRuns` generated inputs. */
const fuzz = (incoming: fc.Arbitrary<Grpc.Incoming>, numRuns: number) =>
  fc.assert(fc.property(incoming, check), { numRuns })

const sampleFaults: ReadonlyArray<Fault.Fault> = [
  new Fault.NotFound({ resource: "order", id: "42", correlationId: "c-1" }),
  new Fault.InvalidFieldValue({ field: "qty", expectedValue: "int", receivedValue: "x" }),
  new Fault.SchemaViolation({ direction: "outbound", violations: [{ field: "a", message: "bad" }] }),
  new Fault.SchemaViolation({ direction: "inbound", violations: [{ field: "b", message: "bad" }] }),
  new Fault.RateLimited({ retryAfterMs: 1500 }),
  new Fault.Unavailable({ reason: "x", retryAfterMs: 10 }),
  new Fault.SignatureMissing({ missing: ["a", "b"] }),
  new Fault.Timeout({ budget: "overall", afterMs: 3, phase: "BeforeSend" }),
  new Fault.InternalError({ message: "boom" })
]
const validEncodings = sampleFaults.map((f) => Grpc.encode(f, { correlationId: crypto.randomUUID() }))

const code = fc.oneof(fc.integer({ min: 0, max: 16 }), fc.integer({ min: -1000, max: 1000 }))

/** A mutation of a valid encoding: flip, truncate, insert, duplicate a slice, or overwrite a length. */
const mutated = fc.tuple(
  fc.integer({ min: 0, max: validEncodings.length - 1 }),
  fc.array(
    fc.tuple(
      fc.constantFrom("flip", "truncate", "insert", "dup", "varint"),
      fc.nat(),
      fc.integer({ min: 0, max: 255 })
    ),
    { minLength: 1, maxLength: 4 }
  )
).map(([i, ops]) => {
  let b = Array.from(validEncodings[i]!.metadata[Grpc.DetailsKey] as Uint8Array)
  for (const [op, at, value] of ops) {
    const pos = b.length === 0 ? 0 : at % b.length
    if (op === "flip") b[pos] = (b[pos] ?? 0) ^ (1 << (value % 8))
    else if (op === "truncate") b = b.slice(0, pos)
    else if (op === "insert") b.splice(pos, 0, value)
    else if (op === "dup") b.splice(pos, 0, ...b.slice(pos, pos + (value % 32)))
    else b.splice(pos, 1, 0xff, 0xff, 0xff, 0xff, 0x0f) // a huge length or varint
  }
  return { code: validEncodings[i]!.code as number, bytes: new Uint8Array(b), details: validEncodings[i]!.details }
})

/** A well-formed Status whose ErrorInfo (our domain) carries hostile metadata. */
const hostileInfo = fc.record({
  code,
  reason: fc.oneof(
    fc.constantFrom(...Catalog.builtin.entries.map((e) => e.code), "", "__proto__", "constructor"),
    text
  ),
  metadata: fc.dictionary(
    fc.oneof(
      fc.constantFrom(
        "__proto__",
        "constructor",
        "prototype",
        "json-fields",
        "http-status",
        "expected-action",
        "correlation-id",
        "failure-parents",
        "failure-type",
        "violations",
        "direction",
        "id",
        "field",
        "afterMs",
        "phase"
      ),
      key
    ),
    fc.oneof(
      text,
      fc.constantFrom(
        "violations,direction,id",
        "999",
        "-1",
        "RetryNow",
        "{\"polluted\":1}",
        "[1,2",
        "null",
        "[{\"field\":1}]",
        "inbound",
        "BeforeSend",
        "1e309",
        "x".repeat(5000),
        "a\u0000b",
        "\r\nx: y"
      )
    ),
    { maxKeys: 8 }
  ),
  delayMs: fc.oneof(fc.constant(undefined), fc.double({ noNaN: true }), fc.integer({ min: 0, max: 2 ** 40 }))
}).map(({ code, reason, metadata, delayMs }) => {
  const details: Array<proto.Any> = [
    { typeUrl: proto.TypeUrl.ErrorInfo, value: proto.encodeErrorInfo({ reason, domain: "effect-faults", metadata }) }
  ]
  if (delayMs !== undefined) {
    const w = new proto.Writer().int32(1, Math.trunc(delayMs / 1000) | 0).int32(2, Math.trunc(delayMs) | 0)
    details.push({ typeUrl: proto.TypeUrl.RetryInfo, value: new proto.Writer().bytes(1, w.finish()).finish() })
  }
  return { code, bytes: proto.encodeStatus({ code, message: reason, details }) }
})

const metadataValue = fc.oneof(
  text,
  fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
  fc.array(fc.oneof(text, fc.uint8Array({ maxLength: 16 })), { maxLength: 3 }),
  fc.constantFrom(crypto.randomUUID(), "../../etc/passwd", "x".repeat(300), "", "AAAA====", "CAU=")
)

describe("Grpc decoder fuzz (100 000 inputs)", () => {
  it("random bytes as grpc-status-details-bin (30 000)", () =>
    fuzz(
      fc.tuple(code, fc.uint8Array({ maxLength: 200 }), text).map(([c, b, details]) => ({
        code: c,
        details,
        metadata: { [Grpc.DetailsKey]: Buffer.from(b) }
      })),
      30_000
    ))

  it("mutated valid encodings (30 000)", () =>
    fuzz(
      fc.tuple(mutated, fc.boolean()).map(([{ code, bytes, details }, asBase64]) => ({
        code,
        details,
        metadata: { [Grpc.DetailsKey]: asBase64 ? Buffer.from(bytes).toString("base64") : Buffer.from(bytes) }
      })),
      30_000
    ))

  it("well-formed Status with hostile ErrorInfo metadata and retry delays (25 000)", () =>
    fuzz(
      fc.tuple(hostileInfo, metadataValue).map(([{ code, bytes }, correlator]) => ({
        code,
        details: "",
        metadata: { [Grpc.DetailsKey]: Buffer.from(bytes), "x-correlator": correlator as any }
      })),
      25_000
    ))

  it("arbitrary trailing metadata, no details, every code (15 000)", () =>
    fuzz(
      fc.tuple(
        code,
        text,
        fc.dictionary(fc.oneof(fc.constantFrom(Grpc.DetailsKey, "x-correlator", "content-type"), key), metadataValue, {
          maxKeys: 5
        })
      ).map(([c, details, metadata]) => ({ code: c, details, metadata: metadata as any })),
      15_000
    ))

  it("trust mode decodes the valid encodings back: public ones typed, redacted ones by code only", () => {
    const got = validEncodings.map((e) => {
      const f = Grpc.toFault({ code: e.code, details: e.details, metadata: e.metadata }, { mode: "trust" })
      return f._tag === "RemoteFault" ? `RemoteFault(${(f as Fault.RemoteFault).remoteCode})` : f._tag
    })
    assert.deepStrictEqual(got, [
      "NotFound",
      "InvalidFieldValue",
      "SchemaViolation",
      "SchemaViolation",
      "RateLimited",
      "Unavailable",
      "SignatureMissing",
      "RemoteFault(Timeout)", // redacted: its required fields stay on the server
      "InternalError"
    ])
  })
})
