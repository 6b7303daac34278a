/**
 * The NATS JetStream driver: a queue is a work-queue stream (`EF_<name>`, subject `ef.<name>`) with
 * one durable pull consumer. JetStream does natively what RabbitMQ needs delay queues for:
 *
 * - retry later / leave: `nak(delay)`: the server redelivers the same message after the delay; the
 *   attempt count is the server's own `deliveryCount` (headers of a stored message cannot change);
 * - dead letter: the copy is published to the error stream (a `PubAck` is the publisher confirm),
 *   then the original is `term`inated: the server never redelivers it;
 * - in progress: while a handler runs, `working()` is sent every third of the ack wait, so a slow
 *   handler is not mistaken for a dead one;
 * - on shutdown, messages received but not handled are `nak`ed at once instead of waiting out the
 *   ack wait.
 *
 * NATS headers are text: numbers travel as decimal strings (the header decoder accepts both).
 *
 * @since 0.1.0
 */
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream"
import type { ConsumerMessages, JsMsg } from "@nats-io/jetstream"
import { connect, headers as natsHeaders } from "@nats-io/transport-node"
import { Cause, Effect, Layer, Queue, Scope } from "effect"
import * as Fault from "../Fault.ts"
import * as Driver from "./Driver.ts"
import * as Headers from "./Headers.ts"
import { faults } from "./internal/connection.ts"

/**
 * Options of the NATS JetStream driver.
 *
 * @example
 * ```ts
 * import type { NatsDriver } from "effect-faults/queue"
 *
 * const o: NatsDriver.Options = { servers: "127.0.0.1:4222" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly servers: string | ReadonlyArray<string>
  /** How long the server waits for an ack before redelivering (default 30 s). */
  readonly ackWaitMs?: number | undefined
}

const propertyHeaders = {
  contentType: "content-type",
  messageId: "x-message-id",
  replyTo: "x-reply-to"
} as const

/**
 * The stream name of a queue: NATS stream names allow no dots or spaces, so anything but letters,
 * digits, `-` and `_` becomes `_`, with a short hash to keep distinct names distinct.
 *
 * @example
 * ```ts
 * import { NatsDriver } from "effect-faults/queue"
 *
 * console.log(NatsDriver.streamName("gp.in").startsWith("EF_gp_in_")) // true
 * ```
 *
 * @category names
 * @since 0.1.0
 */
export const streamName = (queue: string): string => {
  let h = 2166136261
  for (let i = 0; i < queue.length; i++) h = Math.imul(h ^ queue.charCodeAt(i), 16777619)
  return `EF_${queue.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 200)}_${(h >>> 0).toString(36)}`
}

const subjectOf = (queue: string) => `ef.${streamName(queue)}`

