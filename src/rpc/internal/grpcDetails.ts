/**
 * A public view as a `google.rpc.Status` (with `ErrorInfo`, `RetryInfo`, `BadRequest`, `DebugInfo`
 * details), and back: what a gRPC peer sent, as a `Trust.Received`. The decoding side reads bytes and
 * metadata from the other party: it never throws and validates everything it keeps.
 *
 * @internal
 */
import * as Correlation from "../../Correlation.ts"
import * as Exposure from "../../Exposure.ts"
import * as Fault from "../../Fault.ts"
import type * as Trust from "../../Trust.ts"
import * as status from "./grpcStatus.ts"
import * as proto from "./protobuf.ts"

/** @internal */
export const detailsKey = "grpc-status-details-bin"

/** Keys of ours in `ErrorInfo.metadata`; hyphenated so they never collide with a camelCase field name. @internal */
export const MetaKey = {
  correlationId: "correlation-id",
  eventId: "event-id",
  expected: "expected-action",
  httpStatus: "http-status",
  jsonFields: "json-fields",
  failureType: "failure-type",
  failureParents: "failure-parents"
} as const

const reserved: ReadonlySet<string> = new Set([...Object.values(MetaKey), "__proto__", "constructor", "prototype"])

// -----------------------------------------------------------------------------
// Encoding
// -----------------------------------------------------------------------------

/** @internal */
export const errorInfoOf = (
  view: Exposure.PublicView,
  domain: string,
  failure?: Fault.CopiedFailure | undefined
): proto.ErrorInfo => {
  const metadata: Record<string, string> = Object.create(null)
  const json: Array<string> = []
  if (view.fields !== undefined) {
    for (const key of Object.keys(view.fields)) {
      const value = view.fields[key]
      if (reserved.has(key) || value === undefined) continue
      if (typeof value === "string") metadata[key] = value
      else {
        try {
          const text = JSON.stringify(value)
          if (text === undefined) continue
          metadata[key] = text
          json.push(key)
        } catch {
          // a field that has no JSON form (a bigint, a cycle) is not sent
        }
      }
    }
  }
  if (json.length > 0) metadata[MetaKey.jsonFields] = json.join(",")
  metadata[MetaKey.expected] = view.expected
  metadata[MetaKey.httpStatus] = String(view.status)
  metadata[MetaKey.eventId] = view.eventId
  if (view.correlationId !== undefined) metadata[MetaKey.correlationId] = view.correlationId
  if (failure !== undefined) {
    metadata[MetaKey.failureType] = failure.type
    if (failure.parents.length > 0) metadata[MetaKey.failureParents] = failure.parents.join(",")
  }
  return { reason: view.code, domain, metadata }
}

/** @internal */
export const fieldViolationsOf = (view: Exposure.PublicView): ReadonlyArray<proto.FieldViolation> | undefined => {
  if (view.violations !== undefined && view.violations.length > 0) {
    return view.violations.map((v) => ({ field: v.field, description: v.message }))
  }
  const field = view.fields?.field
  return typeof field === "string" ? [{ field, description: view.message }] : undefined
}

/** The `google.rpc.Status` of a public view, encoded. @internal */
export const encode = (
  view: Exposure.PublicView,
  code: status.Code,
  domain: string,
  failure?: Fault.CopiedFailure | undefined
): Uint8Array => {
  const details: Array<proto.Any> = [
    { typeUrl: proto.TypeUrl.ErrorInfo, value: proto.encodeErrorInfo(errorInfoOf(view, domain, failure)) }
  ]
  if (view.retryAfterMs !== undefined && Number.isFinite(view.retryAfterMs) && view.retryAfterMs >= 0) {
    details.push({
      typeUrl: proto.TypeUrl.RetryInfo,
      value: proto.encodeRetryInfo({ retryDelayMs: view.retryAfterMs })
    })
  }
  const fieldViolations = fieldViolationsOf(view)
  if (fieldViolations !== undefined) {
    details.push({ typeUrl: proto.TypeUrl.BadRequest, value: proto.encodeBadRequest({ fieldViolations }) })
  }
  const trace = failure?.trace ?? view.trace
  if (trace !== undefined) {
    details.push({
      typeUrl: proto.TypeUrl.DebugInfo,
      value: proto.encodeDebugInfo({ stackEntries: trace.split("\n"), detail: view.message })
    })
  }
  return proto.encodeStatus({ code, message: view.message, details })
}

