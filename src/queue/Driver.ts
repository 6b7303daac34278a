/**
 * The driver interface: what the queue interpreter needs of a broker. A driver moves bytes and
 * headers, and applies a disposition to one delivery; the consumer decides which disposition.
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import { Context } from "effect"
import type * as Fault from "../Fault.ts"

/**
 * Header values a driver carries: what AMQP tables, NATS headers and the in-memory queue all hold.
 *
 * @example
 * ```ts
 * import type { Driver } from "effect-faults/queue"
 *
 * const h: Driver.Headers = { "x-attempts": 2, "x-original-queue": "orders" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Headers = Readonly<Record<string, unknown>>

/**
 * A message to publish.
 *
 * @example
 * ```ts
 * import type { Driver } from "effect-faults/queue"
 *
 * const m: Driver.Outgoing = { body: new TextEncoder().encode("{}"), headers: {}, correlationId: "c-1", contentType: "application/json" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Outgoing {
  readonly body: Uint8Array
  readonly headers: Headers
  readonly correlationId?: string | undefined
  readonly contentType?: string | undefined
  readonly messageId?: string | undefined
  /** Where the receiver sends replies and error messages (the sender's error queue). */
  readonly replyTo?: string | undefined
}

/**
 * One delivered message, with the operations that settle it. Exactly one of `ack`, `redeliver`,
 * `deadLetter` should run; a delivery never settled goes back to the queue when the subscription
 * closes (at-least-once).
 *
 * @example
 * ```ts
 * import type { Driver } from "effect-faults/queue"
 *
 * const describe = (d: Driver.Delivery) => `${d.queue} ${d.body.byteLength} bytes, redelivered=${d.redelivered}`
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Delivery {
  readonly queue: string
  readonly body: Uint8Array
  readonly headers: Headers
  readonly correlationId: string | undefined
  readonly contentType: string | undefined
  readonly messageId: string | undefined
  readonly replyTo: string | undefined
  /** True when the broker delivered it before (a consumer died holding it). */
  readonly redelivered: boolean
  /** Done with it: remove from the queue. */
  readonly ack: Effect.Effect<void, Fault.Fault>
  /** Back on its own queue after `delayMs`, with `headers` merged over its own. */
  readonly redeliver: (delayMs: number, headers: Headers) => Effect.Effect<void, Fault.Fault>
  /** To the error queue `queue`, with `headers` merged over its own; removed from this queue. */
  readonly deadLetter: (queue: string, headers: Headers) => Effect.Effect<void, Fault.Fault>
}

/**
 * A running subscription: deliveries are taken one at a time; at most `prefetch` are unsettled.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Driver } from "effect-faults/queue"
 *
 * const one = (s: Driver.Subscription) => Effect.flatMap(s.take, (d) => d.ack)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Subscription {
  /** Waits for the next delivery; fails when the subscription is lost (connection or channel closed). */
  readonly take: Effect.Effect<Delivery, Fault.Fault>
  /** Stops new deliveries; those received but not yet taken go back to the queue. */
  readonly stop: Effect.Effect<void>
}

/**
 * What a broker must offer the queue interpreter.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Driver } from "effect-faults/queue"
 *
 * const send = Effect.flatMap(Driver.Driver, (d) => d.publish("orders", { body: new Uint8Array(), headers: {} }))
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export interface Shape {
  readonly name: string
  /** Publishes to a queue; completes once the broker has the message (publisher confirm). */
  readonly publish: (queue: string, message: Outgoing) => Effect.Effect<void, Fault.Fault>
  /** Consumes from a queue until the scope closes; then every unsettled delivery goes back. */
  readonly subscribe: (
    queue: string,
    options: { readonly prefetch: number }
  ) => Effect.Effect<Subscription, Fault.Fault, Scope.Scope>
  /** Makes sure a queue exists (and what it needs: delay queues, error queue). */
  readonly declare: (queue: string) => Effect.Effect<void, Fault.Fault>
  /** Deletes a queue and what was made for it. */
  readonly remove: (queue: string) => Effect.Effect<void, Fault.Fault>
  /** How many messages wait on a queue (for tests and tooling). */
  readonly depth: (queue: string) => Effect.Effect<number, Fault.Fault>
}

/**
 * The driver service. Provide `MemoryDriver.layer`, `AmqpDriver.layer(...)` or `NatsDriver.layer(...)`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Driver, MemoryDriver } from "effect-faults/queue"
 *
 * const name = Effect.map(Driver.Driver, (d) => d.name).pipe(Effect.provide(MemoryDriver.layer))
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class Driver extends Context.Service<Driver, Shape>()("effect-faults/queue/Driver") {}
