/**
 * Real services the tests talk to. Under CI (`CI=true`) a missing service fails the run; elsewhere the
 * suites that need it are skipped with a visible reason, never silently.
 */
import { createConnection } from "node:net"

export const reachable = (port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ port, host })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })

export const services = {
  rabbitmq: { port: 5672, url: "amqp://guest:guest@127.0.0.1:5672" },
  redis: { port: 6379, url: "redis://127.0.0.1:6379" },
  nats: { port: 4222, url: "nats://127.0.0.1:4222" }
} as const

/**
 * Resolves to true when the service answers. When it does not: throws under CI, else warns and
 * resolves to false (use with `describe.skipIf(!available)`).
 */
export const requireService = async (name: keyof typeof services): Promise<boolean> => {
  const ok = await reachable(services[name].port)
  if (ok) return true
  if (process.env.CI === "true") {
    throw new Error(`${name} is not reachable on 127.0.0.1:${services[name].port} (required under CI)`)
  }
  console.warn(`SKIPPING ${name} suites: not reachable on 127.0.0.1:${services[name].port}`)
  return false
}
