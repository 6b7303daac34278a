/**
 * Faults over gRPC. A fault leaves a server as a gRPC status by the canonical mapping (`NotFound` →
 * `NOT_FOUND`, `RateLimited` → `RESOURCE_EXHAUSTED`, …) with a `google.rpc.Status` in the
 * `grpc-status-details-bin` trailer: an `ErrorInfo` whose `reason` is our fault code (its metadata
 * carries the correlation id and the public fields), a `RetryInfo` from `retryAfterMs` and a
 * `BadRequest` with the field violations. Everything goes through the public view first, so nothing
 * internal crosses.
 *
 * On the client, what the server sent is decoded (never trusting the bytes) and turned into a fault
 * under the trust mode; the errors grpc-js raises itself (no connection, a client deadline, a dropped
 * call) become the transport faults `Unreachable`, `Timeout` and `ConnectionLost` with their phase.
 *
 * {@link handleUnary} wraps an Effect handler for a grpc-js server; {@link unary} makes a unary call
 * that fails only with faults, covering the six ways a remote call fails.
 *
 * @since 0.1.0
 */
import * as grpc from "@grpc/grpc-js"
import type { Exit } from "effect"
import { Cause, Context, Effect, Layer, Result, Schema } from "effect"
import * as Catalog from "../Catalog.ts"
import * as Correlation from "../Correlation.ts"
import * as Exposure from "../Exposure.ts"
import * as Fault from "../Fault.ts"
import { failureOf } from "../internal/cause.ts"
import * as Network from "../Network.ts"
import * as Report from "../Report.ts"
import * as Trust from "../Trust.ts"
import * as CopiedFailure from "./CopiedFailure.ts"
import * as Failures from "./Failures.ts"
import * as details from "./internal/grpcDetails.ts"
import * as status from "./internal/grpcStatus.ts"

// -----------------------------------------------------------------------------
// Codes
// -----------------------------------------------------------------------------

/**
 * The gRPC status codes by name.
 *
 * @example
 * ```ts
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * console.log(Grpc.Code.NOT_FOUND) // 5
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Code: typeof status.Code = status.Code

/**
 * A gRPC status code (0–16).
 *
 * @example
 * ```ts
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const c: Grpc.Code = Grpc.Code.UNAVAILABLE
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Code = status.Code

/**
 * The name of a gRPC status code (`NOT_FOUND` for 5; `CODE_<n>` outside the table).
 *
 * @example
 * ```ts
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * console.log(Grpc.codeName(14)) // "UNAVAILABLE"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const codeName: (code: number) => string = status.nameOf

/**
 * The HTTP equivalent of a gRPC code, as `google/rpc/code.proto` documents it.
 *
 * @example
 * ```ts
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * console.log(Grpc.httpStatusOf(Grpc.Code.RESOURCE_EXHAUSTED)) // 429
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const httpStatusOf: (code: number) => number = status.httpStatusOf

/**
 * The gRPC code of a public view: by the fault code for the built-ins, otherwise by the status and the
 * expected behaviour, so catalogued and user-defined faults map with no table of their own.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * console.log(Grpc.codeOfView(Exposure.view(new Fault.RateLimited({})))) // 8 (RESOURCE_EXHAUSTED)
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const codeOfView: (view: Exposure.PublicView) => Code = status.codeOf

/**
 * The trailer key of the binary `google.rpc.Status`.
 *
 * @example
 * ```ts
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * console.log(Grpc.DetailsKey) // "grpc-status-details-bin"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const DetailsKey: "grpc-status-details-bin" = details.detailsKey

// -----------------------------------------------------------------------------
// Configuration
// -----------------------------------------------------------------------------

/**
 * The gRPC settings: the `ErrorInfo.domain` our faults are sent under (and recognised by).
 *
 * @example
 * ```ts
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const config: Grpc.Config = { domain: "orders.example.com" }
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export interface Config {
  /** `ErrorInfo.domain`: an `ErrorInfo` of another domain is a foreign error space, never one of our codes. */
  readonly domain: string
}

