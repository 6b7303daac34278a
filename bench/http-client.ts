/**
 * HTTP client: decoding an error response into a typed fault, against `JSON.parse` of the same body
 * (the least any client must do with a JSON error). Ratios from one run; ops/s on one core.
 *
 * (a) distrust (the default): `Client.decode` — headers (Retry-After, correlator), dialect
 *     recognition by content type, the problem+json decoder, a `RemoteFault` built directly (no
 *     Schema decode on the hot path). Goal ≤ 2x `JSON.parse` and ≥ 1 M/s.
 * (b) trust: the same, then the catalog's typed `NotFound` (its own fields through its JIT-compiled Schema guard), against
 *     the same goals.
 * (c) what a user writes today: `JSON.parse` + Effect's `ProblemDetails` schema decode, for scale.
 * (d) the transport side: `Network.classify` of a fetch `TypeError` wrapping `ECONNREFUSED`.
 *
 * `npm run bench -- http-client`
 */
import { Schema } from "effect"
import { Catalog, Network } from "effect-faults"
import { Client, Problem } from "effect-faults/http"
import { ProblemDetails } from "effect/http"
import { compare, cpu, cpuInterleaved, section } from "./harness.ts"

const body = JSON.stringify({
  type: "urn:fault:NotFound",
  title: "Not found",
  status: 404,
  detail: "order '42' not found",
  code: "NotFound",
  correlationId: "3f0c1a52-7d4e-4b8e-9a51-2f6f1d3b9c11",
  fields: { resource: "order", id: "42" }
})
const incoming = {
  status: 404,
  headers: {
    "content-type": "application/problem+json",
    "x-correlator": "3f0c1a52-7d4e-4b8e-9a51-2f6f1d3b9c11",
    "content-length": String(body.length),
    date: "Wed, 25 Nov 2026 12:00:00 GMT"
  },
  body,
  truncated: false
}
const now = Date.parse("2026-11-25T12:00:00Z")
const distrust: Client.DecodeOptions = { mode: "distrust", catalog: Catalog.builtin, now, dialects: [Problem.dialect] }
const distrustAll: Client.DecodeOptions = { mode: "distrust", catalog: Catalog.builtin, now }
const trust: Client.DecodeOptions = { mode: "trust", catalog: Catalog.builtin, now }
const decodeProblemDetails = Schema.decodeUnknownSync(ProblemDetails.Schema)

const refused = new TypeError("fetch failed", {
  cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
    code: "ECONNREFUSED",
    syscall: "connect",
    address: "127.0.0.1",
    port: 9
  })
})

export async function run(): Promise<void> {
  section("HTTP client: error response → typed fault (vs JSON.parse of the same body)")
  // sanity: each subject really produces what it claims, so the numbers measure real work
  const a = Client.decode(incoming, distrustAll)
  const b = Client.decode(incoming, trust)
  if (a._tag !== "RemoteFault" || b._tag !== "NotFound" || b.origin !== "remote") {
    throw new Error("bench subjects are wrong")
  }

  const ops = (ns: number) => `${(1e9 / ns / 1e6).toFixed(2)} M/s`
  // every subject interleaved with the baseline, round by round; each decode gets a response object
  // of its own, as each real response is (the client keeps one parse per response object)
  const [parse, d1, d2, d3, d4] = cpuInterleaved([
    ["JSON.parse(problem+json body)", () => JSON.parse(body)],
    ["Client.decode, distrust, problem dialect only → RemoteFault", () => Client.decode({ ...incoming }, distrust)],
    ["Client.decode, distrust, all six dialects → RemoteFault", () => Client.decode({ ...incoming }, distrustAll)],
    [
      "Client.decode, trust → NotFound through its JIT-compiled Schema guard",
      () => Client.decode({ ...incoming }, trust)
    ],
    [
      "JSON.parse + Effect ProblemDetails schema decode (a user's baseline)",
      () => decodeProblemDetails(JSON.parse(body))
    ]
  ])
  for (const d of [d1!, d2!, d3!]) {
    const r = compare(d, parse!, { kind: "at most", ratio: 2 })
    console.log(
      `    ${ops(d.ns)} on one core (goal ≥ 1 M/s: ${1e9 / d.ns >= 1e6 ? "met" : "NOT met"}); goal ≤ 2x: ${
        r.met ? "met" : "NOT met"
      }`
    )
  }
  compare(d4!, parse!)

  section("HTTP client: transport error → typed fault")
  const ctor = cpu(
    "new Error + TypeError wrapper (what fetch allocates)",
    () => new TypeError("fetch failed", { cause: new Error("x") }),
    { iterations: 50_000 }
  )
  const n = cpu("Network.classify(fetch TypeError → ECONNREFUSED)", () => Network.classify(refused))
  compare(n, ctor)
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
