/**
 * Core: what a fault costs to create, and what its public view + JSON costs against a plain
 * `JSON.stringify` of the same object.
 */
import { Schema } from "effect"
import { Exposure, Fault } from "effect-faults"
import { compare, cpu, section } from "./harness.ts"

class PlainTaggedError extends Schema.TaggedError<PlainTaggedError>()("PlainTaggedError", {
  resource: Schema.String,
  id: Schema.String
}) {}

export async function run() {
  section("core: creating a fault (goal: API faults ≥ 5x cheaper than new Error(), internal faults keep their stack)")
  const error = cpu("new Error(message)", () => new Error("order 42 not found"))
  const cause = new Error("the cause")
  compare(
    cpu(
      "Schema.TaggedError (Effect, with stack) — the status quo",
      () => new PlainTaggedError({ resource: "order", id: "42" })
    ),
    error
  )
  const api = [
    cpu("Fault.NotFound", () => new Fault.NotFound({ resource: "order", id: "42" })),
    cpu(
      "Fault.InvalidFieldValue",
      () => new Fault.InvalidFieldValue({ field: "amount", expectedValue: "number", receivedValue: "ten" })
    ),
    cpu("Fault.RateLimited", () => new Fault.RateLimited({ retryAfterMs: 1000 })),
    cpu("Fault.Timeout", () => new Fault.Timeout({ budget: "overall", afterMs: 30_000, phase: "MaybeDelivered" })),
    cpu("Fault.Unreachable", () => new Fault.Unreachable({ host: "db", reason: "ECONNREFUSED" })),
    cpu("Fault.RemoteFault", () => new Fault.RemoteFault({ remoteCode: "NotFound", remoteStatus: 404 })),
    // a message, a cause and a received origin are kept off the fields: they must not cost a slow path
    cpu(
      "Fault.NotFound with a message, a cause, received",
      () => new Fault.NotFound({ resource: "order", message: "no such order", cause, origin: "remote" })
    )
  ]
  for (const m of api) compare(m, error, { kind: "cheaper by at least", ratio: 5 })
  compare(cpu("Fault.InternalError (keeps its stack)", () => new Fault.InternalError({ message: "bug" })), error)

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
    const baseline = cpu(`JSON.stringify(view object) — ${name}`, () => JSON.stringify(same))
    compare(cpu(`Exposure.view + JSON.stringify — ${name}`, () => JSON.stringify(Exposure.view(fault))), baseline, {
      kind: "at most",
      ratio: 1.5
    })
  }
}

if (import.meta.main) await run()