/**
 * The default settings: domain `effect-faults`.
 *
 * @example
 * ```ts
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * console.log(Grpc.defaultConfig.domain) // "effect-faults"
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const defaultConfig: Config = { domain: "effect-faults" }

/**
 * The gRPC settings in force.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const domain = Effect.map(Grpc.CurrentConfig, (c) => c.domain)
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const CurrentConfig: Context.Reference<Config> = Context.Reference<Config>("effect-faults/rpc/Grpc/Config", {
  defaultValue: () => defaultConfig
})

/**
 * Provides gRPC settings (merged over the defaults).
 *
 * @example
 * ```ts
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const Orders = Grpc.layerConfig({ domain: "orders.example.com" })
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const layerConfig = (config: Partial<Config>): Layer.Layer<never> =>
  Layer.succeed(CurrentConfig, { ...defaultConfig, ...config })

// -----------------------------------------------------------------------------
// Encoding (server side)
// -----------------------------------------------------------------------------

/**
 * Options of {@link encode}.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const options: Grpc.EncodeOptions = { domain: "orders.example.com", catalog: Catalog.builtin }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface EncodeOptions {
  readonly domain?: string | undefined
  /** A catalogued code may be named even when the fault is redacted (its message is not); `Catalog.builtin` by default. */
  readonly catalog?: Catalog.Catalog | undefined
  readonly correlationId?: string | undefined
  readonly config?: Exposure.Config | undefined
  /** The metadata key the correlation id goes out under (`Correlation.defaultConfig.responseHeader` by default). */
  readonly correlationHeader?: string | undefined
}

/**
 * A failure as gRPC carries it: the status code, the status message, and the trailing metadata
 * (`grpc-status-details-bin`, and the correlation id under `x-correlator` or `correlationHeader`).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const e: Grpc.Encoded = Grpc.encode(new Fault.NotFound({ resource: "order", id: "42" }))
 * console.log(e.code, e.details) // 5 "order '42' not found"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Encoded {
  readonly code: Code
  readonly details: string
  readonly metadata: Readonly<Record<string, string | Uint8Array>>
  /** The public view everything above was rendered from. */
  readonly view: Exposure.PublicView
}

/** gRPC metadata keys are lower case: grpc-js stores them so, whatever the configured spelling. */
const headerOf = (header: string | undefined): string =>
  (header ?? Correlation.defaultConfig.responseHeader).toLowerCase()

/** The public view gRPC renders: the shared RPC view, through the catalog in use. */
const viewOf = (failure: unknown, options: EncodeOptions | undefined): Exposure.PublicView =>
  Failures.publicView(failure, {
    correlationId: options?.correlationId,
    config: options?.config,
    catalog: options?.catalog ?? Catalog.builtin
  })

