/**
 * How the RabbitMQ driver settles a delivery whose dead letter or retry it publishes: the original is
 * acknowledged only in the broker's confirm callback of that publish, out of the coalesced acks, and
 * never when the publish comes back (no queue takes it).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schedule, Scope } from "effect"
import { AmqpDriver } from "../../src/queue/amqp/index.ts"
import { requireService, services } from "../support/services.ts"

const available = await requireService("rabbitmq")

const body = (i: number) => new TextEncoder().encode(JSON.stringify({ i }))

describe.skipIf(!available)("RabbitMQ settlement of dead letters", () => {
  it.live("a dead letter no queue takes fails with NotFound and leaves its original on the queue", () =>
    Effect.gen(function*() {
      const queue = `ef-settle-${process.pid}-${Date.now().toString(36)}-a`
      const driver = yield* AmqpDriver.make({ url: services.rabbitmq.url })
      yield* Effect.addFinalizer(() => Effect.ignore(driver.remove(queue)))
      yield* driver.declare(queue)
      yield* driver.publish(queue, { body: body(1), headers: {} })
      const scope = yield* Scope.make()
      const subscription = yield* driver.subscribe(queue, { prefetch: 5 }).pipe(Scope.provide(scope))
      const delivery = yield* subscription.take
      const error = yield* Effect.flip(delivery.deadLetter(`${queue}.missing`, { "x-fault-code": "NotFound" }))
      assert.strictEqual(error._tag, "NotFound")
      yield* Scope.close(scope, Exit.void)
      // Not acknowledged: back on its queue once the subscription is gone.
      const depth = yield* driver.depth(queue).pipe(
        Effect.repeat({ until: (n) => n === 1, schedule: Schedule.spaced("50 millis") }),
        Effect.timeout("10 seconds")
      )
      assert.strictEqual(depth, 1)
    }))

  it.live("dead letters settled between coalesced acks: every original acked once, every dead letter kept", () =>
    Effect.gen(function*() {
      const queue = `ef-settle-${process.pid}-${Date.now().toString(36)}-b`
      const errors = `${queue}.error`
      const driver = yield* AmqpDriver.make({ url: services.rabbitmq.url })
      yield* Effect.addFinalizer(() => Effect.ignore(Effect.forEach([queue, errors], driver.remove)))
      yield* driver.declare(queue)
      yield* driver.declare(errors)
      const n = 60
      for (let i = 0; i < n; i++) yield* driver.publish(queue, { body: body(i), headers: {} })
      const scope = yield* Scope.make()
      const subscription = yield* driver.subscribe(queue, { prefetch: 20 }).pipe(Scope.provide(scope))
      // Every third one is dead-lettered, concurrently with the acks of its neighbours, so dead
      // letters sit unsettled in the middle of the window while `multiple` acks go past them. A
      // delivery acknowledged twice would close the channel (unknown delivery tag) and fail `take`.
      yield* Effect.forEach(
        Array.from({ length: n }, (_, i) => i),
        () =>
          Effect.flatMap(subscription.take, (d) => {
            const i = JSON.parse(new TextDecoder().decode(d.body)).i as number
            return i % 3 === 0 ? d.deadLetter(errors, { "x-fault-code": "NotFound", "x-index": i }) : d.ack
          }),
        { concurrency: 20, discard: true }
      )
      yield* Scope.close(scope, Exit.void)
      const dead = yield* driver.depth(errors).pipe(
        Effect.repeat({ until: (k) => k === n / 3, schedule: Schedule.spaced("50 millis") }),
        Effect.timeout("10 seconds")
      )
      assert.strictEqual(dead, n / 3)
      // Nothing went back: every original was acknowledged (and the channel stayed open for it).
      yield* Effect.sleep("200 millis")
      assert.strictEqual(yield* driver.depth(queue), 0)
    }))
})
