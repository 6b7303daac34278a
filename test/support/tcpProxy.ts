/**
 * A TCP proxy on 127.0.0.1 in front of a real service, that a test can cut (drop every connection,
 * keep listening), stop (also refuse new ones) and restart on the same port: how the tests produce a
 * broker or a Redis that goes away and comes back.
 */
import { Effect, type Scope } from "effect"
import { createConnection, createServer, type Socket } from "node:net"

export interface TcpProxy {
  readonly port: number
  /** Drops every open connection; new ones are still accepted. */
  readonly cut: () => void
  /** Drops every connection and stops listening. */
  readonly stop: Effect.Effect<void>
  /** Listens again on the same port. */
  readonly restart: Effect.Effect<void>
}

export const tcpProxy = (targetPort: number): Effect.Effect<TcpProxy, never, Scope.Scope> => {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = createConnection({ port: targetPort, host: "127.0.0.1" })
    sockets.add(client).add(upstream)
    client.pipe(upstream).pipe(client)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on("error", drop).on("close", drop)
    upstream.on("error", drop).on("close", drop)
  })
  const cut = () => {
    for (const s of sockets) s.destroy()
  }
  const listen = (port: number) =>
    Effect.callback<number>((resume) => {
      server.listen(port, "127.0.0.1", () => resume(Effect.succeed((server.address() as { port: number }).port)))
    })
  const stop = Effect.callback<void>((resume) => {
    if (!server.listening) return resume(Effect.void)
    server.close(() => resume(Effect.void))
    cut()
  })
  return Effect.acquireRelease(
    Effect.map(listen(0), (port): TcpProxy => ({ port, cut, stop, restart: Effect.asVoid(listen(port)) })),
    () => stop
  )
}