/**
 * Renders anything a handler failed with (a fault, an error, a defect) for gRPC, through its public
 * view: a non-public fault goes out as its catalogued code (or `InternalError`) with the generic
 * message, and its fields stay here.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const e = Grpc.encode(new Fault.RateLimited({ retryAfterMs: 1500 }), { correlationId: "4f1c…" })
 * console.log(Grpc.codeName(e.code), e.metadata[Grpc.DetailsKey] instanceof Uint8Array) // "RESOURCE_EXHAUSTED" true
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const encode = (failure: unknown, options?: EncodeOptions): Encoded => {
  const view = viewOf(failure, options)
  const code = status.codeOf(view)
  const copied = CopiedFailure.make(failure, { view })
  const bin = details.encode(view, code, options?.domain ?? defaultConfig.domain, copied)
  const metadata: Record<string, string | Uint8Array> = { [details.detailsKey]: bin }
  if (view.correlationId !== undefined) metadata[headerOf(options?.correlationHeader)] = view.correlationId
  return { code, details: view.message, metadata, view }
}

/**
 * The gRPC code a failure is sent with (through its public view).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * console.log(Grpc.codeOf(new Fault.Timeout({ budget: "overall", afterMs: 500, phase: "MaybeDelivered" }))) // 4
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const codeOf = (failure: unknown, options?: EncodeOptions): Code => status.codeOf(viewOf(failure, options))

/**
 * A failure as the error a grpc-js server handler passes to its callback: code, message, and a
 * `grpc.Metadata` with the details trailer and the correlation id.
 *
 * @example
 * ```ts
 * import * as grpc from "@grpc/grpc-js"
 * import { Fault } from "effect-faults"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const handler: grpc.handleUnaryCall<unknown, unknown> = (_call, callback) =>
 *   callback(Grpc.toServiceError(new Fault.NotFound({ resource: "order", id: "42" })))
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const toServiceError = (failure: unknown, options?: EncodeOptions): grpc.ServiceError => {
  const encoded = encode(failure, options)
  const metadata = new grpc.Metadata()
  for (const key of Object.keys(encoded.metadata)) {
    const value = encoded.metadata[key]!
    metadata.set(key, typeof value === "string" ? value : Buffer.from(value))
  }
  const error = new Error(`${status.nameOf(encoded.code)}: ${encoded.details}`) as grpc.ServiceError
  return Object.assign(error, { code: encoded.code, details: encoded.details, metadata })
}

// -----------------------------------------------------------------------------
// Decoding (client side)
// -----------------------------------------------------------------------------

/**
 * The `google.rpc.Status` details a peer sent, each one only when it decoded.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const e = Grpc.encode(new Fault.RateLimited({ retryAfterMs: 1500 }))
 * const d: Grpc.Details | undefined = Grpc.decodeDetails(e.metadata[Grpc.DetailsKey] as Uint8Array)
 * console.log(d?.retryDelayMs) // 1500
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Details = details.Details

/**
 * Decodes the bytes of a `grpc-status-details-bin` trailer: `undefined` when they are not a
 * `google.rpc.Status`. Bounded and never throws, whatever the bytes.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const e = Grpc.encode(new Fault.NotFound({ id: "42" }))
 * const d = Grpc.decodeDetails(e.metadata[Grpc.DetailsKey] as Uint8Array)
 * console.log(d?.errorInfo?.reason) // "NotFound"
 * console.log(Grpc.decodeDetails(new Uint8Array([0xff, 0xff]))) // undefined
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeDetails: (bytes: Uint8Array) => Details | undefined = details.decodeDetails

/**
 * What a gRPC peer answered: status code, status message, trailing metadata (a `grpc.Metadata`, or
 * its `getMap()`).
 *
 * @example
 * ```ts
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const incoming: Grpc.Incoming = { code: 5, details: "order '42' not found", metadata: {} }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Incoming {
  readonly code: number
  readonly details: string
  readonly metadata: grpc.Metadata | Readonly<Record<string, details.MetadataValue | undefined>>
}

/**
 * Options of {@link toFault}.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const options: Grpc.DecodeOptions = { mode: "trust", catalog: Catalog.builtin, method: "/orders.Orders/Get" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface DecodeOptions {
  readonly mode?: Trust.Mode | undefined
  readonly catalog?: Catalog.Catalog | undefined
  readonly domain?: string | undefined
  /** The method path, named by the `Timeout` of a client deadline. */
  readonly method?: string | undefined
  readonly host?: string | undefined
  /** The client deadline of the call, in milliseconds, if one was set. */
  readonly deadlineMs?: number | undefined
  /** Whether response headers had arrived: the request surely reached the server. */
  readonly headersReceived?: boolean | undefined
  readonly maxTraceBytes?: number | undefined
  /** The metadata key the correlation id arrives under (`Correlation.defaultConfig.responseHeader` by default). */
  readonly correlationHeader?: string | undefined
}

const mapOf = (metadata: Incoming["metadata"]): Readonly<Record<string, details.MetadataValue | undefined>> =>
  metadata instanceof grpc.Metadata ? metadata.getMap() : metadata

