/**
 * Consuming messages: a handler runs as an Effect per message, the body decoded with a Schema (a body
 * that does not parse or does not fit is a typed fault, never a crash), the message's correlation id
 * in fiber context for the handler and every log line, and the fault of a failed handler turned into
 * a disposition the driver applies. At-least-once: a message is settled only after its handler is
 * done; on shutdown in-flight messages finish and the rest go back unsettled.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Deferred, Effect, Exit, Fiber, Schema, Scope } from "effect"
import * as Catalog from "../Catalog.ts"
import * as Correlation from "../Correlation.ts"
import * as Exposure from "../Exposure.ts"
import * as Fault from "../Fault.ts"
import * as Report from "../Report.ts"
import * as Trust from "../Trust.ts"
import * as Disposition from "./Disposition.ts"
import * as Driver from "./Driver.ts"
import * as ErrorMessage from "./ErrorMessage.ts"
import * as Headers from "./Headers.ts"
import { violationsOf } from "./internal/schema.ts"

/**
 * What a handler sees of the message besides its decoded body.
 *
 * @example
 * ```ts
 * import type { Consumer } from "effect-faults/queue"
 *
 * const describe = (m: Consumer.Message) => `${m.queue} attempt ${m.attempt}`
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Message {
  readonly queue: string
  readonly headers: Driver.Headers
  readonly correlationId: string
  readonly messageId: string | undefined
  readonly replyTo: string | undefined
  /** 1 on the first delivery, counted through redeliveries. */
  readonly attempt: number
  readonly redelivered: boolean
  readonly body: Uint8Array
}

/**
 * How the body bytes become the value the schema decodes.
 *
 * @example
 * ```ts
 * import type { Consumer } from "effect-faults/queue"
 *
 * const text: Consumer.Format = { name: "text", parse: (b) => new TextDecoder().decode(b) }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Format {
  readonly name: string
  /** Throws when the bytes are not well-formed. */
  readonly parse: (body: Uint8Array) => unknown
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * JSON bodies (UTF-8, strict).
 *
 * @example
 * ```ts
 * import { Consumer } from "effect-faults/queue"
 *
 * console.log(Consumer.json.parse(new TextEncoder().encode("{\"a\":1}"))) // { a: 1 }
 * ```
 *
 * @category formats
 * @since 0.1.0
 */
export const json: Format = { name: "json", parse: (body) => JSON.parse(utf8.decode(body)) }

/**
 * Options of {@link consume}.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import type { Consumer } from "effect-faults/queue"
 *
 * const Order = Schema.Struct({ id: Schema.String })
 * const options: Consumer.Options<typeof Order, never, never> = {
 *   queue: "orders",
 *   schema: Order,
 *   handler: (order) => Effect.log(`order ${order.id}`)
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options<S extends Schema.Top, E, R> {
  readonly queue: string
  readonly schema: S
  readonly handler: (body: S["Type"], message: Message) => Effect.Effect<void, E, R>
  /** Messages handled at once, and unsettled at most (prefetch). Default 10. */
  readonly concurrency?: number | undefined
  /** Where dead letters go. Default `<queue>.error`. */
  readonly errorQueue?: string | undefined
  /** Per fault tag or code. */
  readonly dispositions?: Disposition.Overrides | undefined
  /** Default: `Disposition.CurrentPacing`. */
  readonly pacing?: Partial<Disposition.Pacing> | undefined
  /** Default: JSON. */
  readonly format?: Format | undefined
  /** What the sender may see of a fault is decided with this catalog. */
  readonly catalog?: Catalog.Catalog | undefined
}

/**
 * A running consumer.
 *
 * @example
 * ```ts
 * import type { Consumer } from "effect-faults/queue"
 *
 * const stopBoth = (a: Consumer.Consumer, b: Consumer.Consumer) => [a.stop, b.stop]
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Consumer {
  /** Graceful stop: no new messages; in-flight ones finish and are settled; the rest go back. */
  readonly stop: Effect.Effect<void>
  /** Completes when the consumer stops; fails when its subscription is lost. */
  readonly join: Effect.Effect<void, Fault.Fault>
}

