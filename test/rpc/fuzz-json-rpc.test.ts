import { describe, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import { Exposure, Fault } from "../../src/index.ts"
import { Failures, JsonRpc } from "../../src/rpc/index.ts"
import { samples } from "./effect-rpc-fixtures.ts"

// A decoded fault must be usable all the way: its getters, its public view, its JSON.
const usable = (f: unknown): boolean => {
  if (!Fault.isFault(f)) return false
  const probe = [f._tag, f.code, f.category, f.side, f.expected, f.status, f.title, f.origin, f.message, f.eventId]
  if (probe.some((p) => p === undefined)) return false
  Failures.kind(f)
  Exposure.view(f)
  JSON.stringify(f)
  return true
}

const decodes = (input: unknown, mode: "trust" | "distrust"): boolean => {
  const r = JsonRpc.decodeResponse(input, { mode })
  return Result.isSuccess(r) || usable(r.failure)
}

const mode = fc.constantFrom("trust" as const, "distrust" as const)
const validErrors = samples.map((s) => JsonRpc.fromFault(s)).concat(
  JsonRpc.fromFault(new Error("defect")),
  { code: -32601, message: "Method not found" },
  { code: -32602, message: "Invalid params" }
)
const codes = fc.oneof(
  fc.constantFrom(-32700, -32600, -32601, -32602, -32603, -32000, -32001, -32011, -32099, 0, 1),
  fc.integer(),
  fc.double(),
  fc.string()
)
const weird = fc.oneof(
  fc.anything(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(Number.NaN),
  fc.constant(Infinity),
  fc.string(),
  fc.array(fc.anything(), { maxLength: 4 }),
  fc.constant("__proto__"),
  fc.constant(JSON.parse(`{"__proto__":{"code":"NotFound"},"constructor":{"name":"x"}}`))
)
const dataKeys = [
  "code",
  "status",
  "expected",
  "retryAfterMs",
  "correlationId",
  "eventId",
  "fields",
  "violations",
  "failure"
] as const

// A valid error object of ours, then a few of its parts replaced, deleted or nested wrongly.
const mutated = fc.tuple(
  fc.constantFrom(...validErrors),
  fc.array(
    fc.tuple(
      fc.constantFrom(
        "code",
        "message",
        "data",
        ...dataKeys.map((k) => `data.${k}`),
        "data.fields.*",
        "data.failure.*"
      ),
      fc.oneof(weird, codes, fc.constant("DELETE"))
    ),
    { minLength: 1, maxLength: 5 }
  )
).map(([base, edits]) => {
  const e: any = structuredClone(base)
  for (const [path, value] of edits) {
    const parts = path.split(".")
    let target = e
    for (const part of parts.slice(0, -1)) {
      // copy on the way down: generated values may be shared between runs
      const next = target[part]
      target[part] = typeof next !== "object" || next === null ? {} : Array.isArray(next) ? [...next] : { ...next }
      target = target[part]
    }
    let key = parts[parts.length - 1]!
    if (key === "*") key = Object.keys(target)[0] ?? "x"
    if (value === "DELETE") delete target[key]
    else target[key] = value
  }
  return e
})

const errorObjects = fc.oneof(
  fc.record({
    code: codes,
    message: fc.oneof(fc.string(), weird),
    data: fc.oneof(weird, fc.dictionary(fc.string(), weird))
  }, {
    requiredKeys: []
  }),
  fc.record({
    code: codes,
    message: fc.string(),
    data: fc.record({
      code: fc.oneof(
        fc.constantFrom(...Fault.builtins.map((c) => c[Fault.TypeId].code), "SchemaViolation"),
        fc.string()
      ),
      status: fc.oneof(fc.integer({ min: 100, max: 599 }), weird),
      expected: fc.oneof(fc.constantFrom("RetryLater", "FixRequest"), weird),
      retryAfterMs: fc.oneof(fc.nat(), weird),
      fields: fc.oneof(fc.dictionary(fc.string(), weird), weird),
      violations: fc.oneof(fc.array(fc.record({ field: weird, message: weird })), weird),
      failure: fc.oneof(fc.record({ type: weird, message: weird, parents: weird }), weird)
    }, { requiredKeys: ["code"] })
  }),
  mutated
)

describe("fuzzing the JSON-RPC decoder: 100 000 generated and mutated inputs, zero defects", () => {
  it("40 000 generated and mutated error objects in a response", () => {
    fc.assert(
      fc.property(
        errorObjects,
        mode,
        fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
        (error, m, id) => decodes({ jsonrpc: "2.0", id, error }, m)
      ),
      { numRuns: 40_000 }
    )
  }, 120_000)

  it("40 000 error objects straight into toFault", () => {
    fc.assert(
      fc.property(fc.oneof(errorObjects, weird), mode, (error, m) => usable(JsonRpc.toFault(error, { mode: m }))),
      { numRuns: 40_000 }
    )
  }, 120_000)

  it("20 000 response texts: valid, truncated, corrupted, random", () => {
    const texts = fc.oneof(
      fc.string(),
      fc.json(),
      fc.tuple(errorObjects, fc.nat()).map(([error, cut]) => {
        const text = JSON.stringify({ jsonrpc: "2.0", id: 1, error }) ?? ""
        return text.slice(0, cut % (text.length + 1))
      }),
      fc.tuple(errorObjects, fc.nat(), fc.string({ minLength: 1, maxLength: 1 })).map(([error, at, c]) => {
        const text = JSON.stringify({ jsonrpc: "2.0", id: 1, error }) ?? ""
        const i = at % (text.length + 1)
        return text.slice(0, i) + c + text.slice(i + 1)
      })
    )
    fc.assert(fc.property(texts, mode, (text, m) => decodes(text, m)), { numRuns: 20_000 })
  }, 120_000)

  it("a hostile peer cannot plant a typed local fault in distrust mode", () => {
    fc.assert(
      fc.property(errorObjects, (error) => {
        const f = JsonRpc.toFault(error, { mode: "distrust" })
        // only protocol facts (violations, malformed answers) or a RemoteFault; never an application fault
        return f._tag === "RemoteFault" || f._tag === "SchemaViolation" || f._tag === "NotWellFormed"
      }),
      { numRuns: 2_000 }
    )
  })
})