// -----------------------------------------------------------------------------
// Decoding
// -----------------------------------------------------------------------------

/** The details a peer sent, each one only when it decoded. @internal */
export interface Details {
  readonly code: number
  readonly message: string
  readonly errorInfo: proto.ErrorInfo | undefined
  readonly retryDelayMs: number | undefined
  readonly fieldViolations: ReadonlyArray<proto.FieldViolation> | undefined
  readonly debugInfo: proto.DebugInfo | undefined
  /** Type URLs of details we do not read. */
  readonly unknown: ReadonlyArray<string>
}

/** Decodes `grpc-status-details-bin`; `undefined` when the bytes are not a `Status`. Never throws. @internal */
export const decodeDetails = (bytes: Uint8Array): Details | undefined => {
  const s = proto.decodeStatus(bytes)
  if (s === undefined) return undefined
  let errorInfo: proto.ErrorInfo | undefined
  let retryDelayMs: number | undefined
  let fieldViolations: ReadonlyArray<proto.FieldViolation> | undefined
  let debugInfo: proto.DebugInfo | undefined
  const unknown: Array<string> = []
  // A detail that does not decode is dropped on its own: the others still count.
  for (const any of s.details) {
    switch (any.typeUrl) {
      case proto.TypeUrl.ErrorInfo:
        errorInfo ??= proto.decodeErrorInfo(any.value)
        break
      case proto.TypeUrl.RetryInfo:
        retryDelayMs ??= proto.decodeRetryInfo(any.value)?.retryDelayMs
        break
      case proto.TypeUrl.BadRequest:
        fieldViolations ??= proto.decodeBadRequest(any.value)?.fieldViolations
        break
      case proto.TypeUrl.DebugInfo:
        debugInfo ??= proto.decodeDebugInfo(any.value)
        break
      default:
        unknown.push(any.typeUrl)
    }
  }
  return { code: s.code, message: s.message, errorInfo, retryDelayMs, fieldViolations, debugInfo, unknown }
}

/** One metadata value as grpc-js hands it over: a string, a Buffer, or (from `get`) a list. @internal */
export type MetadataValue = string | Uint8Array | ReadonlyArray<string | Uint8Array>

/** What a gRPC peer answered: the status line and the trailing metadata. @internal */
export interface Incoming {
  readonly code: number
  readonly details: string
  readonly metadata: Readonly<Record<string, MetadataValue | undefined>>
}

const first = (value: MetadataValue | undefined): string | Uint8Array | undefined =>
  typeof value === "string" || value instanceof Uint8Array ? value : value?.[0]

const binaryOf = (value: MetadataValue | undefined): Uint8Array | undefined => {
  const v = first(value)
  if (v === undefined) return undefined
  if (v instanceof Uint8Array) return v
  // gRPC carries -bin values base64-encoded on the wire; a raw map may still hold the text
  return v.length > proto.limits.maxBytes * 2 ? undefined : Buffer.from(v, "base64")
}

const textOf = (value: MetadataValue | undefined): string | undefined => {
  const v = first(value)
  return typeof v === "string" ? v : undefined
}

const correlationOf = (header: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined
  const result = Correlation.validate(header, value)
  return typeof result === "string" ? result : undefined
}

const httpStatusOf = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^[1-5][0-9]{2}$/.test(text)) return undefined
  return Number(text)
}

const fieldsOf = (metadata: Readonly<Record<string, string>>): Record<string, unknown> => {
  const json = new Set((metadata[MetaKey.jsonFields] ?? "").split(","))
  const fields: Record<string, unknown> = {}
  for (const key of Object.keys(metadata)) {
    if (reserved.has(key)) continue
    const text = metadata[key]!
    if (json.has(key)) {
      try {
        fields[key] = JSON.parse(text)
      } catch {
        fields[key] = text
      }
    } else fields[key] = text
  }
  return fields
}

