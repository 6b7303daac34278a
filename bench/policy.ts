/**
 * `npm run bench -- policy`: the cost of `Policy.apply` on the success path, three ways:
 *
 * 1. against the bare effect (the goal, ≤ 1.1x), around effects that cost almost nothing;
 * 2. against what users write today: the same effect with a hand-written `Effect.timeout` +
 *    `Effect.retry` equivalent of the defaults;
 * 3. around a real call: a GET to a tiny `node:http` server on 127.0.0.1 (port 0).
 *
 * CPU time per call (steadier than wall-clock on these shared 2-vCPU machines), the variants of one
 * table measured in interleaved rounds (`interleaved` in the harness).
 */
import { Duration, Effect, Layer, ManagedRuntime, Schedule } from "effect"
import * as CircuitBreaker from "effect/persistence/CircuitBreaker"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as Fault from "../src/Fault.ts"
import * as Policy from "../src/Policy.ts"
import { compare, interleaved, section } from "./harness.ts"

// What users write today for the defaults: 3 attempts of what the fault says is retryable, full
// jitter from 100 ms capped at 20 s, within 30 s in all (no idempotency rule, no Retry-After, no
// budget: the policy does more than this).
const retryable = Schedule.exponential("100 millis").pipe(
  Schedule.modifyDelay(({ duration }) =>
    Effect.succeed(Math.random() * Math.min(20_000, Duration.toMillis(Duration.fromInputUnsafe(duration))))
  )
)
const byHand = <A, E>(self: Effect.Effect<A, E>) =>
  self.pipe(
    Effect.retry({ schedule: retryable, times: 2, while: (e) => Fault.isFault(e) && Fault.isRetryable(e) }),
    Effect.timeout("30 seconds")
  )

export async function run() {
  // hoisted, as the docs advise: the call options are resolved once
  const defaults = Policy.apply({ service: "bench" })
  const noTimeout = Policy.apply({ service: "bench-no-timeout", timeout: false })
  const lean = Policy.apply({ service: "bench-lean", timeout: false, budget: false })
  const once = Policy.apply({ service: "bench-once", timeout: false, budget: false, attempts: 1 })

  section("1. Policy.apply vs the bare effect, success path (issue goal ≤ 1.1x)")
  {
    const call = Effect.succeed(1)
    const [bare, withDefaults, withoutTimeout, withoutBoth, single] = await interleaved([
      ["bare Effect.succeed (runPromise each)", () => Effect.runPromise(call)],
      ["Policy.apply, defaults (30 s timeout, ratio budget)", () => Effect.runPromise(call.pipe(defaults))],
      ["Policy.apply, no overall timeout (budget kept)", () => Effect.runPromise(call.pipe(noTimeout))],
      ["Policy.apply, no overall timeout, no budget", () => Effect.runPromise(call.pipe(lean))],
      ["Policy.apply, attempts 1, no timeout, no budget", () => Effect.runPromise(call.pipe(once))]
    ], { iterations: 20_000, rounds: 7, warmup: 5_000 })
    compare(withDefaults!, bare!, { kind: "at most", ratio: 1.1 })
    compare(withoutTimeout!, bare!, { kind: "at most", ratio: 1.1 })
    compare(withoutBoth!, bare!, { kind: "at most", ratio: 1.1 })
    compare(single!, bare!, { kind: "at most", ratio: 1.1 })

    // an effect that suspends once: here the overall timeout has to start its timer
    const suspends: Effect.Effect<number> = Effect.promise(() => Promise.resolve(1))
    const [bareAsync, defaultsAsync] = await interleaved([
      ["bare Effect.promise(resolved)", () => Effect.runPromise(suspends)],
      ["Policy.apply(Effect.promise(resolved)), defaults", () => Effect.runPromise(suspends.pipe(defaults))]
    ], { iterations: 20_000, rounds: 7, warmup: 5_000 })
    compare(defaultsAsync!, bareAsync!, { kind: "at most", ratio: 1.1 })
  }

  section("2. Policy.apply vs the hand-written Effect.retry + Effect.timeout(30 s) users write today")
  {
    const call = Effect.succeed(1)
    const suspends: Effect.Effect<number> = Effect.promise(() => Promise.resolve(1))
    const [hand, timeoutOnly, policy, handAsync, timeoutOnlyAsync, policyAsync] = await interleaved([
      ["Effect.succeed + retry + timeout by hand", () => Effect.runPromise(byHand(call))],
      ["Effect.succeed + Effect.timeout(30 s) only", () => Effect.runPromise(Effect.timeout(call, "30 seconds"))],
      ["Effect.succeed + Policy.apply, defaults", () => Effect.runPromise(call.pipe(defaults))],
      ["Effect.promise + retry + timeout by hand", () => Effect.runPromise(byHand(suspends))],
      ["Effect.promise + Effect.timeout(30 s) only", () => Effect.runPromise(Effect.timeout(suspends, "30 seconds"))],
      ["Effect.promise + Policy.apply, defaults", () => Effect.runPromise(suspends.pipe(defaults))]
    ], { iterations: 20_000, rounds: 7, warmup: 5_000 })
    compare(policy!, hand!, { kind: "at most", ratio: 1.1 })
    compare(policy!, timeoutOnly!, { kind: "at most", ratio: 1.1 })
    compare(policyAsync!, handAsync!, { kind: "at most", ratio: 1.1 })
    compare(policyAsync!, timeoutOnlyAsync!, { kind: "at most", ratio: 1.1 })

    // Effect's own CircuitBreaker, for scale: what opting in to a breaker costs per call
    const runtime = ManagedRuntime.make(
      Policy.layerBreaker({ tripPolicy: CircuitBreaker.consecutive(5), openDuration: "10 seconds" }).pipe(
        Layer.provide(CircuitBreaker.layerStoreMemory())
      )
    )
    await runtime.runPromise(Effect.void)
    // most of it is Effect's own breaker (a scope, an admission and a record per call), measured alone
    const breakerAlone = Effect.flatMap(
      CircuitBreaker.CircuitBreaker,
      (breaker) => breaker.execute(call, { key: "bench-alone" })
    )
    const [inRuntime, withBreaker, alone] = await interleaved([
      ["bare, runtime with a breaker", () => runtime.runPromise(call)],
      ["Policy.apply, defaults + Effect's CircuitBreaker", () => runtime.runPromise(call.pipe(defaults))],
      ["Effect's CircuitBreaker.execute alone", () => runtime.runPromise(breakerAlone)]
    ], { iterations: 10_000, rounds: 5, warmup: 2_000 })
    compare(withBreaker!, inRuntime!)
    compare(alone!, inRuntime!)
    compare(withBreaker!, alone!)
    await runtime.dispose()
  }

  section("3. Policy.apply around a loopback HTTP call (node:http on 127.0.0.1, fetch)")
  {
    const server = createServer((_req, res) => res.end("ok"))
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
      const get: Effect.Effect<string> = Effect.promise((signal) => fetch(url, { signal }).then((r) => r.text()))
      const [httpBare, httpPolicy, httpHand] = await interleaved([
        ["bare fetch", () => Effect.runPromise(get)],
        ["Policy.apply(fetch), defaults", () => Effect.runPromise(get.pipe(defaults))],
        ["fetch + retry + timeout by hand", () => Effect.runPromise(byHand(get))]
      ], { iterations: 1_000, rounds: 7, warmup: 1_000 })
      compare(httpPolicy!, httpBare!, { kind: "at most", ratio: 1.1 })
      compare(httpPolicy!, httpHand!, { kind: "at most", ratio: 1.1 })
    } finally {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
