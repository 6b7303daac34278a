/**
 * A raw node:http server on 127.0.0.1:0 for the client tests: each route writes exactly the bytes a
 * real (or hostile) server would, so the client is tested against the wire, not against Effect's
 * own server.
 */
import { NodeHttpClient } from "@effect/platform-node"
import type { Layer } from "effect"
import type { HttpClient } from "effect/http"
import { FetchHttpClient } from "effect/http"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as net from "node:net"

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void

export interface TestServer {
  readonly url: (path: string) => string
  readonly port: number
  /** Headers of the last request seen per path. */
  readonly seen: Map<string, http.IncomingHttpHeaders>
  /** Resolves when a request for the path arrives. */
  readonly arrived: (path: string) => Promise<void>
  /** Bytes the last streaming route managed to write before the client went away. */
  readonly written: { bytes: number; closed: boolean }
  readonly close: () => Promise<void>
}

export const start = async (routes: Record<string, Route>): Promise<TestServer> => {
  const seen = new Map<string, http.IncomingHttpHeaders>()
  const waiting = new Map<string, Array<() => void>>()
  const written = { bytes: 0, closed: false }
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!
    seen.set(path, req.headers)
    for (const resolve of waiting.get(path) ?? []) resolve()
    waiting.delete(path)
    const route = routes[path]
    if (route === undefined) {
      res.writeHead(404, { "content-type": "text/plain" })
      res.end("no route")
      return
    }
    route(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    seen,
    written,
    arrived: (path) => new Promise<void>((resolve) => waiting.set(path, [...(waiting.get(path) ?? []), resolve])),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** A route that answers `status` with `body` and headers. */
export const answer =
  (status: number, headers: Record<string, string>, body: string | Buffer): Route => (_req, res) => {
    res.writeHead(status, headers)
    res.end(body)
  }

/**
 * A route that streams `total` bytes of `x` under `status`, writing only as fast as the client
 * reads (backpressure), and records how much it wrote before the client went away.
 */
export const stream =
  (written: { bytes: number; closed: boolean }, status: number, total: number): Route => (_req, res) => {
    res.writeHead(status, { "content-type": "text/plain", "content-length": String(total) })
    written.bytes = 0
    written.closed = false
    const chunk = Buffer.alloc(64 * 1024, 120)
    res.on("close", () => {
      written.closed = true
    })
    const pump = () => {
      while (written.bytes < total && !res.destroyed) {
        const n = Math.min(chunk.length, total - written.bytes)
        written.bytes += n
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          res.once("drain", pump)
          return
        }
      }
      if (!res.destroyed) res.end()
    }
    pump()
  }

/** A port nothing listens on. */
export const closedPort = async (): Promise<number> => {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** The three client layers a user may pick. */
export const clientLayers: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["FetchHttpClient", FetchHttpClient.layer],
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["NodeHttpClient.layerNodeHttp", NodeHttpClient.layerNodeHttp]
]
