/**
 * The RabbitMQ driver (amqplib): manual acknowledgements with a prefetch, publisher confirms for
 * everything we publish (a retry, a dead letter and an error message are confirmed by the broker
 * before the original is acknowledged), an error queue per consumer, and delayed retry.
 *
 * Delayed retry uses delay queues: a message to retry in `d` ms is published to
 * `<queue>.delay.<d'>`, a queue with `x-message-ttl = d'` whose dead-letter exchange routes expired
 * messages back to `<queue>`. Why not one delay queue with a per-message TTL: RabbitMQ only expires
 * messages at the head of a queue, so a 60 s retry would hold back a 1 s one behind it. Why not the
 * delayed-message exchange: it is a plugin (not on every broker), keeps its state on one node only,
 * and is not replicated. So `d` is rounded to two significant digits (≤ 5 % off) to bound the number
 * of delay queues, and each has `x-expires` so idle ones vanish; it is re-declared often enough that
 * it never expires while holding a message.
 *
 * Throughput: acks are coalesced (the settled prefix of the delivery order in one `multiple` ack per
 * event-loop turn) and the socket is corked for a turn, so the frames of one turn leave in one write.
 * A message for a queue that does not exist is published `mandatory` and comes back: `NotFound`.
 *
 * @since 0.1.0
 */
import amqp from "amqplib"
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from "amqplib"
import { Cause, Effect, Layer, Queue, Scope } from "effect"
import * as Fault from "../Fault.ts"
import * as Driver from "./Driver.ts"
import { faults } from "./internal/connection.ts"

/**
 * Options of the RabbitMQ driver.
 *
 * @example
 * ```ts
 * import type { AmqpDriver } from "effect-faults/queue"
 *
 * const o: AmqpDriver.Options = { url: "amqp://guest:guest@127.0.0.1:5672" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly url: string
  /** Declare queues durable and publish persistent messages (default true). */
  readonly durable?: boolean | undefined
}

const hostOf = (url: string) => {
  try {
    return new URL(url).host
  } catch {
    return undefined
  }
}

/**
 * Rounds a delay to its bucket: two significant digits, at least 1 ms.
 *
 * @example
 * ```ts
 * import { AmqpDriver } from "effect-faults/queue"
 *
 * console.log(AmqpDriver.delayBucket(1234)) // 1200
 * ```
 *
 * @category delays
 * @since 0.1.0
 */
export const delayBucket = (ms: number): number => {
  if (!(ms >= 1)) return 1
  const magnitude = Math.pow(10, Math.max(0, Math.floor(Math.log10(ms)) - 1))
  return Math.round(ms / magnitude) * magnitude
}

