/**
 * The connection to RabbitMQ torn down under a running consumer (through a loopback TCP proxy whose
 * sockets are destroyed): the consumer ends with ConnectionLost, and no message is lost.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Schedule, Schema, Scope } from "effect"
import { AmqpDriver } from "../../src/queue/amqp/index.ts"
import { Consumer, Driver, Producer } from "../../src/queue/index.ts"
import * as Report from "../../src/Report.ts"
import { requireService, services } from "../support/services.ts"
import { tcpProxy } from "../support/tcpProxy.ts"

const available = await requireService("rabbitmq")

const proxy = tcpProxy(services.rabbitmq.port)

describe.skipIf(!available)("RabbitMQ connection lost", () => {
  it.live("a consumer whose connection is torn down ends with ConnectionLost and loses no message", () =>
    Effect.gen(function*() {
      const queue = `ef-lost-${process.pid}-${Date.now().toString(36)}`
      const direct = yield* AmqpDriver.make({ url: services.rabbitmq.url })
      yield* Effect.addFinalizer(() =>
        Effect.ignore(Effect.forEach([queue, `${queue}.error`], direct.remove, { discard: true }))
      )
      yield* direct.declare(queue)
      for (let i = 0; i < 5; i++) {
        yield* Producer.send(queue, Schema.Number, i).pipe(Effect.provideService(Driver.Driver, direct))
      }
      const p = yield* proxy
      const started = yield* Deferred.make<void>()
      const gate = yield* Deferred.make<void>()
      const scope = yield* Scope.make()
      const viaProxy = yield* AmqpDriver.make({ url: `amqp://guest:guest@127.0.0.1:${p.port}` }).pipe(
        Scope.provide(scope)
      )
      const consumer = yield* Consumer.consume({
        queue,
        schema: Schema.Number,
        concurrency: 2,
        handler: () => Effect.andThen(Deferred.succeed(started, undefined), Deferred.await(gate))
      }).pipe(
        Effect.provideService(Driver.Driver, viaProxy),
        Effect.provideService(Report.CurrentHooks, Report.silent),
        Scope.provide(scope)
      )
      yield* Deferred.await(started)
      p.cut()
      // The handlers in flight finish; their acks cannot reach the broker any more.
      yield* Deferred.succeed(gate, undefined)
      const error = yield* Effect.flip(consumer.join).pipe(Effect.timeout("10 seconds"))
      assert.strictEqual(error._tag, "ConnectionLost")
      // Every message is still there: the two in flight went back with the connection.
      yield* direct.depth(queue).pipe(
        Effect.repeat({ until: (n) => n === 5, schedule: Schedule.spaced("50 millis") }),
        Effect.timeout("10 seconds")
      )
      assert.strictEqual(yield* direct.depth(queue), 5)
    }))
})
