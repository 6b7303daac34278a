/**
 * `npm run bench -- policy`: the cost of `Policy.apply` on the success path against the bare
 * effect, measured in the same run (CPU time per call, median of rounds).
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import * as CircuitBreaker from "effect/persistence/CircuitBreaker"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as Policy from "../src/Policy.ts"
import { compare, cpuAsync, section } from "./harness.ts"

export async function run() {
  section("Policy.apply on the success path (CPU per call, runPromise each)")
  const call = Effect.succeed(1)
  const guarded = Policy.apply({ service: "bench" })
  const lean = Policy.apply({ service: "bench-lean", timeout: false, budget: false })
  const bare = await cpuAsync("bare Effect.succeed", () => Effect.runPromise(call))
  const withDefaults = await cpuAsync(
    "Policy.apply, defaults (30 s timeout, budget)",
    () => Effect.runPromise(call.pipe(guarded))
  )
  const withoutTimer = await cpuAsync(
    "Policy.apply, no overall timeout, no budget",
    () => Effect.runPromise(call.pipe(lean))
  )
  // what a user writes anyway: the same 30 s timeout by hand
  const timed = call.pipe(Effect.timeout("30 seconds"))
  const bareTimed = await cpuAsync("bare + Effect.timeout(30 s)", () => Effect.runPromise(timed))
  compare(withDefaults, bare, { kind: "at most", ratio: 1.1 })
  compare(withDefaults, bareTimed, { kind: "at most", ratio: 1.1 })
  compare(withoutTimer, bare, { kind: "at most", ratio: 1.1 })

  const runtime = ManagedRuntime.make(
    Policy.layerBreaker({ tripPolicy: CircuitBreaker.consecutive(5), openDuration: "10 seconds" }).pipe(
      Layer.provide(CircuitBreaker.layerStoreMemory())
    )
  )
  await runtime.runPromise(Effect.void)
  const withBreaker = await cpuAsync(
    "Policy.apply, defaults + CircuitBreaker",
    () => runtime.runPromise(call.pipe(guarded))
  )
  const bareInRuntime = await cpuAsync("bare, same runtime", () => runtime.runPromise(call))
  compare(withBreaker, bareInRuntime)
  await runtime.dispose()

  section("Policy.apply around a loopback HTTP call (CPU per call)")
  const server = createServer((_req, res) => res.end("ok"))
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const get = Effect.promise(() => fetch(url).then((r) => r.text()))
  for (let i = 0; i < 3_000; i++) await Effect.runPromise(get) // warm the connection pool and the JIT first
  const httpBare = await cpuAsync("bare fetch", () => Effect.runPromise(get), { iterations: 2_000, rounds: 5 })
  const httpPolicy = await cpuAsync("Policy.apply(fetch), defaults", () => Effect.runPromise(get.pipe(guarded)), {
    iterations: 2_000,
    rounds: 5
  })
  compare(httpPolicy, httpBare, { kind: "at most", ratio: 1.1 })
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
