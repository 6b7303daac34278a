/**
 * The in-memory driver: the embedded default, with the semantics of a broker (prefetch, manual
 * settlement, unsettled deliveries back on the queue when a subscription closes, delayed
 * redelivery). Delays run on the Effect clock, so `TestClock` drives them in tests.
 *
 * @since 0.1.0
 */
import { Effect, Layer, Queue, Scope, Semaphore } from "effect"
import * as Fault from "../Fault.ts"
import * as Driver from "./Driver.ts"

interface Stored {
  readonly body: Uint8Array
  readonly headers: Driver.Headers
  readonly correlationId: string | undefined
  readonly contentType: string | undefined
  readonly messageId: string | undefined
  readonly replyTo: string | undefined
  readonly redelivered: boolean
}

const stored = (m: Driver.Outgoing, redelivered = false): Stored => ({
  // Copied: the publisher may reuse its buffer, and a broker never shares memory with it.
  body: m.body.slice(),
  headers: { ...m.headers },
  correlationId: m.correlationId,
  contentType: m.contentType,
  messageId: m.messageId,
  replyTo: m.replyTo,
  redelivered
})

/**
 * Makes an in-memory driver whose delayed redeliveries live in the given scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MemoryDriver } from "effect-faults/queue"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const driver = yield* MemoryDriver.make
 *   yield* driver.publish("q", { body: new Uint8Array([1]), headers: {} })
 *   console.log(yield* driver.depth("q")) // 1
 * }))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make: Effect.Effect<Driver.Shape, never, Scope.Scope> = Effect.gen(function*() {
  const scope = yield* Effect.scope
  const queues = new Map<string, Queue.Queue<Stored>>()
  const queueOf = (name: string): Effect.Effect<Queue.Queue<Stored>> =>
    Effect.suspend(() => {
      const q = queues.get(name)
      if (q !== undefined) return Effect.succeed(q)
      return Effect.map(Queue.unbounded<Stored>(), (created) => {
        const again = queues.get(name)
        if (again !== undefined) return again
        queues.set(name, created)
        return created
      })
    })
  const put = (name: string, m: Stored) => Effect.flatMap(queueOf(name), (q) => Queue.offer(q, m))

  const subscribe = (queue: string, options: { readonly prefetch: number }) =>
    Effect.gen(function*() {
      const q = yield* queueOf(queue)
      const permits = yield* Semaphore.make(Math.max(1, options.prefetch))
      const unsettled = new Set<Stored>()
      let stopped = false
      const settle = (m: Stored, then: Effect.Effect<void>): Effect.Effect<void, Fault.Fault> =>
        Effect.suspend(() => {
          if (!unsettled.delete(m)) {
            return Effect.fail(new Fault.Conflict({ resource: "delivery", reason: "already settled or returned" }))
          }
          return Effect.andThen(then, Semaphore.release(permits, 1))
        })
      const deliveryOf = (m: Stored): Driver.Delivery => ({
        queue,
        body: m.body,
        headers: m.headers,
        correlationId: m.correlationId,
        contentType: m.contentType,
        messageId: m.messageId,
        replyTo: m.replyTo,
        redelivered: m.redelivered,
        ack: settle(m, Effect.void),
        redeliver: (delayMs, headers) =>
          settle(
            m,
            Effect.asVoid(Effect.forkIn(
              Effect.andThen(
                Effect.sleep(Math.max(0, delayMs)),
                put(queue, { ...m, headers: { ...m.headers, ...headers }, redelivered: false })
              ),
              scope
            ))
          ),
        deadLetter: (errorQueue, headers) =>
          settle(m, put(errorQueue, { ...m, headers: { ...m.headers, ...headers }, redelivered: false }))
      })
      const take: Effect.Effect<Driver.Delivery> = Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          if (stopped) return yield* Effect.never
          yield* restore(Semaphore.take(permits, 1))
          const m = yield* restore(Queue.take(q)).pipe(Effect.onInterrupt(() => Semaphore.release(permits, 1)))
          unsettled.add(m)
          return deliveryOf(m)
        })
      )
      const stop = Effect.sync(() => {
        stopped = true
      })
      yield* Effect.addFinalizer(() =>
        Effect.suspend(() => {
          stopped = true
          const back = [...unsettled]
          unsettled.clear()
          return Effect.forEach(back, (m) => Queue.offer(q, { ...m, redelivered: true }), { discard: true })
        })
      )
      return { take, stop } satisfies Driver.Subscription
    })

  return Driver.Driver.of({
    name: "memory",
    // As on a broker, a message for a queue nobody declared is refused rather than silently kept.
    publish: (queue, message) =>
      queues.has(queue)
        ? put(queue, stored(message))
        : Effect.fail(new Fault.NotFound({ resource: "queue", id: queue })),
    subscribe,
    declare: (queue) => Effect.asVoid(queueOf(queue)),
    remove: (queue) =>
      Effect.suspend(() => {
        const q = queues.get(queue)
        queues.delete(queue)
        return q === undefined ? Effect.void : Effect.asVoid(Queue.shutdown(q))
      }),
    depth: (queue) => Effect.flatMap(queueOf(queue), Queue.size)
  })
})

/**
 * The in-memory driver as a layer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Driver, MemoryDriver } from "effect-faults/queue"
 *
 * const program = Effect.flatMap(Driver.Driver, (d) => d.depth("q")).pipe(Effect.provide(MemoryDriver.layer))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<Driver.Driver> = Layer.effect(Driver.Driver, make)