/**
 * What a gRPC peer's failure said, as a `Trust.Received`: an `ErrorInfo` of our domain gives our code,
 * fields, status and expectation; a foreign status is named by the fault code its gRPC code stands
 * for (`NOT_FOUND` → `NotFound`, `INVALID_ARGUMENT` → `SchemaViolation`, grpc-js's size-limit
 * `RESOURCE_EXHAUSTED` → `ContentTooLarge`) or the code's name. Never throws.
 *
 * @example
 * ```ts
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const r = Grpc.toReceived({ code: 5, details: "no such order", metadata: {} })
 * console.log(r.code, r.status) // "NotFound" 404
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const toReceived = (incoming: Incoming, options?: DecodeOptions): Trust.Received =>
  details.toReceived({ code: incoming.code, details: incoming.details, metadata: mapOf(incoming.metadata) }, {
    domain: options?.domain ?? defaultConfig.domain,
    correlationHeader: headerOf(options?.correlationHeader),
    maxTraceBytes: options?.maxTraceBytes ?? Exposure.defaultConfig.maxTraceBytes
  })

const errnoOf = (text: string): string | undefined => /\b(E[A-Z]{2,}[A-Z_]*)\b/.exec(text)?.[1]

const isEmpty = (metadata: Readonly<Record<string, unknown>>): boolean => {
  for (const _ in metadata) return false
  return true
}

/**
 * The transport fault grpc-js meant when it raised a status itself (it then carries no metadata at
 * all: a server's status always comes with trailers), or `undefined` for a status the server sent.
 */
const localFault = (incoming: Incoming, map: Readonly<Record<string, unknown>>, options?: DecodeOptions) => {
  const text = incoming.details
  const host = options?.host
  // grpc-js reports its own (de)serialisation failures whatever the metadata
  if (incoming.code === status.Code.INTERNAL && text.startsWith("Request message serialization failure")) {
    return new Fault.NotWellFormed({ format: "grpc", direction: "outbound", reason: text })
  }
  if (incoming.code === status.Code.INTERNAL && text.startsWith("Response message parsing error")) {
    return new Fault.NotWellFormed({ format: "grpc", direction: "inbound", reason: text })
  }
  if (!isEmpty(map)) return undefined
  // an answer over our receive limit, or a request over our send limit (a server says the same of a
  // request too large for it, with trailers: that one is the server's answer)
  const size = status.sizeLimitOf(incoming.code, text)
  if (size !== undefined) {
    return new Fault.ContentTooLarge({
      direction: size.receiving ? "inbound" : "outbound",
      limitBytes: size.limitBytes
    })
  }
  switch (incoming.code) {
    case status.Code.UNAVAILABLE: {
      // grpc-js keeps only the text of the Node error: its errno code is classified as Network does it
      const errno = errnoOf(text)
      const cause = errno === undefined ? new Error(text) : Object.assign(new Error(text), { code: errno })
      if (
        options?.headersReceived !== true &&
        /No connection established|Name resolution failed|DNS resolution/.test(text)
      ) {
        const classified = errno === undefined
          ? undefined
          : Network.classify(cause, { host, operation: options?.method })
        return classified !== undefined && Fault.phase(classified) === "BeforeSend"
          ? classified
          : new Fault.Unreachable({ host, reason: errno ?? "no connection established", cause })
      }
      return new Fault.ConnectionLost({ host, reason: errno ?? text, phase: "MaybeDelivered", cause })
    }
    case status.Code.DEADLINE_EXCEEDED: {
      // grpc-js names the remote address once a stream was opened: the request may have gone out
      const sent = options?.headersReceived === true || /remote_addr=/.test(text)
      const parsed = /Deadline exceeded after ([0-9.]+)s/.exec(text)
      const afterMs = options?.deadlineMs ?? (parsed === null ? 0 : Math.round(Number(parsed[1]) * 1000))
      return new Fault.Timeout({
        operation: options?.method,
        budget: "attempt",
        afterMs: Number.isFinite(afterMs) ? afterMs : 0,
        phase: sent ? "MaybeDelivered" : "BeforeSend"
      })
    }
    case status.Code.CANCELLED:
      // not cancelled by us (an interrupted call never decodes): the server went away mid-call
      return new Fault.ConnectionLost({
        host,
        reason: text.length > 0 ? text : "call cancelled",
        phase: "MaybeDelivered"
      })
    default:
      return undefined
  }
}

