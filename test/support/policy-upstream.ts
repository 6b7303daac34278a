/**
 * A loopback upstream for the policy load tests: counts every request it receives and answers 503
 * while unhealthy, 200 once healed. Plus a tiny client that turns answers into faults.
 */
import { Effect } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import * as Fault from "../../src/Fault.ts"

export interface Upstream {
  readonly url: string
  readonly requests: () => number
  readonly heal: () => void
  readonly close: () => Promise<void>
}

export const startUpstream = (): Promise<Upstream> =>
  new Promise((resolve) => {
    let requests = 0
    let healthy = false
    const server: Server = createServer((req, res) => {
      requests++
      req.resume()
      if (healthy) res.end("ok")
      else {
        res.statusCode = 503
        res.end("down")
      }
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}/record`,
        requests: () => requests,
        heal: () => {
          healthy = true
        },
        close: () =>
          new Promise((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })

/** GET url: 200 → body; other status → RemoteFault (received); network error → Unreachable. */
export const get = (url: string): Effect.Effect<string, Fault.RemoteFault | Fault.Unreachable> =>
  Effect.tryPromise({
    try: (signal) => fetch(url, { signal }),
    catch: (e) => new Fault.Unreachable({ host: "127.0.0.1", reason: String(e), cause: e })
  }).pipe(
    Effect.flatMap((res) =>
      Effect.flatMap(Effect.promise(() => res.text()), (body) =>
        res.status === 200
          ? Effect.succeed(body)
          : Effect.fail(
            new Fault.RemoteFault({ remoteCode: "Unavailable", remoteStatus: res.status, protocol: "http" })
          ))
    )
  )
