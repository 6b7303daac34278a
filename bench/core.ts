/**
 * Core: what a fault costs to create, and what its public view + JSON costs against a plain
 * `JSON.stringify` of the same object.
 */
import { Schema } from "effect"
import { Exposure, Fault } from "effect-faults"
import { compare, cpuInterleaved, section } from "./harness.ts"

class PlainTaggedError extends Schema.TaggedError<PlainTaggedError>()("PlainTaggedError", {
  resource: Schema.String,
  id: Schema.String
}) {}

export async function run() {
  section("core: creating a fault (goal: API faults ≥ 5x cheaper than new Error(), internal faults keep their stack)")
  const cause = new Error("the cause")
  // one table, measured round by round, so every fault sees the same drift as its baseline
  const [error, tagged, internal, ...api] = cpuInterleaved([
    ["new Error(message)", () => new Error("order 42 not found")],
    [
      "Schema.TaggedError (Effect, with stack) — the status quo",
      () => new PlainTaggedError({ resource: "order", id: "42" })
    ],
    ["Fault.InternalError (keeps its stack)", () => new Fault.InternalError({ message: "bug" })],
    ["Fault.NotFound", () => new Fault.NotFound({ resource: "order", id: "42" })],
    [
      "Fault.InvalidFieldValue",
      () => new Fault.InvalidFieldValue({ field: "amount", expectedValue: "number", receivedValue: "ten" })
    ],
    ["Fault.RateLimited", () => new Fault.RateLimited({ retryAfterMs: 1000 })],
    ["Fault.Timeout", () => new Fault.Timeout({ budget: "overall", afterMs: 30_000, phase: "MaybeDelivered" })],
    ["Fault.Unreachable", () => new Fault.Unreachable({ host: "db", reason: "ECONNREFUSED" })],
    ["Fault.RemoteFault", () => new Fault.RemoteFault({ remoteCode: "NotFound", remoteStatus: 404 })],
    // a message, a cause and a received origin are kept off the fields: they must not cost a slow path
    [
      "Fault.NotFound with a message, a cause, received",
      () => new Fault.NotFound({ resource: "order", message: "no such order", cause, origin: "remote" })
    ]
  ])
  compare(tagged!, error!)
  for (const m of api) compare(m, error!, { kind: "cheaper by at least", ratio: 5 })
  compare(internal!, error!)

  section("core: public view + JSON vs JSON.stringify of the same object (goal ≤ 1.5x)")
  const cases: Array<[string, Fault.Fault]> = [
    [
      "NotFound (public, 2 fields)",
      new Fault.NotFound({ resource: "order", id: "42", correlationId: "550e8400-e29b-11d4-a716-446655440000" })
    ],
    [
      "InvalidFieldValue (public, 3 fields)",
      new Fault.InvalidFieldValue({ field: "amount", expectedValue: "number", receivedValue: "ten" })
    ],
    ["InternalError (redacted)", new Fault.InternalError({ message: "pool exhausted" })]
  ]
  for (const [name, fault] of cases) {
    const same = { ...Exposure.view(fault) }
    const [baseline, subject] = cpuInterleaved([
      [`JSON.stringify(view object) — ${name}`, () => JSON.stringify(same)],
      [`Exposure.view + JSON.stringify — ${name}`, () => JSON.stringify(Exposure.view(fault))]
    ])
    compare(subject!, baseline!, { kind: "at most", ratio: 1.5 })
  }
}

if (import.meta.main) await run()