/**
 * Turns what a gRPC call failed with into a fault. Statuses grpc-js raised itself become transport
 * faults (`Unreachable` before a connection, `Timeout` for a client deadline, `ConnectionLost` for a
 * dropped or cancelled call, `NotWellFormed` for bytes that do not (de)serialise, `ContentTooLarge` for
 * a message over the client's size limits); a server's status
 * is decoded and turned into a fault under the trust mode: `RemoteFault` when distrusting, the typed
 * fault marked received when trusting. A remote `SchemaViolation` is always typed, with
 * `origin: "remote"`, so the six failures of a remote call stay distinguishable. Never throws.
 *
 * @example
 * ```ts
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const refused = { code: 14, details: "No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1", metadata: {} }
 * console.log(Grpc.toFault(refused)._tag) // "Unreachable"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const toFault = (incoming: Incoming, options?: DecodeOptions): Fault.Fault => {
  const map = mapOf(incoming.metadata)
  const local = localFault(incoming, map, options)
  if (local !== undefined) return local
  const received = toReceived({ code: incoming.code, details: incoming.details, metadata: map }, options)
  return Failures.fromEnvelope({
    code: received.code,
    ...(received.message === undefined ? {} : { message: received.message }),
    ...(received.status === undefined ? {} : { status: received.status }),
    ...(received.expected === undefined ? {} : { expected: received.expected }),
    ...(received.retryAfterMs === undefined ? {} : { retryAfterMs: received.retryAfterMs }),
    ...(received.correlationId === undefined ? {} : { correlationId: received.correlationId }),
    ...(received.fields === undefined ? {} : { fields: received.fields }),
    ...(received.failure === undefined ? {} : { failure: received.failure })
  }, {
    mode: options?.mode ?? "distrust",
    catalog: options?.catalog ?? Catalog.builtin,
    protocol: "grpc"
  })
}

/**
 * {@link toFault} for anything a grpc-js callback or a `try` produced: a `ServiceError` (or any object
 * with a numeric `code`) is decoded; anything else is an `InternalError` carrying it as local cause.
 *
 * @example
 * ```ts
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * console.log(Grpc.fromError(new Error("boom"))._tag) // "InternalError"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const fromError = (error: unknown, options?: DecodeOptions): Fault.Fault => {
  if (Fault.isFault(error)) return error
  if (typeof error !== "object" || error === null || typeof (error as { code?: unknown }).code !== "number") {
    return Fault.fromUnknown(error)
  }
  const e = error as { code: number; details?: unknown; metadata?: unknown }
  const metadata = e.metadata instanceof grpc.Metadata ? e.metadata : {}
  const fault = toFault({ code: e.code, details: typeof e.details === "string" ? e.details : "", metadata }, options)
  // a decoded remote failure carries what was sent; grpc-js's own error adds only its internal stack
  return fault.origin === "local" && fault.cause === undefined ? Fault.withCause(fault, error) : fault
}

// -----------------------------------------------------------------------------
// Server: an Effect handler as a grpc-js handler
// -----------------------------------------------------------------------------

/**
 * Options of {@link handleUnary}.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const options: Grpc.HandlerOptions<{ readonly id: string }, { readonly id: string }> = {
 *   request: Schema.Struct({ id: Schema.String }),
 *   response: Schema.Struct({ id: Schema.String })
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface HandlerOptions<Req, Res> {
  /** Validates the request before the handler runs: a failure is our inbound violation, sent as INVALID_ARGUMENT. */
  readonly request?: Schema.Codec<Req, any> | undefined
  /** Validates the answer before it is sent: a failure is our own broken contract, sent as INTERNAL. */
  readonly response?: Schema.Codec<Res, any> | undefined
  readonly domain?: string | undefined
}

const violationsFrom = (
  kind: "LocalOutboundViolation" | "RemoteInboundViolation" | "RemoteOutboundViolation" | "LocalInboundViolation",
  error: Schema.SchemaError,
  correlationId: string | undefined
): Fault.SchemaViolation => Failures.violation(kind, error.issue, { cause: error, correlationId })

/**
 * Wraps an Effect handler as a grpc-js unary handler. The request is validated (optional), the
 * handler runs with the caller's correlation id (from the `Correlation.CurrentConfig` header,
 * `x-correlator` by default, else a fresh one; answered on the same header), the answer is
 * validated (optional); any failure or defect is reported and sent as a gRPC status through its public
 * view (see {@link toServiceError}). A cancelled call interrupts the handler.
 *
 * @example
 * ```ts
 * import * as grpc from "@grpc/grpc-js"
 * import { Effect } from "effect"
 * import { Fault } from "effect-faults"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const program = Effect.gen(function*() {
 *   const get = yield* Grpc.handleUnary((req: { readonly id: string }) =>
 *     req.id === "42" ? Effect.succeed({ id: "42" }) : Effect.fail(new Fault.NotFound({ resource: "order", id: req.id })))
 *   const server = new grpc.Server()
 *   // server.addService(definition, { Get: get })
 * })
 * ```
 *
 * @category server
 * @since 0.1.0
 */