/** Options of {@link toReceived}. @internal */
export interface ReceiveOptions {
  /** The `ErrorInfo.domain` of our faults; other domains are foreign error spaces. */
  readonly domain: string
  /** The metadata key the correlation id travels in. */
  readonly correlationHeader: string
  readonly maxTraceBytes: number
}

/**
 * What a gRPC peer said, as a `Trust.Received`. An `ErrorInfo` of our domain gives the fault code
 * (its `reason`), fields, status and expectation; grpc-js's own size-limit status is `ContentTooLarge`;
 * anything else is named by the canonical fault code of its gRPC code, or by the gRPC code itself.
 * Never throws.
 *
 * @internal
 */
export const toReceived = (incoming: Incoming, options: ReceiveOptions): Trust.Received => {
  const code = incoming.code
  const bin = binaryOf(incoming.metadata[detailsKey])
  const decoded = bin === undefined ? undefined : decodeDetails(bin)
  // A Status whose code differs from the trailer's is not about this call (gRPC spec): ignore it.
  const details = decoded !== undefined && decoded.code === code ? decoded : undefined
  const info = details?.errorInfo
  const ours = info !== undefined && info.domain === options.domain && info.reason.length > 0
  const message = incoming.details.length > 0 ? incoming.details : details?.message ?? ""
  const codeName = status.nameOf(code)
  // a foreign RESOURCE_EXHAUSTED that is grpc-js's size limit, not a quota: the message was too large
  const size = ours ? undefined : status.sizeLimitOf(code, message)
  const remoteCode = ours ? info.reason : size !== undefined ? "ContentTooLarge" : status.faultCodeOf(code) ?? codeName
  let fields: Record<string, unknown> | undefined
  if (ours) fields = fieldsOf(info.metadata)
  else if (size !== undefined) {
    // the server received our request (outbound), or could not send its own answer (inbound)
    fields = size.limitBytes === undefined
      ? { direction: size.receiving ? "outbound" : "inbound" }
      : { direction: size.receiving ? "outbound" : "inbound", limitBytes: size.limitBytes }
  } else if (code === status.Code.INVALID_ARGUMENT) {
    // a foreign server rejecting our arguments: the remote inbound schema violation
    fields = {
      direction: "outbound",
      violations: (details?.fieldViolations ?? []).map((v) => ({ field: v.field, message: v.description }))
    }
  }
  const expectedText = ours ? info.metadata[MetaKey.expected] : undefined
  const expected = Fault.isExpected(expectedText) ? expectedText : undefined
  const correlationId = (ours ? correlationOf("x-correlation-id", info.metadata[MetaKey.correlationId]) : undefined) ??
    correlationOf(options.correlationHeader, textOf(incoming.metadata[options.correlationHeader]))
  const parentsText = ours ? info.metadata[MetaKey.failureParents] : undefined
  const parents = parentsText === undefined ? [] : parentsText.split(",").filter((p) => p.length > 0).slice(0, 32)
  parents.push(`grpc.${codeName}`)
  if (info !== undefined && !ours) parents.push(`${info.domain}/${info.reason}`)
  const type = (ours ? info.metadata[MetaKey.failureType] : undefined) ?? remoteCode
  const debug = details?.debugInfo
  const trace = debug === undefined || debug.stackEntries.length === 0
    ? undefined
    : Exposure.truncate(debug.stackEntries.join("\n"), options.maxTraceBytes)
  const failure: Fault.CopiedFailure = trace === undefined
    ? { type, message, parents }
    : { type, message, parents, trace }
  return {
    code: remoteCode,
    message: message.length > 0 ? message : undefined,
    status: (ours ? httpStatusOf(info.metadata[MetaKey.httpStatus]) : undefined) ??
      (size === undefined ? status.httpStatusOf(code) : size.receiving ? 413 : 502),
    expected,
    retryAfterMs: details?.retryDelayMs,
    correlationId,
    fields,
    failure
  }
}
