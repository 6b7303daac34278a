/**
 * Tour, chapter: the HTTP client. An OpenADR-style VEN polls its VTN for events with a client whose
 * calls fail only with faults. While the VTN is down the VEN logs one warning (with the correlation
 * id it sent) and carries on with the events it has; when the VTN is back, events flow again. Then
 * the same 404 read under both trust modes. Loopback servers, about a second.
 */
import { Effect, Logger, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as Catalog from "../src/Catalog.ts"
import * as Correlation from "../src/Correlation.ts"
import * as Fault from "../src/Fault.ts"
import * as Client from "../src/http/Client.ts"
import * as Policy from "../src/Policy.ts"
import * as Report from "../src/Report.ts"

const Event = Schema.Struct({ id: Schema.String, signal: Schema.Number })
const Events = Schema.Array(Event)

// The VTN: a real node:http server on 127.0.0.1. `/events` lists events; anything else is a problem+json 404.
const startVtn = (port = 0) =>
  new Promise<{ port: number; close: () => Promise<void> }>((resolve) => {
    const server = createServer((req, res) => {
      const cid = String(req.headers["x-correlator"] ?? "")
      if (req.url === "/events") {
        res.writeHead(200, { "content-type": "application/json", "x-correlator": cid })
        res.end(JSON.stringify([{ id: "evt-1", signal: 0.5 }]))
        return
      }
      res.writeHead(404, { "content-type": "application/problem+json", "x-correlator": cid })
      res.end(
        JSON.stringify({
          type: "urn:fault:NotFound",
          title: "Not found",
          status: 404,
          detail: `program '${req.url}' not found`,
          code: "NotFound",
          fields: { resource: "program" }
        })
      )
    })
    server.listen(port, "127.0.0.1", () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections()
            server.close(() => r())
          })
      }))
  })

// One poll: GET /events decoded with its schema; a network fault is logged and the VEN keeps what it has.
const poll = (client: Client.FaultClient, base: string, known: ReadonlyArray<typeof Event.Type>) =>
  client.get(`${base}/events`).pipe(
    Effect.flatMap(Client.bodyJson(Events)),
    Policy.logAndContinue(known)
  )

export async function run(): Promise<void> {
  console.log("\n=== 4. HTTP client: an OpenADR VEN that logs and continues, and the two trust modes ===")
  const vtn = await startVtn()
  const base = `http://127.0.0.1:${vtn.port}`
  await vtn.close() // the VTN is down for the first poll

  const program = Effect.gen(function*() {
    const client = yield* Client.make({ timeout: "2 seconds" })
    let events: ReadonlyArray<typeof Event.Type> = []
    events = yield* poll(client, base, events).pipe(Correlation.withId("6f1d6b4e-2c0a-4d7e-9a51-0f6f1d3b9c11"))
    console.log(`poll 1 (VTN down): still running with ${events.length} events`)

    const again = yield* Effect.promise(() => startVtn(vtn.port))
    events = yield* poll(client, base, events)
    console.log(`poll 2 (VTN up): ${events.map((e) => `${e.id}=${e.signal}`).join(", ")}`)

    // The same 404 under both trust modes.
    const distrusting = yield* Client.make({ report: false })
    const d = yield* Effect.flip(distrusting.get(`${base}/programs/p-9`))
    const caughtLocally = yield* Effect.fail(d).pipe(
      Effect.catchTag("NotFound", () => Effect.succeed(true)),
      Effect.catch(() => Effect.succeed(false))
    )
    console.log(
      `distrust: ${d._tag} remoteCode=${
        (d as Fault.RemoteFault).remoteCode
      }; a NotFound handler catches it: ${caughtLocally}`
    )

    const trusting = yield* Client.make({ trust: "trust", catalog: Catalog.builtin, report: false })
    const t = yield* Effect.flip(trusting.get(`${base}/programs/p-9`))
    const message = yield* Effect.fail(t).pipe(Effect.catchTag("NotFound", (e) => Effect.succeed(e.message)))
    console.log(`trust:    ${t._tag} origin=${t.origin}, caught by catchTag("NotFound"): "${message}"`)
    yield* Effect.promise(again.close)
  })

  await Effect.runPromise(program.pipe(
    Effect.provide(FetchHttpClient.layer),
    Effect.provide(Report.layer(Report.silent)),
    Effect.provide(Logger.layer([Logger.consolePretty({ colors: false })]))
  ))
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
