/**
 * The six ways a remote call fails (Foolscap's list), as the core faults, for every RPC transport:
 *
 * | kind | fault | who caught it |
 * |---|---|---|
 * | `LocalOutboundViolation` | `SchemaViolation` direction `outbound`, origin `local` | we rejected our own arguments before sending |
 * | `Partition` | `Unreachable` (before send) / `ConnectionLost` / `Timeout` | the link broke before the answer |
 * | `RemoteInboundViolation` | `SchemaViolation` direction `outbound`, origin `remote` | the remote rejected our arguments |
 * | `RemoteFailure` | `RemoteFault` (distrust) or the received typed fault (trust) | the remote method failed |
 * | `RemoteOutboundViolation` | `SchemaViolation` direction `inbound`, origin `remote` | the remote's answer broke its own contract |
 * | `LocalInboundViolation` | `SchemaViolation` direction `inbound`, origin `local` | we rejected the answer |
 *
 * A `NotWellFormed` (data that does not parse at all) and a `ContentTooLarge` (data over the
 * receiver's size limit) are read like the schema violation of the same direction and origin; a
 * `BadStatus` like a remote failure.
 *
 * The module is transport-neutral: the Effect RPC, JSON-RPC and gRPC interpreters all encode a
 * failure into an {@link Envelope} (its public view plus a copied failure) and decode one back with
 * {@link fromEnvelope}, which goes through `Trust.toFault`.
 *
 * @since 0.1.0
 */
import type { SchemaIssue } from "effect"
import { Context, Effect, Function, Layer, Predicate, Schema } from "effect"
import * as Catalog from "../Catalog.ts"
import * as Exposure from "../Exposure.ts"
import * as Fault from "../Fault.ts"
import * as Report from "../Report.ts"
import * as Trust from "../Trust.ts"
import * as CopiedFailure from "./CopiedFailure.ts"
import * as violations from "./internal/violations.ts"

// -----------------------------------------------------------------------------
// The six kinds
// -----------------------------------------------------------------------------

/**
 * The six ways a remote call fails.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Failures } from "effect-faults/rpc"
 *
 * const k: Failures.Kind | undefined = Failures.kind(new Fault.ConnectionLost({ reason: "ECONNRESET", phase: "MaybeDelivered" }))
 * console.log(k) // "Partition"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Kind =
  | "LocalOutboundViolation"
  | "Partition"
  | "RemoteInboundViolation"
  | "RemoteFailure"
  | "RemoteOutboundViolation"
  | "LocalInboundViolation"

/**
 * The six kinds, in the order a call meets them.
 *
 * @example
 * ```ts
 * import { Failures } from "effect-faults/rpc"
 *
 * console.log(Failures.kinds.length) // 6
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const kinds: ReadonlyArray<Kind> = [
  "LocalOutboundViolation",
  "Partition",
  "RemoteInboundViolation",
  "RemoteFailure",
  "RemoteOutboundViolation",
  "LocalInboundViolation"
]

const isViolation = (f: Fault.Fault): f is Fault.SchemaViolation => f._tag === "SchemaViolation"

/**
 * Which of the six a fault is, or `undefined` for a fault that is none of them (a local bug). A
 * `NotWellFormed` or a `ContentTooLarge` counts as the schema violation of its direction and origin
 * (data that does not parse, or does not fit the receiver's limit, breaks the contract too); a
 * `BadStatus` (a status without a readable body) as a remote failure.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Failures } from "effect-faults/rpc"
 *
 * console.log(Failures.kind(new Fault.RemoteFault({ remoteCode: "NotFound" }))) // "RemoteFailure"
 * console.log(Failures.kind(Fault.received(new Fault.NotFound({})))) // "RemoteFailure" (trust mode)
 * console.log(Failures.kind(new Fault.SchemaViolation({ direction: "outbound", violations: [] }))) // "LocalOutboundViolation"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const kind = (fault: Fault.Fault): Kind | undefined => {
  // data that does not even parse (or fit) breaks the contract the same way as data that breaks its schema
  if (isViolation(fault) || fault._tag === "NotWellFormed" || fault._tag === "ContentTooLarge") {
    return (fault as Fault.SchemaViolation | Fault.NotWellFormed | Fault.ContentTooLarge).direction === "outbound"
      ? fault.origin === "local" ? "LocalOutboundViolation" : "RemoteInboundViolation"
      : fault.origin === "local"
      ? "LocalInboundViolation"
      : "RemoteOutboundViolation"
  }
  if (fault.category === "transport" && fault.origin === "local") return "Partition"
  // a status without a readable body is the far side failing (often a proxy in front of it)
  if (fault._tag === "RemoteFault" || fault._tag === "BadStatus" || fault.origin === "remote") return "RemoteFailure"
  return undefined
}

/**
 * Whether a fault is the given kind.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Failures } from "effect-faults/rpc"
 *
 * const lost = new Fault.Unreachable({ reason: "ECONNREFUSED" })
 * console.log(Failures.is(lost, "Partition"), lost.pipe(Failures.is("RemoteFailure"))) // true false
 * ```
 *
 * @category predicates
 * @since 0.1.0
 */
