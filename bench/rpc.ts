/**
 * RPC: what a JSON-RPC error costs end to end — fault → public view → error object → JSON text →
 * parse → typed fault — against `JSON.stringify` + `JSON.parse` of the same error object.
 */
import { Fault } from "effect-faults"
import { JsonRpc } from "effect-faults/rpc"
import { compare, cpu, section } from "./harness.ts"

export async function run() {
  section("rpc: JSON-RPC error encode + decode vs JSON.stringify + JSON.parse of the same object")
  const cases: Array<[string, Fault.Fault]> = [
    ["NotFound (public, 2 fields)", new Fault.NotFound({ resource: "record", id: "42", correlationId: "c-42" })],
    ["RateLimited (public, retryAfterMs)", new Fault.RateLimited({ limit: "10/s", retryAfterMs: 1500 })],
    ["InternalError (redacted)", new Fault.InternalError({ message: "pool exhausted" })]
  ]
  for (const [name, fault] of cases) {
    const same = JsonRpc.errorResponse(1, fault)
    const baseline = cpu(`JSON.stringify + JSON.parse — ${name}`, () => JSON.parse(JSON.stringify(same)))
    compare(
      cpu(
        `encode + decode, distrust (RemoteFault) — ${name}`,
        () => JsonRpc.toFault(JSON.parse(JSON.stringify(JsonRpc.errorResponse(1, fault))).error)
      ),
      baseline
    )
    compare(
      cpu(
        `encode + decode, trust (typed fault) — ${name}`,
        () => JsonRpc.toFault(JSON.parse(JSON.stringify(JsonRpc.errorResponse(1, fault))).error, { mode: "trust" })
      ),
      baseline
    )
  }
  section("rpc: the two halves, NotFound")
  const nf = new Fault.NotFound({ resource: "record", id: "42" })
  const object = JsonRpc.errorResponse(1, nf)
  const text = JSON.stringify(object)
  compare(
    cpu("encode: fault → error object → JSON text", () => JSON.stringify(JsonRpc.errorResponse(1, nf))),
    cpu("JSON.stringify of the same object", () => JSON.stringify(object))
  )
  compare(
    cpu("decode: JSON text → typed fault (distrust)", () => JsonRpc.decodeResponse(text)),
    cpu("JSON.parse of the same text", () => JSON.parse(text))
  )
}

if (import.meta.main) await run()
