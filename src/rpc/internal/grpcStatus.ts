/**
 * The gRPC status codes and the canonical mappings between them, public views and HTTP statuses.
 *
 * @internal
 */
import type * as Exposure from "../../Exposure.ts"
import type * as Fault from "../../Fault.ts"

/** @internal */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16
} as const

/** @internal */
export type Code = (typeof Code)[keyof typeof Code]

/** @internal */
export const names: ReadonlyArray<string> = Object.keys(Code)

/** @internal */
export const isCode = (u: unknown): u is Code => typeof u === "number" && Number.isInteger(u) && u >= 0 && u <= 16

/** `NOT_FOUND` for 5; `CODE_<n>` for a number outside the table. @internal */
export const nameOf = (code: number): string => isCode(code) ? names[code]! : `CODE_${code}`

/** The HTTP equivalent of each code, as `google/rpc/code.proto` documents it. @internal */
export const httpStatus: ReadonlyArray<number> = [
  200, // OK
  499, // CANCELLED
  500, // UNKNOWN
  400, // INVALID_ARGUMENT
  504, // DEADLINE_EXCEEDED
  404, // NOT_FOUND
  409, // ALREADY_EXISTS
  403, // PERMISSION_DENIED
  429, // RESOURCE_EXHAUSTED
  400, // FAILED_PRECONDITION
  409, // ABORTED
  400, // OUT_OF_RANGE
  501, // UNIMPLEMENTED
  500, // INTERNAL
  503, // UNAVAILABLE
  500, // DATA_LOSS
  401 // UNAUTHENTICATED
]

/** @internal */
export const httpStatusOf = (code: number): number => isCode(code) ? httpStatus[code]! : 500

const retrying = (expected: Fault.Expected) =>
  expected === "RetryNow" || expected === "RetryLater" || expected === "ReconnectAndRetry"

/** The built-in fault codes whose gRPC code does not follow from the status alone. @internal */
const byCode: Readonly<Record<string, (view: Exposure.PublicView) => Code>> = {
  NotFound: () => Code.NOT_FOUND,
  InvalidFieldValue: () => Code.INVALID_ARGUMENT,
  SchemaViolation: (v) => v.status < 500 ? Code.INVALID_ARGUMENT : Code.INTERNAL,
  NotWellFormed: (v) => v.status < 500 ? Code.INVALID_ARGUMENT : Code.INTERNAL,
  // gRPC's own status for a message over the size limit, whichever way it travelled
  ContentTooLarge: () => Code.RESOURCE_EXHAUSTED,
  Conflict: (v) => retrying(v.expected) ? Code.ABORTED : Code.ALREADY_EXISTS,
  RateLimited: () => Code.RESOURCE_EXHAUSTED,
  Unauthenticated: () => Code.UNAUTHENTICATED,
  Forbidden: () => Code.PERMISSION_DENIED,
  Unavailable: () => Code.UNAVAILABLE,
  Unreachable: () => Code.UNAVAILABLE,
  ConnectionLost: () => Code.UNAVAILABLE,
  TlsRejected: () => Code.UNAVAILABLE,
  Timeout: () => Code.DEADLINE_EXCEEDED,
  InternalError: (v) => v.redacted && v.status !== 500 ? fromStatus(v) : Code.INTERNAL
}

/**
 * The gRPC code of a public view: by the fault code for the built-ins, otherwise by the status and
 * the expected behaviour (so catalogued and user-defined faults map without a table of their own).
 *
 * @internal
 */
export const codeOf = (view: Exposure.PublicView): Code => {
  const rule = byCode[view.code]
  return rule === undefined ? fromStatus(view) : rule(view)
}

/** @internal */
export const fromStatus = (view: { readonly status: number; readonly expected: Fault.Expected }): Code => {
  const s = view.status
  switch (s) {
    case 400:
      return view.expected === "FixRequest" ? Code.INVALID_ARGUMENT : Code.FAILED_PRECONDITION
    case 401:
      return Code.UNAUTHENTICATED
    case 403:
      return Code.PERMISSION_DENIED
    case 404:
      return Code.NOT_FOUND
    case 408:
      return Code.DEADLINE_EXCEEDED
    case 409:
      return retrying(view.expected) ? Code.ABORTED : Code.ALREADY_EXISTS
    case 412:
    case 428:
      return Code.FAILED_PRECONDITION
    case 416:
      return Code.OUT_OF_RANGE
    case 429:
      return Code.RESOURCE_EXHAUSTED
    case 499:
      return Code.CANCELLED
    case 500:
      return Code.INTERNAL
    case 501:
      return Code.UNIMPLEMENTED
    case 503:
      return Code.UNAVAILABLE
    case 504:
      return Code.DEADLINE_EXCEEDED
  }
  if (s < 500) return view.expected === "FixRequest" ? Code.INVALID_ARGUMENT : Code.FAILED_PRECONDITION
  // other 5xx (502, a gateway's 53x): worth retrying elsewhere or later, or an upstream we cannot classify
  return retrying(view.expected) ? Code.UNAVAILABLE : Code.UNKNOWN
}

/**
 * The fault code a gRPC code stands for when the other party sent no `ErrorInfo` of our domain
 * (a foreign server): what trust mode decodes it as. `undefined` keeps the status name.
 *
 * @internal
 */
export const faultCodeOf = (code: number): string | undefined => {
  switch (code) {
    case Code.INVALID_ARGUMENT:
      return "SchemaViolation"
    case Code.NOT_FOUND:
      return "NotFound"
    case Code.ALREADY_EXISTS:
    case Code.ABORTED:
      return "Conflict"
    case Code.PERMISSION_DENIED:
      return "Forbidden"
    case Code.RESOURCE_EXHAUSTED:
      return "RateLimited"
    case Code.UNAVAILABLE:
      return "Unavailable"
    case Code.UNAUTHENTICATED:
      return "Unauthenticated"
    case Code.INTERNAL:
      return "InternalError"
    default:
      return undefined
  }
}

const receivedTooLarge =
  /^Received message (?:larger than max \(\d+ vs\.? |that decompresses to a size larger than )(\d+)/
const sentTooLarge =
  /^(?:Sent message larger than max \(\d+ vs\.? |Attempted to send message with a size larger than )(\d+)/

/**
 * What grpc-js says (in the status text) when a message breaks a size limit: whether the party that
 * raised the `RESOURCE_EXHAUSTED` was receiving the message or sending it, and the limit. `undefined`
 * for any other status, a real quota included.
 *
 * @internal
 */
export const sizeLimitOf = (
  code: number,
  text: string
): { readonly receiving: boolean; readonly limitBytes: number | undefined } | undefined => {
  if (code !== Code.RESOURCE_EXHAUSTED) return undefined
  const received = receivedTooLarge.exec(text)
  const match = received ?? sentTooLarge.exec(text)
  if (match === null) return undefined
  const limit = Number(match[1])
  return { receiving: received !== null, limitBytes: Number.isSafeInteger(limit) ? limit : undefined }
}
