/**
 * Reads Google-style API errors (decode only), as Google APIs and AIP-193 servers send them:
 * `{ "error": { "code": 429, "message": "…", "status": "RESOURCE_EXHAUSTED", "details": [ … ] } }`.
 * From `details` it reads `google.rpc.ErrorInfo` (the machine-readable `reason`, `domain`,
 * `metadata`), `google.rpc.RetryInfo` (`retryDelay`, into `retryAfterMs`) and `google.rpc.BadRequest`
 * (`fieldViolations`, into field violations). The older `error.errors[].reason` form is read too.
 *
 * @since 0.1.0
 */
import type * as Fault from "../Fault.ts"
import type * as Trust from "../Trust.ts"
import type * as Dialect from "./Dialect.ts"
import * as read from "./internal/read.ts"

type Mutable = { -readonly [K in keyof Trust.Received]: Trust.Received[K] }

/**
 * The type URLs of the `google.rpc` detail messages this dialect reads.
 *
 * @example
 * ```ts
 * import { Google } from "effect-faults/http"
 *
 * console.log(Google.typeUrls.retryInfo) // "type.googleapis.com/google.rpc.RetryInfo"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const typeUrls = {
  errorInfo: "type.googleapis.com/google.rpc.ErrorInfo",
  retryInfo: "type.googleapis.com/google.rpc.RetryInfo",
  badRequest: "type.googleapis.com/google.rpc.BadRequest"
} as const

const expectedByStatus: Readonly<Record<string, Fault.Expected>> = {
  CANCELLED: "DoNotRetry",
  UNKNOWN: "TryAlternative",
  INVALID_ARGUMENT: "FixRequest",
  DEADLINE_EXCEEDED: "RetryLater",
  NOT_FOUND: "DoNotRetry",
  ALREADY_EXISTS: "DoNotRetry",
  PERMISSION_DENIED: "DoNotRetry",
  RESOURCE_EXHAUSTED: "RetryLater",
  FAILED_PRECONDITION: "FixRequest",
  ABORTED: "RetryNow",
  OUT_OF_RANGE: "FixRequest",
  UNIMPLEMENTED: "DoNotRetry",
  INTERNAL: "TryAlternative",
  UNAVAILABLE: "RetryLater",
  DATA_LOSS: "CallOperator",
  UNAUTHENTICATED: "Reauthenticate"
}

/**
 * The behaviour gRPC documents for a canonical status name.
 *
 * @example
 * ```ts
 * import { Google } from "effect-faults/http"
 *
 * console.log(Google.expectedOf("UNAVAILABLE")) // "RetryLater"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const expectedOf = (status: string): Fault.Expected | undefined =>
  Object.hasOwn(expectedByStatus, status) ? expectedByStatus[status] : undefined

const violationsOf = (u: unknown): Array<Fault.FieldViolation> | undefined => {
  if (!Array.isArray(u)) return undefined
  const out: Array<Fault.FieldViolation> = []
  for (let i = 0; i < u.length && i < 100; i++) {
    const v = u[i]
    if (!read.isRecord(v)) continue
    const field = read.str(v.field)
    if (field === undefined) continue
    out.push({ field, message: read.str(v.description) ?? read.str(v.message) ?? "invalid" })
  }
  return out
}

/**
 * Reads the `error` member of a Google-style body, or `undefined` when the body is not one.
 *
 * @example
 * ```ts
 * import { Google } from "effect-faults/http"
 *
 * const r = Google.decodeBody({
 *   error: {
 *     code: 429, message: "Quota exceeded", status: "RESOURCE_EXHAUSTED",
 *     details: [
 *       { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "RATE_LIMIT_EXCEEDED", domain: "googleapis.com" },
 *       { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "30s" }
 *     ]
 *   }
 * }, 429)
 * console.log(r?.code, r?.retryAfterMs, r?.expected) // "RATE_LIMIT_EXCEEDED" 30000 "RetryLater"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeBody = (body: unknown, status: number): Trust.Received | undefined => {
  // a few APIs wrap the error in a one-element array
  const root = Array.isArray(body) && body.length > 0 ? body[0] : body
  if (!read.isRecord(root) || !read.isRecord(root.error)) return undefined
  const error = root.error
  const grpcStatus = read.str(error.status)
  const numeric = typeof error.code === "number" && Number.isInteger(error.code) ? error.code : undefined
  const message = read.str(error.message)
  if (grpcStatus === undefined && numeric === undefined && message === undefined) return undefined
  let reason: string | undefined
  let domain: string | undefined
  let metadata: Record<string, unknown> | undefined
  let retryAfterMs: number | undefined
  let violations: Array<Fault.FieldViolation> | undefined
  if (Array.isArray(error.details)) {
    for (let i = 0; i < error.details.length && i < 32; i++) {
      const detail = error.details[i]
      if (!read.isRecord(detail)) continue
      const type = detail["@type"]
      if (type === typeUrls.errorInfo) {
        reason ??= read.str(detail.reason)
        domain ??= read.str(detail.domain)
        if (read.isRecord(detail.metadata)) metadata ??= { ...detail.metadata }
      } else if (type === typeUrls.retryInfo) {
        retryAfterMs ??= read.parseDuration(detail.retryDelay)
      } else if (type === typeUrls.badRequest) {
        const found = violationsOf(detail.fieldViolations)
        if (found !== undefined) violations = [...(violations ?? []), ...found]
      }
    }
  }
  // the v1 form: error.errors[{ domain, reason, message }]
  if (reason === undefined && Array.isArray(error.errors) && read.isRecord(error.errors[0])) {
    reason = read.str(error.errors[0].reason)
    domain ??= read.str(error.errors[0].domain)
  }
  const code = reason ?? grpcStatus ?? (numeric !== undefined ? String(numeric) : "UNKNOWN")
  const received: Mutable = {
    code,
    status: numeric !== undefined && numeric >= 100 && numeric <= 599 ? numeric : status
  }
  if (message !== undefined) received.message = message
  const expected = grpcStatus === undefined ? undefined : expectedOf(grpcStatus)
  if (expected !== undefined) received.expected = expected
  if (retryAfterMs !== undefined) received.retryAfterMs = retryAfterMs
  const fields: Record<string, unknown> = {}
  if (grpcStatus !== undefined) fields.status = grpcStatus
  if (reason !== undefined) fields.reason = reason
  if (domain !== undefined) fields.domain = domain
  if (metadata !== undefined) fields.metadata = metadata
  if (violations !== undefined) fields.violations = violations
  if (Object.keys(fields).length > 0) received.fields = fields
  return received
}

/**
 * The Google-style dialect: decode only.
 *
 * @example
 * ```ts
 * import { Google } from "effect-faults/http"
 *
 * const r = Google.dialect.decode({
 *   status: 400,
 *   headers: { "content-type": "application/json; charset=UTF-8" },
 *   body: JSON.stringify({ error: { code: 400, status: "INVALID_ARGUMENT", message: "bad", details: [
 *     { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: "name", description: "required" }] }
 *   ] } }),
 *   truncated: false
 * })
 * console.log(r?.fields?.violations) // [{ field: "name", message: "required" }]
 * ```
 *
 * @category dialects
 * @since 0.1.0
 */
export const dialect: Dialect.Dialect = {
  name: "google",
  contentType: "application/json",
  accepts: (media) => media === "application/json",
  decode: (incoming) => {
    try {
      const media = read.mediaType(read.header(incoming.headers, "content-type"))
      if (media !== "" && !read.isJsonMedia(media) && !media.startsWith("text/")) return undefined
      return decodeBody(read.bodyJson(incoming), incoming.status)
    } catch {
      return undefined
    }
  }
}
