/**
 * Real TLS peers on 127.0.0.1 for the secure tests and the example: a Node HTTPS server, and an
 * `openssl s_server` for mutual TLS (Node's own server closes the socket without a TLS alert when it
 * refuses a client certificate; OpenSSL, like nginx or Apache, sends the alert).
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import * as https from "node:https"
import * as net from "node:net"
import { join } from "node:path"

export interface Running {
  readonly port: number
  readonly url: string
  /** How many requests reached the handler. */
  readonly hits: () => number
  /** How many TCP connections the server accepted. */
  readonly connections: () => number
  readonly close: () => Promise<void>
}

export const https_ = (
  options: https.ServerOptions,
  handler: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void = (_, res) =>
    res.end("<oadrResponse><eiResponse><responseCode>200</responseCode></eiResponse></oadrResponse>")
): Promise<Running> =>
  new Promise((resolve) => {
    let hits = 0
    let connections = 0
    const server = https.createServer(options, (req, res) => {
      hits++
      handler(req, res)
    })
    server.on("connection", () => connections++)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      resolve({
        port,
        url: `https://127.0.0.1:${port}`,
        hits: () => hits,
        connections: () => connections,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = net.createServer()
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as net.AddressInfo).port
      probe.close(() => resolve(port))
    })
  })

const waitForPort = async (port: number, deadline: number): Promise<void> => {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1")
      socket.once("connect", () => {
        socket.destroy()
        resolve(true)
      })
      socket.once("error", () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`openssl s_server did not listen on ${port}`)
}

/** `openssl s_server -Verify 1 -verify_return_error`: requires a client certificate from `ca.pem`. */
export const opensslMutual = async (dir: string): Promise<Running> => {
  const port = await freePort()
  const proc: ChildProcess = spawn("openssl", [
    "s_server",
    "-accept",
    `127.0.0.1:${port}`,
    "-cert",
    join(dir, "server.pem"),
    "-key",
    join(dir, "server.key"),
    "-CAfile",
    join(dir, "ca.pem"),
    "-Verify",
    "1",
    "-verify_return_error",
    "-www",
    "-quiet"
  ], { stdio: ["ignore", "ignore", "ignore"] })
  await waitForPort(port, Date.now() + 5_000)
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    hits: () => 0,
    connections: () => 0,
    close: () =>
      new Promise((done) => {
        if (proc.exitCode !== null) return done()
        proc.once("exit", () => done())
        proc.kill()
      })
  }
}