export const handleUnary = <Req, Res, E, R>(
  handler: (request: Req, call: grpc.ServerUnaryCall<any, any>) => Effect.Effect<Res, E, R>,
  options?: HandlerOptions<Req, Res>
): Effect.Effect<grpc.handleUnaryCall<any, any>, never, R> =>
  Effect.map(Effect.context<R>(), (context) => {
    const run = Effect.runForkWith(context)
    return (call, callback) => {
      const headers: Record<string, string> = {}
      const map = call.metadata.getMap()
      for (const key of Object.keys(map)) {
        const value = map[key]
        if (typeof value === "string") headers[key] = value
      }
      const program = Effect.gen(function*() {
        const correlationId = yield* Correlation.CorrelationId
        const catalog = yield* Catalog.Current
        const config = yield* Exposure.CurrentConfig
        const grpcConfig = yield* CurrentConfig
        // the header the caller's id was accepted from (`Correlation.accept`) is the one it is answered on
        const correlationHeader = headerOf((yield* Correlation.CurrentConfig).responseHeader)
        const exit: Exit.Exit<unknown, unknown> = yield* Effect.exit(Effect.gen(function*() {
          let request: Req = call.request
          if (options?.request !== undefined) {
            const decoded = Schema.decodeUnknownResult(options.request as Schema.Codec<Req, any>)(call.request)
            if (Result.isFailure(decoded)) {
              return yield* Effect.fail(violationsFrom("LocalOutboundViolation", decoded.failure, correlationId))
            }
            request = decoded.success
          }
          const response = yield* handler(request, call)
          if (options?.response === undefined) return response
          const encoded = Schema.encodeUnknownResult(options.response as Schema.Codec<Res, any>)(response)
          if (Result.isFailure(encoded)) {
            // our own answer breaks our contract: from the caller's side, the remote outbound violation
            return yield* Effect.fail(violationsFrom("LocalInboundViolation", encoded.failure, correlationId))
          }
          return encoded.success
        }))
        const trailer = new grpc.Metadata()
        if (correlationId !== undefined) trailer.set(correlationHeader, correlationId)
        if (exit._tag === "Success") return callback(null, exit.value, trailer)
        if (Cause.hasInterruptsOnly(exit.cause)) {
          return callback({ code: status.Code.CANCELLED, details: "cancelled", metadata: trailer })
        }
        const failure = failureOf(exit.cause)
        // internal errors and defects are reported unhandled, faults handled (Report.cause decides)
        if ((yield* Failures.CurrentLogging).local) {
          yield* Report.cause(exit.cause, { source: "grpc", detail: { method: call.getPath() } })
        }
        callback(toServiceError(failure, {
          domain: options?.domain ?? grpcConfig.domain,
          catalog,
          config,
          correlationId,
          correlationHeader
        }))
      }).pipe(Correlation.accept(headers))
      const fiber = run(program)
      call.on("cancelled", () => fiber.interruptUnsafe())
    }
  })

// -----------------------------------------------------------------------------
// Client: a unary call that fails only with faults
// -----------------------------------------------------------------------------

/**
 * Options of {@link unary}.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * const options: Grpc.CallOptions<{ readonly id: string }> = {
 *   request: Schema.Struct({ id: Schema.String }),
 *   response: Schema.Struct({ id: Schema.String }),
 *   deadlineMs: 2000
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface CallOptions<A> {
  /** Validates (and encodes) the arguments before sending: a failure is the local outbound violation. */
  readonly request?: Schema.Codec<any, any> | undefined
  /** Validates (and decodes) the answer: a failure is the local inbound violation. */
  readonly response?: Schema.Codec<A, any> | undefined
  /** A client deadline for this call; when it passes the call fails with `Timeout`. */
  readonly deadlineMs?: number | undefined
  /** Extra request metadata. */
  readonly metadata?: Readonly<Record<string, string>> | undefined
  /** Overrides `Trust.CurrentMode` for this call. */
  readonly mode?: Trust.Mode | undefined
  /** Overrides `Catalog.Current` for this call. */
  readonly catalog?: Catalog.Catalog | undefined
  readonly domain?: string | undefined
}