const settleFailure = Effect.fnUntraced(function*(
  delivery: Driver.Delivery,
  cause: Cause.Cause<unknown>,
  ctx: {
    readonly attempt: number
    readonly correlationId: string
    readonly errorQueue: string
    readonly overrides: Disposition.Overrides | undefined
    readonly pacing: Disposition.Pacing
    readonly catalog: Catalog.Catalog | undefined
    readonly driver: Driver.Shape
  }
) {
  const failure = Cause.squash(cause)
  // A defect needs no fault built for it (an InternalError captures a stack): nothing below reads one.
  const fault = Fault.isFault(failure) ? failure : undefined
  let disposition = Disposition.decide(failure, ctx.overrides)
  if (disposition._tag === "RetryLater" && ctx.attempt >= ctx.pacing.maxAttempts) disposition = Disposition.deadLetter
  if (disposition._tag === "Leave" && ctx.attempt >= ctx.pacing.maxDeliveries) disposition = Disposition.deadLetter
  if (disposition._tag === "NotifySender" && delivery.replyTo === undefined) disposition = Disposition.deadLetter
  yield* Report.cause(cause, {
    source: `queue:${delivery.queue}`,
    detail: { disposition: disposition._tag, attempt: ctx.attempt }
  })
  const config = yield* Exposure.CurrentConfig
  const now = new Date(yield* Clock.currentTimeMillis)
  const deadLetter = (errorCondition?: Disposition.ErrorCondition) =>
    delivery.deadLetter(
      ctx.errorQueue,
      Headers.encode(failure, {
        attempts: ctx.attempt,
        originalQueue: delivery.queue,
        failedAt: now,
        errorCondition,
        correlationId: ctx.correlationId,
        catalog: ctx.catalog,
        config
      })
    )
  switch (disposition._tag) {
    case "Ack": {
      // Only a fault is acked (`decide` leaves a defect), and an override can only name a fault.
      yield* Effect.logInfo(
        `dropped after ${fault?.code}${disposition.reason === undefined ? "" : `: ${disposition.reason}`}`
      )
      return yield* delivery.ack
    }
    case "RetryLater":
    case "Leave": {
      const delay = yield* Disposition.retryDelayMs(disposition, fault, ctx.attempt, ctx.pacing)
      return yield* delivery.redeliver(delay, {
        [Headers.names.attempts]: ctx.attempt,
        [Headers.names.correlationId]: ctx.correlationId
      })
    }
    case "DeadLetter":
      return yield* deadLetter()
    case "NotifySender": {
      const driver = ctx.driver
      const message = ErrorMessage.make(failure, disposition.errorCondition, {
        queue: delivery.queue,
        messageId: delivery.messageId,
        correlationId: ctx.correlationId,
        attempts: ctx.attempt
      }, { now, catalog: ctx.catalog, config })
      // Published (and confirmed) before the ack: a crash in between notifies twice, never zero times.
      // A reply address nobody listens on is not the end of the message: it is dead-lettered.
      const sent = yield* Effect.exit(driver.publish(delivery.replyTo!, message))
      if (Exit.isSuccess(sent)) return yield* delivery.ack
      const notFound = Cause.squash(sent.cause)
      if (!(Fault.isFault(notFound) && notFound._tag === "NotFound")) return yield* Effect.failCause(sent.cause)
      yield* Effect.logWarning(`reply address ${delivery.replyTo} does not exist: dead-lettering instead`)
      return yield* deadLetter(disposition.errorCondition)
    }
  }
})

const correlationOf = (delivery: Driver.Delivery, config: Correlation.Config): string => {
  for (const candidate of [delivery.correlationId, delivery.headers[Headers.names.correlationId]]) {
    if (typeof candidate !== "string") continue
    const checked = Correlation.validate("x-correlation-id", candidate, config)
    if (typeof checked === "string") return checked
  }
  return config.generate()
}