/**
 * Connects and makes a driver; the connection drains and closes with the scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { NatsDriver } from "effect-faults/queue"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const driver = yield* NatsDriver.make({ servers: "127.0.0.1:4222" })
 *   yield* driver.declare("orders")
 * }))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Driver.Shape, Fault.Fault, Scope.Scope> =>
  Effect.gen(function*() {
    const servers = typeof options.servers === "string" ? [options.servers] : [...options.servers]
    const host = servers[0]
    const ackWaitMs = options.ackWaitMs ?? 30_000
    const { attempt, connect: connectTo, lost } = faults(host, "connection closed")
    const nc = yield* Effect.acquireRelease(
      connectTo(() => connect({ servers })),
      (c) => Effect.promise(() => c.drain().catch(() => undefined))
    )
    const js = jetstream(nc)
    const jsm = yield* attempt(() => jetstreamManager(nc))

    const declared = new Set<string>()
    const declare = (queue: string) =>
      Effect.suspend(() => {
        if (declared.has(queue)) return Effect.void
        const name = streamName(queue)
        return attempt(async () => {
          await jsm.streams.info(name).catch(() =>
            jsm.streams.add({ name, subjects: [subjectOf(queue)], retention: RetentionPolicy.Workqueue })
          )
          await jsm.consumers.info(name, "ef").catch(() =>
            jsm.consumers.add(name, {
              durable_name: "ef",
              ack_policy: AckPolicy.Explicit,
              ack_wait: ackWaitMs * 1_000_000,
              max_ack_pending: 10_000
            })
          )
          declared.add(queue)
        })
      })

    const publish = (queue: string, message: Driver.Outgoing): Effect.Effect<void, Fault.Fault> =>
      Effect.gen(function*() {
        const h = natsHeaders()
        for (const [k, v] of Object.entries(message.headers)) {
          if (v === undefined || v === null) continue
          h.set(
            k,
            typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v)
          )
        }
        if (message.correlationId !== undefined) h.set(Headers.names.correlationId, message.correlationId)
        if (message.contentType !== undefined) h.set(propertyHeaders.contentType, message.contentType)
        if (message.messageId !== undefined) h.set(propertyHeaders.messageId, message.messageId)
        if (message.replyTo !== undefined) h.set(propertyHeaders.replyTo, message.replyTo)
        yield* attempt(() => js.publish(subjectOf(queue), message.body, { headers: h })).pipe(
          Effect.mapError((e): Fault.Fault =>
            // No stream takes the subject: the message would not be stored anywhere.
            /no responders|no stream/i.test(`${e.reason} ${String((e.cause as { cause?: unknown })?.cause ?? "")}`)
              ? new Fault.NotFound({ resource: "queue", id: queue })
              : e
          )
        )
      })

    const subscribe = (queue: string, subOptions: { readonly prefetch: number }) =>
      Effect.gen(function*() {
        yield* declare(queue)
        const consumer = yield* attempt(() => js.consumers.get(streamName(queue), "ef"))
        const buffer = yield* Queue.unbounded<JsMsg, Fault.Fault>()
        const unsettled = new Set<JsMsg>()
        // Set by `stop` and on release: an iterator that ends otherwise means the subscription is lost.
        let stopped = false
        const messages: ConsumerMessages = yield* Effect.acquireRelease(
          // Without `abort_on_missing_resource` a deleted stream or consumer leaves the iterator waiting
          // for it to come back: `take` would hang instead of failing with ConnectionLost.
          attempt(() =>
            consumer.consume({ max_messages: Math.max(1, subOptions.prefetch), abort_on_missing_resource: true })
          ),
          (m) =>
            Effect.promise(async () => {
              stopped = true
              // At-least-once: whatever was received and not settled goes back now.
              for (const msg of unsettled) msg.nak()
              unsettled.clear()
              await m.close().catch(() => undefined)
            })
        )
        ;(async () => {
          try {
            for await (const msg of messages) {
              unsettled.add(msg)
              Queue.offerUnsafe(buffer, msg)
            }
          } catch (e) {
            Queue.failCauseUnsafe(buffer, Cause.fail(lost(e)))
            return
          }
          // Ended without an error and not by us: the connection closed or the consumer went away.
          if (!stopped) Queue.failCauseUnsafe(buffer, Cause.fail(lost(new Error(`consumer of ${queue} closed`))))
        })()
        // In progress: a handler slower than the ack wait keeps its message.
        const heartbeat = setInterval(() => {
          for (const msg of unsettled) msg.working()
        }, Math.max(1, Math.floor(ackWaitMs / 3)))
        yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(heartbeat)))

        const settle = (msg: JsMsg, f: () => void) =>
          Effect.try({
            try: () => {
              if (!unsettled.delete(msg)) throw new Error("delivery already settled")
              f()
            },
            catch: lost
          })
        const deliveryOf = (msg: JsMsg): Driver.Delivery => {
          const raw: Record<string, string> = {}
          if (msg.headers !== undefined) { for (const [k, v] of msg.headers) if (v[0] !== undefined) raw[k] = v[0] }
          // The server counts deliveries (a stored message's headers never change): the attempts so far
          // are the larger of that count and what the message carried in (a dead letter's history).
          raw[Headers.names.attempts] = String(Math.max(Headers.attempts(raw), msg.info.deliveryCount - 1))
          const text = (k: string) => raw[k]
          return {
            queue,
            body: msg.data,
            headers: raw,
            correlationId: text(Headers.names.correlationId),
            contentType: text(propertyHeaders.contentType),
            messageId: text(propertyHeaders.messageId),
            replyTo: text(propertyHeaders.replyTo),
            redelivered: msg.redelivered,
            ack: settle(msg, () => msg.ack()),
            redeliver: (delayMs) => settle(msg, () => msg.nak(Math.max(0, Math.round(delayMs)))),
            deadLetter: (errorQueue, extra) =>
              Effect.andThen(
                Effect.andThen(
                  declare(errorQueue),
                  publish(errorQueue, { body: msg.data, headers: { ...raw, ...extra } })
                ),
                settle(msg, () => msg.term("dead-lettered"))
              )
          }
        }
        const stop = Effect.suspend(() => {
          if (stopped) return Effect.void
          stopped = true
          return Effect.flatMap(Queue.clear(buffer), (rest) =>
            Effect.sync(() => {
              for (const msg of rest) {
                unsettled.delete(msg)
                msg.nak()
              }
              messages.stop()
            })).pipe(Effect.ignore)
        })
        return { take: Effect.map(Queue.take(buffer), deliveryOf), stop } satisfies Driver.Subscription
      })

    return Driver.Driver.of({
      name: "nats",
      publish,
      subscribe,
      declare,
      remove: (queue) =>
        Effect.suspend(() => {
          declared.delete(queue)
          return Effect.asVoid(attempt(() => jsm.streams.delete(streamName(queue)).catch(() => false)))
        }),
      depth: (queue) =>
        attempt(() =>
          jsm.streams.info(streamName(queue)).then(
            (i) => i.state.messages,
            (e) => /not found/i.test(String(e)) ? 0 : Promise.reject(e)
          )
        )
    })
  })

/**
 * The NATS JetStream driver as a layer.
 *
 * @example
 * ```ts
 * import { NatsDriver } from "effect-faults/queue"
 *
 * const Nats = NatsDriver.layer({ servers: "127.0.0.1:4222" })
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<Driver.Driver, Fault.Fault> =>
  Layer.effect(Driver.Driver, make(options))