export const is: {
  (kind: Kind): (fault: Fault.Fault) => boolean
  (fault: Fault.Fault, kind: Kind): boolean
} = Function.dual(2, (fault: Fault.Fault, k: Kind): boolean => kind(fault) === k)

/**
 * Whether the failure happened here (we rejected something, or the link broke) rather than at the
 * remote: a fallback to another server helps with a partition, never with our own bad arguments.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Failures } from "effect-faults/rpc"
 *
 * console.log(Failures.isLocal(new Fault.SchemaViolation({ direction: "outbound", violations: [] }))) // true
 * ```
 *
 * @category predicates
 * @since 0.1.0
 */
export const isLocal = (fault: Fault.Fault): boolean => {
  const k = kind(fault)
  return k === "LocalOutboundViolation" || k === "LocalInboundViolation" || k === "Partition"
}

/**
 * Whether another server might answer where this one failed: a partition, a remote failure, or a
 * broken answer; not our own bad arguments (every server would reject them).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Failures } from "effect-faults/rpc"
 *
 * console.log(Failures.isWorthFallback(new Fault.Unreachable({ reason: "ECONNREFUSED" }))) // true
 * console.log(Failures.isWorthFallback(new Fault.SchemaViolation({ direction: "outbound", violations: [] }))) // false
 * ```
 *
 * @category predicates
 * @since 0.1.0
 */
export const isWorthFallback = (fault: Fault.Fault): boolean => {
  const k = kind(fault)
  return k === "Partition" || k === "RemoteFailure" || k === "RemoteOutboundViolation" ||
    k === "LocalInboundViolation"
}

// -----------------------------------------------------------------------------
// Constructors
// -----------------------------------------------------------------------------

