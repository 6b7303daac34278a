/**
 * The RFC 9457 `application/problem+json` dialect, built on Effect's own `ProblemDetails`: the body is
 * a `ProblemDetails.ProblemDetails` (`type`, `title`, `status`, `detail`, and `instance` =
 * `urn:uuid:<correlation id>` when the id is a UUID) whose extension
 * members carry what a caller acts on — the stable `code`, the `correlationId`, the `expected`
 * behaviour and the catalog's `expectation` sentence, field `violations`, `retryAfter` (seconds) —
 * and, when the fault is public, its own `fields`.
 *
 * Encoding is written by hand from the public view (no Schema on the hot path); {@link Body} is the
 * same shape as a Schema, for documentation and OpenAPI, and the tests check the two agree.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { ProblemDetails } from "effect/http"
import type * as Exposure from "../Exposure.ts"
import * as Fault from "../Fault.ts"
import type * as Trust from "../Trust.ts"
import type * as Dialect from "./Dialect.ts"
import * as read from "./internal/read.ts"
import * as wire from "./internal/wire.ts"

/**
 * The media type written: `application/problem+json` (Effect's `ProblemDetails.contentType`).
 *
 * @example
 * ```ts
 * import { Problem } from "effect-faults/http"
 *
 * console.log(Problem.contentType) // "application/problem+json"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const contentType: string = ProblemDetails.contentType

/**
 * The default `type` URI of a code: `urn:fault:<code>`. A problem whose `type` has this form decodes
 * back to the code even without the `code` extension.
 *
 * @example
 * ```ts
 * import { Problem } from "effect-faults/http"
 *
 * console.log(Problem.defaultTypeUri("NotFound")) // "urn:fault:NotFound"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultTypeUri = (code: string): string => `urn:fault:${code}`

const typePrefix = "urn:fault:"

/**
 * The body as a Schema: documentation, OpenAPI and validation. The encoder does not use it.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Problem } from "effect-faults/http"
 *
 * const ok = Schema.is(Problem.Body)({ type: "urn:fault:NotFound", title: "Not found", status: 404, code: "NotFound" })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Body = Schema.Struct({
  type: Schema.String,
  title: Schema.String,
  status: Schema.Int,
  detail: Schema.optionalKey(Schema.String),
  instance: Schema.optionalKey(Schema.String),
  code: Schema.String,
  correlationId: Schema.optionalKey(Schema.String),
  expected: Schema.optionalKey(Fault.ExpectedSchema),
  expectation: Schema.optionalKey(Schema.String),
  retryAfter: Schema.optionalKey(Schema.Number),
  violations: Schema.optionalKey(Schema.Array(Fault.FieldViolation)),
  fields: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  trace: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "FaultProblem", description: "RFC 9457 problem details of a fault" })

/**
 * The body type.
 *
 * @example
 * ```ts
 * import { Problem } from "effect-faults/http"
 *
 * const body: Problem.Body = { type: "urn:fault:NotFound", title: "Not found", status: 404, code: "NotFound" }
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
 * import { Problem } from "effect-faults/http"
 *
 * const options: Problem.Options = { typeUri: (code) => `https://errors.example.com/${code}` }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The `type` URI of a code. Default {@link defaultTypeUri}. */
  readonly typeUri?: ((code: string) => string) | undefined
  /** Also accept plain `application/json` bodies shaped like problems when decoding. Default true. */
  readonly lenient?: boolean | undefined
}

