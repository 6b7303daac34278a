import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { NatsDriver } from "../../src/queue/nats/index.ts"
import { requireService, services } from "../support/services.ts"
import { dispositionSuite } from "./suite.ts"

const available = await requireService("nats")

describe.skipIf(!available)("NATS JetStream", () => {
  dispositionSuite({
    name: "nats",
    layer: NatsDriver.layer({ servers: `127.0.0.1:${services.nats.port}` }),
    test: (name, self) => it.live(name, self),
    advance: (ms) => Effect.sleep(ms),
    virtual: false
  })

  it.live("a subscription whose stream is deleted fails `take` with ConnectionLost instead of hanging", () =>
    Effect.gen(function*() {
      const queue = `ef-lost-${crypto.randomUUID()}`
      const driver = yield* NatsDriver.make({ servers: `127.0.0.1:${services.nats.port}` })
      yield* driver.declare(queue)
      const subscription = yield* driver.subscribe(queue, { prefetch: 2 })
      yield* driver.remove(queue)
      const exit = yield* Effect.exit(Effect.timeout(subscription.take, "10 seconds"))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      assert.strictEqual(error?._tag === "Fail" ? (error.error as { _tag: string })._tag : undefined, "ConnectionLost")
    }).pipe(Effect.scoped))
})
