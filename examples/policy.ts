/**
 * Tour, chapter 2: the policy decides from the fault. Foolscap's "get and store record": server1
 * fails remotely, so the call falls back to server2, which answers; a local failure (our own
 * request violates the schema) does not move to server2. Then a rate-limited answer retried after
 * its Retry-After, and the OpenADR client's log-and-continue. Loopback servers, a few seconds.
 */
import { Effect, Logger, References, Schema } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import * as Catalog from "../src/Catalog.ts"
import * as Correlation from "../src/Correlation.ts"
import * as Fault from "../src/Fault.ts"
import * as Policy from "../src/Policy.ts"
import * as Trust from "../src/Trust.ts"

// A record server on 127.0.0.1: `answer` decides each response.
const serve = (
  name: string,
  answer: (n: number) => { status: number; body: unknown; headers?: Record<string, string> }
) =>
  new Promise<{ url: string; hits: () => number; server: Server }>((resolve) => {
    let hits = 0
    const server = createServer((req, res) => {
      req.resume()
      const a = answer(++hits)
      res.writeHead(a.status, { "content-type": "application/json", ...a.headers })
      res.end(JSON.stringify(a.body))
    })
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        hits: () => hits,
        server
      }))
    void name
  })

// The client side: an error answer becomes a fault through Trust (distrust: a RemoteFault).
const call = (url: string, init?: RequestInit) =>
  Effect.tryPromise({
    try: (signal) => fetch(url, { ...init, signal }),
    catch: (e) => new Fault.Unreachable({ host: new URL(url).host, reason: String((e as Error).cause ?? e) })
  }).pipe(
    Effect.flatMap((res) =>
      Effect.flatMap(Effect.promise(() => res.json() as Promise<any>), (body) => {
        if (res.ok) return Effect.succeed(body)
        const retryAfter = res.headers.get("retry-after")
        return Effect.fail(Trust.toFault({
          code: body.code ?? "Unknown",
          message: body.message,
          status: res.status,
          ...(retryAfter === null ? {} : { retryAfterMs: Number(retryAfter) * 1000 })
        }, { mode: "distrust", catalog: Catalog.builtin, protocol: "http" }))
      })
    )
  )

const Record = Schema.Struct({ id: Schema.String, name: Schema.NonEmptyString })

// Storing validates OUR request first: a violation is a local, outbound fault (FixRequest).
const store = (url: string, record: { id: string; name: string }) =>
  Schema.decodeUnknownEffect(Record)(record).pipe(
    Effect.mapError((e) =>
      new Fault.SchemaViolation({
        direction: "outbound",
        schema: "Record",
        violations: [{ field: "name", message: e.message.split("\n")[0] ?? "invalid" }]
      })
    ),
    Effect.flatMap((valid) => call(`${url}/records`, { method: "PUT", body: JSON.stringify(valid) }))
  )

const logger = Logger.make((o) => {
  const a = o.fiber.getRef(References.CurrentLogAnnotations) as Record<string, unknown>
  const extra = ["faultCode", "remoteCode", "correlationId", "delayMs", "alternative"].filter((k) => a[k] !== undefined)
    .map((k) => `${k}=${a[k]}`).join(" ")
  console.log(
    `   log ${o.logLevel.toUpperCase()} ${Array.isArray(o.message) ? o.message.join(" ") : o.message}  ${extra}`
  )
})

export async function run() {
  console.log("\n=== 2. Policy: the fault decides (retry, fallback, log and continue) ===")
  const server1 = await serve(
    "server1",
    () => ({ status: 500, body: { code: "StorageFailure", message: "disk full" } })
  )
  const server2 = await serve("server2", () => ({ status: 200, body: { id: "42", name: "Alice", from: "server2" } }))
  const limited = await serve("limited", (n) =>
    n === 1
      ? { status: 429, body: { code: "RateLimited", message: "slow down" }, headers: { "retry-after": "1" } }
      : { status: 200, body: { ok: true } })
  const closed = await serve("vtn", () => ({ status: 200, body: {} }))
  const vtnUrl = closed.url
  await new Promise<void>((r) => closed.server.close(() => r())) // nothing listens there any more

  const program = Effect.gen(function*() {
    console.log("\n-- get record: server1 fails remotely, the policy falls back to server2")
    const record = yield* call(`${server1.url}/records/42`).pipe(
      Policy.apply({ service: "records", alternatives: [call(`${server2.url}/records/42`)] })
    )
    console.log(`   got ${JSON.stringify(record)} (server1 hit ${server1.hits()}×, server2 hit ${server2.hits()}×)`)

    console.log("\n-- store record: our own request is invalid, a local fault: no fallback")
    const before = server2.hits()
    const stored = yield* store(server1.url, { id: "43", name: "" }).pipe(
      Policy.apply({ service: "records", alternatives: [store(server2.url, { id: "43", name: "" })] }),
      Effect.flip
    )
    console.log(
      `   failed with ${stored.code} (${stored.origin}, ${stored.expected}); server2 hit ${server2.hits() - before}×`
    )

    console.log("\n-- a 429 with Retry-After: 1 is retried after exactly that wait")
    const started = Date.now()
    const answer = yield* call(`${limited.url}/ping`).pipe(Policy.apply({ service: "limited" }))
    console.log(`   answered ${JSON.stringify(answer)} after ${Date.now() - started} ms, ${limited.hits()} requests`)

    console.log("\n-- log and continue: the VTN is down, the report is skipped, the client goes on")
    const reported = yield* call(`${vtnUrl}/reports`, { method: "POST", body: "{}" }).pipe(
      Policy.apply({ service: "vtn", attempts: 1 }),
      Policy.logAndContinue(false)
    )
    console.log(`   reported: ${reported}; continuing`)
  }).pipe(Correlation.withId("7d3f2c1e-0b7a-4e55-9d1e-2f6b8c9a0e11"), Effect.provide(Logger.layer([logger])))

  try {
    await Effect.runPromise(program)
  } finally {
    for (const s of [server1, server2, limited]) {
      s.server.closeAllConnections()
      await new Promise<void>((r) => s.server.close(() => r()))
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
