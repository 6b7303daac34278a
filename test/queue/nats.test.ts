import { assert, describe, it } from "@effect/vitest"
import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { Deferred, Duration, Effect, Exit, Schema } from "effect"
import { Consumer, Driver } from "../../src/queue/index.ts"
import { NatsDriver } from "../../src/queue/nats/index.ts"
import * as Report from "../../src/Report.ts"
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

  // The slow-handler row of the drivers table: `working()` every third of the ack wait keeps the message.
  const ackWaitMs = 1_000
  const handlerMs = 2_500 // 2.5 × the ack wait
  it.live(
    "a handler slower than the ack wait is not redelivered while it runs: delivered once, then acked",
    () =>
      Effect.gen(function*() {
        const queue = `ef-working-${crypto.randomUUID()}`
        const driver = yield* NatsDriver.make({ servers: `127.0.0.1:${services.nats.port}`, ackWaitMs })
        yield* Effect.addFinalizer(() => Effect.ignore(driver.remove(queue)))
        const calls: Array<{ attempt: number; redelivered: boolean }> = []
        const done = yield* Deferred.make<void>()
        yield* Consumer.consume({
          queue,
          schema: Schema.Unknown,
          concurrency: 2, // a redelivery during the first run would be handled at once, beside it
          handler: (_, message) =>
            Effect.gen(function*() {
              calls.push({ attempt: message.attempt, redelivered: message.redelivered })
              yield* Effect.sleep(Duration.millis(handlerMs))
              yield* Deferred.succeed(done, undefined)
            })
        }).pipe(Effect.provideService(Driver.Driver, driver), Effect.provideService(Report.CurrentHooks, Report.silent))
        yield* driver.publish(queue, { body: new TextEncoder().encode("{}"), headers: {} })
        yield* Deferred.await(done).pipe(Effect.timeout("10 seconds"))
        yield* Effect.sleep(Duration.millis(ackWaitMs + 500)) // a redelivery would have come by now
        assert.deepStrictEqual(calls, [{ attempt: 1, redelivered: false }])
        // The server's own account: delivered once, never redelivered, nothing pending; the stream is empty.
        const nc = yield* Effect.acquireRelease(
          Effect.promise(() => connect({ servers: `127.0.0.1:${services.nats.port}` })),
          (c) => Effect.promise(() => c.close())
        )
        const jsm = yield* Effect.promise(() => jetstreamManager(nc))
        const info = yield* Effect.promise(() => jsm.consumers.info(NatsDriver.streamName(queue), "ef"))
        assert.strictEqual(info.config.ack_wait, ackWaitMs * 1_000_000)
        assert.strictEqual(info.delivered.stream_seq, 1)
        assert.strictEqual(info.delivered.consumer_seq, 1) // one delivery in all: a redelivery would be 2
        assert.strictEqual(info.num_redelivered, 0)
        assert.strictEqual(info.num_ack_pending, 0)
        assert.strictEqual(info.ack_floor.stream_seq, 1) // acked
        assert.strictEqual(yield* driver.depth(queue), 0)
      }).pipe(Effect.scoped),
    20_000
  )
})