/**
 * Connects and makes a driver; the connection closes with the scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AmqpDriver } from "effect-faults/queue"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const driver = yield* AmqpDriver.make({ url: "amqp://guest:guest@127.0.0.1:5672" })
 *   yield* driver.declare("orders")
 * }))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Driver.Shape, Fault.Fault, Scope.Scope> =>
  Effect.gen(function*() {
    const host = hostOf(options.url)
    const durable = options.durable ?? true
    const { attempt, connect: connectTo, lost } = faults(host, "channel closed")

    const connection: ChannelModel = yield* Effect.acquireRelease(
      connectTo(() => amqp.connect(options.url)),
      (c) => Effect.promise(() => c.close().catch(() => undefined))
    )
    // An 'error' event without a listener would crash the process; the close that follows is handled.
    connection.on("error", () => undefined)
    // Frames written in one turn of the event loop leave in one socket write: the socket is corked
    // on the first frame and uncorked two macrotasks later, after amqplib's muxer (itself scheduled
    // with setImmediate) has written them. One syscall for many acks and publishes.
    const socket = (connection as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } })
      .connection?.stream
    let corked = false
    const batchWrites = typeof socket?.cork === "function" && typeof socket.uncork === "function"
      ? () => {
        if (corked) return
        corked = true
        socket.cork!()
        setImmediate(() =>
          setImmediate(() => {
            corked = false
            socket.uncork!()
          })
        )
      }
      : () => undefined
    const confirm: ConfirmChannel = yield* attempt(() => connection.createConfirmChannel())
    confirm.on("error", () => undefined)

    // Published `mandatory`: a message no queue takes comes back (basic.return, always before its
    // confirm) instead of vanishing, and the publish fails with NotFound.
    const returned = new Set<string>()
    confirm.on("return", (msg: { properties: { messageId?: unknown } }) => {
      if (typeof msg.properties.messageId === "string") returned.add(msg.properties.messageId)
    })
    // `confirmed` runs inside the broker's confirm callback, before the fiber resumes: the original
    // of a dead letter or retry is acknowledged right there, with no fiber hop and no extra event-loop
    // turn between the confirm and the ack (a failed message holds its prefetch slot until then).
    const publishTo = (queue: string, message: Driver.Outgoing, confirmed?: () => void) =>
      Effect.callback<void, Fault.Fault>((resume) => {
        const messageId = message.messageId ?? crypto.randomUUID()
        batchWrites()
        try {
          confirm.sendToQueue(
            queue,
            Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength),
            {
              persistent: durable,
              mandatory: true,
              headers: message.headers,
              messageId,
              ...(message.correlationId === undefined ? {} : { correlationId: message.correlationId }),
              ...(message.contentType === undefined ? {} : { contentType: message.contentType }),
              ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo })
            },
            (err) => {
              if (err) return resume(Effect.fail(lost(err instanceof Error ? err : new Error("nacked by the broker"))))
              if (returned.delete(messageId)) {
                return resume(Effect.fail(new Fault.NotFound({ resource: "queue", id: queue })))
              }
              if (confirmed !== undefined) {
                try {
                  confirmed()
                } catch (e) {
                  return resume(Effect.fail(lost(e)))
                }
              }
              resume(Effect.void)
            }
          )
        } catch (e) {
          resume(Effect.fail(lost(e)))
        }
      })

    // One short-lived channel per management call: a failed declare or check closes its channel.
    const withChannel = <A>(f: (ch: Channel) => Promise<A>) =>
      attempt(async () => {
        const ch = await connection.createChannel()
        ch.on("error", () => undefined)
        try {
          return await f(ch)
        } finally {
          await ch.close().catch(() => undefined)
        }
      })

    const declared = new Map<string, number>()
    const delayQueues = new Map<string, Set<string>>()
    const reassertMs = 30_000
    const declareDelay = (queue: string, bucket: number) =>
      Effect.suspend(() => {
        const name = `${queue}.delay.${bucket}`
        const last = declared.get(name)
        if (last !== undefined && Date.now() - last < reassertMs) return Effect.succeed(name)
        return withChannel((ch) =>
          ch.assertQueue(name, {
            durable,
            arguments: {
              "x-message-ttl": bucket,
              "x-dead-letter-exchange": "",
              "x-dead-letter-routing-key": queue,
              // Re-asserted at least every 30 s, so a held message (≤ bucket) always outlives it.
              "x-expires": 2 * bucket + 60_000
            }
          })
        ).pipe(Effect.map(() => {
          declared.set(name, Date.now())
          let set = delayQueues.get(queue)
          if (set === undefined) delayQueues.set(queue, set = new Set())
          set.add(name)
          return name
        }))
      })

    const subscribe = (queue: string, subOptions: { readonly prefetch: number }) =>
      Effect.gen(function*() {
        const channel: Channel = yield* Effect.acquireRelease(
          attempt(() => connection.createChannel()),
          (ch) => Effect.promise(() => ch.close().catch(() => undefined))
        )
        const buffer = yield* Queue.unbounded<ConsumeMessage | null, Fault.Fault>()
        channel.on("error", () => undefined)
        channel.on("close", () => {
          Queue.failCauseUnsafe(buffer, Cause.fail(lost(new Error(`channel of ${queue} closed`))))
        })
        // Acks are coalesced: settled deliveries are acknowledged once per macrotask, the settled
        // prefix of the delivery order with one `multiple` ack (one frame, one socket write, for many
        // messages), the rest one by one; never an ack for a message still being handled.
        const outstanding = new Map<number, { msg: ConsumeMessage; settled: boolean }>()
        let flushScheduled = false
        const flush = () => {
          flushScheduled = false
          batchWrites()
          let last: ConsumeMessage | undefined
          for (const [tag, entry] of outstanding) {
            if (!entry.settled) break
            last = entry.msg
            outstanding.delete(tag)
          }
          try {
            if (last !== undefined) channel.ack(last, true)
          } catch {
            // channel closed: the broker requeues whatever was not acknowledged
          }
          flushAll()
        }
        const flushAll = () => {
          try {
            for (const [tag, entry] of outstanding) {
              if (!entry.settled) continue
              channel.ack(entry.msg)
              outstanding.delete(tag)
            }
          } catch {
            // channel closed
          }
        }
        const ackLater = (msg: ConsumeMessage) => {
          const entry = outstanding.get(msg.fields.deliveryTag)
          if (entry === undefined || entry.settled) throw new Error("delivery already settled")
          entry.settled = true
          if (!flushScheduled) {
            flushScheduled = true
            setImmediate(flush)
          }
        }
        // Acknowledges one delivery at once, out of the coalescing: for a message whose dead letter or
        // retry was just confirmed. Removed from `outstanding` first, so no later `multiple` ack
        // counts on it; a `multiple` ack covering its tag afterwards is harmless (already acked).
        const ackNow = (msg: ConsumeMessage) => {
          const entry = outstanding.get(msg.fields.deliveryTag)
          if (entry === undefined || entry.settled) throw new Error("delivery already settled")
          outstanding.delete(msg.fields.deliveryTag)
          batchWrites()
          channel.ack(msg)
        }
        // Runs before the channel closes: acks still waiting for their macrotask go out first.
        yield* Effect.addFinalizer(() => Effect.sync(flushAll))
        yield* attempt(() => channel.prefetch(Math.max(1, subOptions.prefetch)))
        const consumer = yield* attempt(() =>
          channel.consume(queue, (msg) => {
            if (msg !== null) outstanding.set(msg.fields.deliveryTag, { msg, settled: false })
            Queue.offerUnsafe(buffer, msg) // null: cancelled by the broker
          }, { noAck: false })
        )
        const settle = (f: () => void) => Effect.try({ try: f, catch: lost })
        const deliveryOf = (msg: ConsumeMessage): Driver.Delivery => {
          const p = msg.properties
          const headers: Driver.Headers = p.headers ?? {}
          // a retry or a dead letter is the same message, published elsewhere, its failure headers added;
          // the original is acked once the broker confirms the copy
          const republish = (target: string, extra: Driver.Headers) =>
            publishTo(target, {
              body: msg.content,
              headers: { ...headers, ...extra },
              correlationId: p.correlationId,
              contentType: p.contentType,
              messageId: p.messageId,
              replyTo: p.replyTo
            }, () => ackNow(msg))
          return {
            queue,
            body: msg.content,
            headers,
            correlationId: typeof p.correlationId === "string" ? p.correlationId : undefined,
            contentType: typeof p.contentType === "string" ? p.contentType : undefined,
            messageId: typeof p.messageId === "string" ? p.messageId : undefined,
            replyTo: typeof p.replyTo === "string" ? p.replyTo : undefined,
            redelivered: msg.fields.redelivered,
            ack: settle(() => ackLater(msg)),
            redeliver: (delayMs, extra) =>
              Effect.gen(function*() {
                const target = delayMs < 1 ? queue : yield* declareDelay(queue, delayBucket(delayMs))
                yield* republish(target, extra)
              }),
            deadLetter: republish
          }
        }
        const take = Effect.flatMap(
          Queue.take(buffer),
          (msg) =>
            msg === null
              ? Effect.fail(lost(new Error(`consumer of ${queue} cancelled by the broker`)))
              : Effect.succeed(deliveryOf(msg))
        )
        let stopped = false
        const stop = Effect.suspend(() => {
          if (stopped) return Effect.void
          stopped = true
          return attempt(() => channel.cancel(consumer.consumerTag)).pipe(
            Effect.andThen(Queue.clear(buffer)),
            Effect.flatMap((rest) =>
              Effect.sync(() => {
                for (const m of rest) {
                  if (m === null) continue
                  outstanding.delete(m.fields.deliveryTag)
                  channel.nack(m, false, true)
                }
              })
            ),
            Effect.ignore
          )
        })
        return { take, stop } satisfies Driver.Subscription
      })

    return Driver.Driver.of({
      name: "amqp",
      publish: publishTo,
      subscribe,
      declare: (queue) => Effect.asVoid(withChannel((ch) => ch.assertQueue(queue, { durable }))),
      remove: (queue) =>
        Effect.suspend(() => {
          const names = [queue, ...(delayQueues.get(queue) ?? [])]
          delayQueues.delete(queue)
          for (const n of names) declared.delete(n)
          return Effect.asVoid(withChannel(async (ch) => {
            for (const n of names) await ch.deleteQueue(n)
          }))
        }),
      depth: (queue) =>
        withChannel((ch) =>
          ch.checkQueue(queue).then((r) => r.messageCount, (e) => e?.code === 404 ? 0 : Promise.reject(e))
        )
    })
  })

/**
 * The RabbitMQ driver as a layer.
 *
 * @example
 * ```ts
 * import { AmqpDriver } from "effect-faults/queue"
 *
 * const RabbitMQ = AmqpDriver.layer({ url: "amqp://guest:guest@127.0.0.1:5672" })
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<Driver.Driver, Fault.Fault> =>
  Layer.effect(Driver.Driver, make(options))
