/**
 * The error message sent to the sender of a message we could not take (the Helsenorge design: each
 * party has an error queue; the receiver tells the sender what it can fix). The message carries the
 * failure headers plus `x-error-condition`, and a small JSON body with the same facts. Everything in
 * it comes from the fault's public view.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as Catalog from "../Catalog.ts"
import * as Exposure from "../Exposure.ts"
import * as Fault from "../Fault.ts"
import type * as Trust from "../Trust.ts"
import * as Disposition from "./Disposition.ts"
import type * as Driver from "./Driver.ts"
import * as Headers from "./Headers.ts"

/**
 * The body of an error message. `ExpectedValue` / `ReceivedValue` keep the Helsenorge names.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { ErrorMessage } from "effect-faults/queue"
 *
 * const decode = Schema.decodeUnknownSync(ErrorMessage.Body)
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Body = Schema.Struct({
  errorCondition: Schema.String,
  errorDescription: Schema.String,
  code: Schema.String,
  correlationId: Schema.optional(Schema.String),
  originalMessageId: Schema.optional(Schema.String),
  originalQueue: Schema.optional(Schema.String),
  field: Schema.optional(Schema.String),
  ExpectedValue: Schema.optional(Schema.String),
  ReceivedValue: Schema.optional(Schema.String),
  violations: Schema.optional(Schema.Array(Fault.FieldViolation))
})

/**
 * The type of {@link Body}.
 *
 * @example
 * ```ts
 * import type { ErrorMessage } from "effect-faults/queue"
 *
 * const b: ErrorMessage.Body = { errorCondition: "transport:internal-error", errorDescription: "x", code: "Queue.TellSender" }
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export type Body = typeof Body.Type

/**
 * What the builder needs to know about the message that failed.
 *
 * @example
 * ```ts
 * import type { ErrorMessage } from "effect-faults/queue"
 *
 * const o: ErrorMessage.Original = { queue: "orders", messageId: "m-1", correlationId: "c-1", attempts: 1 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Original {
  readonly queue: string
  readonly messageId?: string | undefined
  readonly correlationId?: string | undefined
  readonly attempts: number
}

// The body is built here from strings and the view's encoded fields: it is JSON as it stands, with
// no schema pass over it. One encoder for every message.
const encoder = new TextEncoder()

/**
 * Builds the error message for a failure.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { ErrorMessage } from "effect-faults/queue"
 *
 * const m = ErrorMessage.make(
 *   new Fault.InvalidFieldValue({ field: "nin", expectedValue: "11 digits", receivedValue: "123" }),
 *   "transport:invalid-field-value",
 *   { queue: "gp.in", attempts: 1, correlationId: "c-1" }
 * )
 * console.log(m.headers["x-error-condition"]) // "transport:invalid-field-value"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  failure: unknown,
  errorCondition: Disposition.ErrorCondition,
  original: Original,
  options?: {
    readonly now?: Date | undefined
    readonly catalog?: Catalog.Catalog | undefined
    readonly config?: Exposure.Config | undefined
  }
): Driver.Outgoing => {
  const view = Exposure.view(failure, {
    catalog: options?.catalog,
    correlationId: original.correlationId,
    config: options?.config
  })
  const headers = Headers.fromView(view, {
    attempts: original.attempts,
    originalQueue: original.queue,
    failedAt: options?.now ?? new Date(),
    errorCondition
  })
  const fields = view.fields
  const text = (u: unknown) => typeof u === "string" ? u : u === undefined ? undefined : JSON.stringify(u)
  const body: Record<string, unknown> = {
    errorCondition,
    // the headers' description, truncated once
    errorDescription: headers[Headers.names.errorDescription],
    code: view.code
  }
  if (view.correlationId !== undefined) body.correlationId = view.correlationId
  if (original.messageId !== undefined) body.originalMessageId = original.messageId
  body.originalQueue = original.queue
  if (errorCondition === "transport:invalid-field-value" && fields !== undefined) {
    const field = text(fields.field)
    const expected = text(fields.expectedValue ?? fields.expected)
    const received = text(fields.receivedValue ?? fields.received)
    if (field !== undefined) body.field = field
    if (expected !== undefined) body.ExpectedValue = expected
    if (received !== undefined) body.ReceivedValue = Exposure.truncate(received, 1000)
  }
  if (view.violations !== undefined) body.violations = view.violations.slice(0, 50)
  return {
    body: encoder.encode(JSON.stringify(body)),
    headers,
    contentType: "application/json",
    correlationId: view.correlationId,
    messageId: crypto.randomUUID()
  }
}

/**
 * What a received error message says: the typed fault (from the headers, through `Trust.toFault`),
 * the failure's history, and the body when it decodes.
 *
 * @example
 * ```ts
 * import type { ErrorMessage } from "effect-faults/queue"
 *
 * const expectedOf = (r: ErrorMessage.Received) => r.body?.ExpectedValue
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Received {
  readonly failure: Headers.Failure
  readonly body: Body | undefined
}

const decodeBody = Schema.decodeUnknownResult(Schema.fromJsonString(Body))

/**
 * Reads an error message (or a dead letter) that arrived on an error queue. Never fails: without
 * failure headers the fault is a `NotWellFormed` saying so.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { ErrorMessage } from "effect-faults/queue"
 *
 * const m = ErrorMessage.make(new Fault.NotFound({}), "transport:internal-error", { queue: "q", attempts: 1 })
 * console.log(ErrorMessage.read(m).failure.fault._tag) // "RemoteFault"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const read = (
  message: { readonly headers: Driver.Headers; readonly body: Uint8Array },
  options?: { readonly mode?: Trust.Mode | undefined; readonly catalog?: Catalog.Catalog | undefined }
): Received => {
  const failure = Headers.decode(message.headers, options) ?? {
    fault: Fault.received(
      new Fault.NotWellFormed({ format: "failure headers", direction: "inbound", reason: "no failure headers" })
    ),
    attempts: 0,
    originalQueue: undefined,
    failedAt: undefined,
    errorCondition: undefined,
    deaths: []
  }
  let body: Body | undefined
  if (message.body.byteLength > 0 && message.body.byteLength <= 65536) {
    const text = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength).toString("utf8")
    const r = decodeBody(text)
    if (r._tag === "Success") body = r.success
  }
  return { failure, body }
}

/**
 * The error condition a fault maps to by default (when its disposition is to notify the sender).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { ErrorMessage } from "effect-faults/queue"
 *
 * console.log(ErrorMessage.conditionOf(new Fault.CertificateExpired({ notAfter: "2026-01-01" }))) // "transport:expired-certificate"
 * ```
 *
 * @category mapping
 * @since 0.1.0
 */
export const conditionOf = (fault: Fault.Fault): Disposition.ErrorCondition => {
  const d = Disposition.defaultFor(fault)
  return d._tag === "NotifySender" ? d.errorCondition : "transport:internal-error"
}
