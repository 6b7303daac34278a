/**
 * The body of the OAS error-message guide: `{ "code": <status>, "message": "<fixed message>" }`, with
 * the `expectation-to-the-client` sentence when the catalog has one. The message is the catalog
 * entry's fixed title (the guide makes it a single-value enum), never the fault's dynamic message.
 *
 * The guide allows extra attributes a client needs to manage its behaviour; this dialect adds, when
 * known, `reason` (the stable machine code), `detail` (the public message when it differs from the
 * fixed one), `correlator`, `retryAfter` (seconds), `violations` and the fault's public `fields`.
 * Turn them off with `details: false` for the bare guide body.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as Catalog from "../Catalog.ts"
import type * as Exposure from "../Exposure.ts"
import * as Fault from "../Fault.ts"
import type * as Trust from "../Trust.ts"
import type * as Dialect from "./Dialect.ts"
import * as read from "./internal/read.ts"
import * as wire from "./internal/wire.ts"

/**
 * The media type written: `application/json`.
 *
 * @example
 * ```ts
 * import { CodeMessage } from "effect-faults/http"
 *
 * console.log(CodeMessage.contentType) // "application/json"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const contentType = "application/json"

/**
 * The name of the guide's expectation attribute.
 *
 * @example
 * ```ts
 * import { CodeMessage } from "effect-faults/http"
 *
 * console.log(CodeMessage.expectationKey) // "expectation-to-the-client"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const expectationKey = "expectation-to-the-client"

/**
 * The body as a Schema (documentation, validation); the encoder does not use it.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { CodeMessage } from "effect-faults/http"
 *
 * console.log(Schema.is(CodeMessage.Body)({ code: 532, message: "Bad Gateway. Upstream server not responding." })) // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Body = Schema.Struct({
  code: Schema.Int,
  message: Schema.String,
  "expectation-to-the-client": Schema.optionalKey(Schema.String),
  reason: Schema.optionalKey(Schema.String),
  detail: Schema.optionalKey(Schema.String),
  correlator: Schema.optionalKey(Schema.String),
  retryAfter: Schema.optionalKey(Schema.Number),
  violations: Schema.optionalKey(Schema.Array(Fault.FieldViolation)),
  fields: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
})

/**
 * The body type.
 *
 * @example
 * ```ts
 * import { CodeMessage } from "effect-faults/http"
 *
 * const body: CodeMessage.Body = { code: 532, message: "Bad Gateway. Upstream server not responding." }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Body = typeof Body.Type

/**
 * Options of {@link make}.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { CodeMessage } from "effect-faults/http"
 *
 * const options: CodeMessage.Options = { details: false, catalog: Catalog.gateway }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Write the extra attributes (`reason`, `detail`, …). Default true. */
  readonly details?: boolean | undefined
  /** Decoding: the catalog that maps a bare `{code, message}` back to a code. Default `Catalog.gateway`. */
  readonly catalog?: Catalog.Catalog | undefined
}

/**
 * The body of a public view.
 *
 * @example
 * ```ts
 * import { Catalog, Exposure, Fault } from "effect-faults"
 * import { CodeMessage } from "effect-faults/http"
 *
 * const view = Exposure.view(new Fault.Unreachable({ reason: "ECONNREFUSED" }), { catalog: Catalog.gateway })
 * console.log(CodeMessage.toBody(view, false)) // { code: 532, message: "Bad Gateway. Upstream server not responding." }
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const toBody = (view: Exposure.PublicView, details: boolean = true): Body => {
  const body: Record<string, unknown> = { code: view.status, message: view.title }
  if (view.expectation !== undefined) body[expectationKey] = view.expectation
  if (!details) return body as any
  body.reason = view.code
  if (view.message !== view.title) body.detail = view.message
  if (view.correlationId !== undefined) body.correlator = view.correlationId
  if (view.retryAfterMs !== undefined) body.retryAfter = view.retryAfterMs / 1000
  wire.putFields(body, view)
  return body as any
}

const codeOf = (catalog: Catalog.Catalog, status: number, message: string | undefined): string => {
  let only: Catalog.Entry | undefined
  let count = 0
  for (const entry of catalog.entries) {
    if (entry.status !== status) continue
    if (entry.title === message) return entry.code
    only = entry
    count++
  }
  return count === 1 ? only!.code : String(status)
}

/**
 * Builds the `{code, message}` dialect.
 *
 * @example
 * ```ts
 * import { CodeMessage } from "effect-faults/http"
 *
 * const bare = CodeMessage.make({ details: false })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  options?: Options
): Dialect.Dialect & { readonly encode: (view: Exposure.PublicView) => Dialect.Encoded } => {
  const details = options?.details ?? true
  const catalog = options?.catalog ?? Catalog.gateway
  return {
    name: "code-message",
    contentType,
    accepts: (media) => media === contentType,
    encode: (view) => ({ status: view.status, contentType, body: JSON.stringify(toBody(view, details)) }),
    decode: (incoming): Trust.Received | undefined => {
      const media = read.mediaType(incoming.headers["content-type"])
      if (!(media === "" || media.endsWith("json"))) return undefined
      const body = wire.bodyObject(incoming)
      if (body === undefined) return undefined
      const status = body.code
      if (typeof status !== "number" || !Number.isInteger(status)) return undefined
      const message = wire.stringOr(body.message)
      if (message === undefined) return undefined
      const received: { -readonly [K in keyof Trust.Received]: Trust.Received[K] } = {
        code: wire.stringOr(body.reason) ?? codeOf(catalog, status, message),
        status,
        message: wire.stringOr(body.detail) ?? message
      }
      // the body's own; `Client.decode` falls back on the response's headers
      const retryAfterMs = wire.secondsToMs(body.retryAfter)
      if (retryAfterMs !== undefined) received.retryAfterMs = retryAfterMs
      const correlationId = wire.stringOr(body.correlator)
      if (correlationId !== undefined) received.correlationId = correlationId
      let fields: Record<string, unknown> | undefined
      if (read.isRecord(body.fields)) fields = { ...body.fields }
      if (Array.isArray(body.violations)) (fields ??= {}).violations = body.violations
      if (fields !== undefined) received.fields = fields
      return received
    }
  }
}

/**
 * The `{code, message}` dialect with details on.
 *
 * @example
 * ```ts
 * import { Catalog, Exposure, Fault } from "effect-faults"
 * import { CodeMessage } from "effect-faults/http"
 *
 * const res = CodeMessage.dialect.encode(Exposure.view(new Fault.RateLimited({}), { catalog: Catalog.gateway }))
 * console.log(res.status) // 429
 * ```
 *
 * @category dialects
 * @since 0.1.0
 */
export const dialect: Dialect.Dialect & { readonly encode: (view: Exposure.PublicView) => Dialect.Encoded } = make()