/**
 * A unary gRPC call, as an Effect that fails only with faults: the six ways a remote call fails are
 * each a distinct fault (see `Failures.kind`). The arguments are validated before sending (local
 * outbound violation), the correlation id is sent in the `Correlation.CurrentConfig` header
 * (`x-correlator` by default), the answer is validated (local inbound violation); a server status is decoded under the trust mode (`RemoteFault` by default), a
 * remote `SchemaViolation` arrives typed with `origin: "remote"`, and grpc-js's own failures become
 * `Unreachable` / `Timeout` / `ConnectionLost`. Interrupting the effect cancels the call.
 *
 * @example
 * ```ts
 * import * as grpc from "@grpc/grpc-js"
 * import { Effect, Schema } from "effect"
 * import { Grpc } from "effect-faults/rpc/grpc"
 *
 * declare const client: grpc.Client
 * declare const Get: grpc.MethodDefinition<{ id: string }, { id: string }>
 *
 * const order = Grpc.unary(client, Get, { id: "42" }, { response: Schema.Struct({ id: Schema.String }), deadlineMs: 1000 }).pipe(
 *   Effect.catchTag("RemoteFault", (f) => Effect.succeed({ id: `none (${f.remoteCode})` })))
 * ```
 *
 * @category client
 * @since 0.1.0
 */
export const unary = <Req, Res, A = Res>(
  client: grpc.Client,
  method: grpc.MethodDefinition<Req, Res>,
  request: Req,
  options?: CallOptions<A>
): Effect.Effect<A, Fault.Fault> =>
  Effect.gen(function*() {
    const correlationId = yield* Correlation.currentOrGenerate
    const mode = options?.mode ?? (yield* Trust.CurrentMode)
    const catalog = options?.catalog ?? (yield* Catalog.Current)
    const domain = options?.domain ?? (yield* CurrentConfig).domain
    const correlationHeader = headerOf((yield* Correlation.CurrentConfig).responseHeader)
    let wire: unknown = request
    if (options?.request !== undefined) {
      const encoded = Schema.encodeUnknownResult(options.request)(request)
      if (Result.isFailure(encoded)) {
        return yield* Effect.fail(violationsFrom("LocalOutboundViolation", encoded.failure, correlationId))
      }
      wire = encoded.success
    }
    const metadata = new grpc.Metadata()
    if (options?.metadata !== undefined) {
      for (const key of Object.keys(options.metadata)) metadata.set(key, options.metadata[key]!)
    }
    metadata.set(correlationHeader, correlationId)
    const host = client.getChannel().getTarget()
    const response = yield* Effect.callback<Res, Fault.Fault>((resume) => {
      let headersReceived = false
      const callOptions: grpc.CallOptions = options?.deadlineMs === undefined
        ? {}
        : { deadline: Date.now() + options.deadlineMs }
      const call = client.makeUnaryRequest<Req, Res>(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        wire as Req,
        metadata,
        callOptions,
        (error, value) => {
          if (error === null) return resume(Effect.succeed(value as Res))
          const fault = fromError(error, {
            mode,
            catalog,
            domain,
            method: method.path,
            host,
            deadlineMs: options?.deadlineMs,
            headersReceived,
            correlationHeader
          })
          resume(Effect.andThen(
            Failures.report(fault, { source: "grpc", detail: { method: method.path } }),
            Effect.fail(fault)
          ))
        }
      )
      call.on("metadata", () => {
        headersReceived = true
      })
      return Effect.sync(() => call.cancel())
    })
    if (options?.response === undefined) return response as unknown as A
    const decoded = Schema.decodeUnknownResult(options.response)(response)
    if (Result.isFailure(decoded)) {
      const fault = violationsFrom("LocalInboundViolation", decoded.failure, correlationId)
      yield* Failures.report(fault, { source: "grpc", detail: { method: method.path } })
      return yield* Effect.fail(fault)
    }
    return decoded.success
  })
