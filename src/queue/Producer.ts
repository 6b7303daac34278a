/**
 * Sending messages: every outgoing message carries the correlation id of the work it belongs to
 * (the fiber's, else a fresh one), a content type and a message id.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import * as Correlation from "../Correlation.ts"
import * as Fault from "../Fault.ts"
import * as Driver from "./Driver.ts"
import * as Headers from "./Headers.ts"
import { violationsOf } from "./internal/schema.ts"

/**
 * Options of one send.
 *
 * @example
 * ```ts
 * import type { Producer } from "effect-faults/queue"
 *
 * const o: Producer.Options = { replyTo: "gp.error", headers: { "x-tenant": "t1" } }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The sender's address for error messages (its error queue). */
  readonly replyTo?: string | undefined
  readonly headers?: Driver.Headers | undefined
  readonly contentType?: string | undefined
  readonly messageId?: string | undefined
}

/**
 * Sends raw bytes (already encoded) with the correlation id and content type set.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MemoryDriver, Producer } from "effect-faults/queue"
 *
 * const send = Producer.sendBytes("orders", new TextEncoder().encode("<not json"), { contentType: "application/json" })
 *   .pipe(Effect.provide(MemoryDriver.layer))
 * ```
 *
 * @category sending
 * @since 0.1.0
 */
export const sendBytes = (
  queue: string,
  body: Uint8Array,
  options?: Options
): Effect.Effect<void, Fault.Fault, Driver.Driver> =>
  Effect.gen(function*() {
    const driver = yield* Driver.Driver
    const correlationId = yield* Correlation.currentOrGenerate
    yield* driver.publish(queue, {
      body,
      headers: { ...options?.headers, [Headers.names.correlationId]: correlationId },
      correlationId,
      contentType: options?.contentType ?? "application/octet-stream",
      messageId: options?.messageId ?? crypto.randomUUID(),
      replyTo: options?.replyTo
    })
  })

/**
 * Encodes a value with its schema as JSON and sends it. A value that does not encode is a
 * `SchemaViolation` (outbound, caught here) and nothing is sent.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { MemoryDriver, Producer } from "effect-faults/queue"
 *
 * const Order = Schema.Struct({ id: Schema.String, qty: Schema.Number })
 * const send = Producer.send("orders", Order, { id: "o-1", qty: 2 }, { replyTo: "shop.error" })
 *   .pipe(Effect.provide(MemoryDriver.layer))
 * ```
 *
 * @category sending
 * @since 0.1.0
 */
export const send = <S extends Schema.Top>(
  queue: string,
  schema: S,
  value: S["Type"],
  options?: Options
): Effect.Effect<void, Fault.Fault, Driver.Driver | S["EncodingServices"]> =>
  Effect.gen(function*() {
    const encoded = yield* Schema.encodeEffect(Schema.toCodecJson(schema) as any)(value).pipe(
      Effect.mapError((e: any) =>
        new Fault.SchemaViolation({ direction: "outbound", violations: violationsOf(e.issue), cause: e })
      )
    )
    const body = new TextEncoder().encode(JSON.stringify(encoded))
    yield* sendBytes(queue, body, { ...options, contentType: options?.contentType ?? "application/json" })
  }) as any