const decodeBody = <S extends Schema.Top>(
  schema: S,
  format: Format
): (body: Uint8Array) => Effect.Effect<S["Type"], Fault.Fault, S["DecodingServices"]> => {
  const decode = Schema.decodeUnknownEffect(schema as any, { errors: "all" })
  // The common case (a schema with no services, no async step) decodes synchronously: no fiber work.
  const decodeExit = Schema.decodeUnknownExit(schema as any, { errors: "all" })
  const violation = (e: any) =>
    new Fault.SchemaViolation({ direction: "outbound", violations: violationsOf(e.issue), cause: e })
  return (body) => {
    let parsed: unknown
    try {
      parsed = format.parse(body)
    } catch (e) {
      return Effect.fail(
        new Fault.NotWellFormed({
          format: format.name,
          direction: "outbound",
          reason: e instanceof Error ? Exposure.truncate(e.message, 200) : "does not parse",
          excerpt: Exposure.truncate(
            Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 200)).toString("utf8"),
            200
          )
        })
      )
    }
    const exit = decodeExit(parsed) as Exit.Exit<S["Type"], any>
    if (Exit.isSuccess(exit)) return exit
    const error = Cause.findErrorOption(exit.cause)
    if (error._tag === "Some") return Effect.fail(violation(error.value))
    return Effect.mapError(decode(parsed) as Effect.Effect<S["Type"], any, S["DecodingServices"]>, violation)
  }
}

/**
 * Starts a consumer in the current scope; closing the scope stops it gracefully.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Fault } from "effect-faults"
 * import { Consumer, MemoryDriver } from "effect-faults/queue"
 *
 * const Referral = Schema.Struct({ patient: Schema.String, nin: Schema.String })
 * const program = Effect.scoped(Effect.gen(function*() {
 *   yield* Consumer.consume({
 *     queue: "gp.in",
 *     schema: Referral,
 *     handler: (r) => r.nin.length === 11
 *       ? Effect.log(`referral for ${r.patient}`)
 *       : Effect.fail(new Fault.InvalidFieldValue({ field: "nin", expectedValue: "11 digits", receivedValue: r.nin }))
 *   })
 *   yield* Effect.sleep("1 second")
 * })).pipe(Effect.provide(MemoryDriver.layer))
 * ```
 *
 * @category consuming
 * @since 0.1.0
 */
export const consume = <S extends Schema.Top, E, R>(
  options: Options<S, E, R>
): Effect.Effect<Consumer, Fault.Fault, Driver.Driver | Scope.Scope | R | S["DecodingServices"]> =>
  Effect.gen(function*() {
    const driver = yield* Driver.Driver
    const concurrency = Math.max(1, options.concurrency ?? 10)
    const errorQueue = options.errorQueue ?? `${options.queue}.error`
    const pacing: Disposition.Pacing = { ...(yield* Disposition.CurrentPacing), ...options.pacing }
    const format = options.format ?? json
    const decode = decodeBody(options.schema, format)
    const correlationConfig = yield* Correlation.CurrentConfig
    yield* driver.declare(options.queue)
    yield* driver.declare(errorQueue)
    const subscription = yield* driver.subscribe(options.queue, { prefetch: concurrency })

    // A settlement that fails (the broker went away) leaves the message unsettled: the broker gives
    // it back, and the failure is logged under the handler's correlation id (read once: a generated
    // one would differ on a second read).
    const handle = (delivery: Driver.Delivery): Effect.Effect<void, never, R | S["DecodingServices"]> => {
      const attempt = Headers.attempts(delivery.headers) + 1
      const correlationId = correlationOf(delivery, correlationConfig)
      const message: Message = {
        queue: delivery.queue,
        headers: delivery.headers,
        correlationId,
        messageId: delivery.messageId,
        replyTo: delivery.replyTo,
        attempt,
        redelivered: delivery.redelivered,
        body: delivery.body
      }
      return Effect.matchCauseEffect(Effect.flatMap(decode(delivery.body), (body) => options.handler(body, message)), {
        onSuccess: () => delivery.ack,
        onFailure: (cause) =>
          settleFailure(delivery, cause, {
            attempt,
            correlationId,
            errorQueue,
            overrides: options.dispositions,
            pacing,
            catalog: options.catalog,
            driver
          })
      }).pipe(
        Effect.catchCause((cause) => Effect.logError("could not settle message", cause)),
        Correlation.withId(correlationId)
      )
    }

    // The worker goes on after a failed settlement; a lost subscription fails `take` and ends the consumer.
    const worker = Effect.forever(
      Effect.flatMap(subscription.take, (delivery) => Effect.uninterruptible(handle(delivery)))
    )
    // The consumer ends at the first worker failure (its subscription is lost) or at `stop`.
    const ended = yield* Deferred.make<void, Fault.Fault>()
    const workers = yield* Effect.forEach(
      Array.from({ length: concurrency }, () => worker),
      (w) =>
        Effect.forkDetach(w.pipe(
          Effect.tapCause((cause) =>
            Cause.hasInterruptsOnly(cause) ? Effect.void : Deferred.failCause(ended, cause as Cause.Cause<Fault.Fault>)
          )
        )),
      { concurrency: "unbounded" }
    )
    let stopped = false
    const stop = Effect.suspend(() => {
      if (stopped) return Effect.void
      stopped = true
      return subscription.stop.pipe(
        Effect.andThen(Fiber.interruptAll(workers)),
        Effect.andThen(Deferred.succeed(ended, undefined))
      )
    })
    yield* Effect.addFinalizer(() => stop)
    return { stop, join: Deferred.await(ended) }
  }) as any

