/**
 * One process of the fleet load test: makes `calls` calls (10 at a time) to a failing loopback
 * upstream through Policy.apply, with the retry budget in Redis (`--store redis`) or in memory
 * (`--store memory`), and prints a JSON summary on stdout.
 *
 * node test/support/policy-worker.ts <url> <calls> <prefix> <redis|memory> <ratio> <floor>
 */
import { NodeRedis } from "@effect/platform-node"
import { Effect, Layer, Logger } from "effect"
import * as Policy from "../../src/Policy.ts"
import * as RetryBudget from "../../src/RetryBudget.ts"
import { get } from "./policy-upstream.ts"

const [url, callsArg, prefix, store, ratioArg, floorArg] = process.argv.slice(2)
const calls = Number(callsArg)
const budget = RetryBudget.ratio({ ratio: Number(ratioArg), floor: Number(floorArg), window: "60 seconds" })
let storeWarnings = 0
const countWarnings = Logger.make((o) => {
  if (String(o.message).includes("Redis unavailable")) storeWarnings++
})

// a generous Redis timeout: the full suite runs fuzzers in parallel on two cores
const Store = store === "redis"
  ? RetryBudget.layerStoreRedis({ prefix, timeout: "2 seconds" }).pipe(
    Layer.provide(NodeRedis.layer({ url: "redis://127.0.0.1:6379" }))
  )
  : RetryBudget.layerStoreMemory

const guarded = Policy.apply({
  service: "upstream",
  idempotent: true,
  attempts: 3,
  backoff: { base: "1 millis", cap: "5 millis" },
  budget
})

const program = Effect.gen(function*() {
  const outcomes = yield* Effect.forEach(
    Array.from({ length: calls }),
    () => get(url!).pipe(guarded, Effect.match({ onFailure: (f) => f._tag, onSuccess: () => "ok" })),
    { concurrency: 10 }
  )
  const tally: Record<string, number> = {}
  for (const o of outcomes) tally[o] = (tally[o] ?? 0) + 1
  return tally
})

const tally = await Effect.runPromise(
  program.pipe(Effect.provide(Layer.mergeAll(Store, Logger.layer([countWarnings]))))
)
process.stdout.write(JSON.stringify({ tally, storeWarnings }) + "\n")