/**
 * The problem details object of a public view, as Effect's `ProblemDetails` type.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 * import { Problem } from "effect-faults/http"
 *
 * const body = Problem.toProblemDetails(Exposure.view(new Fault.NotFound({ id: "42" })))
 * console.log(body.status, body.code) // 404 "NotFound"
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const toProblemDetails = (
  view: Exposure.PublicView,
  typeUri: (code: string) => string = defaultTypeUri
): ProblemDetails.ProblemDetails & Body => {
  // Built member by member: a fixed key order keeps V8's hidden class stable and the output readable.
  const body: Record<string, unknown> = {
    type: typeUri(view.code),
    title: view.title,
    status: view.status,
    detail: view.message,
    code: view.code
  }
  const cid = view.correlationId
  if (cid !== undefined) {
    // the occurrence: a UUID correlation id names this very failure (RFC 9457 `instance`)
    if (cid.length === 36 && cid.charCodeAt(8) === 45 && cid.charCodeAt(23) === 45) body.instance = `urn:uuid:${cid}`
    body.correlationId = cid
  }
  body.expected = view.expected
  if (view.expectation !== undefined) body.expectation = view.expectation
  if (view.retryAfterMs !== undefined) body.retryAfter = view.retryAfterMs / 1000
  wire.putFields(body, view)
  if (view.trace !== undefined) body.trace = view.trace
  return body as any
}

/**
 * Reads a problem details object (RFC 9457 or 7807) into what a decoder hands to `Trust.toFault`.
 * The code is the `code` extension, else the code of a `urn:fault:` type, else the `type` URI, else
 * the title, else the status. Never throws.
 *
 * @example
 * ```ts
 * import { Problem } from "effect-faults/http"
 *
 * const r = Problem.fromProblemDetails({ type: "about:blank", status: 404, title: "Not Found" }, 404)
 * console.log(r.code, r.status) // "Not Found" 404
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const fromProblemDetails = (
  body: Readonly<Record<string, unknown>>,
  status: number
): Trust.Received => {
  const type = wire.stringOr(body.type)
  const title = wire.stringOr(body.title)
  const bodyStatus = wire.finiteOr(body.status)
  const code = wire.stringOr(body.code) ??
    (type !== undefined && type.startsWith(typePrefix)
      ? type.slice(typePrefix.length)
      : type !== undefined && type !== ProblemDetails.blankType
      ? type
      : title ?? String(bodyStatus ?? status))
  // the body's own `fields` object is taken as is (nothing downstream writes to it); a copy only
  // when the violations have to join it
  let fields: Record<string, unknown> | undefined = read.isRecord(body.fields) ? body.fields : undefined
  if (Array.isArray(body.violations)) fields = { ...fields, violations: body.violations }
  const received: {
    -readonly [K in keyof Trust.Received]: Trust.Received[K]
  } = { code, status: bodyStatus !== undefined && Number.isInteger(bodyStatus) ? bodyStatus : status }
  const detail = wire.stringOr(body.detail) ?? title
  if (detail !== undefined) received.message = detail
  if (Fault.isExpected(body.expected)) received.expected = body.expected
  // what the body says only: `Client.decode` falls back on the response's headers (Retry-After
  // against its clock, the correlation header it was configured with)
  const retryAfterMs = wire.secondsToMs(body.retryAfter)
  if (retryAfterMs !== undefined) received.retryAfterMs = retryAfterMs
  const instance = wire.stringOr(body.instance)
  const correlationId = wire.stringOr(body.correlationId) ??
    (instance !== undefined && instance.startsWith("urn:uuid:") ? instance.slice(9) : undefined)
  if (correlationId !== undefined) received.correlationId = correlationId
  if (fields !== undefined) received.fields = fields
  return received
}

// Codes are few: remember each code's (flat) type URI instead of concatenating it on every response.
const memo = (typeUri: (code: string) => string): (code: string) => string => {
  const cache = new Map<string, string>()
  return (code) => {
    let uri = cache.get(code)
    if (uri === undefined) {
      uri = typeUri(code)
      if (cache.size < 1024) cache.set(code, uri)
    }
    return uri
  }
}

/**
 * Builds the problem+json dialect.
 *
 * @example
 * ```ts
 * import { Problem } from "effect-faults/http"
 *
 * const dialect = Problem.make({ typeUri: (code) => `https://errors.example.com/${code}` })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  options?: Options
): Dialect.Dialect & { readonly encode: (view: Exposure.PublicView) => Dialect.Encoded } => {
  const typeUri = memo(options?.typeUri ?? defaultTypeUri)
  const lenient = options?.lenient ?? true
  return {
    name: "problem",
    contentType,
    accepts: (media) => media === contentType,
    encode: (view) => ({ status: view.status, contentType, body: JSON.stringify(toProblemDetails(view, typeUri)) }),
    decode: (incoming) => {
      const media = read.mediaType(incoming.headers["content-type"])
      const isProblem = media === contentType
      if (!isProblem && !(lenient && media.endsWith("json"))) return undefined
      const body = wire.bodyObject(incoming)
      if (body === undefined) return undefined
      // a lenient read needs the shape of a problem, not merely some JSON
      if (
        !isProblem &&
        !(typeof body.type === "string" && (typeof body.title === "string" || typeof body.status === "number"))
      ) {
        return undefined
      }
      return fromProblemDetails(body, incoming.status)
    }
  }
}

/**
 * The problem+json dialect with the default `type` URIs.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 * import { Problem } from "effect-faults/http"
 *
 * const res = Problem.dialect.encode(Exposure.view(new Fault.NotFound({ resource: "order", id: "42" })))
 * console.log(res.status, res.body)
 * // 404 {"type":"urn:fault:NotFound","title":"Not found","status":404,"detail":"order '42' not found","code":"NotFound",...}
 * ```
 *
 * @category dialects
 * @since 0.1.0
 */
export const dialect: Dialect.Dialect & { readonly encode: (view: Exposure.PublicView) => Dialect.Encoded } = make()