/**
 * Runs a consumer until interrupted or its subscription is lost.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Consumer, MemoryDriver } from "effect-faults/queue"
 *
 * const run = Consumer.run({ queue: "orders", schema: Schema.Unknown, handler: () => Effect.void })
 *   .pipe(Effect.timeout("1 second"), Effect.ignore, Effect.provide(MemoryDriver.layer))
 * ```
 *
 * @category consuming
 * @since 0.1.0
 */
export const run = <S extends Schema.Top, E, R>(
  options: Options<S, E, R>
): Effect.Effect<void, Fault.Fault, Driver.Driver | R | S["DecodingServices"]> =>
  Effect.scoped(Effect.flatMap(consume(options), (c) => c.join))

/**
 * Options of {@link consumeErrors}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { ErrorMessage, Consumer } from "effect-faults/queue"
 *
 * const o: Consumer.ErrorOptions<never> = {
 *   queue: "gp.error",
 *   onError: (received: ErrorMessage.Received) => Effect.log(received.failure.fault.message)
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ErrorOptions<R> {
  readonly queue: string
  readonly onError?: ((received: ErrorMessage.Received, message: Message) => Effect.Effect<void, never, R>) | undefined
  readonly concurrency?: number | undefined
  /** Default: `Trust.CurrentMode` (distrust). */
  readonly mode?: Trust.Mode | undefined
  readonly catalog?: Catalog.Catalog | undefined
}

/**
 * Consumes an error queue (ours: error messages other parties sent us, and our own dead letters):
 * each message is decoded into a typed fault, reported with `Report.received`, handed to `onError`
 * (Helsenorge's `RegisterErrorMessageReceivedCallback`) and acknowledged.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Consumer, MemoryDriver } from "effect-faults/queue"
 *
 * const program = Effect.scoped(Consumer.consumeErrors({
 *   queue: "gp.error",
 *   onError: (r) => Effect.logWarning(`${r.failure.errorCondition}: ${r.failure.fault.message}`)
 * })).pipe(Effect.provide(MemoryDriver.layer))
 * ```
 *
 * @category consuming
 * @since 0.1.0
 */
export const consumeErrors = <R>(
  options: ErrorOptions<R>
): Effect.Effect<Consumer, Fault.Fault, Driver.Driver | Scope.Scope | R> =>
  Effect.gen(function*() {
    const mode = options.mode ?? (yield* Trust.CurrentMode)
    return yield* consume({
      queue: options.queue,
      // Never dead-letter an error queue into itself: whatever happens, the message is acked.
      errorQueue: `${options.queue}.unreadable`,
      schema: Schema.Unknown,
      format: { name: "bytes", parse: (b) => b },
      concurrency: options.concurrency,
      handler: (_: unknown, message: Message) =>
        Effect.gen(function*() {
          const received = ErrorMessage.read(message, { mode, catalog: options.catalog })
          yield* Report.received(received.failure.fault, {
            source: `queue:${options.queue}`,
            detail: {
              errorCondition: received.failure.errorCondition,
              originalQueue: received.failure.originalQueue,
              attempts: received.failure.attempts
            }
          })
          if (options.onError !== undefined) yield* options.onError(received, message)
        })
    })
  })