/**
 * A schema violation of one of the four kinds, from violations or a Schema issue. An issue about
 * data that is not the reader's own (a remote answer) keeps no received values.
 *
 * @example
 * ```ts
 * import { Failures } from "effect-faults/rpc"
 *
 * const f = Failures.violation("LocalOutboundViolation", [{ field: "id", message: "Expected string" }])
 * console.log(f.direction, f.origin) // "outbound" "local"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const violation = (
  kind: "LocalOutboundViolation" | "RemoteInboundViolation" | "RemoteOutboundViolation" | "LocalInboundViolation",
  found: ReadonlyArray<Fault.FieldViolation> | SchemaIssue.Issue,
  options?: {
    readonly schema?: string | undefined
    readonly cause?: unknown
    readonly correlationId?: string | undefined
  }
): Fault.SchemaViolation => {
  const list = Array.isArray(found)
    ? found as ReadonlyArray<Fault.FieldViolation>
    : violations.fromIssue(found as SchemaIssue.Issue, { received: kind === "LocalOutboundViolation" })
  return new Fault.SchemaViolation({
    direction: kind === "LocalOutboundViolation" || kind === "RemoteInboundViolation" ? "outbound" : "inbound",
    violations: list,
    schema: options?.schema,
    correlationId: options?.correlationId,
    cause: options?.cause,
    origin: kind === "LocalOutboundViolation" || kind === "LocalInboundViolation" ? "local" : "remote"
  })
}

const unreachableCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT"
])

const errorCodeOf = (cause: unknown): string | undefined => {
  let current = cause
  for (let depth = 0; depth < 8 && Predicate.isObject(current); depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string" && code !== "") return code
    const errors = (current as { errors?: unknown }).errors // AggregateError from happy eyeballs
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = errorCodeOf(errors[0])
      if (inner !== undefined) return inner
    }
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

// fetch refuses some ports (WHATWG "bad port") before opening any connection
const refusedLocally = (cause: unknown): boolean => {
  let current = cause
  for (let depth = 0; depth < 8 && Predicate.isObject(current); depth++) {
    if ((current as { message?: unknown }).message === "bad port") return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

/**
 * The partition fault for a transport error: `Unreachable` when nothing was sent (refused, no such
 * host), otherwise `ConnectionLost` with phase `MaybeDelivered`. Reads Node's error codes along the
 * `cause` chain; the error itself stays as the local cause.
 *
 * @example
 * ```ts
 * import { Failures } from "effect-faults/rpc"
 *
 * const err = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })
 * console.log(Failures.partition(err, { host: "127.0.0.1:1" })._tag) // "Unreachable"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const partition = (
  cause: unknown,
  options?: { readonly host?: string | undefined; readonly phase?: Fault.Phase | undefined }
): Fault.Unreachable | Fault.ConnectionLost => {
  const code = errorCodeOf(cause) ?? (refusedLocally(cause) ? "bad port" : undefined)
  if (code !== undefined && (unreachableCodes.has(code) || code === "bad port")) {
    return new Fault.Unreachable({ host: options?.host, reason: code, cause })
  }
  return new Fault.ConnectionLost({
    host: options?.host,
    reason: code ?? "connection closed before the answer",
    phase: options?.phase ?? "MaybeDelivered",
    cause
  })
}

// -----------------------------------------------------------------------------
// The wire envelope
// -----------------------------------------------------------------------------

/**
 * What crosses the wire for a failure, whatever the transport: the public view's code, status,
 * message, expected behaviour, retry delay, correlation id, the fault's public fields and field
 * violations, and the copied failure. JSON-RPC carries it as `error.data` (its `message` is the
 * error object's own), Effect RPC as the `RpcFailure` error, gRPC may carry it in its details.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Failures } from "effect-faults/rpc"
 *
 * console.log(Schema.is(Failures.Envelope)({ code: "NotFound", status: 404 })) // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Envelope = Schema.Struct({
  code: Schema.String,
  message: Schema.optional(Schema.String),
  status: Schema.optional(Schema.Int),
  expected: Schema.optional(Fault.ExpectedSchema),
  retryAfterMs: Schema.optional(Schema.Number.check(Schema.isFinite(), Schema.isGreaterThanOrEqualTo(0))),
  correlationId: Schema.optional(Schema.String),
  eventId: Schema.optional(Schema.String),
  fields: Schema.optional(Schema.Record(Schema.String, Schema.Unknown)),
  violations: Schema.optional(Schema.Array(Fault.FieldViolation)),
  failure: Schema.optional(Fault.CopiedFailure)
})

/**
 * @example
 * ```ts
 * import { Failures } from "effect-faults/rpc"
 *
 * const e: Failures.Envelope = { code: "RateLimited", status: 429, retryAfterMs: 1500 }
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export type Envelope = typeof Envelope.Type

/**
 * Options of the sending side: the catalog and correlation id of the view, and the exposure config
 * (whether a trace goes along).
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { Failures } from "effect-faults/rpc"
 *
 * const options: Failures.EncodeOptions = { catalog: Catalog.builtin, correlationId: "c-42" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface EncodeOptions {
  readonly catalog?: Catalog.Catalog | undefined
  readonly correlationId?: string | undefined
  readonly config?: Exposure.Config | undefined
}

/**
 * The public view of a failure on an RPC wire. Like `Exposure.view`, with one rule added: a schema
 * violation is part of the RPC contract (Foolscap reports violations to the caller), so its code and
 * field paths go out even when the server caught its own answer breaking the contract (a 5xx); the
 * received values of such a violation were dropped when it was made.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Failures } from "effect-faults/rpc"
 *
 * const v = Failures.publicView(new Fault.SchemaViolation({ direction: "inbound", violations: [{ field: "name", message: "Expected string" }] }))
 * console.log(v.code, v.redacted) // "SchemaViolation" false
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const publicView = (failure: unknown, options?: EncodeOptions): Exposure.PublicView => {
  const view = Exposure.view(failure, options)
  if (!view.redacted || !Fault.isFault(failure) || !isViolation(failure)) return view
  const fields = Exposure.fieldsOf(failure)
  return {
    ...view,
    tag: failure._tag,
    code: failure.code,
    title: failure.title,
    message: failure.message,
    category: failure.category,
    fields,
    violations: failure.violations,
    redacted: false
  }
}

/**
 * Encodes a failure for the other party: its public view and a copy of it.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Failures } from "effect-faults/rpc"
 *
 * const e = Failures.toEnvelope(new Fault.InternalError({ message: "postgres://admin:s3cret@db refused" }))
 * console.log(e.code, e.message, e.failure?.type) // "InternalError" "Internal error" "InternalError"
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const toEnvelope = (failure: unknown, options?: EncodeOptions): Envelope => {
  const view = publicView(failure, options)
  return envelopeOf(view, CopiedFailure.make(failure, { view }))
}

/**
 * The envelope of a public view already computed, with its copied failure.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 * import { Failures } from "effect-faults/rpc"
 *
 * const view = Exposure.view(new Fault.NotFound({}))
 * const e = Failures.envelopeOf(view, { type: "NotFound", message: view.message, parents: [] })
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const envelopeOf = (view: Exposure.PublicView, failure: Fault.CopiedFailure | undefined): Envelope => {
  const out: {
    -readonly [K in keyof Envelope]: Envelope[K]
  } = { code: view.code, message: view.message, status: view.status, expected: view.expected, eventId: view.eventId }
  if (view.retryAfterMs !== undefined) out.retryAfterMs = view.retryAfterMs
  if (view.correlationId !== undefined) out.correlationId = view.correlationId
  if (view.fields !== undefined && Object.keys(view.fields).length > 0) {
    const fields = jsonFields(view.fields)
    if (fields !== undefined) out.fields = fields
  }
  if (view.violations !== undefined) out.violations = view.violations
  if (failure !== undefined) out.failure = failure
  return out
}

// A field with no JSON form (a bigint, a cycle) is not sent, as in gRPC's ErrorInfo: left in, it would
// make the whole answer (a JSON-RPC batch, an Effect RPC exit) fail to serialise, a defect instead of
// the fault. The common case (all fields serialise) costs one `JSON.stringify` and no copy.
const jsonFields = (fields: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> | undefined => {
  try {
    JSON.stringify(fields)
    return fields
  } catch {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(fields)) {
      try {
        JSON.stringify(fields[key])
        out[key] = fields[key]
      } catch {
        // dropped
      }
    }
    return Object.keys(out).length > 0 ? out : undefined
  }
}

/**
 * Options of the receiving side: the trust mode, the catalog codes are mapped back through, and the
 * protocol name `RemoteFault.protocol` carries.
 *
 * @example
 * ```ts
 * import { Failures } from "effect-faults/rpc"
 *
 * const options: Failures.DecodeOptions = { mode: "trust", protocol: "json-rpc" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface DecodeOptions {
  readonly mode?: Trust.Mode | undefined
  readonly catalog?: Catalog.Catalog | undefined
  readonly protocol: string
}

const asString = (u: unknown): string | undefined => typeof u === "string" ? u : undefined

const violationList = (u: unknown): Array<Fault.FieldViolation> => {
  if (!Array.isArray(u)) return []
  const out: Array<Fault.FieldViolation> = []
  for (const v of u) {
    if (out.length >= 50) break
    if (!Predicate.isObject(v)) continue
    const field = asString((v as any).field)
    const message = asString((v as any).message)
    if (field === undefined || message === undefined) continue
    const expected = asString((v as any).expected)
    const received = asString((v as any).received)
    out.push({
      field,
      message,
      ...(expected === undefined ? {} : { expected }),
      ...(received === undefined ? {} : { received })
    })
  }
  return out
}

/**
 * Turns a received envelope into a fault. A schema violation is a fact of the RPC contract and
 * decodes to a `SchemaViolation` with origin `remote` in both modes (the remote rejected our
 * arguments, or caught its own answer breaking the contract); anything else goes through
 * `Trust.toFault`: a `RemoteFault` in distrust mode, the catalog's typed fault marked received in
 * trust mode.
 *
 * @example
 * ```ts
 * import { Failures } from "effect-faults/rpc"
 *
 * const env = { code: "NotFound", status: 404, fields: { id: "7" } }
 * console.log(Failures.fromEnvelope(env, { protocol: "effect-rpc" })._tag) // "RemoteFault"
 * console.log(Failures.fromEnvelope(env, { protocol: "effect-rpc", mode: "trust" })._tag) // "NotFound"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const fromEnvelope = (envelope: Envelope, options: DecodeOptions): Fault.Fault => {
  if (envelope.code === "SchemaViolation") {
    const direction = envelope.fields?.direction === "inbound" ? "inbound" : "outbound"
    const list = violationList(envelope.violations ?? envelope.fields?.violations)
    const schema = asString(envelope.fields?.schema)
    return new Fault.SchemaViolation({
      direction,
      violations: list,
      schema,
      correlationId: envelope.correlationId,
      origin: "remote"
    })
  }
  return Trust.toFault({
    code: envelope.code,
    message: envelope.message,
    status: envelope.status,
    expected: envelope.expected,
    retryAfterMs: envelope.retryAfterMs,
    correlationId: envelope.correlationId,
    fields: envelope.fields,
    failure: envelope.failure
  }, {
    mode: options.mode ?? "distrust",
    catalog: options.catalog ?? Catalog.builtin,
    protocol: options.protocol
  })
}

/**
 * Applies the trust mode to a fault that arrived already typed (an Effect RPC declared error): in
 * trust mode it is marked received; in distrust mode it becomes a `RemoteFault` carrying a copy of
 * it, so no local handler for its class can catch it.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Failures } from "effect-faults/rpc"
 *
 * const arrived = new Fault.NotFound({ id: "7" })
 * console.log(Failures.fromTyped(arrived, { protocol: "effect-rpc" })._tag) // "RemoteFault"
 * console.log(Failures.fromTyped(arrived, { protocol: "effect-rpc", mode: "trust" }).origin) // "remote"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const fromTyped = (fault: Fault.Fault, options: DecodeOptions): Fault.Fault => {
  if (isViolation(fault)) return Fault.received(fault)
  if ((options.mode ?? "distrust") === "trust") return Fault.received(fault)
  // What `fromEnvelope(toEnvelope(fault))` gives, without its waste: distrust keeps only what
  // `Trust.remote` reads, so one view, no field encoding, no envelope and no second copy of it. A
  // fault whose code reads as a violation still takes the envelope path, which decodes it as one.
  const view = Exposure.view(fault)
  if (view.code === "SchemaViolation") {
    return fromEnvelope(envelopeOf(view, CopiedFailure.make(fault, { view })), options)
  }
  return new Fault.RemoteFault({
    remoteCode: view.code,
    remoteMessage: view.message,
    remoteStatus: view.status,
    remoteExpected: view.expected,
    protocol: options.protocol,
    failure: CopiedFailure.make(fault, { view }),
    retryAfterMs: view.retryAfterMs,
    correlationId: view.correlationId
  })
}

// -----------------------------------------------------------------------------
// Logging
// -----------------------------------------------------------------------------

/**
 * Whether failures of remote calls are reported (through `Report`): `local` for the ones caught
 * here (our violations, partitions), `remote` for the ones the other party reported.
 *
 * @example
 * ```ts
 * import { Failures } from "effect-faults/rpc"
 *
 * const quiet: Failures.Logging = { local: false, remote: false }
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export interface Logging {
  readonly local: boolean
  readonly remote: boolean
}

/**
 * The logging settings in force: both on by default.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Failures } from "effect-faults/rpc"
 *
 * const quiet = Effect.provideService(Effect.void, Failures.CurrentLogging, { local: false, remote: false })
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const CurrentLogging: Context.Reference<Logging> = Context.Reference<Logging>(
  "effect-faults/rpc/Failures/Logging",
  { defaultValue: () => ({ local: true, remote: true }) }
)

/**
 * Provides logging settings.
 *
 * @example
 * ```ts
 * import { Failures } from "effect-faults/rpc"
 *
 * const RemoteOnly = Failures.layerLogging({ local: false, remote: true })
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const layerLogging = (logging: Logging): Layer.Layer<never> => Layer.succeed(CurrentLogging, logging)

/**
 * Reports the failure of a remote call when the settings ask for it: a remote one with
 * `Report.received`, a local one with `Report.handled`.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Failures } from "effect-faults/rpc"
 *
 * const log = Failures.report(new Fault.RemoteFault({ remoteCode: "NotFound" }), { source: "rpc:GetRecord" })
 * ```
 *
 * @category reporting
 * @since 0.1.0
 */
export const report = (fault: Fault.Fault, context: Report.Context = {}): Effect.Effect<void> =>
  Effect.flatMap(CurrentLogging, (logging) => {
    const remote = fault.origin === "remote"
    if (remote ? !logging.remote : !logging.local) return Effect.void
    const detail = { ...context.detail, rpcFailure: kind(fault) ?? "Other" }
    return remote ? Report.received(fault, { ...context, detail }) : Report.handled(fault, { ...context, detail })
  })
